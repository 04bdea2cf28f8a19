"""Keras' datasets for in-memory arrays, without tf.data's autotuning thread (part of training: called by
:func:`lecturegen.engine.train.import_tensorflow`, with TensorFlow already imported).

Why: every iterator of a tf.data pipeline that asks for ``AUTOTUNE`` (Keras' parallel batch ``map`` and its
``prefetch`` do) starts a thread that tunes it, waking after a period that doubles up to 60 s. When the
iterator is dropped (each epoch's training and validation pass, each ``evaluate``), its destructor cancels
that thread and waits for it; the thread is woken by the cancellation but can look before the cancellation
is marked done, and then sleeps out the rest of its period. The destructor runs under Python's GIL, so
every thread of the build stops with it. ``bench/iterator_drop.py`` (three threads, as in a build): 67 ms
per dropped iterator on average, 9 of 90 over 50 ms and up to 0.64 s, against 3.4 ms and at most 14 ms
without the thread; in the test suite, where old iterators are dropped late, stalls of 4 to 40 s.

Without autotuning the pipeline is the same: the same batches in the same order (the ``map`` keeps its
order), only its ``AUTOTUNE`` values are fixed defaults instead of tuned ones, and no thread tunes them.
The numbers are the same to the bit (tests/test_speed.py). Not student code: a student's ``model.fit``
learns the same without it.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)

_MARK = "_lecturegen_no_autotune_thread"


def without_autotune_thread(tf) -> None:
    """Make Keras' array datasets (fit's training and validation data, evaluate's, predict's) run without
    tf.data's autotuning thread. Idempotent; a Keras without that adapter is left as it is."""
    try:
        from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
    except ImportError:  # another Keras layout: its datasets keep autotuning (slower to drop, same numbers)
        log.debug("Keras' ArrayDataAdapter not found: tf.data autotuning left on")
        return
    original = ArrayDataAdapter.get_tf_dataset
    if getattr(original, _MARK, False):
        return
    options = tf.data.Options()
    options.autotune.enabled = False

    @functools.wraps(original)  # the original stays reachable as ``__wrapped__``
    def get_tf_dataset(self):
        return original(self).with_options(options)

    setattr(get_tf_dataset, _MARK, True)
    ArrayDataAdapter.get_tf_dataset = get_tf_dataset
