"""The default limits of a ``lecturegen check`` snippet run: known without importing the checker, so the
command line (every command, ``build`` too) loads the checker only when ``check`` runs."""

DEFAULT_TIMEOUT = 60.0
# Address space, not RSS: TF 2.21 + Keras 3 fitting a tiny model peaks at 1.9 GiB VmPeak
# (RSS 0.75 GiB) with MALLOC_ARENA_MAX=2 (set by the sandbox), 2.9 GiB without it.
DEFAULT_MEMORY_MB = 4096
