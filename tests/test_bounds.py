"""Issue 26: author-controlled numbers and recursion are bounded; templates are text (Jinja's sandbox)."""

from __future__ import annotations

import time
from pathlib import Path

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


@pytest.mark.parametrize("markup", [
    '<img src="a.png" srcset="a.png 1x, https://evil.example/b.png 2x">',
    '<picture><source srcset="//evil.example/c.webp"></picture>',
    '<link rel="preload" as="image" imagesrcset="https://evil.example/i.png 300w">',
    '<meta http-equiv="refresh" content="0; url=https://evil.example/">',
    "<meta http-equiv='Refresh' content=\"3;URL='//evil.example/x'\">",
    '<form action="https://evil.example/collect"><input name=q></form>',
    '<form><button formaction="https://evil.example/b">go</button></form>',
    '<div style="background: url(https://evil.example/bg.png)"></div>',
    '<style>.x { background-image: image-set("https://evil.example/a.png" 1x) }</style>',
    '<svg><use xlink:href="https://evil.example/s.svg#i"></use></svg>',
    '<svg><image href="https://evil.example/s.png"/></svg>',
    '<svg><rect fill="url(https://evil.example/p.svg#g)"/></svg>',
    '<a href="x.html" ping="https://evil.example/track">x</a>',
    '<body background="https://evil.example/bg.gif"></body>',
])
def test_site_check_sees_every_reference_leaving_the_site(tmp_path, markup):
    from lecturegen.publish.sitecheck import check_site

    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "x.html").write_text("<!doctype html><html><head><title>x</title></head><body></body></html>")
    (tmp_path / "index.html").write_text(f"<!doctype html><html><head><title>t</title></head><body>{markup}</body></html>")
    problems = check_site(tmp_path)
    assert any("evil.example" in p for p in problems), problems


def test_site_check_reads_svg_files_and_allows_a_plain_refresh(tmp_path):
    from lecturegen.publish.sitecheck import check_site

    (tmp_path / "fig.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                                      '<image xlink:href="../outside.png"/></svg>')
    (tmp_path / "index.html").write_text('<!doctype html><html><head><title>t</title>'
                                         '<meta http-equiv="refresh" content="30"></head><body></body></html>')
    problems = check_site(tmp_path)
    assert problems == ["fig.svg: ../outside.png leaves the site folder"], problems


@pytest.mark.parametrize("text", ["x = " + "[" * 100_000 + "]" * 100_000, "[build]\nout = " + "[" * 5000 + "]" * 5000,
                                  "a = " + "{b = " * 3000 + "1" + "}" * 3000])
def test_deeply_nested_config_is_one_line(tmp_path, text):
    from lecturegen.config import read_config
    from lecturegen.errors import UsageError

    (tmp_path / "lecturegen.toml").write_text(text)
    with pytest.raises(UsageError) as caught:
        read_config(tmp_path / "lecturegen.toml")
    assert "\n" not in str(caught.value) and "lecturegen.toml" in str(caught.value)


@pytest.mark.parametrize("address, ok", [
    ("tcp://[bad", False), ("tcp://host", False), ("foo bar", False), ("http://x:1", False), ("tcp://h:99999", False),
    ("tcp://h:1/path", False), ("", False), ("x" * 600 + ":1", False), ("tcp://h:1\n", False),
    ("tcp://127.0.0.1:8786", True), ("localhost:8786", True), ("tls://[::1]:8786", True),
])
def test_scheduler_addresses_are_checked_before_dask(address, ok):
    from lecturegen.engine.executors.cluster import scheduler_address_problem

    assert (scheduler_address_problem(address) is None) == ok


@pytest.mark.parametrize("root", ["/proc", "/sys", "/proc/self"])
def test_an_unwritable_out_says_so_not_another_build(root):
    from lecturegen.engine.writer import staged_output
    from lecturegen.errors import LecturegenError

    with pytest.raises(LecturegenError) as caught:
        with staged_output(Path(root), "ch7"):
            pass
    assert "another lecturegen build" not in str(caught.value) and root in str(caught.value)


@pytest.mark.parametrize("make", ["folder", "link", "fifo"])
def test_a_cache_secret_that_is_not_a_file_is_one_line(tmp_path, make):
    import os

    from lecturegen.engine.store import CacheStore
    from lecturegen.errors import LecturegenError

    secret = tmp_path / ".secret"
    {"folder": lambda: secret.mkdir(), "link": lambda: secret.symlink_to(tmp_path / "elsewhere"),
     "fifo": lambda: os.mkfifo(secret)}[make]()
    with pytest.raises(LecturegenError) as caught:
        CacheStore(tmp_path)._secret()
    assert "\n" not in str(caught.value) and ".secret" in str(caught.value)


@pytest.mark.parametrize("value", [10 ** 400, -(10 ** 400), float("nan"), float("inf"), True, "1"])
def test_report_numbers_out_of_range_are_not_numbers(value):
    from lecturegen.diff import _number

    assert _number(value) is None


@pytest.mark.parametrize("key, value", [("seeds", 10 ** 9), ("jobs", 100_000), ("workers", 10 ** 6), ("seeds", 0),
                                        ("workers", 10 ** 400)])
def test_config_numbers_are_bounded(tmp_path, key, value):
    """The same bounds as the command line's (seeds 100, jobs and workers 64), with the file's line."""
    from lecturegen.config import read_config
    from lecturegen.errors import UsageError

    (tmp_path / "lecturegen.toml").write_text(f"[build]\n{key} = {value}\n")
    with pytest.raises(UsageError) as caught:
        read_config(tmp_path / "lecturegen.toml")
    assert "\n" not in str(caught.value) and " to " in str(caught.value) or "cannot be read" in str(caught.value)


@pytest.mark.parametrize("expr", ["'x' * 10**10", "[0] * 10**9", "9 ** (9 ** 9)", "range(10**10) | list | length",
                                  "10 ** 100000"])
def test_content_numbers_cannot_exhaust_memory(tmp_path, expr):
    start = time.perf_counter()
    text = _error(tmp_path, "# A\n\n{{ " + expr + " }}\n")
    assert "\n" not in text and "en.md" in text and time.perf_counter() - start < 5, text


def test_config_bounds_match_the_command_line():
    from lecturegen.config import INT_MAX
    from lecturegen.engine.executors import MAX_WORKERS
    from lecturegen.engine.options import MAX_JOBS, MAX_SEEDS

    assert INT_MAX == {"seeds": MAX_SEEDS, "jobs": MAX_JOBS, "workers": MAX_WORKERS}
