"""`lecturegen new NAME`: write a chapter skeleton that builds as it is.

The skeleton's three files come from ``templates/scaffold/``; ``__NAME__`` in them becomes the
chapter id and ``__GUIDE__`` the authoring guide's path (installed with lecturegen); the content
files are Jinja themselves, so the skeleton does not use Jinja.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

from lecturegen.core.chapter import CHAPTER_ID, Chapter
from lecturegen.errors import LecturegenError, UsageError
from lecturegen.registry import package_templates_dir
from lecturegen.messages import say

log = logging.getLogger(__name__)

PLACEHOLDER = "__NAME__"
GUIDE = "__GUIDE__"


def authoring_guide() -> Path:
    """docs/authoring.md: inside the installed package (the wheel ships it) or at the repository top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "docs" / "authoring.md", here.parent / "docs" / "authoring.md"):
        if candidate.is_file():
            return candidate
    return here / "docs" / "authoring.md"


SKELETONS = ("mnist", "tabular")  # --data: the MNIST family (the default) or a CSV table of the course's own


def skeleton_files(name: str, folder: Path, data: str = "mnist") -> dict[Path, str]:
    """What the skeleton writes: ``folder/NAME.py`` and ``folder/NAME/{ko,en}.md``; ``data="tabular"``:
    a regression on ``folder/NAME/data.csv`` (a small table to replace with the course's own)."""
    source = package_templates_dir() / "scaffold"
    if data == "tabular":
        source = source / "tabular"
    files = {folder / f"{name}.py": (source / "chapter.py.tmpl").read_text(encoding="utf-8")}
    for content in sorted([*source.glob("*.md"), *source.glob("*.csv")]):  # content per language, the table
        files[folder / name / content.name] = content.read_text(encoding="utf-8")
    guide = str(authoring_guide())
    return {path: text.replace(PLACEHOLDER, name).replace(GUIDE, guide) for path, text in files.items()}


def scaffold(name: str, folder: Path, known: Mapping[str, Chapter], data: str = "mnist") -> list[Path]:
    """Write the skeleton; refuse a bad name, a taken id or any existing file."""
    if not CHAPTER_ID.match(name):
        raise UsageError(say("skeleton.bad_name", name=name))
    if name in known:
        raise UsageError(say("skeleton.chapter_exists", name=name, origin=known[name].origin))
    if folder.exists() and not folder.is_dir():
        raise UsageError(say("skeleton.dir_not_a_folder", folder=folder))
    if data not in SKELETONS:
        raise UsageError(say("skeleton.unknown_data", data=data, kinds=", ".join(SKELETONS)))
    files = skeleton_files(name, folder, data)
    taken = [str(p) for p in (folder / f"{name}.py", folder / name) if p.exists() or p.is_symlink()]
    if taken:
        raise UsageError(say("skeleton.file_exists", taken=taken[0]))
    _write_all(files, folder)
    return list(files)


def _write_all(files: dict[Path, str], folder: Path) -> None:
    """Write every file or none: a failure (read-only folder, full disk) removes what was written."""
    made: list[Path] = []
    try:
        for path, text in files.items():
            for parent in reversed([path.parent, *path.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            with open(path, "x", encoding="utf-8") as fh:
                made.append(path)
                fh.write(text)
            log.debug("wrote %s", path)
    except OSError as exc:
        for path in reversed(made):
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
        raise LecturegenError(say("skeleton.cannot_write", folder=folder, problem=exc.strerror or exc)) from None
