"""Issue 26: the check sandbox reaches no local IPC outside its folder, and its output is bounded.

Each class is tried with several instances; all run in the fast tier (no TensorFlow: the light worker).
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from lecturegen.check.audit import check_snippets
from lecturegen.check.extract import Snippet
from tests.test_check import needs_namespaces, observed, run_code

PROBE = (
    "import errno, json, socket\n"
    "def attempt(fn):\n"
    "    try:\n        fn(); return 'reached'\n"
    "    except OSError as exc:\n        return errno.errorcode.get(exc.errno, str(exc))\n"
)


def _listen(family: int, kind: int, address) -> tuple[socket.socket, list[bytes]]:
    got: list[bytes] = []
    server = socket.socket(family, kind)
    server.bind(address)
    if kind == socket.SOCK_STREAM:
        server.listen()

        def accept() -> None:
            try:
                conn, _ = server.accept()
                got.append(conn.recv(100))
            except OSError:
                pass

        threading.Thread(target=accept, daemon=True).start()
    return server, got


@pytest.mark.parametrize("namespaces", ["1", "0"])
@pytest.mark.parametrize("case", ["stream-path", "dgram-path", "seqpacket-path", "abstract", "bind-own-folder"])
def test_no_unix_domain_socket_reaches_outside(tmp_path, monkeypatch, namespaces, case):
    """Path sockets of every type, abstract sockets, and a listener made inside the folder: all refused
    (the seccomp filter holds with or without namespaces)."""
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    kinds = {"stream-path": socket.SOCK_STREAM, "dgram-path": socket.SOCK_DGRAM,
             "seqpacket-path": socket.SOCK_SEQPACKET, "abstract": socket.SOCK_STREAM}
    server, got = None, []
    if case == "bind-own-folder":
        action = "s = socket.socket(socket.AF_UNIX); s.bind('mine.sock'); s.listen()"
    else:
        address = f"\0lecturegen-test-{os.getpid()}-{case}-{namespaces}" if case == "abstract" else str(tmp_path / f"{case}.sock")
        server, got = _listen(socket.AF_UNIX, kinds[case], address)
        kind = {socket.SOCK_STREAM: "SOCK_STREAM", socket.SOCK_DGRAM: "SOCK_DGRAM",
                socket.SOCK_SEQPACKET: "SOCK_SEQPACKET"}[kinds[case]]
        action = (f"s = socket.socket(socket.AF_UNIX, socket.{kind}); s.connect({address!r}); "
                  "s.send(b'hello')")
    try:
        seen = observed(run_code(tmp_path, PROBE + f"raise RuntimeError(json.dumps(attempt(lambda: exec({action!r}))))\n"))
    finally:
        if server is not None:
            server.close()
    assert seen == "EACCES" and got == [], (case, seen, got)


@pytest.mark.parametrize("family", ["AF_PACKET", "AF_VSOCK", "AF_BLUETOOTH", "AF_ALG"])
def test_other_socket_families_are_refused(tmp_path, family):
    seen = observed(run_code(tmp_path, PROBE + (
        f"raise RuntimeError(json.dumps(attempt(lambda: socket.socket(getattr(socket, {family!r}, 40), "
        "socket.SOCK_DGRAM if " f"{family!r} == 'AF_PACKET' else socket.SOCK_SEQPACKET))))\n")))
    assert seen in ("EACCES", "EAFNOSUPPORT"), seen  # refused, or not built into this Python/kernel
    assert seen == "EACCES" or family not in ("AF_PACKET",)


def test_io_uring_and_socketpair(tmp_path):
    """io_uring could open sockets without socket(2): refused.  An anonymous socket pair (what
    multiprocessing's pipes use) reaches nothing outside, so it still works."""
    seen = observed(run_code(tmp_path, (
        "import ctypes, errno, json, socket\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "params = ctypes.create_string_buffer(120)\n"
        "rc = libc.syscall(425, 4, params)\n"
        "a, b = socket.socketpair(); a.send(b'x')\n"
        "raise RuntimeError(json.dumps([rc, errno.errorcode.get(ctypes.get_errno()), b.recv(1).decode()]))\n")))
    assert seen == [-1, "EPERM", "x"], seen


@needs_namespaces
def test_system_v_ipc_outside_is_invisible(tmp_path):
    libc = ctypes.CDLL(None, use_errno=True)
    key = 0x4C47_0000 | (os.getpid() & 0xFFFF)
    shm = libc.shmget(key, 4096, 0o1600)  # IPC_CREAT | 0600
    msq = libc.msgget(key, 0o1600)
    assert shm >= 0 and msq >= 0
    try:
        seen = observed(run_code(tmp_path, (
            "import ctypes, errno, json\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"out = []\nfor fn in (libc.shmget, libc.msgget, libc.semget):\n"
            f"    rc = fn({key}, 0, 0) if fn is not libc.semget else fn({key}, 0, 0)\n"
            "    out.append(errno.errorcode.get(ctypes.get_errno()) if rc < 0 else 'reached')\n"
            "raise RuntimeError(json.dumps(out))\n")))
    finally:
        libc.shmctl(shm, 0, None)  # IPC_RMID
        libc.msgctl(msq, 0, None)
    assert seen == ["ENOENT", "ENOENT", "ENOENT"], seen


@pytest.mark.parametrize("namespaces", ["1", "0"])  # Landlock holds without namespaces too
def test_named_pipe_outside_is_not_writable(tmp_path, monkeypatch, namespaces):
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        seen = observed(run_code(tmp_path, PROBE + (
            f"raise RuntimeError(json.dumps(attempt(lambda: open({str(fifo)!r}, 'wb', buffering=0).write(b'x'))))\n")))
        try:
            leaked = os.read(reader, 10)
        except BlockingIOError:
            leaked = b""
    finally:
        os.close(reader)
    assert seen != "reached" and leaked == b"", seen


@pytest.mark.parametrize("target", ["file", "folder", "device"])
def test_without_namespaces_writes_outside_are_still_refused(tmp_path, monkeypatch, target):
    """The fallback (no mount namespace): Landlock keeps writes in the job's folder."""
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", "0")
    action = {"file": f"open({str(tmp_path / 'x.txt')!r}, 'w')", "folder": f"__import__('os').mkdir({str(tmp_path / 'd')!r})",
              "device": "open('/dev/tty', 'w')"}[target]
    seen = observed(run_code(tmp_path, PROBE + f"raise RuntimeError(json.dumps(attempt(lambda: {action})))\n"))
    assert seen == "EACCES" and not (tmp_path / "x.txt").exists() and not (tmp_path / "d").exists(), seen


def test_without_namespaces_no_signal_reaches_outside(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", "0")
    seen = observed(run_code(tmp_path, PROBE + f"raise RuntimeError(json.dumps(attempt(lambda: __import__('os').kill({os.getpid()}, 0))))\n"))
    assert seen == "EPERM", seen


# ---------------------------------------------------------------- output and disk bounds

@pytest.mark.parametrize("namespaces", ["1", "0"])
@pytest.mark.parametrize("stream", ["stdout", "stderr", "both"])
def test_printing_without_end_is_bounded_and_noted(tmp_path, monkeypatch, namespaces, stream, quiet_tmp):
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", namespaces)
    before = _tmp_use(quiet_tmp)
    targets = {"stdout": "[sys.stdout]", "stderr": "[sys.stderr]", "both": "[sys.stdout, sys.stderr]"}[stream]
    r = run_code(tmp_path, (
        "import sys\nline = 'x' * 1023 + '\\n'\n"
        f"for i in range(60_000):\n    for f in {targets}:\n        f.write(line)\n"
        "sys.stderr.write('THE END\\n')\n"))
    assert r.verdict == "ok", r
    note = [h for h in r.hints if "only the last" in h]
    assert note and "MiB" in note[0], r.hints
    assert _tmp_use(quiet_tmp) - before < 20 << 20  # 60-120 MiB printed, none of it on disk


@pytest.fixture()
def quiet_tmp(tmp_path, monkeypatch) -> Path:
    """The check's temporary folders (its own, its worker's and, without namespaces, its snippets':
    all under ``tempfile.gettempdir()``) inside this test's folder, whose disk use is then measured:
    the whole /tmp file system's would move with the builds and browsers of other tests running at
    the same time (other xdist workers, other people on the machine)."""
    base = tmp_path / "tmp"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    return tmp_path


def _tmp_use(where: Path) -> int:
    """The disk blocks of every file under ``where``."""
    return sum(p.lstat().st_blocks * 512 for p in where.rglob("*") if not p.is_dir())


def test_stderr_tail_is_kept_for_a_crash(tmp_path):
    r = run_code(tmp_path, (
        "import os, sys\nfor i in range(20_000):\n    sys.stderr.write('noise ' * 50 + '\\n')\n"
        "sys.stderr.write('LAST WORDS\\n'); sys.stderr.flush(); os._exit(3)\n"))
    assert r.verdict == "error" and "LAST WORDS" in r.message and "status 3" in r.message, r


@needs_namespaces
@pytest.mark.parametrize("how", ["one-file", "many-files"])
def test_disk_use_per_job_is_capped(tmp_path, how, quiet_tmp):
    before = _tmp_use(quiet_tmp)
    code = {"one-file": "open('big', 'wb').write(b'\\0' * (600 << 20))\n",
            "many-files": ("import os\nblock = b'\\0' * (8 << 20)\n"
                           "for i in range(100):\n    open(f'f{i}', 'wb').write(block)\n")}[how]
    r = run_code(tmp_path, "import errno\ntry:\n" + "".join("    " + ln + "\n" for ln in code.splitlines())
                 + "except OSError as exc:\n    raise RuntimeError(errno.errorcode[exc.errno])\n")
    assert (r.verdict, r.error_type) == ("error", "RuntimeError") and r.message in ("EFBIG", "ENOSPC"), r
    assert _tmp_use(quiet_tmp) - before < 64 << 20


def test_an_honest_talkative_notebook_is_not_called_forged(tmp_path):
    """12 cells, each with the most warnings a cell may report, long and non-BMP (~1 MiB of JSON a cell,
    12 MiB in all, past the old 8 MiB cap): every verdict kept."""
    nb = tmp_path / "talk.ipynb"
    nb.write_text("{}")
    code = ("import warnings\nfor i in range(25):\n"
            "    warnings.warn(f'{i} 경고 ' + '😀한국어' * 1500, DeprecationWarning)\n")
    snippets = [Snippet(nb, i + 1, i, code, "ipynb") for i in range(12)]
    results = check_snippets(snippets, timeout=30, jobs=1)
    assert len(results) == 12
    assert all(r.verdict == "warning" and "failed verification" not in r.message for r in results), \
        {r.verdict: r.message[:80] for r in results}


@pytest.mark.parametrize("kind", ["SOCK_DGRAM", "SOCK_STREAM"])
@pytest.mark.parametrize("family", ["AF_INET", "AF_INET6"])
def test_without_a_network_namespace_no_ip_socket_opens(tmp_path, monkeypatch, family, kind):
    """Landlock covers TCP only; without a network namespace the filter refuses IP sockets (UDP too)."""
    monkeypatch.setenv("LECTUREGEN_CHECK_NAMESPACES", "0")
    seen = observed(run_code(tmp_path, PROBE + (
        f"raise RuntimeError(json.dumps(attempt(lambda: socket.socket(socket.{family}, socket.{kind}).sendto(b'x', "
        f"('127.0.0.1' if '{family}' == 'AF_INET' else '::1', 9)))))\n")))
    assert seen == "EACCES", seen
