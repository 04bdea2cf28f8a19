"""The guard of `pytest -m "not slow"` (tests/no_tensorflow): a child Python that reaches TensorFlow
fails, even when it catches the ImportError and goes on."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import NO_TENSORFLOW, REPO, cli_env

SWALLOWS = "try:\n    import tensorflow\nexcept ImportError as exc:\n    print('went on after', exc)\n"


def test_a_child_that_imports_tensorflow_exits_97():
    env = {**cli_env(), "PYTHONPATH": os.pathsep.join([str(NO_TENSORFLOW), str(REPO)])}
    proc = subprocess.run([sys.executable, "-c", SWALLOWS], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 97, proc.stderr
    assert "went on after import of tensorflow refused" in proc.stdout
    assert "this command tried to import tensorflow" in proc.stderr


def test_a_child_that_does_not_runs_as_usual():
    env = {**cli_env(), "PYTHONPATH": os.pathsep.join([str(NO_TENSORFLOW), str(REPO)])}
    proc = subprocess.run([sys.executable, "-c", "import numpy, lecturegen.cli; print('fine')"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "fine\n", proc.stderr
