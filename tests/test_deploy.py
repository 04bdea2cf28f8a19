"""`lecturegen deploy`: the published site as real files on a branch of the course's git repository."""

from __future__ import annotations

import os
import subprocess

import pytest

from helpers import cli, error_lines


def _git(repo, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture()
def course(tmp_path):
    """A course repository with one commit and a site laid out as publish lays it out: ``site`` a
    symbolic link to a version folder."""
    repo = tmp_path / "course"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "lecturegen.toml").write_text('[course]\ntitle = "AI"\n', encoding="utf-8")
    _git(repo, "add", "lecturegen.toml")
    _git(repo, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "course")
    version = repo / ".site.versions" / "v1"
    (version / "ch4").mkdir(parents=True)
    (version / "index.html").write_text("<!doctype html><title>AI</title>", encoding="utf-8")
    (version / "ch4" / "slides.html").write_text("<!doctype html><title>ch4</title>", encoding="utf-8")
    (version / "_static").mkdir()
    (version / "_static" / "x.css").write_text("body{}", encoding="utf-8")
    os.symlink(".site.versions/v1", repo / "site")
    return repo


def test_deploy_commits_the_site_as_files_with_nojekyll(course):
    head_before = _git(course, "rev-parse", "HEAD")
    status_before = _git(course, "status", "--porcelain")
    result = cli("deploy", cwd=course)
    assert result.returncode == 0, result.stderr
    assert "to branch gh-pages" in result.stdout and "git push origin gh-pages" in result.stdout
    tree = {line.split("\t")[1]: line.split()[0] for line in _git(course, "ls-tree", "-r", "gh-pages").splitlines()}
    assert tree == {".nojekyll": "100644", "index.html": "100644", "ch4/slides.html": "100644", "_static/x.css": "100644"}
    assert _git(course, "show", "gh-pages:index.html") == "<!doctype html><title>AI</title>"
    # the course's own branch, index and working tree are untouched
    assert _git(course, "rev-parse", "HEAD") == head_before
    assert _git(course, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert _git(course, "status", "--porcelain") == status_before
    # a second deploy adds a commit on top (history kept), from a subfolder too
    (course / "chapters").mkdir()
    again = cli("deploy", "--branch", "pages", cwd=course / "chapters")
    assert again.returncode == 0, again.stderr
    assert "index.html" in _git(course, "ls-tree", "-r", "--name-only", "pages")


@pytest.mark.parametrize("case, message", [
    ("no repository", "is not in a git repository"),
    ("no site", "holds no published site"),
    ("bad branch", "is not a usable branch name"),
])
def test_deploy_errors_are_one_line(tmp_path, course, case, message):
    args: list[str] = []
    cwd = course
    if case == "no repository":
        cwd = tmp_path / "elsewhere"
        cwd.mkdir()
        args = ["--site", str(course / "site")]
    elif case == "no site":
        args = ["--site", str(tmp_path)]
    else:
        args = ["--branch", "../x"]
    result = cli("deploy", *args, cwd=cwd)
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
