"""TensorFlow may not be imported here: the guard of a `pytest -m "not slow"` run.

tests/helpers.py puts this folder first on the PYTHONPATH of the commands it starts while the run
is `-m "not slow"`; Python imports ``sitecustomize`` at start-up, so such a command that reaches
TensorFlow (or Keras) gets an ImportError, says so on stderr and exits 97 whatever it caught.
conftest.py installs the same blocker in the test process itself (see ``install``).
"""

from __future__ import annotations

import sys

BLOCKED = ("tensorflow", "keras", "tf_keras")
EXIT_CODE = 97


class NoTensorFlow:
    """A ``sys.meta_path`` finder that refuses TensorFlow and Keras and remembers every attempt."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            self.attempts.append(name)
            raise ImportError(f"import of {name} refused: a test that is not marked slow may not train "
                              "(tests/no_tensorflow); mark the test @pytest.mark.slow")
        return None


def install() -> NoTensorFlow:
    """Put the blocker first on ``sys.meta_path``; returns it (its ``attempts`` list the refusals)."""
    blocker = NoTensorFlow()
    sys.meta_path.insert(0, blocker)
    return blocker


def _exit_if_refused(blocker: NoTensorFlow) -> None:
    import os

    if blocker.attempts:
        sys.stdout.flush()
        sys.stderr.write(f"tests/no_tensorflow: this command tried to import {blocker.attempts[0]}\n")
        sys.stderr.flush()
        os._exit(EXIT_CODE)


if __name__ == "sitecustomize":
    import atexit

    atexit.register(_exit_if_refused, install())
