"""The bad-input matrix: every case runs the command line (``lecturegen.cli.main``, in this process)
and must end with exactly one line `error: <problem>; <fix>` on stderr, a non-zero exit code, no
traceback (an exception escaping ``main`` fails the test), and no output folder or temporary folder
left behind. A few cases, one of each kind of error, also run the real entry point
(`python -m lecturegen`) in a subprocess: what a user's shell sees, traceback or not."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from helpers import cli, cli_env, error_lines, make_idx_folder, report_data, run_cli, write_chapter, write_idx

FIX_WORDS = re.compile(r"\b(use|give|choose|fix|see|replace|wait|check|lower|rename|reinstall|install|unset|remove|build into)\b")


def _npz(path: Path, n_train: int = 60, n_test: int = 20, shape=(28, 28), **override) -> Path:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, *shape), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, *shape), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    arrays.update(override)
    np.savez(path, **arrays)
    return path


def _idx_folder(tmp: Path) -> Path:
    return make_idx_folder(tmp / "idx", 60, 20)


# Each case: tmp folder -> (arguments after `build`/the command, environment or None); needle in the message.
Case = Callable[[Path], tuple[list[str], dict | None]]


def _data(make: Callable[[Path], Path]) -> Case:
    return lambda tmp: (["build", "ch4", "--profile", "quick", "--data", str(make(tmp))], None)


def _truncated_npz(tmp: Path) -> Path:
    good = _npz(tmp / "full.npz")
    bad = tmp / "mnist.npz"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return bad


def _pickled_npz(tmp: Path) -> Path:
    path = tmp / "mnist.npz"
    objects = np.empty(3, dtype=object)
    objects[:] = [1, "two", None]
    np.savez(path, x_train=objects, y_train=objects, x_test=objects, y_test=objects)
    return path


def _text_file(name: str, text: str = "hello") -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        (tmp / name).write_text(text)
        return tmp / name
    return make


def _idx_broken(kind: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        folder = _idx_folder(tmp)
        target = folder / "train-images-idx3-ubyte"
        raw = target.read_bytes()
        if kind == "truncated":
            target.write_bytes(raw[: len(raw) - 500])
        elif kind == "magic":
            target.write_bytes(b"\x1f\x8b\x08\x08" + raw[4:])
        elif kind == "gzip":
            target.unlink()
            (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(raw)[:200] + b"garbage")
        elif kind == "shape":
            write_idx(target, np.zeros((60, 28, 27)))
        return folder
    return make


def _idx_bomb(kind: str) -> Callable[[Path], Path]:
    """An IDX folder whose training images lie about their size: too big to hold, or a gzip bomb."""
    def make(tmp: Path) -> Path:
        folder = _idx_folder(tmp)
        target = folder / "train-images-idx3-ubyte"
        if kind == "overflow":  # 4,294,967,295 ** 3 bytes: wraps around in 64-bit arithmetic
            target.write_bytes(bytes([0, 0, 8, 3]) + b"\xff\xff\xff\xff" * 3 + b"\0" * 100)
        else:  # the header says 60 images; the gzip stream holds 64 MiB more
            raw = target.read_bytes()
            target.unlink()
            with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as fh:
                fh.write(raw)
                for _ in range(64):
                    fh.write(bytes(1 << 20))
        return folder
    return make


def npz_declaring(path: Path, shape: tuple[int, ...], descr: str = "|u1") -> Path:
    """A .npz whose x_train header declares ``shape`` but holds no data (the others are fine)."""
    import zipfile

    np.savez(path, y_train=np.zeros(60, np.uint8), x_test=np.zeros((20, 28, 28), np.uint8),
             y_test=np.zeros(20, np.uint8))
    with zipfile.ZipFile(path, "a") as zf:
        buf = io.BytesIO()
        np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
        zf.writestr("x_train.npy", buf.getvalue())
    return path


def _reports(tmp: Path) -> list[str]:
    """Two intact report.json files for diff."""
    import json

    report = report_data({"a": {"test_accuracy": 0.9, "test_loss": 0.3}})
    for name in ("old.json", "new.json"):
        (tmp / name).write_text(json.dumps(report))
    return [str(tmp / "old.json"), str(tmp / "new.json")]


def _fifo(tmp: Path, name: str = "mnist.npz") -> Path:
    import os

    os.mkfifo(tmp / name)
    return tmp / name


def _fifo_module(tmp: Path):
    env = write_chapter(tmp / "chapters")
    _fifo(tmp / "chapters", "evil.py")
    return ["list"], env


def _empty_folder(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def _chapter(args: list[str] | None = None, **params) -> Case:
    """A case with an extra chapter module (see conftest.write_chapter), built on the sample data."""
    def case(tmp: Path):
        default = ["build", params.get("chapter_id", "tiny"), "--profile", "quick", "--data", "sample"]
        return list(args or default), write_chapter(tmp / "chapters", **params)
    return case


CASES: dict[str, tuple[Case, str]] = {
    # the command line
    "unknown chapter": (lambda t: (["build", "ch99"], None), "unknown chapter 'ch99'"),
    "chapter id with ..": (lambda t: (["build", "../evil"], None), "invalid chapter id '../evil'"),
    "chapter id with /": (lambda t: (["build", "ch4/x"], None), "invalid chapter id 'ch4/x'"),
    "unknown profile": (lambda t: (["build", "ch4", "--profile", "huge"], None), "'huge' is not one of"),
    "unknown language": (lambda t: (["build", "ch4", "--lang", "fr"], None), "unknown language 'fr'; use one of: ko, en"),
    "seed not a number": (lambda t: (["build", "ch4", "--seed", "abc"], None), "Invalid value for '--seed'"),
    "negative seed": (lambda t: (["build", "ch4", "--seed", "-1"], None), "--seed"),
    # numeric options: bounded, finite
    "too many seeds": (lambda t: (["build", "ch4", "--seeds", "1000000"], None), "--seeds 1000000: give 1 to 100"),
    "seed range past 2**32": (lambda t: (["build", "ch4", "--seed", str(2**32 - 1), "--seeds", "2"], None),
                              "runs past the largest seed"),
    "seed past 2**32": (lambda t: (["build", "ch4", "--seed", str(2**32)], None), "--seed"),
    "too many jobs": (lambda t: (["build", "ch4", "--jobs", "100000"], None), "--jobs 100000: give 1 to 64"),
    "no jobs": (lambda t: (["build", "ch4", "--jobs", "0"], None), "--jobs 0: give 1 to 64"),
    "tolerance NaN": (lambda t: (["diff", *_reports(t), "--tolerance", "nan"], None), "--tolerance"),
    "tolerance infinite": (lambda t: (["diff", *_reports(t), "--tolerance", "inf"], None), "--tolerance"),
    "unknown option": (lambda t: (["build", "ch4", "--bogus"], None), "No such option: --bogus"),
    "unknown command": (lambda t: (["bild", "ch4"], None), "No such command 'bild'"),
    # data: the path
    "data path missing": (_data(lambda t: t / "nowhere" / "mnist.npz"), "no such file or folder"),
    "data neither npz nor folder": (_data(_text_file("digits.csv", "1,2,3")), "not a .npz file or a folder"),
    "data folder without IDX files": (_data(_empty_folder), "no MNIST IDX files"),
    "keras data offline": (lambda t: (["build", "ch4", "--data", "keras"], cli_env(KERAS_HOME=str(t))),
                           "MNIST is not in the Keras cache and downloads are off (LECTUREGEN_OFFLINE is set)"),
    # data: the files
    "npz that is text": (_data(_text_file("mnist.npz")), "not a readable .npz"),
    "npz truncated": (_data(_truncated_npz), "not a readable .npz"),
    "npz with pickled objects": (_data(_pickled_npz), "not a readable .npz"),
    "npz without x_train": (_data(lambda t: (np.savez(t / "m.npz", images=np.zeros((3, 28, 28))), t / "m.npz")[1]),
                            "has no x_test, x_train, y_test, y_train"),
    "npz images 32x32": (_data(lambda t: _npz(t / "m.npz", shape=(32, 32))), "expected 28x28"),
    "npz labels 0-11": (_data(lambda t: _npz(t / "m.npz", y_train=np.arange(60) % 12)), "expected 0-9"),
    "npz labels do not match images": (_data(lambda t: _npz(t / "m.npz", y_test=np.zeros(7, np.uint8))),
                                       "do not belong together"),
    "IDX truncated": (_data(_idx_broken("truncated")), "truncated or corrupt"),
    "IDX wrong magic": (_data(_idx_broken("magic")), "not an unsigned-byte IDX file"),
    "IDX gzip unreadable": (_data(_idx_broken("gzip")), "cannot read train-images-idx3-ubyte.gz"),
    "IDX images 28x27": (_data(_idx_broken("shape")), "expected 28x28"),
    # data: sizes that lie (read only what the header declares, and at most MAX_DATA_BYTES)
    "IDX dimensions that overflow": (_data(_idx_bomb("overflow")), "more than lecturegen reads"),
    "IDX gzip bomb": (_data(_idx_bomb("gzip")), "holds more bytes of data but its header says 47040"),
    "npz declaring 8 GB of images": (_data(lambda t: npz_declaring(t / "m.npz", (10_000_000, 28, 28))),
                                     "more than lecturegen reads"),
    "npz declaring a 1-D float64 of 2**40": (_data(lambda t: npz_declaring(t / "m.npz", (1 << 40,), "<f8")),
                                             "more than lecturegen reads"),
    "data is a FIFO": (_data(_fifo), "a FIFO, device or socket"),
    # FIFOs (and devices) wherever a path goes: refused at once, never waited on
    "output folder is a FIFO": (lambda t: (["build", "ch4", "--out", str(_fifo(t, "out"))], None),
                                "is a file, not a folder"),
    "cache folder is a FIFO": (lambda t: (["build", "ch4", "--cache-dir", str(_fifo(t, "cache"))], None),
                               "cannot use the cache folder"),
    "chapter module is a FIFO": (_fifo_module, "is a FIFO or device, not a file"),
    "diff of a FIFO": (lambda t: (["diff", str(_fifo(t, "old.json")), "/dev/null"], None), "is not a regular file"),
    "diff of a device": (lambda t: (["diff", "/dev/zero", "/dev/zero"], None), "is not a regular file"),
    "new into a FIFO": (lambda t: (["new", "ch7", "--dir", str(_fifo(t, "course"))], None), "is not a folder"),
    "check of a FIFO": (lambda t: (["check", str(_fifo(t, "lecture.py"))], None), "is a FIFO, device or socket"),
    "check timeout NaN": (lambda t: (["check", str(_text_file("a.py", "x = 1")(t)), "--timeout", "nan"], None),
                          "give --timeout between 0 and 86400 s"),
    "check timeout infinite": (lambda t: (["check", str(_text_file("a.py", "x = 1")(t)), "--timeout", "inf"], None),
                               "give --timeout between 0 and 86400 s"),
    "templates folder is a FIFO": (lambda t: (["build", "ch4", "--templates", str(_fifo(t, "tpl"))], None),
                                   "templates folder"),
    # data: values (pixels 0-255 as numbers, labels integers 0-9, something to train on)
    "npz labels NaN": (_data(lambda t: _npz(t / "m.npz", y_train=np.full(60, np.nan))), "NaN, infinite or fractional"),
    "npz labels fractional": (_data(lambda t: _npz(t / "m.npz", y_test=np.full(20, 2.5))), "fractional"),
    "npz labels text": (_data(lambda t: _npz(t / "m.npz", y_train=np.array(["7"] * 60))), "not integers 0-9"),
    "npz images text": (_data(lambda t: _npz(t / "m.npz", x_test=np.full((20, 28, 28), "x"))), "not numbers 0-255"),
    "npz images complex": (_data(lambda t: _npz(t / "m.npz", x_train=np.ones((60, 28, 28), np.complex64))),
                           "of type complex64"),
    "npz images boolean": (_data(lambda t: _npz(t / "m.npz", x_train=np.ones((60, 28, 28), bool))), "type bool"),
    "npz pixels int64 over 255": (_data(lambda t: _npz(t / "m.npz", x_train=np.full((60, 28, 28), 4096))),
                                  "run from 4096 to 4096, outside 0-255"),
    "npz pixels negative": (_data(lambda t: _npz(t / "m.npz", x_test=np.full((20, 28, 28), -1.0))), "outside 0-255"),
    "npz pixels NaN": (_data(lambda t: _npz(t / "m.npz", x_test=np.full((20, 28, 28), np.nan))), "NaN or infinite"),
    "npz without training images": (_data(lambda t: _npz(t / "m.npz", n_train=0)), "there are no train images"),
    # where things are written
    "output folder is a file": (lambda t: (["build", "ch4", "--data", "sample", "--out", str(_text_file("out")(t))],
                                           None), "is a file, not a folder"),
    "output folder under a file": (lambda t: (["build", "ch4", "--data", "sample", "--out",
                                               str(_text_file("f")(t) / "out")], None), "cannot write to the output"),
    "cache folder is a file": (lambda t: (["build", "ch4", "--data", "sample", "--cache-dir",
                                           str(_text_file("cache")(t))], None), "cannot use the cache folder"),
    # chapter modules
    "chapter module syntax error": (_chapter(source="def broken(:\n"), "failed to import: SyntaxError"),
    "chapter module raises on import": (_chapter(source="raise RuntimeError('no GPU here')\n"),
                                        "failed to import: RuntimeError: no GPU here"),
    "chapter module without CHAPTER": (_chapter(source="X = 1\n"), "defines no CHAPTER"),
    "chapter id that leaves the folder": (_chapter(["build", "ch4"], chapter_id="../evil", content=None),
                                          "chapter id '../evil' must be"),
    "chapter id taken": (_chapter(["build", "ch4"], chapter_id="ch4", content=None), "chapter 'ch4' is defined twice"),
    "chapters dir not a folder": (lambda t: (["list"], cli_env(LECTUREGEN_CHAPTERS_DIR=str(t / "nope"))),
                                  "which is not a folder"),
    "list with a broken chapter": (_chapter(["list"], source="import no_such_module_xyz\n"),
                                   "ModuleNotFoundError"),
    "chapter without the language": (lambda t: (["build", "tiny", "--lang", "en", "--data", "sample"],
                                                 write_chapter(t / "chapters")), "no 'en' content"),
    # content files
    "content with an undefined name": (_chapter(content="# T\n\nline two\n{{ runz.tiny }}\n"),
                                       "ko.md line 4 (tiny): no helper or value 'runz' (did you mean 'runs'?)"),
    "content with a syntax error": (_chapter(content="# T\n\n{% if %}\n"), "ko.md line 3 (tiny)"),
    "content naming an unknown experiment": (_chapter(content="# T\n\n\n\n{{ code('nope') }}\n"),
                                             "ko.md line 5 (tiny): no experiment 'nope'"),
    # experiments
    "experiment fails to build its model": (_chapter(layer="keras.layers.Dense(-3),"),
                                            "experiment 'tiny' failed to build its model"),
    "experiment fails during training": (_chapter(loss="categorical_crossentropy"),
                                         "experiment 'tiny' failed during training: ValueError: Arguments `target` and `output`"),
    "loss becomes NaN": (_chapter(layer='keras.layers.Dense(10, activation="softmax"),',
                                  optimizer="keras.optimizers.SGD(learning_rate=1e38)"),
                         "the loss became NaN or infinite"),
}


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad-input-cache")


# cases that train the tiny chapter (TensorFlow) before they fail: the slow mark keeps them out of `-m "not slow"`
TRAINS = {"content with an undefined name", "content with a syntax error", "content naming an unknown experiment",
          "experiment fails to build its model", "experiment fails during training", "loss becomes NaN"}
# data whose fault shows only when the arrays are read: a build reads them before it imports
# TensorFlow (so these stay in `-m "not slow"`, where TensorFlow is refused)
READ_BEFORE_TRAINING = {
    "npz images 32x32", "npz labels 0-11", "npz labels do not match images", "IDX truncated", "IDX gzip unreadable",
    "IDX images 28x27", "IDX gzip bomb", "npz labels NaN", "npz labels fractional", "npz labels text",
    "npz images text", "npz images complex", "npz images boolean", "npz pixels int64 over 255",
    "npz pixels negative", "npz pixels NaN", "npz without training images"}
SLOW = TRAINS


def _cases(names) -> list:
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


# one case of each kind of error also runs as `python -m lecturegen` in a subprocess
IN_A_PROCESS = {"unknown chapter", "unknown option", "npz truncated", "chapter module raises on import",
                "data is a FIFO", "experiment fails during training"}


@pytest.mark.parametrize("name", _cases(CASES))
def test_bad_input(name, tmp_path, shared_cache):
    _check_case(name, tmp_path, shared_cache, cli)


@pytest.mark.parametrize("name", _cases(n for n in CASES if n in IN_A_PROCESS))
def test_bad_input_through_the_real_entry_point(name, tmp_path, shared_cache):
    _check_case(name, tmp_path, shared_cache, run_cli)


def _check_case(name, tmp_path, shared_cache, run):
    make, needle = CASES[name]
    args, env = make(tmp_path)
    out = tmp_path / "out"
    if args[0] == "build":
        if "--out" not in args:
            args += ["--out", str(out)]
        for option, safe in (("--profile", "quick"), ("--data", "sample")):  # never a full-size run
            if option not in args:
                args += [option, safe]
        if "--cache-dir" not in args:
            args += ["--cache-dir", str(shared_cache)]
        args += ["--quiet"]
    proc = run(*args, env=env)
    lines = error_lines(proc.stderr)
    assert proc.returncode in (1, 2), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert needle in lines[0], lines[0]
    _names_a_fix(lines[0])
    if out.is_dir():
        assert not [p.name for p in out.iterdir() if not p.name.endswith(".lock")], "a failed build left files"


def _names_a_fix(line: str) -> None:
    assert FIX_WORDS.search(line.split(";", 1)[-1] if ";" in line else line), f"no fix named: {line}"


def test_matrix_is_large_enough():
    assert len(CASES) >= 20
    assert IN_A_PROCESS <= set(CASES) and READ_BEFORE_TRAINING <= set(CASES)
