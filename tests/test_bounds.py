"""Issue 26: author-controlled numbers and recursion are bounded; templates are text (Jinja's sandbox)."""

from __future__ import annotations

import time

import pytest

from lecturegen.engine.render import _highlight, markdown, render_markdown
from lecturegen.errors import ChapterError
from test_myst import _ctx, _error

CODE = "a = 1\nb = 2\nc = 3\n"


@pytest.mark.parametrize("attrs, marked", [
    ("hl=1-999999999", 3), ("hl=2-999999999", 2), ("hl=1,1,1-3", 3), ("hl=500", 0),
    ("steps=1-999999999|2", 3), ("hl=2 steps=1|1-999999999", 1),
])
def test_huge_line_ranges_cost_no_more_than_the_code(attrs, marked):
    start = time.perf_counter()
    html = _highlight(CODE, "python", attrs)
    assert time.perf_counter() - start < 1
    if "hl=" in attrs:
        assert html.count('class="hll"') == marked, html
    assert len(html) < 5000


@pytest.mark.parametrize("attrs", ["hl=-", "hl=", "hl=3-1", "hl=0", "hl=x", "hl=1,,2", "hl=9999999999", "steps=1||2",
                                   "steps=-"])
def test_a_malformed_line_range_is_one_line(attrs):
    with pytest.raises(ChapterError) as caught:
        markdown().render(f"```python {attrs}\n{CODE}```\n")
    text = str(caught.value)
    assert "\n" not in text and attrs.split("=")[0] + "=" in text and "3,5-7" in text, text


@pytest.mark.parametrize("content, extra", [
    ("{% include 'en.md' %}\n", {}),
    ("{% extends 'en.md' %}\n", {}),
    ("{% include 'a.md' %}\n", {"a.md": "{% include 'b.md' %}", "b.md": "{% include 'en.md' %}"}),
    ("{% extends 'a.md' %}\n", {"a.md": "{% extends 'en.md' %}"}),
])
def test_self_inclusion_is_one_line_naming_the_file(tmp_path, content, extra):
    for name, text in extra.items():
        (tmp_path / "ch9").mkdir(exist_ok=True)
        (tmp_path / "ch9" / name).write_text(text)
    with pytest.raises(ChapterError) as caught:
        render_markdown(_ctx(tmp_path, content))
    text = str(caught.value)
    assert "\n" not in text and "en.md" in text and "itself" in text, text


@pytest.mark.parametrize("expr", [
    "''.__class__.__mro__[1].__subclasses__()",
    "runs.__class__.__init__.__globals__",
    "cycler.__init__.__globals__.os.popen('id').read()",
    "lipsum.__globals__['os'].popen('id').read()",
    "(runs|list).__class__.__base__",
    "namespace.__init__.__globals__",
])
def test_content_cannot_reach_python_internals(tmp_path, expr):
    text = _error(tmp_path, "# A\n\n{{ " + expr + " }}\n")
    assert "\n" not in text and "en.md" in text and "uid=" not in text, text


def test_a_template_link_out_of_the_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    folder = tmp_path / "ch9"
    folder.mkdir()
    (folder / "part.md").symlink_to(secret)
    text = _error(tmp_path, "# A\n\n{% include 'part.md' %}\n")
    assert "TOP SECRET" not in text and "symbolic link" in text, text


@pytest.mark.parametrize("make", ["file-link", "folder-link", "chain", "relative-up", "fifo"])
def test_template_asset_links_out_of_the_folder_are_refused(tmp_path, make):
    """A course's templates/assets/: a link (or a link to a folder, a chain of links, ../) that leads out
    of it is never followed into the output; a special file is refused too."""
    import os

    from lecturegen.engine.assets import copy_assets
    from lecturegen.errors import LecturegenError

    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("TOP SECRET")
    assets = tmp_path / "course" / "assets"
    assets.mkdir(parents=True)
    (assets / "course.css").write_text("body{}")
    if make == "file-link":
        (assets / "logo.png").symlink_to(secret / "key.txt")
    elif make == "folder-link":
        (assets / "img").symlink_to(secret)
    elif make == "chain":
        (tmp_path / "hop").symlink_to(secret / "key.txt")
        (assets / "a.css").symlink_to(tmp_path / "hop")
    elif make == "relative-up":
        (assets / "b.css").symlink_to("../../secret/key.txt")
    else:
        os.mkfifo(assets / "pipe.css")
    out = tmp_path / "out"
    with pytest.raises(LecturegenError) as caught:
        copy_assets(out, "", "", [tmp_path / "course"])
    assert "\n" not in str(caught.value) and "assets" in str(caught.value)
    assert not any("TOP SECRET" in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_template_asset_link_inside_the_folder_is_copied(tmp_path):
    from lecturegen.engine.assets import copy_assets

    assets = tmp_path / "course" / "assets"
    assets.mkdir(parents=True)
    (assets / "course.css").write_text("body{color:red}")
    (assets / "alias.css").symlink_to("course.css")
    copy_assets(tmp_path / "out", "", "", [tmp_path / "course"])
    assert (tmp_path / "out" / "alias.css").read_text() == "body{color:red}"
    assert not (tmp_path / "out" / "alias.css").is_symlink()
