"""Confinement for one snippet process of ``lecturegen check`` (Linux; standard library only).

Loaded by path inside the check worker (see ``worker.py``), never imported by the snippets.
What it does, each step best effort (``Isolation`` records what held and why not):

* ``new_pid_namespace`` (in the supervisor, before it forks the snippet process): the snippet
  process becomes PID 1 of a new PID namespace, so when it ends the kernel kills everything it
  started (``setsid`` or not), and it cannot see or signal processes outside.  Without one, the
  supervisor is a child subreaper and kills every descendant itself (``reap_descendants``).
* ``confine`` (in the snippet process): a network namespace with no interface up (abstract Unix
  sockets are per network namespace) and an IPC namespace (System V and POSIX message queues); a
  mount namespace where every mount is read-only except the job's work folder (its cwd, HOME and
  TMPDIR: a size-capped tmpfs), with its own ``/proc`` and ``/dev/shm``; all capabilities dropped;
  a seccomp filter that refuses sockets other than IP and netlink (so no Unix-domain socket, the
  one local IPC a namespace leaves reachable by path) and io_uring (which could open them
  without the socket system call); an address-space limit, a file-size limit; an environment
  holding only what Python and TensorFlow need; every inherited file descriptor closed except the
  ones given.  Landlock then allows writes (named pipes and devices included, which a read-only
  mount does not stop) only beneath the work folder, and on kernels that have it no TCP, no
  abstract sockets and no signals outside.  Landlock and the seccomp filter need no privilege and
  hold without namespaces too.

This is protection against accidents (a lecture snippet that writes to ``~``, downloads a data set,
reads ``$AWS_SECRET_ACCESS_KEY`` or leaves a process running), not a sandbox against a determined
attacker: the process keeps the user's uid and can read every file the user can.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import signal
from dataclasses import dataclass, field

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
CLONE_NEWIPC = 0x08000000
WORK_DISK_MB = 512  # the job's folder: a tmpfs of this size (and the largest file it may write)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 4096, 16384, 1 << 18
MOUNT_ATTR_RDONLY, AT_RECURSIVE, AT_FDCWD = 0x1, 0x8000, -100
SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 36, 24, 38
CAP_LAST_CAP_FILE = "/proc/sys/kernel/cap_last_cap"
# What Python and TensorFlow need from the user's environment; everything else is dropped.
KEEP_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "TZ",
            "PYTHONPATH", "PYTHONUSERBASE", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES")
FIXED_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
             # glibc reserves 64 MiB of address space per thread arena; cap it so
             # RLIMIT_AS tracks real use rather than the machine's core count.
             "MALLOC_ARENA_MAX": "2"}

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class Isolation:
    """Which confinement steps held (``True``) or why not: :data:`OFF`, or the system's error text
    (the parent says it, ``check.isolation.why_<step>``, in the interface language)."""

    steps: dict[str, bool | str] = field(default_factory=dict)

    def held(self, name: str) -> bool:
        return self.steps.get(name) is True


def scrubbed_env(source: dict[str, str], home: str) -> dict[str, str]:
    """The environment for the worker and its snippets: no secrets, HOME and TMPDIR in ``home``."""
    env = {k: source[k] for k in KEEP_ENV if k in source}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(FIXED_ENV, HOME=home, TMPDIR=home)
    return env


def _call(fn: str, *args: object) -> None:
    if getattr(_libc, fn)(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{fn}: {os.strerror(err)}")


def _prctl(option: int, arg: int) -> None:
    _call("prctl", ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
          ctypes.c_ulong(0))


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to this process when the thread that forked it ends (lecturegen killed -> all die)."""
    _prctl(PR_SET_PDEATHSIG, sig)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as fh:
        fh.write(text)


OFF = "off"  # turned off by LECTUREGEN_CHECK_NAMESPACES=0


def new_pid_namespace(iso: Isolation, enabled: bool = True) -> None:
    """Make the next child PID 1 of a new PID namespace (in a user namespace when not root)."""
    try:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)  # the fallback: orphans come to us, see reap_descendants
    except OSError:
        pass
    if not enabled:
        iso.steps["pid"] = OFF
        return
    flags = CLONE_NEWPID
    uid, gid = os.geteuid(), os.getegid()
    if uid != 0:
        flags |= CLONE_NEWUSER
    try:
        _call("unshare", ctypes.c_int(flags))
        if uid != 0:  # map our own ids so files keep their owner inside the user namespace
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        iso.steps["pid"] = True
    except OSError as exc:
        iso.steps["pid"] = str(exc.strerror or exc)


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def reap_descendants() -> None:
    """Kill and wait for every descendant (orphans re-parent to us: we are a subreaper)."""
    me = os.getpid()
    while True:
        for pid in _children(me):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _call("mount", enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))


def _mount_setattr(path: str, flags: int, attr_set: int, attr_clr: int) -> None:
    number = SYS_MOUNT_SETATTR.get(os.uname().machine)
    if number is None:
        raise OSError(errno.ENOSYS, "mount_setattr: unknown syscall number")
    attr = (ctypes.c_uint64 * 4)(attr_set, attr_clr, 0, 0)
    if _libc.syscall(ctypes.c_long(number), ctypes.c_int(AT_FDCWD), path.encode(), ctypes.c_uint(flags),
                     ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr))) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount_setattr: {os.strerror(err)}")


def _read_only_filesystem(work: str, own_proc: bool) -> None:
    _call("unshare", ctypes.c_int(CLONE_NEWNS))
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount_setattr("/", AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0)
    # the job's folder: its own tmpfs, so one job cannot fill the disk (or the machine's /tmp)
    _mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV, f"size={WORK_DISK_MB}m,nr_inodes=65536,mode=0700")
    if os.path.isdir("/dev/shm"):  # multiprocessing's semaphores live here
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
    if own_proc:  # a /proc that shows only the snippet's own PID namespace
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)


def _drop_capabilities() -> None:
    with open(CAP_LAST_CAP_FILE, encoding="ascii") as fh:
        last = int(fh.read())
    for cap in range(last + 1):
        _prctl(PR_CAPBSET_DROP, cap)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    _call("capset", ctypes.byref(Header(0x20080522, 0)), ctypes.byref((Data * 2)()))
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


# seccomp: a classic BPF program over struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x06
AF_INET, AF_INET6, AF_NETLINK = 2, 10, 16
# machine -> (AUDIT_ARCH_*, __NR_socket, __NR_io_uring_setup)
SECCOMP_ARCH = {"x86_64": (0xC000003E, 41, 425), "aarch64": (0xC00000B7, 198, 425)}
X32_SYSCALL_BIT = 0x40000000


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


NO_FAMILY = 0xFFFF  # no such address family: a slot of the program that matches nothing


def seccomp_program(machine: str, allow_ip: bool = True) -> list[tuple[int, int, int, int]]:
    """The filter: socket() only for netlink and, when ``allow_ip`` (inside a network namespace, where IP
    reaches nothing), IP (EACCES otherwise: no Unix-domain, packet, vsock... sockets; without a network
    namespace no TCP or UDP either), no io_uring (EPERM), and no system calls of another ABI (EPERM)."""
    arch, nr_socket, nr_io_uring = SECCOMP_ARCH[machine]
    inet, inet6 = (AF_INET, AF_INET6) if allow_ip else (NO_FAMILY, NO_FAMILY)
    deny, refuse, allow = (SECCOMP_RET_ERRNO | errno.EPERM, SECCOMP_RET_ERRNO | errno.EACCES, SECCOMP_RET_ALLOW)
    return [
        (BPF_LD_W_ABS, 0, 0, 4),                 # 0: arch
        (BPF_JEQ_K, 1, 0, arch),                 # 1: native ABI -> 3
        (BPF_RET_K, 0, 0, deny),                 # 2
        (BPF_LD_W_ABS, 0, 0, 0),                 # 3: syscall number
        (BPF_JGE_K, 8, 0, X32_SYSCALL_BIT),      # 4: x32 -> 13
        (BPF_JEQ_K, 7, 0, nr_io_uring),          # 5: io_uring_setup -> 13
        (BPF_JEQ_K, 0, 5, nr_socket),            # 6: socket? else -> 12
        (BPF_LD_W_ABS, 0, 0, 16),                # 7: args[0], the address family (low word)
        (BPF_JEQ_K, 3, 0, inet),                 # 8 -> 12
        (BPF_JEQ_K, 2, 0, inet6),                # 9 -> 12
        (BPF_JEQ_K, 1, 0, AF_NETLINK),           # 10 -> 12
        (BPF_RET_K, 0, 0, refuse),               # 11
        (BPF_RET_K, 0, 0, allow),                # 12
        (BPF_RET_K, 0, 0, deny),                 # 13
    ]


def _seccomp(allow_ip: bool = True) -> None:
    machine = os.uname().machine
    if machine not in SECCOMP_ARCH:
        raise OSError(errno.ENOSYS, f"seccomp: no filter for {machine}")
    prog = seccomp_program(machine, allow_ip)
    filters = (_SockFilter * len(prog))(*(_SockFilter(*ins) for ins in prog))
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    fprog = _SockFprog(len(prog), filters)
    _call("prctl", ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog),
          ctypes.c_ulong(0), ctypes.c_ulong(0))


# Landlock (unprivileged; what it handles grows with the kernel's ABI version, see docs/upgrading.md)
SYS_LANDLOCK = (444, 445, 446)  # create_ruleset, add_rule, restrict_self: the same on x86_64 and aarch64
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_TRUNCATE = 1 << 0, 1 << 1, 1 << 2, 1 << 14
LL_WRITES_V1 = sum(1 << b for b in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make *
LL_REFER = 1 << 13
LL_NET_TCP = 1 | 2  # bind, connect
LL_SCOPE = 1 | 2  # abstract Unix sockets and signals of processes outside the domain
LL_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/dev/random")


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0: none or turned off)."""
    version = _libc.syscall(ctypes.c_long(SYS_LANDLOCK[0]), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(version, 0)


def _landlock(work: str, shm: bool) -> None:
    """Writes only beneath ``work`` (and ``/dev/shm`` when it is ours), covering what a read-only mount
    does not (named pipes, devices); with ABI 4+ no TCP, with ABI 6+ no abstract sockets and no signals
    outside (both matter where namespaces are missing)."""
    abi = landlock_abi()
    if abi < 1:
        raise OSError(errno.EOPNOTSUPP, "Landlock is not available in this kernel")
    fs = LL_WRITES_V1 | (LL_REFER if abi >= 2 else 0) | (LL_TRUNCATE if abi >= 3 else 0)
    attr = (ctypes.c_uint64 * 3)(fs, LL_NET_TCP if abi >= 4 else 0, LL_SCOPE if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _libc.syscall(ctypes.c_long(SYS_LANDLOCK[0]), ctypes.byref(attr), ctypes.c_size_t(size),
                            ctypes.c_uint32(0))
    if ruleset < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock_create_ruleset: {os.strerror(err)}")

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    try:
        file_rights = fs & (LL_WRITE_FILE | LL_TRUNCATE)
        places = [(work, fs)] + ([("/dev/shm", fs)] if shm else []) + [(d, file_rights) for d in LL_DEVICES]
        for path, rights in places:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = PathBeneath(rights, fd)
                if _libc.syscall(ctypes.c_long(SYS_LANDLOCK[1]), ctypes.c_int(ruleset), ctypes.c_int(1),
                                 ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"landlock_add_rule {path}: {os.strerror(err)}")
            finally:
                os.close(fd)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        if _libc.syscall(ctypes.c_long(SYS_LANDLOCK[2]), ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(ruleset)


def _step(iso: Isolation, name: str, fn, *args: object) -> None:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
        iso.steps[name] = True
    except OSError as exc:
        iso.steps[name] = str(exc.strerror or exc)


def close_fds_except(keep: set[int]) -> None:
    """Close every file descriptor above 2 that is not in ``keep``."""
    low = 3
    for fd in sorted(k for k in keep if k > 2) + [None]:
        os.closerange(low, fd if fd is not None else resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        low = (fd or 0) + 1


def _show_datasets(src: str, work: str, bind: bool) -> None:
    """The user's Keras dataset cache at ``~/.keras/datasets`` (HOME is the work folder), so that
    ``keras.datasets.mnist.load_data()`` works offline: a bind mount of the read-only tree (so
    read-only), or a symbolic link without a mount namespace."""
    target = os.path.join(work, ".keras", "datasets")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if bind:
        os.mkdir(target)
        _mount(src, target, None, MS_BIND)
    else:
        os.symlink(src, target)


def confine(iso: Isolation, work: str, memory_mb: int, env: dict[str, str], namespaces: bool = True,
            datasets: str | None = None) -> None:
    """Confine the current (snippet) process; call after fork, before running untrusted code."""
    os.setsid()
    if namespaces:
        _step(iso, "net", _call, "unshare", ctypes.c_int(CLONE_NEWNET | CLONE_NEWIPC))
        _step(iso, "files", _read_only_filesystem, work, iso.held("pid"))
    else:
        iso.steps.update(net=OFF, files=OFF, caps=OFF)
    if datasets:
        try:
            _show_datasets(datasets, work, iso.held("files"))
        except OSError:
            pass  # a snippet that needs the cache will say so itself
    if namespaces and (os.geteuid() == 0 or iso.held("pid")):
        _step(iso, "caps", _drop_capabilities)
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = memory_mb << 20 if hard == resource.RLIM_INFINITY else min(memory_mb << 20, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    fsize = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    cap = WORK_DISK_MB << 20 if fsize == resource.RLIM_INFINITY else min(WORK_DISK_MB << 20, fsize)
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, fsize))  # a write past it fails with EFBIG
    _step(iso, "landlock", _landlock, work, iso.held("files"))
    _step(iso, "sockets", _seccomp, iso.held("net"))  # last: nothing above may need a refused call
    os.environ.clear()
    os.environ.update(env, HOME=work, TMPDIR=work, PWD=work)
    os.chdir(work)
