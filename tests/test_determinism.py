"""Two cold builds with the same seed report the same numbers on CPU.

Both builds train from an empty cache (separate cache folders), one in-process and one as a
subprocess; `keras.utils.set_random_seed` and `tf.config.experimental.enable_op_determinism()`
make CPU training bit-for-bit repeatable, so the comparison is exact (no tolerance).
"""

from __future__ import annotations

import json

import pytest

METRICS = ("history", "test_loss", "test_accuracy", "summary", "epochs", "train_size", "test_size", "optimizer")


@pytest.mark.slow
def test_same_seed_same_metrics(quick_build, concurrent_builds):
    first_out, _ = quick_build
    second_out, proc, _ = concurrent_builds
    assert proc.returncode == 0
    first = json.loads((first_out / "report.json").read_text())
    second = json.loads((second_out / "ch4" / "report.json").read_text())
    assert first["provenance"]["device"] == "CPU" and first["provenance"]["seed"] == second["provenance"]["seed"] == 0
    for name in ("sigmoid", "relu", "quickstart"):
        assert first["runs"][name]["cache"]["status"] == second["runs"][name]["cache"]["status"] == "trained"
        for key in METRICS:
            assert first["runs"][name][key] == second["runs"][name][key], (name, key)
