"""Cached training results, keyed by everything that can change a number (never the prose).

Each entry stores the key's parts next to the result, so a miss can say *why* it retrains; the
cache store (:mod:`lecturegen.engine.store`) keeps it with a keyed checksum, so a damaged or
edited entry is detected and retrained instead of trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from lecturegen.engine.writer import DISK_FULL
from lecturegen.safefs import discard, loads
from lecturegen.engine import prep, train
from lecturegen.core.chapter import Chapter, Experiment, Profile, source_of
from lecturegen.engine.data import Fingerprint
from lecturegen.core.results import RunResult
from lecturegen.engine.store import CacheStore, default_cache_dir  # noqa: F401  (where the store lives)
from lecturegen.versions import library_versions
from lecturegen.messages import Phrase, say

log = logging.getLogger(__name__)

SCHEMA = 1


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def trainer_source(task: str = "multiclass") -> str:
    """The shared code every run goes through: data preparation and the fit/evaluate call (a table's
    task: its preparation, the fit/predict call and the metrics' code)."""
    if task == "multiclass":
        return (source_of(prep.prepare_data) + source_of(train.fit_and_evaluate)
                + source_of(train.speed_settings))
    from lecturegen.core import metrics

    return (source_of(prep.prepare_table) + source_of(train.fit_and_predict)
            + source_of(train._measure) + source_of(metrics))


def key_parts(chapter: Chapter, exp: Experiment, fingerprint: Fingerprint, profile: Profile, seed: int) -> dict:
    versions = library_versions()
    return {
        "schema": SCHEMA,
        "chapter": chapter.id,
        "experiment": exp.name,
        "code": sha256_text(exp.code_for_key),
        "trainer": sha256_text(trainer_source(fingerprint.task)),
        "hyper_parameters": exp.hyper_parameters(),
        "dataset": {"name": fingerprint.name, "sha256": fingerprint.sha256},
        "profile": asdict(profile),
        "seed": seed,
        "versions": {k: versions[k] for k in ("tensorflow", "keras", "numpy")},
    }


def cache_key(parts: dict) -> str:
    return sha256_text(canonical(parts))


def explain(old: dict, new: dict) -> list[str]:
    """Why two key parts differ, in words an instructor understands (English where stored, in
    report.json; the interface language where printed: :func:`lecturegen.messages.said`)."""
    reasons: list[str] = []
    for lib, version in new["versions"].items():
        before = old.get("versions", {}).get(lib)
        if before != version:
            reasons.append(f"{lib} {before} -> {version}")
    if old.get("dataset", {}).get("sha256") != new["dataset"]["sha256"]:
        reasons.append(Phrase("cache.reason_dataset_changed", before=old.get("dataset", {}).get("name"),
                              after=new["dataset"]["name"]))
    if old.get("code") != new["code"]:
        reasons.append(Phrase("cache.reason_code_changed", experiment=new["experiment"]))
    if old.get("trainer") != new["trainer"]:
        reasons.append(Phrase("cache.reason_trainer_changed"))
    for name, value in new["hyper_parameters"].items():
        before = old.get("hyper_parameters", {}).get(name)
        if before != value:
            reasons.append(f"{name} {before} -> {value}")
    if old.get("profile") != new["profile"]:
        reasons.append(Phrase("cache.reason_profile", before=old.get("profile", {}).get("name"), after=new["profile"]["name"]))
    if old.get("seed") != new["seed"]:
        reasons.append(Phrase("cache.reason_seed", before=old.get("seed"), after=new["seed"]))
    if old.get("schema") != new["schema"]:
        reasons.append(Phrase("cache.reason_schema", before=old.get("schema"), after=new["schema"]))
    return reasons or [Phrase("cache.reason_no_earlier_result")]


class ResultCache:
    """Training results in the cache store's ``runs`` area: ``<chapter>/<experiment>/<key>.json``
    holds the key's parts and the result; ``latest.json`` / ``latest-seed<N>.json`` the parts
    last trained (to explain a miss)."""

    def __init__(self, files: CacheStore | Path) -> None:
        self.files = CacheStore.of(files)
        self.root = self.files.root
        self.damaged: set[str] = set()  # keys whose entry failed its checksum in this build

    def _name(self, parts: dict, file: str) -> str:
        return f"{parts['chapter']}/{parts['experiment']}/{file}"

    def entry_name(self, parts: dict) -> str:
        """The name of the result entry for ``parts`` in the store's ``runs`` area (for ``files.get/put``)."""
        return self._name(parts, f"{cache_key(parts)}.json")

    def entry_path(self, parts: dict) -> Path:
        """The file that holds (or would hold) the result for ``parts``."""
        return self.files.path("runs", self.entry_name(parts))

    def load(self, parts: dict) -> RunResult | None:
        name = self.entry_name(parts)
        raw = self.files.get("runs", name)
        if raw is None:
            if ("runs", name) in self.files.damaged:
                self.damaged.add(cache_key(parts))
            return None
        try:  # the MAC matched: only a lecturegen bug could make this unreadable
            entry = loads(raw.decode("utf-8"))
            if entry["parts"] != parts:
                raise ValueError("key parts differ")
            return RunResult.from_dict(entry["result"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning(say("cache.damaged", name=name, exc=exc))
            self.damaged.add(cache_key(parts))
            discard(self.entry_path(parts))
            return None

    def latest_names(self, parts: dict) -> list[str]:
        """The entries (in the ``runs`` area) naming the key parts last trained for this experiment:
        with this seed first, then with any; :meth:`why_stale` explains a miss from them."""
        return [self._name(parts, f"latest-seed{parts['seed']}.json"), self._name(parts, "latest.json")]

    def why_stale(self, parts: dict) -> list[str]:
        if cache_key(parts) in self.damaged:
            return [Phrase("cache.reason_entry_damaged")]
        old = None
        for latest in self.latest_names(parts):
            raw = self.files.get("runs", latest)
            try:
                old = loads(raw.decode("utf-8")) if raw is not None else None
            except ValueError:
                old = None
            if old is not None:
                break
        if old is None:
            return [Phrase("cache.reason_not_trained_before")]
        if self.entry_path(parts).exists() or old == parts:
            return [Phrase("cache.reason_entry_missing")]
        try:
            return explain(old, parts)
        except (AttributeError, TypeError, KeyError):  # a hand-edited or damaged latest*.json
            return [Phrase("cache.reason_metadata_damaged")]

    def store(self, parts: dict, result: RunResult) -> None:
        entry = {"parts": parts, "result": result.to_dict()}
        try:
            self.files.put("runs", self.entry_name(parts),
                           json.dumps(entry, indent=1, ensure_ascii=False).encode("utf-8"))
            for latest in self.latest_names(parts):
                self.files.put("runs", latest, json.dumps(parts, indent=1, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            if exc.errno in DISK_FULL:
                raise  # a full disk stops the build (lecturegen.engine.writer.disk_full_is_an_error)
            # a damaged cache folder (a file where a folder belongs, no permission) must not lose a training run
            log.warning(say("cache.cannot_store", name=parts["experiment"], problem=exc.strerror or exc,
                            where=exc.filename or say("cache.folder")))

