"""What a pip user gets: the dependencies building needs (test tools in the [dev] extra), and the
authoring guide, installed in the wheel and named by the skeleton of `lecturegen new`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from lecturegen.scaffold import authoring_guide, skeleton_files

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_building_does_not_install_the_test_tools():
    runtime = _names(PROJECT["project"]["dependencies"])
    dev = _names(PROJECT["project"]["optional-dependencies"]["dev"])
    assert not {"pytest", "playwright", "import-linter"} & runtime
    assert {"pytest", "playwright", "import-linter", "lecturegen"} <= dev  # lecturegen[cluster]: the cluster tests
    assert "'.[dev]'" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_wheel_ships_the_authoring_guide_and_the_skeleton_points_to_it(tmp_path):
    included = PROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included["docs/authoring.md"] == "lecturegen/docs/authoring.md"
    guide = authoring_guide()
    assert guide.is_file() and guide.name == "authoring.md"
    files = skeleton_files("ch9", tmp_path)
    assert len(files) == 3
    for path, text in files.items():
        assert str(guide) in text and "__GUIDE__" not in text, path


def test_the_project_urls_are_there_and_marked_as_placeholders():
    """Homepage, Documentation, Source, Issues: a pip user's links (``pip show``, an index's page).
    Until lecturegen has a public home they point at the reserved ``.invalid`` domain, which never
    resolves, so none can lead to a site someone else owns."""
    urls = PROJECT["project"]["urls"]
    assert sorted(urls) == ["Documentation", "Homepage", "Issues", "Source"]
    assert all(re.fullmatch(r"https://lecturegen\.invalid/[a-z/]*", url) for url in urls.values()), urls
