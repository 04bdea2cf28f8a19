"""The site check publish runs twice (before the PDFs, and at the end) parses each distinct page once."""

from __future__ import annotations

from lecturegen.publish import sitecheck


def test_a_page_parsed_once_is_checked_again_by_its_content(tmp_path, monkeypatch):
    (tmp_path / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'></svg>", encoding="utf-8")
    page = tmp_path / "index.html"
    page.write_text("<!doctype html><html><head><title>t</title></head><body><img src='a.svg'></body></html>",
                    encoding="utf-8")
    parsed: list[int] = []
    real = sitecheck.html5lib.HTMLParser

    def counting(*args, **kwargs):
        parsed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sitecheck, "SCANNED", {})
    monkeypatch.setattr(sitecheck.html5lib, "HTMLParser", counting)
    assert sitecheck.check_site(tmp_path) == []
    assert len(parsed) == 2  # the page and the SVG, each once (its errors and its links from one parse)
    assert sitecheck.check_site(tmp_path) == [] and len(parsed) == 2  # nothing changed: nothing parsed again
    page.write_text(page.read_text(encoding="utf-8").replace("a.svg", "b.svg"), encoding="utf-8")
    assert sitecheck.check_site(tmp_path) == ["index.html: broken link b.svg"]  # a changed page is read again
    assert len(parsed) == 3
