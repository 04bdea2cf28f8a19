"""Planning and the result cache (engine/runs.py, engine/cache.py) with canned results: no TensorFlow."""

from __future__ import annotations

import io
from dataclasses import replace

from canned import Factory
from helpers import make_idx_folder

from lecturegen.chapter import chapter, experiment
from lecturegen.core.chapter import PROFILES
from lecturegen.engine import data
from lecturegen.engine.cache import ResultCache, key_parts
from lecturegen.engine.progress import LineReporter
from lecturegen.engine.runs import train_chapters
from lecturegen.engine.store import CacheStore


@experiment(title={"en": "A"}, epochs=2, inputs="flat", labels="int")
def first():
    raise AssertionError("the canned executor never calls a model function")


@experiment(title={"en": "B"}, epochs=2, inputs="flat", labels="int")
def second():
    raise AssertionError("the canned executor never calls a model function")


CHAPTER = chapter(id="planned", title={"en": "Planned"}, experiments=[first, second], figures=[])


def _train(tmp_path, factory, chapters=(CHAPTER,), seeds=(0,), force=False):
    dataset = data.resolve(str(tmp_path / "idx")) if (tmp_path / "idx").is_dir() else \
        data.resolve(str(make_idx_folder(tmp_path / "idx", 200, 50)))
    cache = ResultCache(CacheStore(tmp_path / "cache"))
    log = io.StringIO()
    results = train_chapters(list(chapters), dataset, PROFILES["quick"], list(seeds), cache, force, LineReporter(log),
                             factory)
    return results, log.getvalue()


def test_each_seed_is_its_own_cache_entry_and_the_result_is_their_mean(tmp_path):
    factory = Factory()
    results, _ = _train(tmp_path, factory, seeds=(0, 1))
    runs, status = results["planned"]
    assert sorted(factory.trained) == ["first seed 0", "first seed 1", "second seed 0", "second seed 1"]
    assert runs["first"].seeds == [0, 1] and runs["first"].test_accuracy.n == 2
    assert status["first"].status == "trained" and len(status["first"].per_seed) == 2
    factory = Factory()
    results, _ = _train(tmp_path, factory, seeds=(1,))  # seed 1 alone: already in the cache
    assert factory.made == [] and results["planned"][1]["first"].status == "cached"


def test_force_retrains_and_says_why(tmp_path):
    _train(tmp_path, Factory())
    factory = Factory()
    _, log = _train(tmp_path, factory, force=True)
    assert sorted(factory.trained) == ["first", "second"] and "--force" in log


def test_a_changed_experiment_retrains_alone_and_the_reason_names_the_change(tmp_path):
    _train(tmp_path, Factory())
    changed = replace(CHAPTER, experiments=(replace(first, epochs=3), second))
    factory = Factory()
    results, log = _train(tmp_path, factory, chapters=(changed,))
    assert factory.trained == ["first"]
    assert results["planned"][1]["second"].status == "cached"
    assert "first" in log and results["planned"][1]["first"].reasons


def test_two_chapters_share_one_executor_and_label_runs_by_chapter(tmp_path):
    other = replace(CHAPTER, id="other")
    factory = Factory()
    results, _ = _train(tmp_path, factory, chapters=(CHAPTER, other))
    assert len(factory.made) == 1 and factory.made[0].closed
    assert sorted(factory.trained) == ["other/first", "other/second", "planned/first", "planned/second"]
    assert set(results) == {"planned", "other"}


def test_changed_seed_retrains_and_explains(quick_build, cache_dir, tmp_path):
    """(Slow: it reads the session's quick build.) Against its real cache entries (seed 0), seed 7
    retrains every run of ch4 and says why. The canned executor "trains": what is tested is the
    cache's decision and its reason, as the build's report.json and progress lines give them."""
    from helpers import copy_shared

    from lecturegen.chapters import ch4

    cache = ResultCache(CacheStore(copy_shared(cache_dir, tmp_path / "cache")))  # canned results stay out of the shared cache
    # the last build of relu was the quick build's, seed 0 (in the shared cache a --seeds 2 build may have come after it)
    seed0 = key_parts(ch4.CHAPTER, ch4.CHAPTER.experiment("relu"), data.resolve("sample").fingerprint, PROFILES["quick"], 0)
    cache.store(seed0, cache.load(seed0))
    factory = Factory()
    log = io.StringIO()
    results = train_chapters([ch4.CHAPTER], data.resolve("sample"), PROFILES["quick"], [7], cache, False,
                             LineReporter(log), factory)
    _, status = results["ch4"]
    names = {exp.name for exp in ch4.CHAPTER.experiments}
    assert set(status) == names and {state.status for state in status.values()} == {"trained"}  # trained N, cached 0
    assert {label.split(" seed ")[0] for label in factory.trained} == names
    assert status["relu"].to_dict() == {"status": "trained", "reasons": ["seed 0 -> 7"]}
    assert "seed 0 -> 7" in log.getvalue()
