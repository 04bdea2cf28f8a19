"""The builds that many slow tests read, made once per test run (see conftest.py and docs/development.md).

A stage is one real command, run through the real CLI in-process (typer's CliRunner) exactly as a
user types it, into a folder shared by every process of the run (pytest-xdist's workers included):

- ``quick``: ``build ch4 --profile quick --data sample`` into ``out/`` with the cache ``cache/``;
- ``both``:  the same with ``--lang en`` into the same ``out/`` (every result from the cache);
- ``site``:  ``publish`` of ``out/`` into ``web/site``;
- ``seeds``: ``build ch4 ... --seeds 2`` into ``out-seeds/`` (seed 0 from the cache, seed 1 trains);
- ``pair``:  ``build pair`` (tests/pair_chapter: two of ch4's experiments, three runs) into ``pair/out/``
  with its own cache ``pair/cache/``, for the tests that train a chapter again another way and compare.

Each stage has a lock file and, once done, a record (``<stage>.json``: exit code and output). The
first process that needs a stage takes its lock, makes it and writes the record; the others wait
on the lock and read the record. So that the training overlaps with the tests that need no build,
conftest.py starts ``python shared_builds.py ROOT STAGE=FD ...`` in the background as soon as the
tests are collected, handing it the stage locks it already holds: each is released as its stage is
done. If that process dies, a waiting test finds no record and makes the stage itself.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

STAGES = ("quick", "pair", "both", "site", "seeds")
QUICK = ["--profile", "quick", "--data", "sample"]
PAIR_CHAPTERS = Path(__file__).resolve().parent / "pair_chapter"


def command(stage: str, root: Path) -> list[str]:
    """The command line of a stage."""
    cache = ["--cache-dir", str(root / "cache")]
    if stage == "quick":
        return ["build", "ch4", *QUICK, "--out", str(root / "out"), *cache, "--quiet"]
    if stage == "both":
        return ["build", "ch4", *QUICK, "--lang", "en", "--out", str(root / "out"), *cache, "--quiet"]
    if stage == "site":
        return ["publish", "--out", str(root / "out"), "--site", str(root / "web" / "site"), *cache]
    if stage == "seeds":  # not --quiet: the progress names each seed
        return ["build", "ch4", *QUICK, "--out", str(root / "out-seeds"), *cache, "--seeds", "2"]
    if stage == "pair":
        return ["build", "pair", *QUICK, "--chapters-dir", str(PAIR_CHAPTERS), "--out", str(root / "pair" / "out"),
                "--cache-dir", str(root / "pair" / "cache"), "--quiet"]
    raise ValueError(stage)


def record_path(root: Path, stage: str) -> Path:
    return root / f"{stage}.json"


def make(stage: str, root: Path) -> dict:
    """Run the stage's command in this process; write and return its record."""
    from typer.testing import CliRunner

    from lecturegen.cli import app

    result = CliRunner().invoke(app, command(stage, root))
    record = {"exit_code": result.exit_code, "output": result.output}
    tmp = record_path(root, stage).with_suffix(".tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, record_path(root, stage))
    return record


@contextmanager
def locked(root: Path, stage: str):
    """Hold the stage's lock (waiting for whoever holds it)."""
    with open(root / f"{stage}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def stage_result(root: Path, stage: str) -> dict:
    """The stage's record: read, or made here when nobody made it (or its maker died)."""
    with locked(root, stage):
        path = record_path(root, stage)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else make(stage, root)


def claim(root: Path, stages: list[str]) -> dict[str, int] | None:
    """Take the locks of ``stages`` without waiting, if no other process holds the first one and it is
    not made yet: the caller then makes them (or hands the locks to the process that does)."""
    root.mkdir(parents=True, exist_ok=True)
    fds: dict[str, int] = {}
    first = os.open(root / f"{stages[0]}.lock", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(first)
        return None
    fds[stages[0]] = first
    if record_path(root, stages[0]).exists():
        os.close(first)
        return None
    for stage in stages[1:]:  # the later stages wait on the first one: nobody holds their locks yet
        fds[stage] = os.open(root / f"{stage}.lock", os.O_WRONLY | os.O_CREAT, 0o644)
        fcntl.flock(fds[stage], fcntl.LOCK_EX)
    return fds


def main(argv: list[str]) -> int:
    """``shared_builds.py ROOT STAGE=FD ...``: make the stages in order, releasing each lock when done."""
    root = Path(argv[0])
    held = dict(arg.split("=") for arg in argv[1:])
    try:
        for stage in list(held):
            record = make(stage, root)
            os.close(int(held.pop(stage)))
            if record["exit_code"] != 0:  # the tests that need it report the failure
                break
    finally:
        for fd in held.values():  # after a failure: the waiting tests make what is left themselves
            os.close(int(fd))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
