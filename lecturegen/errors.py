"""One error base class for everything the user can fix.

The CLI turns a :class:`LecturegenError` into a one-line message and exit code 1;
any other exception is a bug and keeps its traceback.
"""


class LecturegenError(Exception):
    """A problem the user can fix; the message says what was wrong and what to do."""

    exit_code = 1


class UsageError(LecturegenError):
    """A bad command-line value (unknown chapter, profile, language...)."""

    exit_code = 2


class DataError(LecturegenError):
    """A dataset path or file that cannot be used."""


class ChapterError(LecturegenError):
    """A chapter module or content file that cannot be loaded or rendered."""


class TrainingError(LecturegenError):
    """Training failed in a way the chapter author can fix (e.g. NaN loss)."""


class ClaimError(LecturegenError):
    """Under --strict: a claim of the lecture does not hold on this build's results."""
