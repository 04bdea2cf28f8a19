"""Cached training results, keyed by everything that can change a number (never the prose).

Each entry stores the key's parts next to the result, so a miss can say *why* it retrains,
and a checksum, so a damaged entry is detected and retrained instead of trusted.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lecturegen.safefs import loads
from lecturegen.build import prep, train
from lecturegen.chapter import Chapter, Experiment, Profile
from lecturegen.build.data import Fingerprint
from lecturegen.build.results import RunResult
from lecturegen.versions import library_versions

log = logging.getLogger(__name__)

SCHEMA = 1


def default_cache_dir() -> Path:
    if os.environ.get("LECTUREGEN_CACHE"):
        return Path(os.environ["LECTUREGEN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lecturegen"


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def trainer_source() -> str:
    """The shared code every run goes through: data preparation and the fit/evaluate call."""
    return inspect.getsource(prep.prepare) + inspect.getsource(train.fit_and_evaluate)


def key_parts(chapter: Chapter, exp: Experiment, fingerprint: Fingerprint, profile: Profile, seed: int) -> dict:
    versions = library_versions()
    return {
        "schema": SCHEMA,
        "chapter": chapter.id,
        "experiment": exp.name,
        "code": sha256_text(exp.code_for_key),
        "trainer": sha256_text(trainer_source()),
        "hyper_parameters": exp.hyper_parameters(),
        "dataset": {"name": fingerprint.name, "sha256": fingerprint.sha256},
        "profile": asdict(profile),
        "seed": seed,
        "versions": {k: versions[k] for k in ("tensorflow", "keras", "numpy")},
    }


def cache_key(parts: dict) -> str:
    return sha256_text(canonical(parts))


def explain(old: dict, new: dict) -> list[str]:
    """Why two key parts differ, in words an instructor understands."""
    reasons: list[str] = []
    for lib, version in new["versions"].items():
        before = old.get("versions", {}).get(lib)
        if before != version:
            reasons.append(f"{lib} {before} -> {version}")
    if old.get("dataset", {}).get("sha256") != new["dataset"]["sha256"]:
        reasons.append(f"dataset changed ({old.get('dataset', {}).get('name')} -> {new['dataset']['name']})")
    if old.get("code") != new["code"]:
        reasons.append(f"code of {new['experiment']} changed")
    if old.get("trainer") != new["trainer"]:
        reasons.append("lecturegen's training code changed")
    for name, value in new["hyper_parameters"].items():
        before = old.get("hyper_parameters", {}).get(name)
        if before != value:
            reasons.append(f"{name} {before} -> {value}")
    if old.get("profile") != new["profile"]:
        reasons.append(f"profile {old.get('profile', {}).get('name')} -> {new['profile']['name']}")
    if old.get("seed") != new["seed"]:
        reasons.append(f"seed {old.get('seed')} -> {new['seed']}")
    if old.get("schema") != new["schema"]:
        reasons.append(f"cache schema {old.get('schema')} -> {new['schema']}")
    return reasons or ["no earlier result for these settings"]


class ResultCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.damaged: set[str] = set()  # keys whose entry failed its checksum in this build

    def _dir(self, parts: dict) -> Path:
        return self.root / "runs" / parts["chapter"] / parts["experiment"]

    def _entry(self, parts: dict) -> Path:
        return self._dir(parts) / f"{cache_key(parts)}.json"

    def load(self, parts: dict) -> RunResult | None:
        path = self._entry(parts)
        if not path.is_file():
            return None
        try:
            entry = loads(path.read_text(encoding="utf-8"))
            if entry["checksum"] != sha256_text(canonical(entry["result"])) or entry["parts"] != parts:
                raise ValueError("checksum mismatch")
            return RunResult.from_dict(entry["result"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("cache entry %s is damaged (%s); retraining", path.name, exc)
            self.damaged.add(cache_key(parts))
            path.unlink(missing_ok=True)
            return None

    def _latest(self, parts: dict) -> list[Path]:
        """The key parts last trained for this experiment: with this seed first, then with any."""
        folder = self._dir(parts)
        return [folder / f"latest-seed{parts['seed']}.json", folder / "latest.json"]

    def why_stale(self, parts: dict) -> list[str]:
        if cache_key(parts) in self.damaged:
            return ["cache entry damaged (checksum mismatch)"]
        old = None
        for latest in self._latest(parts):
            try:
                old = loads(latest.read_text(encoding="utf-8"))
                break
            except (OSError, ValueError):
                continue
        if old is None:
            return ["not trained before"]
        if self._entry(parts).exists() or old == parts:
            return ["cache entry missing or damaged"]
        try:
            return explain(old, parts)
        except (AttributeError, TypeError, KeyError):  # a hand-edited or damaged latest*.json
            return ["cache metadata damaged"]

    def store(self, parts: dict, result: RunResult) -> None:
        data = result.to_dict()
        entry = {"parts": parts, "result": data, "checksum": sha256_text(canonical(data))}
        folder = self._dir(parts)
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(self._entry(parts), json.dumps(entry, indent=1, ensure_ascii=False))
        for latest in self._latest(parts):
            _write_atomic(latest, json.dumps(parts, indent=1, ensure_ascii=False))


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
