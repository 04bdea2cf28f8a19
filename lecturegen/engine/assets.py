"""Static files the pages load, copied next to them so they open offline from file://.

reveal.js comes from the ``pyreveal`` package (a PyPI package that bundles reveal.js's
``dist/``), the Korean font from ``koreanize-matplotlib`` (see :mod:`lecturegen.engine.fonts`);
nothing is committed or fetched.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

from lecturegen.errors import LecturegenError
from lecturegen.registry import package_templates_dir
from lecturegen.safefs import copy_regular, entries
from lecturegen.messages import say

REVEAL_FILES = ("reveal.css", "reset.css", "reveal.js", "plugin/notes.js", "plugin/search.js", "plugin/zoom.js")
FONT_FILE = "NanumGothic.ttf"


def reveal_dist() -> Path:
    try:
        import pyreveal
    except ImportError:
        raise LecturegenError(say("install.reveal_missing")) from None
    dist = Path(pyreveal.__file__).parent / "revealjs" / "dist"
    if not (dist / "reveal.js").is_file():
        raise LecturegenError(say("install.reveal_not_found", dist=dist))
    return dist


def korean_font() -> Path:
    try:
        import koreanize_matplotlib
    except ImportError:
        raise LecturegenError(say("install.korean_font_missing")) from None
    return Path(koreanize_matplotlib.__file__).parent / "fonts" / FONT_FILE


def template_assets(root: Path) -> list[tuple[Path, Path]]:
    """(name in ``assets/``, real file) for a templates folder's ``assets/``: a symbolic link is followed
    only to a regular file inside that same ``assets/`` folder; one leading out of it, or a special
    file, is a one-line error naming it (the rule for chapter images and content files too)."""
    if not root.is_dir():
        return []
    real_root = root.resolve()
    found = []
    for rel, mode in entries(root):
        real = (root / rel).resolve()
        if not real.is_relative_to(real_root) or not real.is_file():
            raise LecturegenError(say("templates.asset_link_outside", path=root / rel, target=real))
        found.append((rel, real))
    return found


def copy_assets(target: Path, highlight_css: str, font_css: str, overrides: Sequence[Path] = ()) -> None:
    """Fill ``target`` (an ``assets/`` folder) with everything the pages reference.

    Each override templates folder's ``assets/`` (a ``course.css``, a logo...) is copied over
    lecturegen's own, lowest priority first, so the first folder wins."""
    reveal = target / "reveal"
    dist = reveal_dist()
    for name in REVEAL_FILES:
        dest = reveal / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dist / name, dest)
    own = package_templates_dir() / "assets"
    for path in [*own.glob("*.css"), *own.glob("*.js")]:
        shutil.copyfile(path, target / path.name)
    for folder in reversed(overrides):
        for rel, source in template_assets(folder / "assets"):
            dest = target / rel
            if dest.is_symlink() or dest.exists():
                dest.unlink()  # lecturegen's own file of that name: the course's wins
            copy_regular(source.parent, Path(source.name), dest)
    (target / "highlight.css").write_text(highlight_css, encoding="utf-8")
    (target / "fonts.css").write_text(font_css, encoding="utf-8")
