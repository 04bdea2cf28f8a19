"""Compiled templates kept in the cache folder (engine/render.py ``templates_compiled_in``): a new
process loads them instead of compiling; an edited template is compiled again; an edited entry is
refused. Fast tier: no build, only the Jinja environment."""

from __future__ import annotations

import jinja2
import pytest

from lecturegen.engine import branches, render
from lecturegen.engine.store import CacheStore


@pytest.fixture
def compiles(monkeypatch):
    """How many times Jinja compiled a template from source, from now on (each new 'process': the
    environments of the one before are dropped)."""
    render._cached_environment.cache_clear()
    branches._COMPILED.clear()
    seen: list[str] = []
    real = jinja2.Environment._generate

    def counting(self, source, name, filename, defer_init=False):
        seen.append(name)
        return real(self, source, name, filename, defer_init)

    monkeypatch.setattr(jinja2.Environment, "_generate", counting)
    real_generate = branches.generate  # the every-branch code is generated without Jinja's optimizer

    def counting_generate(tree, env, name, filename, **kwargs):
        seen.append(name)
        return real_generate(tree, env, name, filename, **kwargs)

    monkeypatch.setattr(branches, "generate", counting_generate)
    yield seen
    render._cached_environment.cache_clear()
    branches._COMPILED.clear()


def _fresh_process():
    render._cached_environment.cache_clear()
    branches._COMPILED.clear()


def _page(folder, store, name="page.html.j2"):
    with render.templates_compiled_in(store):
        return render._environment([folder]).get_template(name).render(x=2)


def test_a_second_process_loads_the_compiled_template_and_an_edit_compiles_again(tmp_path, compiles):
    store = CacheStore(tmp_path / "cache")
    (tmp_path / "t").mkdir()
    page = tmp_path / "t" / "page.html.j2"
    page.write_text("{% if x > 1 %}big {{ x }}{% endif %}\n", encoding="utf-8")
    assert _page(tmp_path / "t", store) == "big 2\n" and compiles == ["page.html.j2"]
    _fresh_process()
    assert _page(tmp_path / "t", store) == "big 2\n" and compiles == ["page.html.j2"]  # loaded, not compiled
    page.write_text("{% if x > 1 %}larger {{ x * 3 }}{% endif %}\n", encoding="utf-8")
    _fresh_process()
    assert _page(tmp_path / "t", store) == "larger 6\n" and compiles == ["page.html.j2"] * 2
    assert len([p for p in (tmp_path / "cache" / "templates").iterdir() if not p.name.endswith(".mac")]) == 1
    _fresh_process()
    assert _page(tmp_path / "t", None) == "larger 6\n" and len(compiles) == 3  # outside a build: no cache


def test_an_edited_entry_is_refused_and_compiled_again(tmp_path, compiles, caplog):
    store = CacheStore(tmp_path / "cache")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.html.j2").write_text("{{ x + 1 }}\n", encoding="utf-8")
    assert _page(tmp_path / "t", store) == "3\n"
    entries = [p for p in (tmp_path / "cache" / "templates").iterdir() if not p.name.endswith(".mac")]
    assert len(entries) == 1
    entries[0].write_bytes(entries[0].read_bytes()[:-8] + b"\0" * 8)  # compiled code is run: never trusted edited
    _fresh_process()
    assert _page(tmp_path / "t", store) == "3\n" and len(compiles) == 2
    assert "damaged" in caplog.text


def test_the_every_branch_check_is_kept_too(tmp_path, compiles):
    store = CacheStore(tmp_path / "cache")
    (tmp_path / "c").mkdir()
    content = tmp_path / "c" / "ko.md"
    content.write_text("{% if x > 1 %}{{ x }}{% else %}{{ y }}{% endif %}\n", encoding="utf-8")

    def check():
        with render.templates_compiled_in(store):
            env = render._environment([tmp_path / "c"])
            return branches.every_branch_template(env, content).render(x=2, y=5)

    first = check()
    _fresh_process()
    compiles.clear()
    assert check() == first and compiles == []  # the every-branch code came from the cache folder
    content.write_text("{% if x > 1 %}{{ x }}{% else %}{{ y + 1 }}{% endif %}\n", encoding="utf-8")
    _fresh_process()
    assert "6" in check() and compiles == ["ko.md"]
    # one entry per file, overwritten by an edit: the cache folder does not grow with every edit
    names = sorted(p.name for p in (tmp_path / "cache" / "templates").iterdir() if not p.name.endswith(".mac"))
    assert len(names) == 1 and names[0].startswith("branches-"), names


def test_the_page_and_the_every_branch_check_share_one_parse(tmp_path, compiles, monkeypatch):
    """An edited content file is parsed once: the page's compile leaves its tree for the every-branch
    check (which rewrites it); without a page compile before it, the check parses on its own."""
    parses: list[str] = []
    real = jinja2.Environment._parse

    def counting(self, source, name, filename):
        parses.append(name)
        return real(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "_parse", counting)
    (tmp_path / "c").mkdir()
    content = tmp_path / "c" / "ko.md"
    content.write_text("{% if x > 1 %}{{ x }}{% else %}{{ y + 1 }}{% endif %}\n", encoding="utf-8")
    env = render._environment([tmp_path / "c"])
    assert env.get_template("ko.md").render(x=2, y=5) == "2\n"
    assert branches.every_branch_template(env, content).render(x=2, y=5) == "26\n"  # both branches ran
    assert parses == ["ko.md"] and compiles == ["ko.md", "ko.md"]
    assert env.get_template("ko.md").render(x=0, y=5) == "6\n"  # the page's code is its own, not rewritten
    content.write_text("{% if x > 1 %}{{ x }}{% else %}{{ y + 2 }}{% endif %}\n", encoding="utf-8")
    assert branches.every_branch_template(env, content).render(x=2, y=5) == "27\n"
    assert parses == ["ko.md", "ko.md"]
    content.write_text("{% if x > 1 %}{{ x }}{% else %}{{ y + 3 }}{% endif %}\n", encoding="utf-8")
    assert branches.every_branch_template(env, content).render(x=2, y=5) == "28\n"  # its own parse was not kept
    assert env.get_template("ko.md").render(x=0, y=5) == "8\n"
