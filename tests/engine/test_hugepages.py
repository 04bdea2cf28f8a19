"""Processes that train ask NumPy for no huge pages (engine/hugepages.py), unless NUMPY_MADVISE_HUGEPAGE
says otherwise."""

from __future__ import annotations

import pytest

from lecturegen.engine.hugepages import numpy_without_huge_pages

np_switch = pytest.importorskip("numpy._core.multiarray")._set_madvise_hugepage


@pytest.fixture
def numpy_asks_for_huge_pages():
    """NumPy as a fresh process on Linux has it (asking for huge pages), put back as it was afterwards."""
    before = np_switch(True)
    yield
    np_switch(before)


def test_numpy_stops_asking_for_huge_pages(numpy_asks_for_huge_pages, monkeypatch):
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    assert numpy_without_huge_pages() is True
    assert np_switch(False) is False  # it was off already
    assert numpy_without_huge_pages() is True  # idempotent


def test_numpy_madvise_hugepage_in_the_environment_is_kept(numpy_asks_for_huge_pages, monkeypatch):
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    assert numpy_without_huge_pages() is False
    assert np_switch(True) is True  # still asking, as the environment said


@pytest.mark.slow
def test_training_sets_it_when_it_imports_tensorflow(numpy_asks_for_huge_pages, monkeypatch):
    from lecturegen.engine.train import import_tensorflow

    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    import_tensorflow()
    assert np_switch(False) is False
