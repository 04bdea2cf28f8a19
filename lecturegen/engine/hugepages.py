"""NumPy's large arrays without transparent huge pages, in processes that train (part of training: called by
:func:`lecturegen.engine.train.import_tensorflow`).

Why: NumPy asks the kernel for huge pages for every large array (``madvise(MADV_HUGEPAGE)``). Where the
kernel's ``transparent_hugepage/defrag`` is ``madvise`` (a common default), the first touch of such an
array makes the kernel compact memory right then, in the thread that touched it, until it has 2 MiB pages
to give. Preparing full Fashion-MNIST (``prepare_data``: 0.4 GB of new float32 arrays) took 3.2-3.8 s, nearly
all of it system time, against 0.2 s with ordinary pages, and three runs waited for it before their first
step (``bench/first_prepare.py``). The arrays are copied into TensorFlow's tensors right after, so no
training step ever reads them: the numbers are the same to the bit.

A process started with ``NUMPY_MADVISE_HUGEPAGE`` set keeps what that says.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def numpy_without_huge_pages() -> bool:
    """Stop NumPy asking for huge pages in this process, unless ``NUMPY_MADVISE_HUGEPAGE`` says otherwise.
    Idempotent. True when NumPy now asks for none."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:
        try:  # NumPy 1.x
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:  # a NumPy without the switch: it keeps its own choice
            log.debug("numpy has no _set_madvise_hugepage: huge pages left as numpy chose")
            return False
    _set_madvise_hugepage(False)
    return True
