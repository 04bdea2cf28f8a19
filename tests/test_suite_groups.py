"""The suite's own arrangement: the tests sharing a costly module fixture run in one xdist worker."""

from __future__ import annotations

import pytest

import conftest


def test_tests_sharing_a_costly_module_fixture_are_grouped_for_xdist(request):
    """Under the README's `--dist loadgroup`, pytest-xdist puts a test's group in its node id (in its own
    hook, in each worker) and sends a group to one worker. A group marked after that hook is silently
    ignored, and the fixture is then made in every worker running one of its tests: this test fails so."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only under pytest-xdist's --dist loadgroup (the README's test command)")
    grouped = [item for item in request.session.items if conftest.MODULE_FIXTURES & set(item.fixturenames)]
    if not grouped:
        pytest.skip("no test of this run shares a module fixture")
    assert [item.nodeid for item in grouped if "@" not in item.nodeid] == []
    for item in grouped:
        fixture = sorted(conftest.MODULE_FIXTURES & set(item.fixturenames))[0]
        assert item.nodeid.endswith(f"@{item.path.name}::{fixture}"), item.nodeid
