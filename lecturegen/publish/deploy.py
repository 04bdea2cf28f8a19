"""`lecturegen deploy`: the published site, as real files, committed to a branch of the course's git
repository (``gh-pages`` by default), ready to push for GitHub Pages.

``site`` itself stays a symbolic link to a complete version folder (an atomic switch for web servers);
this copies the version it points at into one commit on the branch, with ``.nojekyll`` so that GitHub
Pages serves the files as they are (folders such as ``_static`` would otherwise be hidden). The commit is
made with ghp-import, which writes the branch directly through ``git fast-import``: the working tree,
the index and the current branch are not touched. Nothing is pushed unless ``--push`` is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lecturegen import clock
from lecturegen.errors import LecturegenError, UsageError
from lecturegen.messages import say

@dataclass(frozen=True)
class Deployed:
    repository: Path
    branch: str
    commit: str
    files: int
    pushed: bool


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        why = result.stderr.strip().splitlines()[-1:] or [""]
        raise LecturegenError(say("deploy.git_failed", args=" ".join(args), why=why[0]))
    return result.stdout.strip()


def _config(repo: Path, key: str) -> str:
    result = subprocess.run(["git", "config", key], cwd=repo, capture_output=True, text=True, timeout=30)
    return result.stdout.strip()


def repository_of(folder: Path) -> Path:
    """The top folder of the git repository holding ``folder``; a one-line error when there is none."""
    try:
        result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True,
                                timeout=30)
    except FileNotFoundError:
        raise UsageError(say("deploy.no_git")) from None
    if result.returncode != 0:
        raise UsageError(say("deploy.not_a_repository", folder=folder))
    return Path(result.stdout.strip())


def deploy(site: Path, branch: str = "gh-pages", push: bool = False, remote: str = "origin",
           where: Path | None = None) -> Deployed:
    """Commit the published ``site`` (a folder, or the symbolic link ``publish`` keeps) to ``branch``."""
    if not branch or branch.startswith("-") or any(c in branch for c in " ~^:?*[\\") or ".." in branch:
        raise UsageError(say("deploy.bad_branch", branch=branch))
    folder = site.resolve()
    if not (folder / "index.html").is_file():
        raise UsageError(say("deploy.no_site", site=site))
    repo = repository_of(where or Path.cwd())
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    message = say("deploy.commit_message", date=clock.stamp())
    env = dict(os.environ)
    for key, config, fallback in (("GIT_COMMITTER_NAME", "user.name", "lecturegen"),
                                  ("GIT_COMMITTER_EMAIL", "user.email", "lecturegen@localhost")):
        if key not in env and not _config(repo, config):
            env[key] = fallback  # a repository with no identity set still gets a commit
    args = ["-n", "-b", branch, "-m", message, "-r", remote, *(["-p"] if push else []), str(folder)]
    # ghp-import works in the current folder: run it in the repository's, in a child process
    result = subprocess.run([sys.executable, "-c", "import ghp_import; ghp_import.main()", *args], cwd=repo,
                            capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0 or "Failed" in result.stdout:
        why = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or [""]
        raise LecturegenError(say("deploy.failed", branch=branch, why=why[0]))
    commit = _git(repo, "rev-parse", "--short", f"refs/heads/{branch}")
    return Deployed(repo, branch, commit, files, push)
