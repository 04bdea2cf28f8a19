"""What one build is asked to do: :class:`BuildOptions`, resolved once by the command (from the
flags, then ``lecturegen.toml``, then the defaults) and passed down; and where its output goes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lecturegen.engine.executors import ExecutorOptions

DEFAULT_LANG = "ko"
MAX_SEED = 2**32 - 1  # keras.utils.set_random_seed takes 32-bit seeds
MAX_SEEDS = 100
MAX_JOBS = 64


@dataclass(frozen=True)
class BuildOptions:
    chapter: str
    out: Path = Path("output")
    profile: str = "full"
    data: str = "auto"
    lang: str | None = None  # None: the chapter's first language
    force: bool = False
    seed: int = 0
    cache_dir: Path | None = None
    chapters_dirs: tuple[Path, ...] = ()  # searched after the built-in and entry-point chapters
    templates_dirs: tuple[Path, ...] = ()  # searched before the built-in templates, first wins
    seeds: int = 1  # train each experiment with seeds seed .. seed + seeds - 1; report mean ± sd
    strict: bool = False  # a claim that does not hold fails the build; the previous output stays
    jobs: int | None = None  # experiments trained at the same time (None: schedule.default_jobs())
    processes: bool = False  # with jobs > 1: each run in a worker process instead of a thread of the build
    executor: str = "local"  # where runs train: "local" (this machine) or "dask" (a Dask cluster)
    scheduler: str | None = None  # dask: an existing scheduler's address; None: a LocalCluster here
    workers: int | None = None  # dask LocalCluster: worker processes (default: one per core)
    repository: str | None = None  # [course] repository of lecturegen.toml: the notebook's "Open in Colab" link

    def executor_options(self) -> ExecutorOptions:
        return ExecutorOptions(self.executor, self.jobs, self.data, self.chapters_dirs,
                               self.scheduler, self.workers, self.processes)


def seed_list(seed: int, count: int) -> list[int]:
    return list(range(seed, seed + count))


def output_dir(out: Path, chapter_id: str, lang: str) -> Path:
    """ko (the default language) builds into OUT/<chapter>, other languages into OUT/<chapter>-<lang>."""
    return out / (chapter_id if lang == DEFAULT_LANG else f"{chapter_id}-{lang}")
