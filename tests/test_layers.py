"""The package's layers, as the import-linter contracts of pyproject.toml state them, and the author API.

`lint-imports` is also run by CI (.ci/run) before the tests; here it runs on the checkout, and on a
copy with one forbidden import added, to show that a broken layer is reported."""

from __future__ import annotations

import ast
import re
import os
import shutil
import subprocess
from pathlib import Path

import lecturegen.chapter as api

ROOT = Path(__file__).resolve().parent.parent
LINT = shutil.which("lint-imports") or "lint-imports"


def _lint(package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([LINT, "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=package_parent,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_hold():
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_a_chapter_that_imports_the_engine_breaks_a_contract(tmp_path):
    shutil.copytree(ROOT / "lecturegen", tmp_path / "lecturegen", ignore=shutil.ignore_patterns("__pycache__", "locales"))
    ch5 = tmp_path / "lecturegen" / "chapters" / "ch5.py"
    ch5.write_text("from lecturegen.engine import figures  # noqa\n" + ch5.read_text(encoding="utf-8"), encoding="utf-8")
    core = tmp_path / "lecturegen" / "core" / "formats.py"
    core.write_text("from lecturegen import messages  # noqa\n" + core.read_text(encoding="utf-8"), encoding="utf-8")
    proc = _lint(tmp_path)
    assert proc.returncode != 0
    assert "Chapters (the built-in ones too) import only the author API" in proc.stdout
    assert "lecturegen.chapters.ch5 -> lecturegen.engine" in proc.stdout
    assert "lecturegen.core.formats -> lecturegen.messages" in proc.stdout


def test_the_author_api_names_what_it_exports():
    assert api.__all__ == sorted(api.__all__, key=lambda n: (not n[0].isupper(), n))
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing
    public = {name for name in vars(api) if not name.startswith("_")} - {"annotations", "Any", "messages"}
    assert public == set(api.__all__), "every public name of lecturegen.chapter is listed in __all__"


def test_chapters_import_only_names_of_the_author_api():
    """The contract checks modules; this checks names: a built-in chapter uses what __all__ promises."""
    used = []
    for path in (ROOT / "lecturegen" / "chapters").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "lecturegen.chapter":
                used += [(path.name, alias.name) for alias in node.names]
    assert used, "the built-in chapters import the author API"
    assert [u for u in used if u[1] not in api.__all__] == []


def test_lint_imports_runs_in_ci_before_the_tests():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "lint-imports" in ci and ci.index("lint-imports") < ci.index("pytest")


def test_every_part_of_the_package_has_its_place_in_the_layers():
    """A new top-level module must be placed: in a layer, and forbidden to the core and to chapters."""
    import tomllib

    contracts = {c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["importlinter"]["contracts"]}
    parts = {f"lecturegen.{p.stem if p.suffix == '.py' else p.name}" for p in (ROOT / "lecturegen").iterdir()
             if (p.suffix == ".py" and not p.name.startswith("_")) or (p / "__init__.py").is_file()}
    layered = {m.strip() for layer in contracts["layers"]["layers"] for m in re.split(r"[|:]", layer)}
    assert parts - layered == set(), "add the module to a layer of [tool.importlinter] in pyproject.toml"
    assert parts - {"lecturegen.core"} - set(contracts["core"]["forbidden_modules"]) == set()
    allowed = {"lecturegen.chapter", "lecturegen.chapters"}
    assert parts - allowed - set(contracts["chapters"]["forbidden_modules"]) == set()
