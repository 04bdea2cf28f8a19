"""Security: text from data, chapters and results is escaped in every page; ids cannot leave the
output folder; generated files hold no path of the build machine and no environment value."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import cli, cli_env, error_lines, report_data, write_chapter, write_idx
from lecturegen import registry
from lecturegen.errors import ChapterError, LecturegenError

EVIL_DATA = "evil<img src=x onerror=alert(1)>"
EVIL_LAYER = "dense->out"  # TensorFlow allows no '<', '&' or quote in a layer name; '>' it does
EVIL_TITLE = '<script>alert("title")</script>'
RAW = ("<img src=x onerror", "<script>alert")
SECRET = "hunter2-not-for-the-slides"


def _tiny_data(tmp: Path, kind: str) -> Path:
    rng = np.random.default_rng(2)
    x_tr, y_tr = rng.integers(0, 256, (200, 28, 28)), rng.integers(0, 10, 200)
    x_te, y_te = rng.integers(0, 256, (50, 28, 28)), rng.integers(0, 10, 50)
    if kind == "npz":
        path = tmp / f"{EVIL_DATA}.npz"
        np.savez(path, x_train=x_tr.astype(np.uint8), y_train=y_tr, x_test=x_te.astype(np.uint8), y_test=y_te)
        return path
    folder = tmp / EVIL_DATA
    folder.mkdir()
    for name, arr in (("train-images-idx3-ubyte", x_tr), ("train-labels-idx1-ubyte", y_tr),
                      ("t10k-images-idx3-ubyte", x_te), ("t10k-labels-idx1-ubyte", y_te)):
        write_idx(folder / name, arr)
    return folder


@pytest.fixture(scope="module", params=["idx", "npz"])
def evil_build(request, tmp_path_factory):
    """A chapter whose title, layer name and data set name all carry HTML, built for real."""
    tmp = tmp_path_factory.mktemp(f"evil-{request.param}")
    env = write_chapter(tmp / "chapters", title=EVIL_TITLE,
                        layer=f'keras.layers.Dense(10, activation="softmax", name={EVIL_LAYER!r}),')
    env["LECTUREGEN_SECRET_FOR_TESTS"] = SECRET
    data = _tiny_data(tmp, request.param)
    proc = cli("build", "tiny", "--profile", "quick", "--data", str(data), "--out", str(tmp / "out"),
               "--cache-dir", str(tmp / "cache"), "--quiet", env=env, cwd=tmp, timeout=600)  # in this process: no cold TensorFlow import
    assert proc.returncode == 0, proc.stderr
    return tmp / "out" / "tiny", env, tmp


@pytest.mark.slow
def test_untrusted_text_is_escaped_in_pages(evil_build):
    out, _, _ = evil_build
    for page in ("slides.html", "handout.html"):
        html = (out / page).read_text()
        for raw in RAW:
            assert raw not in html, (page, raw)
        assert "evil&lt;img src=x onerror=alert(1)&gt;" in html, page  # the data set's name, escaped
        assert "dense-&gt;out" in html and EVIL_LAYER not in html, page  # the layer name, escaped
        assert "&lt;script&gt;alert(" in html, page  # the chapter title, escaped
        for raw in RAW:  # the page's own scripts are fine; the injected ones must be escaped
            assert raw not in html, (page, raw)


@pytest.mark.slow
def test_untrusted_text_is_escaped_in_notebook_markdown(evil_build):
    out, _, _ = evil_build
    nb = nbformat.read(out / "tiny.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for raw in RAW:
        assert raw not in markdown
    assert "evil&lt;img" in markdown and "&lt;script&gt;" in markdown
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert EVIL_LAYER in code  # code cells show the real name (Jupyter never renders code as HTML)


def _forbidden(env: dict[str, str], *paths: Path) -> set[str]:
    values = {str(Path.home()), os.getcwd(), sys.prefix, sys.exec_prefix, *(str(p) for p in paths)}
    values |= {v for v in env.values() if len(v) > 6}
    return {v for v in values if v not in ("/", "")}


def _generated(out: Path) -> list[Path]:
    return [out / "slides.html", out / "handout.html", *out.glob("*.ipynb"), out / "report.json",
            *(out / "figures").glob("*.svg")]


@pytest.mark.slow
def test_no_machine_paths_or_environment_in_outputs(evil_build, quick_build):
    out, env, tmp = evil_build
    ch4_out, _ = quick_build
    forbidden = _forbidden(env, tmp, out, ch4_out, Path(__file__).resolve().parent.parent)
    assert SECRET in forbidden
    for path in _generated(out) + _generated(ch4_out):
        text = path.read_text(encoding="utf-8")
        leaks = [v for v in forbidden if v in text]
        assert not leaks, f"{path.name} holds {leaks}"
    assert json.loads((out / "report.json").read_text())["dataset"]["name"].startswith("evil")


def test_chapter_id_cannot_leave_the_output_folder(tmp_path):
    out = tmp_path / "a" / "b"
    for bad in ("../evil", "..", "ch4/../../x", "/etc", "Ch4", ".hidden", "ch4\\x"):
        proc = cli("build", bad, "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--quiet")
        assert proc.returncode == 2, bad
        assert "invalid chapter id" in proc.stderr, bad
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_experiment_name_cannot_leave_the_cache_folder(tmp_path, monkeypatch):
    source = (
        "from dataclasses import replace\n"
        "from lecturegen.chapter import chapter, experiment\n"
        "@experiment(title={'ko': 't', 'en': 't'}, epochs=1)\n"
        "def fine():\n    pass\n"
        "CHAPTER = chapter(id='sneaky', title={'ko': 't', 'en': 't'}, experiments=[replace(fine, name='../../x')])\n"
    )
    env = write_chapter(tmp_path / "chapters", chapter_id="sneaky", source=source, content=None)
    monkeypatch.setenv("LECTUREGEN_CHAPTERS_DIR", env["LECTUREGEN_CHAPTERS_DIR"])
    with pytest.raises(ChapterError, match="experiment name '../../x' is not a plain name"):
        registry.available()


def test_cli_env_is_what_the_subprocess_sees():
    env = cli_env(X="1")
    assert env["LECTUREGEN_OFFLINE"] == "1" and env["X"] == "1"


# ---------------------------------------------------------------- publish never follows links


def _fake_built(out: Path, name: str = "ch4") -> Path:
    """A folder shaped like a build (report.json, pages, assets/, figures/): enough for publish to read."""
    folder = out / name
    (folder / "assets").mkdir(parents=True)
    (folder / "figures").mkdir()
    report = report_data(chapter_id=name)
    (folder / "report.json").write_text(json.dumps(report))
    for page in ("slides.html", "handout.html"):
        (folder / page).write_text("<!doctype html><title>t</title>")
    (folder / "assets" / "a.css").write_text("body {}")
    (folder / "figures" / "f.svg").write_text("<svg/>")
    return folder


SECRET_DIR_FILE = "id_rsa"


def _plant(kind: str, folder: Path, outside: Path) -> Path:
    """Put a link or special file into the built folder; returns it."""
    (outside / "keys").mkdir(exist_ok=True)
    (outside / "keys" / SECRET_DIR_FILE).write_text(SECRET)
    (outside / "passwd").write_text(SECRET)
    places = {"file link": (folder / "x.txt", outside / "passwd"),
              "assets file link": (folder / "assets" / "x.css", outside / "passwd"),
              "directory link": (folder / "figures" / "keys", outside / "keys"),
              "assets directory link": (folder / "assets" / "keys", outside / "keys"),
              "relative link": (folder / "notes.txt", Path("../../passwd"))}
    if kind == "fifo":
        os.mkfifo(folder / "pipe")
        return folder / "pipe"
    link, target = places[kind]
    link.symlink_to(target)
    return link


@pytest.mark.parametrize("kind", ["file link", "assets file link", "directory link", "assets directory link",
                                  "relative link", "fifo"])
def test_publish_refuses_links_and_special_files(kind, tmp_path):
    folder = _fake_built(tmp_path / "out")
    planted = _plant(kind, folder, tmp_path)
    site = tmp_path / "site"
    proc = cli("publish", "--out", str(tmp_path / "out"), "--site", str(site), "--cache-dir", str(tmp_path / "c"))
    assert proc.returncode == 1, proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"error: {planted} is a "), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not site.exists() and not list(tmp_path.glob(".site.versions/*"))


def test_copy_refuses_a_link_swapped_in_after_the_walk(tmp_path):
    from lecturegen.safefs import LinkError, copy_regular, regular_files

    folder = _fake_built(tmp_path / "out")
    files = regular_files(folder)
    assert Path("report.json") in files and Path("assets/a.css") in files
    (folder / "slides.html").unlink()
    (folder / "slides.html").symlink_to(tmp_path / "passwd")
    (tmp_path / "passwd").write_text(SECRET)
    with pytest.raises(LinkError, match="slides.html is "):
        copy_regular(folder, Path("slides.html"), tmp_path / "dest.html")
    assert not (tmp_path / "dest.html").exists()


def test_site_check_catches_files_that_publish_did_not_write(tmp_path):
    from lecturegen.publish.sitecheck import check_site

    site = tmp_path / "site"
    (site / "ch4").mkdir(parents=True)
    (site / "index.html").write_text('<!doctype html><html lang="en"><head><title>t</title></head><body></body></html>')
    (site / "ch4" / "x.txt").write_text(SECRET)
    (tmp_path / "keys").mkdir()
    (site / "ch4" / "keys").symlink_to(tmp_path / "keys")
    (site / "ch4" / "passwd").symlink_to(tmp_path / "passwd")
    os.mkfifo(site / "ch4" / "pipe")
    problems = "\n".join(check_site(site, {"index.html"}))
    assert "ch4/x.txt was not written by publish" in problems
    assert "ch4/keys is a symbolic link" in problems and "ch4/passwd is a symbolic link" in problems
    assert "ch4/pipe is a special file" in problems
    assert "index.html" not in problems.replace("ch4/", "")
    assert "x.txt" not in "\n".join(check_site(site, {"index.html", "ch4/x.txt"}))
    assert "was not written" not in "\n".join(check_site(site))  # without the list: links only


# ---------------------------------------------------------------- names with control characters


CONTROL_NAMES = ("ch4\n", "ch7\n", "ch4\r", "ch4\t", "ch\x1b[31mred", "ch4\x7f", "ch4 ")


def test_ids_with_control_characters_or_a_trailing_newline_are_refused(tmp_path):
    from lecturegen.core.chapter import CHAPTER_ID
    from lecturegen.registry import SAFE_NAME

    for name in CONTROL_NAMES:
        assert not CHAPTER_ID.match(name) and not SAFE_NAME.match(name), repr(name)
    for name in ("ch4\n", "ch\x1b[31mred"):
        proc = cli("build", name, "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"), "--quiet")
        assert proc.returncode == 2 and "invalid chapter id" in proc.stderr, repr(name)
        proc = cli("new", name.replace("ch4", "ch7"), "--dir", str(tmp_path / "chapters"))
        assert proc.returncode == 2 and "must be lowercase letters" in proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["fine\n", "fine\x1b[2J", "fine\r"])
def test_experiment_names_with_control_characters_are_refused(name, tmp_path, monkeypatch):
    source = (
        "from dataclasses import replace\n"
        "from lecturegen.chapter import chapter, experiment\n"
        "@experiment(title={'ko': 't', 'en': 't'}, epochs=1)\n"
        "def fine():\n    pass\n"
        f"CHAPTER = chapter(id='sneaky', title={{'ko': 't', 'en': 't'}}, experiments=[replace(fine, name={name!r})])\n"
    )
    env = write_chapter(tmp_path / "chapters", chapter_id="sneaky", source=source, content=None)
    monkeypatch.setenv("LECTUREGEN_CHAPTERS_DIR", env["LECTUREGEN_CHAPTERS_DIR"])
    with pytest.raises(ChapterError, match="is not a plain name"):
        registry.available()


def test_publish_refuses_a_file_the_build_did_not_write(tmp_path):
    from lecturegen.engine.writer import write_marker
    from lecturegen.publish.site import PublishOptions, publish

    folder = _fake_built(tmp_path / "out")
    write_marker(folder)
    (folder / "figures" / "passwd.svg").write_text(SECRET)  # a plain copy dropped in after the build
    with pytest.raises(LecturegenError, match=r"figures/passwd.svg was not written by 'lecturegen build'"):
        publish(PublishOptions(tmp_path / "out", tmp_path / "site", cache_dir=tmp_path / "c"))
    assert not (tmp_path / "site").exists()
