"""`lecturegen publish`: the site's layout, its links, the PDF handout and the atomic update."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import html5lib
import pytest

from lecturegen.cli import app
from lecturegen.publish.sitecheck import check_site

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


def snapshot(site: Path) -> dict[str, str]:
    """Where the site link points, and the sha256 of every file reachable through it."""
    root = site.resolve()
    files = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(root.rglob("*")) if p.is_file()}
    return {"->": os.readlink(site), **files}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed; .ci/run installs it")
    return path


@pytest.fixture()
def own_site(published_site, tmp_path) -> Path:
    """A copy of the shared site (its version folders and the relative link to the live one), for a
    test that publishes over it: the shared one is read by other tests, maybe at the same time."""
    web = shutil.copytree(published_site.parent, tmp_path / "web", symlinks=True)
    return Path(web) / published_site.name


def test_site_layout_shares_assets_once(published_site):
    site = published_site
    assert site.is_symlink() and site.resolve().parent.name == f".{site.name}.versions"
    for folder in ("ch4", "ch4-en"):
        for name in ("slides.html", "handout.html", "handout.pdf", "ch4.ipynb", "report.json",
                     "figures/curves_relu.svg"):
            assert (site / folder / name).is_file(), f"{folder}/{name}"
        assert not (site / folder / "assets").exists(), "assets must be stored once, at the site's top"
        slides = (site / folder / "slides.html").read_text()
        assert 'href="../assets/reveal/reveal.css"' in slides and 'src="../assets/reveal/reveal.js"' in slides
    assert len(list(site.rglob("reveal.js"))) == 1
    assert len(list(site.rglob("fonts.css"))) == 1


def test_every_page_parses_and_every_link_resolves(published_site):
    assert check_site(published_site) == []
    pages = sorted(published_site.rglob("*.html"))
    assert len(pages) == 5  # index + 2 x (slides, handout)
    for page in pages:
        parser = html5lib.HTMLParser(strict=True)  # raises on the first parse error
        parser.parse(page.read_bytes(), transport_encoding="utf-8")


def test_link_checker_finds_problems(tmp_path):
    (tmp_path / "a.html").write_text(
        '<!doctype html><html lang="en"><head><title>t</title>'
        '<link rel="stylesheet" href="https://cdn.example.org/x.css"></head>'
        '<body><a href="missing.html#top">x</a><img src="../outside.png" alt="o"><p></b></body></html>')
    (tmp_path / "s.css").write_text('@import "gone.css"; body { background: url(data:image/png;base64,AA==); }')
    problems = "\n".join(check_site(tmp_path))
    assert "external reference https://cdn.example.org/x.css" in problems
    assert "broken link missing.html#top" in problems
    assert "../outside.png leaves the site folder" in problems
    assert "broken link gone.css" in problems
    assert "HTML parse error" in problems
    assert "data:image" not in problems


def test_index_lists_every_chapter_with_provenance(published_site, built_both):
    index = (published_site / "index.html").read_text()
    for folder in ("ch4", "ch4-en"):
        report = json.loads((built_both / folder / "report.json").read_text())
        for name in ("slides.html", "slides.html?print-pdf", "handout.html", "handout.pdf", "ch4.ipynb",
                     "report.json"):
            assert f'href="{folder}/{name}"' in index
        assert report["chapter"]["title"] in index
        assert report["provenance"]["build_date"] in index
        assert report["provenance"]["tensorflow"] in index
        acc = report["runs"]["quickstart"]["test_accuracy"]
        assert f"{acc * 100:.2f}\u00a0%" in index
        assert report["runs"]["sigmoid"]["label"] in index  # display names, not identifiers
    assert "<code>sigmoid</code>" not in index and "<code>opt_sgd</code>" not in index
    assert index.count('class="sample-badge"') == 2 and "샘플 데이터" in index and "sample data" in index


@pytest.mark.parametrize("folder, needles", [
    ("ch4", ["강의 노트", "샘플 데이터", "시그모이드"]),
    ("ch4-en", ["handout", "Sample data", "sigmoid"]),
])
def test_handout_pdf_embeds_the_korean_font(published_site, folder, needles):
    pdf = published_site / folder / "handout.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    nanum = [line for line in fonts.splitlines() if "NanumGothic" in line]
    assert nanum and all(line.split()[-5] == "yes" for line in nanum), fonts  # emb column
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    for needle in needles:
        assert needle in text, needle
    pages = text.split("\f")[:-1]
    assert len(pages) >= 4
    for number, page in enumerate(pages[1:], start=2):  # 'n / N' at the foot of every page but the title page
        assert re.fullmatch(rf"{number}\s*/\s*{len(pages)}", page.strip().splitlines()[-1].strip()), page[-200:]
    first_page = text.split("\f")[0]
    assert "TensorFlow / Keras" in first_page and "sha256" in first_page, "title page carries the provenance"
    report = json.loads((published_site / folder / "report.json").read_text())
    assert report["provenance"]["build_date"] in first_page


def test_republish_uses_the_pdf_cache_and_keeps_one_previous_version(own_site, built_both, cache_dir, runner):
    first = own_site.resolve()
    result = runner.invoke(app, ["publish", "--out", str(built_both), "--site", str(own_site),
                                 "--cache-dir", str(cache_dir)])
    assert result.exit_code == 0, result.output
    assert "rendered 0, cached 2" in result.output  # same pages, same fonts: the PDFs come from the cache
    second = own_site.resolve()
    assert second != first and first.is_dir(), "the previous version stays for readers in flight"
    result = runner.invoke(app, ["publish", "ch4-en", "--out", str(built_both), "--site", str(own_site),
                                 "--cache-dir", str(cache_dir)])
    assert result.exit_code == 0, result.output
    assert not (own_site / "ch4").exists() and (own_site / "ch4-en" / "handout.pdf").is_file()
    assert not first.exists(), "versions older than the previous one are removed"
    assert sorted(first.parent.iterdir()) == sorted([second, own_site.resolve()])
    result = runner.invoke(app, ["publish", "--out", str(built_both), "--site", str(own_site),
                                 "--cache-dir", str(cache_dir)])
    assert result.exit_code == 0, result.output
    assert (own_site / "ch4" / "handout.pdf").is_file()


def test_interrupted_publish_leaves_the_previous_site(own_site, built_both, cache_dir, tmp_path):
    """kill -9 a publish while it writes the new version: the site stays byte-identical."""
    before = snapshot(own_site)
    versions = own_site.resolve().parent
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # a fresh cache makes the publish print both PDFs: seconds of work after the copy has started
    proc = subprocess.Popen([sys.executable, "-m", "lecturegen", "publish", "--out", str(built_both), "--site",
                             str(own_site), "--cache-dir", str(tmp_path / "cold-cache")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    partial = []
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            assert (own_site / "index.html").is_file() and (own_site / "ch4" / "handout.pdf").is_file()
            partial = list(versions.glob("*.partial/ch4-en/slides.html"))
            if partial:
                break
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        output = proc.communicate(timeout=30)[0].decode()
    assert partial, f"the publish never started writing: {output}"
    assert proc.returncode == -signal.SIGKILL, output
    assert snapshot(own_site) == before
    # the next publish clears the leftovers and goes live (with the session's cache: its PDFs are made)
    result = subprocess.run([sys.executable, "-m", "lecturegen", "publish", "--out", str(built_both), "--site",
                             str(own_site), "--cache-dir", str(cache_dir)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert not list(versions.glob("*.partial"))
    assert snapshot(own_site)["->"] != before["->"]


def test_broken_chapter_is_not_published(own_site, built_both, tmp_path, cache_dir, runner):
    out = tmp_path / "out"
    shutil.copytree(built_both / "ch4", out / "ch4")
    (out / "ch4" / "figures" / "curves_relu.svg").unlink()
    before = snapshot(own_site)
    result = runner.invoke(app, ["publish", "--out", str(out), "--site", str(own_site),
                                 "--cache-dir", str(cache_dir)])
    assert result.exit_code == 1
    assert "broken link figures/curves_relu.svg" in result.output and "nothing was published" in result.output
    assert snapshot(own_site) == before
    assert not list(own_site.resolve().parent.glob("*.partial"))


@pytest.mark.parametrize("args, needle, code", [
    (["ch9"], "'ch9' is not built", 2),
    (["--out", "/no/such/out"], "does not exist", 2),
])
def test_bad_publish_input_is_one_clean_line(built_both, tmp_path, runner, args, needle, code):
    argv = ["publish", "--out", str(built_both), "--site", str(tmp_path / "site"), *args]
    result = runner.invoke(app, argv)
    assert result.exit_code == code, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


def test_publish_refuses_to_replace_a_plain_folder(built_both, tmp_path, runner):
    site = tmp_path / "site"
    site.mkdir()
    (site / "mine.txt").write_text("not lecturegen's")
    result = runner.invoke(app, ["publish", "--out", str(built_both), "--site", str(site)])
    assert result.exit_code == 1
    assert "is not a site published by lecturegen" in result.output
    assert (site / "mine.txt").read_text() == "not lecturegen's"


def test_pdf_refuses_resources_outside_the_site(tmp_path):
    from lecturegen.publish.pdf import PdfError, write_handout_pdf

    site = tmp_path / "site"
    (site / "ch").mkdir(parents=True)
    (tmp_path / "secret.css").write_text("body { color: red }")
    page = site / "ch" / "handout.html"
    page.write_text('<!doctype html><html lang="en"><head><title>t</title>'
                    '<link rel="stylesheet" href="../../secret.css"></head><body><p>hello</p></body></html>')
    with pytest.raises(PdfError, match="not a file of the published site"):
        write_handout_pdf(page, site / "ch" / "handout.pdf", site, tmp_path / "cache")
    page.write_text('<!doctype html><html lang="en"><head><title>t</title></head>'
                    '<body><img src="http://example.invalid/x.png" alt="x"></body></html>')
    with pytest.raises(PdfError, match="external resource refused"):
        write_handout_pdf(page, site / "ch" / "handout.pdf", site, tmp_path / "cache")
    page.write_text('<!doctype html><html lang="en"><head><title>t</title></head><body><p>hello</p></body></html>')
    assert write_handout_pdf(page, site / "ch" / "handout.pdf", site, tmp_path / "cache") is False
    assert write_handout_pdf(page, site / "ch" / "handout2.pdf", site, tmp_path / "cache") is True
    assert (site / "ch" / "handout2.pdf").read_bytes() == (site / "ch" / "handout.pdf").read_bytes()
