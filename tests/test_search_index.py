"""The search index publish writes (fast: no browser): records per slide, nothing outside the site."""

from __future__ import annotations

from lecturegen.publish.search import page_records, write_search_index

DECK = """<!doctype html><html lang="ko"><body><div class="reveal"><div class="slides">
<section class="title-slide"><h1>제목</h1></section>
<section data-title="활성화 함수"><h2>활성화 <em>함수</em></h2><p>시그모이드는 <code>1 / (1 + e^-x)</code>입니다</p>
<aside class="notes"><p>강사만 보는 메모 문장입니다 여기 있는 말은 검색되지 않습니다</p></aside>
<script>var secret = 1;</script><img src="a.svg" alt="시그모이드 그래프"></section>
<section><section><h2>세로 묶음</h2></section><section><p>둘째 장</p></section></section>
</div></div></body></html>"""


def test_one_record_per_slide_without_notes_or_scripts(tmp_path):
    page = tmp_path / "slides.html"
    page.write_text(DECK, encoding="utf-8")
    records = page_records("ch4", page, "ko")
    assert [r.url for r in records] == ["ch4/slides.html#/0", "ch4/slides.html#/1", "ch4/slides.html#/2"]
    assert [r.title for r in records] == ["제목", "활성화 함수", "세로 묶음"]
    assert records[1].text == "활성화 함수 시그모이드는 1 / (1 + e^-x)입니다 시그모이드 그래프"
    assert "둘째 장" in records[2].text  # a vertical stack belongs to its top-level slide


def test_the_index_goes_into_the_site_and_nowhere_else(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "ch4").mkdir(parents=True)
    (site / "ch4" / "slides.html").write_text(DECK, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    written = write_search_index(site, [("ch4", site / "ch4" / "slides.html", "ko")])
    assert "pagefind/pagefind-ui.js" in written and any(w.startswith("pagefind/index/") for w in written)
    assert all((site / w).is_file() for w in written)
    assert list(work.iterdir()) == []  # nothing in the working folder


def test_pagefind_reads_each_answer_without_its_tenth_of_a_second_pause(tmp_path, monkeypatch):
    """Pagefind's Python reader sleeps 0.1 s before reading each answer of its binary (14.5 s of ch4's
    15 s index, the binary idle); publish lets it yield instead. Every sleep awaited while indexing is
    recorded: none may be a pause, and the index holds every slide, each file whole."""
    import asyncio
    import gzip
    import json

    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded(delay, result=None):
        slept.append(delay)
        return await real_sleep(delay, result)

    monkeypatch.setattr(asyncio, "sleep", recorded)
    site = tmp_path / "site"
    (site / "ch4").mkdir(parents=True)
    (site / "ch4" / "slides.html").write_text(DECK, encoding="utf-8")
    written = write_search_index(site, [("ch4", site / "ch4" / "slides.html", "ko")])
    assert len(slept) >= 3 and set(slept) == {0}, slept  # at least one read per record (3 slides), no pause
    # every file whole: Pagefind's own write answered before its last files were on disk, and leaving
    # the index stopped the binary (under load pagefind-entry.json came out empty); lecturegen writes them
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["ko"]["page_count"] == 3 and "pagefind/pagefind.js" in written
    packed = [p for p in (site / "pagefind").rglob("*.pf_*")]
    assert len(packed) >= 3 and all(gzip.decompress(p.read_bytes()).startswith(b"pagefind_dcd") for p in packed)
