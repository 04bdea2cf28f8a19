"""``lecturegen.toml``: a course's settings, found in the folder lecturegen runs in or the nearest
folder above it (as git, ruff and pytest find theirs), read once by the command and passed down.

```toml
chapters_dirs = ["chapters"]        # folders of chapter modules, relative to this file
templates_dir = "course-templates"  # layouts and assets searched before the built-in ones

[course]                            # shown on the published site; read by other commands
title = "딥러닝 입문"
instructor = "김민지"
term = "2026 봄학기"
languages = ["ko", "en"]
ui_lang = "ko"                      # the language lecturegen's own lines are in (LECTUREGEN_UI_LANG wins)
url = "https://example.org/course"  # where the site is published
repository = "https://github.com/me/course"
chapters = ["ch4", "ch5"]           # the course's chapters, in order

[build]                             # defaults of `lecturegen build` (and serve)
profile = "quick"
data = "sample"
out = "output"
cache_dir = ".cache"
seeds = 1
jobs = 1
executor = "dask"                   # --executor; a scheduler alone implies dask
scheduler = "tcp://host:8786"       # --scheduler
workers = 2                         # --workers

[publish]                           # defaults of `lecturegen publish`
site = "site"
title = "딥러닝 입문 · 2026 봄"
```

Every key is optional. Command-line options override the file: ``--chapters-dir`` folders are
searched after the file's, a ``--templates`` folder before the file's, and any other flag wins
over its ``[build]``/``[publish]`` default. An unknown key is an error naming it, the file and
the line. Paths are relative to the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from lecturegen import messages
from lecturegen.errors import UsageError
from lecturegen.messages import say

CONFIG_NAME = "lecturegen.toml"
TOP_KEYS = ("chapters_dirs", "templates_dir")


@dataclass(frozen=True)
class Course:
    """The ``[course]`` table: what the course is, for pages and for other commands."""

    title: str | None = None
    instructor: str | None = None
    term: str | None = None
    languages: tuple[str, ...] = ()  # the languages build, --all and serve write; empty: not declared
    ui_lang: str | None = None  # the command line's language; LECTUREGEN_UI_LANG wins over it
    url: str | None = None
    repository: str | None = None
    chapters: tuple[str, ...] = ()  # in course order; empty: not declared


@dataclass(frozen=True)
class BuildDefaults:
    """The ``[build]`` table; ``None`` means the command's own default."""

    profile: str | None = None
    data: str | None = None
    out: Path | None = None
    cache_dir: Path | None = None
    seeds: int | None = None
    jobs: int | None = None
    executor: str | None = None  # "local" or "dask"
    scheduler: str | None = None  # a Dask scheduler's address (implies executor = "dask")
    workers: int | None = None  # worker processes of a local Dask cluster


@dataclass(frozen=True)
class PublishDefaults:
    site: Path | None = None
    title: str | None = None


@dataclass(frozen=True)
class CourseConfig:
    chapters_dirs: tuple[Path, ...] = ()
    templates_dirs: tuple[Path, ...] = ()  # highest priority first
    source: Path | None = None  # the lecturegen.toml read, if any
    course: Course = field(default_factory=Course)
    build: BuildDefaults = field(default_factory=BuildDefaults)
    publish: PublishDefaults = field(default_factory=PublishDefaults)


TABLES: dict[str, type] = {"course": Course, "build": BuildDefaults, "publish": PublishDefaults}
PATH_KEYS = {("build", "out"), ("build", "cache_dir"), ("publish", "site")}
LIST_KEYS = {("course", "languages"), ("course", "chapters")}
EXECUTORS = ("local", "dask")
INT_KEYS = {("build", "seeds"), ("build", "jobs"), ("build", "workers")}
# the same bounds as the command line's (engine.options.MAX_SEEDS, MAX_JOBS, executors.MAX_WORKERS),
# said here with the file and line
INT_MAX = {"seeds": 100, "jobs": 64, "workers": 64}


def key_line(text: str, table: str | None, key: str) -> int | None:
    """The line (1-based) where ``key`` is set in ``[table]`` (``None``: top level) of TOML ``text``.

    tomllib keeps no positions; keys are found by scanning the lines for ``key =`` under the
    right table header (also ``table.key =`` at the top level)."""
    current: str | None = None
    header = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\"' -]+?)\s*\]\s*(#.*)?$")
    for number, line in enumerate(text.splitlines(), 1):
        found = header.match(line)
        if found:
            current = found.group(1).strip("\"' ")
            continue
        name = re.match(r"^\s*[\"']?([A-Za-z0-9_.-]+)[\"']?\s*=", line)
        if not name:
            continue
        dotted = name.group(1)
        if (current == table and dotted.split(".")[0] == key) or (current is None and dotted == f"{table}.{key}"):
            return number
    wanted = key if table is None else f"{table}.{key}"  # a table header, e.g. [bild]
    for number, line in enumerate(text.splitlines(), 1):
        found = header.match(line)
        if found and found.group(1).strip("\"' ") == wanted:
            return number
    return None


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, table: str | None, key: str, problem: str) -> UsageError:
        line = key_line(self.text, table, key)
        where = say("content.at_line", name=self.path, line=line) if line else str(self.path)
        name = f"{table}.{key}" if table else key
        return UsageError(say("config.fix", where=where, name=name, problem=problem, config_name=CONFIG_NAME))

    def paths(self, value: object, key: str) -> tuple[Path, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise self.fail(None, key, say("config.paths"))
        return tuple((self.path.parent / v).resolve() for v in items)

    def value(self, table: str, key: str, value: Any) -> Any:
        if (table, key) in LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(table, key, say("config.list_of_strings"))
            known = messages.languages()
            unknown = [v for v in value if (table, key) == ("course", "languages") and v not in known]
            if unknown:
                raise self.fail(table, key, say("config.language_without_words", lang=unknown[0], known=", ".join(known)))
            return tuple(value)
        if (table, key) in INT_KEYS:
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= INT_MAX[key]:
                raise self.fail(table, key, say("config.whole_number", max=INT_MAX[key]))
            return value
        if not isinstance(value, str):
            raise self.fail(table, key, say("config.string"))
        if (table, key) == ("build", "executor") and value not in EXECUTORS:
            raise self.fail(table, key, say("config.one_of", known=", ".join(EXECUTORS)))
        if (table, key) == ("course", "ui_lang") and value not in messages.languages():
            raise self.fail(table, key, say("config.language_without_words", lang=value,
                                            known=", ".join(messages.languages())))
        return (self.path.parent / value).resolve() if (table, key) in PATH_KEYS else value

    def table(self, name: str, data: object) -> Any:
        cls = TABLES[name]
        if not isinstance(data, dict):
            raise self.fail(None, name, say("config.table", name=name))
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                raise self.fail(name, key, say("config.unknown_key_in_table", name=name, known=", ".join(known)))
        return cls(**{key: self.value(name, key, v) for key, v in data.items()})


def read_config(path: Path) -> CourseConfig:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(say("config.unreadable", path=path, exc=exc)) from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise UsageError(say("config.unreadable", path=path, exc=say("config.nested_too_deep"))) from None
    reader = _Reader(path, text)
    for key in data:
        if key not in (*TOP_KEYS, *TABLES):
            known = ", ".join([*TOP_KEYS, *(f"[{t}]" for t in TABLES)])
            raise reader.fail(None, key, say("config.unknown_key", known=known))
    chapters = reader.paths(data.get("chapters_dirs", []), "chapters_dirs")
    templates = reader.paths(data["templates_dir"], "templates_dir") if "templates_dir" in data else ()
    tables = {name: reader.table(name, data[name]) for name in TABLES if name in data}
    return CourseConfig(chapters, templates, path, **tables)


def find_config(start: Path | None = None) -> Path | None:
    """``lecturegen.toml`` in ``start`` (default: the working folder) or the nearest folder above it,
    as git, ruff and pytest find theirs; None when there is none."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        path = folder / CONFIG_NAME
        if path.is_file():
            return path
    return None


def load_config(where: Path | None = None) -> CourseConfig:
    """The course's settings: the ``lecturegen.toml`` found from ``where`` (default: the working
    folder) upwards, read once; the built-in defaults when there is none. Commands call this once
    and pass the result down: nothing reads the file during a build."""
    path = find_config(where)
    return read_config(path) if path is not None else CourseConfig()


def with_flags(base: CourseConfig, cli_chapters_dirs: tuple[Path, ...] = (), cli_templates: Path | None = None) -> CourseConfig:
    """The settings with the command line's folders: ``--chapters-dir`` after the file's, ``--templates`` first."""
    chapters = (*base.chapters_dirs, *(p.resolve() for p in cli_chapters_dirs))
    templates = ((cli_templates.resolve(),) if cli_templates else ()) + base.templates_dirs
    for folder in templates:
        if not folder.is_dir():
            raise UsageError(say("templates.no_such_folder", folder=folder, config_name=CONFIG_NAME))
    return replace(base, chapters_dirs=tuple(dict.fromkeys(chapters)), templates_dirs=tuple(dict.fromkeys(templates)))


def course_config(cli_chapters_dirs: tuple[Path, ...] = (), cli_templates: Path | None = None,
                  where: Path | None = None) -> CourseConfig:
    """:func:`load_config` with the command line's folders (:func:`with_flags`)."""
    return with_flags(load_config(where), cli_chapters_dirs, cli_templates)


def pick(flag: Any, configured: Any, default: Any) -> Any:
    """A command-line value wins over the configuration, which wins over the built-in default."""
    return flag if flag is not None else configured if configured is not None else default


def colab_link(repository: str | None, folder: str, notebook: str) -> str | None:
    """An "Open in Colab" URL when the course names its repository (``[course] repository``, a GitHub
    ``owner/name`` or URL): the notebook where ``lecturegen deploy`` puts it, the ``gh-pages`` branch."""
    match = re.fullmatch(r"(?:https?://github\.com/)?([\w.-]+/[\w.-]+?)(?:\.git)?/?", repository or "")
    if not match:
        return None
    return f"https://colab.research.google.com/github/{match.group(1)}/blob/gh-pages/{folder}/{notebook}"
