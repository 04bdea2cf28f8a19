"""`lecturegen preview-upgrade tensorflow==X [keras==Y ...]`: the course built with other library versions.

The candidate versions go into a separate virtual environment, never into the user's: a fresh
virtual environment of this Python (no system site packages, no user site, no PYTHONPATH), with
lecturegen installed into it from the same source (a checkout) or the same release, and the candidate
requirements pinned on the same install command so that they are resolved together. uv makes and fills
it, following pip's settings, or pip does (:mod:`lecturegen.installer` chooses). The environment lives
in the cache folder, one per set of requirements, and is reused by the next preview of the same versions.

There lecturegen builds the chapters of the current build (the same profile, data, seeds and
languages), into the environment's own output folder, with the same cache folder: data, figures and
formulas are shared; training results are keyed by the library versions, so the candidate trains its
own and a second preview of the same versions trains nothing. Then ``check`` runs on the current
build's notebooks (the code students run) and any legacy folders given, in both environments at once, and
each chapter's build is compared with the current one by :mod:`lecturegen.diff`: numbers that moved
and why, claims flipped, pages and figures that change, snippets that break.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lecturegen.diff import DiffResult, explained_diff
from lecturegen.errors import LecturegenError, UsageError
from lecturegen.installer import Installer, choose
from lecturegen import clock, messages
from lecturegen.messages import say
from lecturegen.report import ReportError

REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?(==|>=|<=|~=|!=|<|>)([A-Za-z0-9.*+!_-]+)$")
FAILING = {"error", "timeout"}


class PreviewError(LecturegenError):
    """The candidate environment could not be made, or lecturegen could not run in it (exit 1)."""

    exit_code = 1


def parse_requirements(specs: list[str]) -> list[str]:
    """``tensorflow==2.20.0``-style requirements, checked before anything is installed."""
    if not specs:
        raise UsageError(say("preview.no_requirements"))
    for spec in specs:
        if not REQUIREMENT.match(spec.strip()):
            raise UsageError(say("preview.bad_requirement", spec=spec))
    return [spec.strip() for spec in specs]


def project_source() -> str:
    """What installs this lecturegen into another environment: its checkout, or the same release."""
    from lecturegen import __version__

    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and (root / "lecturegen" / "__init__.py").is_file():
        return str(root)
    return f"lecturegen=={__version__}"


def environment_dir(cache_dir: Path, requirements: list[str]) -> Path:
    """One environment per set of candidate requirements (reused by the next preview of the same)."""
    key = hashlib.sha256("\n".join(sorted(r.lower() for r in requirements)).encode()).hexdigest()[:12]
    slug = re.sub(r"[^a-z0-9.]+", "-", "-".join(sorted(r.lower() for r in requirements)))[:60].strip("-")
    return cache_dir / "preview" / f"{slug}-{key}"


def isolated_env() -> dict[str, str]:
    """The environment of a command run in the candidate environment: nothing of the user's Python
    leaks in (no PYTHONPATH, no user site packages); pip's own settings (index, certificates) stay."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env[messages.UI_ENV] = messages.current().lang  # the lecturegen run there speaks this command's language
    return env


def _run(python: Path) -> list[str]:
    """The interpreter to run lecturegen with: the candidate's with ``-P``, so that the current folder
    (a lecturegen checkout, say) does not shadow the copy installed there; the user's as it is."""
    return [str(python)] if str(python) == sys.executable else [str(python), "-P"]


def venv_python(env_dir: Path) -> Path:
    return env_dir / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _stream(command: list[str], env: dict[str, str], tell: Callable[[str], None], show: Callable[[str], bool],
            cwd: Path | None = None) -> tuple[int, list[str]]:
    """Run ``command``, telling each line ``show`` accepts as it comes; the exit code and the last lines."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                               cwd=cwd, errors="replace", bufsize=1)
    tail: list[str] = []
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.rstrip()
        if line:
            tail = (tail + [line])[-30:]
            if show(line.lstrip()):
                tell(line)
    return process.wait(), tail


def make_environment(env_dir: Path, requirements: list[str], tell: Callable[[str], None],
                     installer: Installer) -> Path:
    """A fresh virtual environment with lecturegen and the candidate requirements; reused when it exists."""
    python = venv_python(env_dir)
    env = {**isolated_env(), **installer.env}
    reused = python.is_file()
    if not reused:
        tell(say("preview.creating_venv", path=env_dir / "venv"))
        env_dir.mkdir(parents=True, exist_ok=True)
        code, tail = _stream(installer.venv(env_dir / "venv"), env, tell, lambda _: True)
        if code != 0 or not python.is_file():
            raise PreviewError(say("preview.venv_failed", path=env_dir / "venv", detail=(tail or ["?"])[-1]))
    else:
        tell(say("preview.reusing_venv", path=env_dir / "venv"))
    tell(say("preview.installing", requirements=" ".join(requirements), installer=installer.name))
    if installer.why_pip:
        tell("  " + installer.why_pip)
    for key in installer.not_followed:
        tell("  " + say("preview.uv_not_following", key=key))
    for command in installer.install(python, project_source(), requirements, reused):
        code, tail = _stream(command, env, lambda line: tell("  " + line.lstrip()), lambda line: installer.shows(line.lstrip()))
        if code != 0:
            detail, missing = installer.failure(tail)
            error = UsageError if missing else PreviewError  # a version that does not exist: bad input
            raise error(say("preview.install_failed", requirements=" ".join(requirements), detail=detail,
                            installer=installer.name))
    return python


def installed_versions(python: Path) -> dict[str, str]:
    """The versions the candidate environment ended up with (pip may have chosen others)."""
    probe = ("import json, importlib.metadata as m\n"
             "v = {}\n"
             "for n in ('tensorflow', 'keras', 'numpy', 'lecturegen'):\n"
             "    try: v[n] = m.version(n)\n"
             "    except m.PackageNotFoundError: pass\n"
             "print(json.dumps(v))\n")
    done = subprocess.run([*_run(python), "-c", probe], capture_output=True, text=True, env=isolated_env())
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


@dataclass(frozen=True)
class CurrentBuild:
    folder: Path
    chapter: str
    lang: str
    profile: str
    data: str
    seeds: int
    build_date: str | None = None  # as its pages show it (clock.STAMP)


def current_builds(out: Path, chapters: tuple[str, ...], data: str | None) -> list[CurrentBuild]:
    """The folders of the current build (``out/<chapter>[-<lang>]`` with a report.json), those of
    ``chapters`` when given, each with the settings it was built with."""
    found = []
    for report_file in sorted(out.glob("*/report.json")):
        try:
            report = json.loads(report_file.read_text(encoding="utf-8"))
            chapter, lang = report["chapter"]["id"], report["chapter"]["lang"]
            prov, source = report.get("provenance", {}), (report.get("dataset") or {}).get("source")
            seeds = prov.get("seeds") or [prov.get("seed", 0)]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if chapters and chapter not in chapters:
            continue
        guess = source if source in ("sample", "keras") else "auto"
        found.append(CurrentBuild(report_file.parent, chapter, lang, report.get("profile", "full"), data or guess,
                                  len(seeds) if isinstance(seeds, list) else 1, prov.get("build_date")))
    if not found:
        raise UsageError(say("preview.no_current_build", out=out, chapters=" ".join(chapters) or "--all"))
    settings = {(b.profile, b.data, b.seeds) for b in found}
    if len(settings) > 1:
        raise UsageError(say("preview.mixed_settings", out=out))
    return found


@dataclass
class Preview:
    requirements: list[str]
    environment: Path
    versions: dict[str, str] = field(default_factory=dict)
    diffs: list[DiffResult] = field(default_factory=list)
    failed_builds: list[str] = field(default_factory=list)  # the build's last lines when it failed
    breaks: list[dict[str, Any]] = field(default_factory=list)  # snippets ok now that fail with the candidate
    mends: list[dict[str, Any]] = field(default_factory=list)  # snippets failing now that run with the candidate
    checked: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.failed_builds or self.breaks or any(d.failed for d in self.diffs))

    def to_dict(self) -> dict[str, Any]:
        return {"requirements": self.requirements, "environment": str(self.environment), "versions": self.versions,
                "failed": self.failed, "build_failed": self.failed_builds, "diffs": [d.to_dict() for d in self.diffs],
                "check": {"snippets": self.checked, "break": self.breaks, "mended": self.mends},
                "seconds": self.seconds}


def build_env(builds: list[CurrentBuild]) -> dict[str, str]:
    """The candidate build's environment: dated as the current build (``SOURCE_DATE_EPOCH``), when its
    chapters share one date and you set none, so that the pages differ only where the versions change
    them and not in the date they were made (the preview's pages stay in the cache folder)."""
    env = isolated_env()
    dates = {b.build_date for b in builds}
    if clock.ENV in env or len(dates) != 1:
        return env
    try:
        when = dt.datetime.strptime(dates.pop() or "", clock.STAMP).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return env
    env[clock.ENV] = str(int(when.timestamp()))
    return env


def _check(python: Path, paths: list[Path], env: dict[str, str],
           tell: Callable[[str], None] = lambda _: None) -> dict[tuple[str, int, str], dict[str, Any]]:
    """``lecturegen check --json`` in an environment: each snippet's verdict by (file, line, snippet)."""
    if not paths:
        return {}
    done = subprocess.run([*_run(python), "-m", "lecturegen", "check", *map(str, paths), "--json"],
                          capture_output=True, text=True, env=env)
    if done.returncode not in (0, 1):  # bad input for check (a file with no code): say it, go on
        tell("  " + next((line for line in done.stderr.splitlines() if line.strip()), str(done.returncode)))
    try:
        results = json.loads(done.stdout)
    except ValueError:
        return {}
    items = results if isinstance(results, list) else results.get("results", []) if isinstance(results, dict) else []
    return {(str(r.get("path")), int(r.get("line", 0)), str(r.get("snippet", ""))): r for r in items if isinstance(r, dict)}


def preview(requirements: list[str], out: Path, cache_dir: Path, *, chapters: tuple[str, ...] = (),
            legacy: tuple[Path, ...] = (), data: str | None = None, chapters_dirs: tuple[Path, ...] = (),
            tolerance: float = 1.0, tell: Callable[[str], None] = print, installer: str = "auto") -> Preview:
    requirements = parse_requirements(requirements)
    for path in legacy:
        if not path.exists():
            raise UsageError(say("preview.no_legacy", path=path))
    builds = current_builds(out, chapters, data)
    env_dir = environment_dir(cache_dir, requirements)
    result = Preview(requirements, env_dir)
    started = time.monotonic()
    python = make_environment(env_dir, requirements, tell, choose(installer))
    result.versions = installed_versions(python)
    result.seconds["install"] = round(time.monotonic() - started, 1)
    tell(say("preview.installed", versions=", ".join(f"{k} {v}" for k, v in result.versions.items()),
             seconds=result.seconds["install"]))

    preview_out = env_dir / "out"
    first = builds[0]
    ids = list(dict.fromkeys(b.chapter for b in builds))
    langs = list(dict.fromkeys(b.lang for b in builds))
    command = [*_run(python), "-m", "lecturegen", "build", *ids, "--out", str(preview_out), "--profile", first.profile,
               "--data", first.data, "--cache-dir", str(cache_dir), "--quiet", *(a for lang in langs for a in ("--lang", lang)),
               *(["--seeds", str(first.seeds)] if first.seeds > 1 else []),
               *(a for d in chapters_dirs for a in ("--chapters-dir", str(d.resolve())))]
    tell(say("preview.building", chapters=" ".join(ids), versions=" ".join(requirements)))
    started = time.monotonic()
    code, tail = _stream(command, build_env(builds), lambda line: tell("  " + line), lambda _: True)
    result.seconds["build"] = round(time.monotonic() - started, 1)
    if code != 0:
        result.failed_builds = tail[-5:]

    notebooks = [nb for b in builds for nb in sorted(b.folder.glob("*.ipynb"))]
    paths = [*notebooks, *legacy]
    if paths:
        tell(say("preview.checking", n=len(paths)))
        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:  # two processes, one per environment, at once
            now_f = pool.submit(_check, Path(sys.executable), paths, dict(os.environ), tell)  # the user's as it is
            then_f = pool.submit(_check, python, paths, isolated_env(), tell)
            now, then = now_f.result(), then_f.result()
        result.seconds["check"] = round(time.monotonic() - started, 1)
        result.checked = len(then)
        for key, r in then.items():
            before = now.get(key, {}).get("verdict")
            item = {"path": key[0], "line": key[1], "snippet": key[2], "now": before, "candidate": r.get("verdict"),
                    "message": r.get("message", ""), "error_type": r.get("error_type"), "fix": r.get("fix")}
            if r.get("verdict") in FAILING and before not in FAILING:
                result.breaks.append(item)
            elif before in FAILING and r.get("verdict") not in FAILING:
                result.mends.append(item)

    for build in builds:
        candidate = preview_out / build.folder.name
        if not (candidate / "report.json").is_file():
            continue
        try:
            result.diffs.append(explained_diff(build.folder, candidate, tolerance))
        except ReportError as exc:
            result.failed_builds.append(str(exc))
    return result


def print_preview(result: Preview, output_format: str = "text") -> None:
    """The explained diff of each chapter, then what broke, on standard output."""
    from lecturegen.diff import markdown, print_table
    from lecturegen.terminal import plain

    if output_format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    bullet = "- " if output_format == "markdown" else ""
    if output_format == "markdown":
        print(say("preview.markdown_title", requirements=" ".join(result.requirements)))
        print()
    for diff in result.diffs:
        if output_format == "markdown":
            sys.stdout.write(markdown(diff) + "\n")
        else:
            print_table(diff)
            print()
    for line in result.failed_builds:
        print(plain(bullet + say("preview.build_failed", line=line)))
    for item in result.breaks:
        print(plain(bullet + say("preview.snippet_breaks", path=item["path"], line=item["line"],
                                 snippet=item["snippet"], now=item["now"] or "-",
                                 message=f"{item['error_type'] or ''}: {item['message']}".strip(": ").splitlines()[0]
                                 if item["message"] or item["error_type"] else "", fix=item["fix"] or "-")))
    for item in result.mends:
        print(plain(bullet + say("preview.snippet_mended", path=item["path"], line=item["line"],
                                 snippet=item["snippet"], candidate=item["candidate"])))
    if result.checked:
        print(plain(bullet + say("preview.check_summary", n=result.checked, breaks=len(result.breaks),
                                 mends=len(result.mends))))
    print(plain(bullet + say("preview.timings", versions=", ".join(f"{k} {v}" for k, v in result.versions.items()),
                             install=result.seconds.get("install", 0), build=result.seconds.get("build", 0),
                             check=result.seconds.get("check", 0), env=result.environment)))
