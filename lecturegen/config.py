"""``lecturegen.toml``: a course's settings, read from the folder lecturegen runs in.

```toml
chapters_dirs = ["chapters"]        # folders of chapter modules, relative to this file
templates_dir = "course-templates"  # layouts and assets searched before the built-in ones
```

Command-line options add to these: ``--chapters-dir`` folders are searched after the file's,
a ``--templates`` folder before the file's.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lecturegen.errors import UsageError

log = logging.getLogger(__name__)

CONFIG_NAME = "lecturegen.toml"
KNOWN_KEYS = ("chapters_dirs", "templates_dir")


@dataclass(frozen=True)
class CourseConfig:
    chapters_dirs: tuple[Path, ...] = ()
    templates_dirs: tuple[Path, ...] = ()  # highest priority first
    source: Path | None = None  # the lecturegen.toml read, if any


def _paths(value: object, key: str, path: Path) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise UsageError(f"{path}: '{key}' must be a path or a list of paths (strings); fix {CONFIG_NAME}")
    return tuple((path.parent / v).resolve() for v in items)


def read_config(path: Path) -> CourseConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path} cannot be read: {exc}; fix or remove it") from None
    for key in data:
        if key not in KNOWN_KEYS:
            log.warning("%s: unknown setting '%s' ignored (lecturegen knows %s)", path, key, ", ".join(KNOWN_KEYS))
    chapters = _paths(data.get("chapters_dirs", []), "chapters_dirs", path)
    templates = _paths(data["templates_dir"], "templates_dir", path) if "templates_dir" in data else ()
    return CourseConfig(chapters, templates, path)


def course_config(cli_chapters_dirs: tuple[Path, ...] = (), cli_templates: Path | None = None,
                  where: Path | None = None) -> CourseConfig:
    """The settings of ``where/lecturegen.toml`` (default: the current folder) plus the command line's."""
    path = (where or Path.cwd()) / CONFIG_NAME
    base = read_config(path) if path.is_file() else CourseConfig()
    chapters = (*base.chapters_dirs, *(p.resolve() for p in cli_chapters_dirs))
    templates = ((cli_templates.resolve(),) if cli_templates else ()) + base.templates_dirs
    for folder in templates:
        if not folder.is_dir():
            raise UsageError(f"templates folder {folder} does not exist; check --templates or {CONFIG_NAME}")
    return CourseConfig(tuple(dict.fromkeys(chapters)), tuple(dict.fromkeys(templates)), base.source)
