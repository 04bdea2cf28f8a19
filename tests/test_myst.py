"""MyST Markdown in content files (engine/myst.py): each construct on the slides, in the handout
and in the notebook's Markdown, numbered per language, and what the renderer does not know as a
warning with the file and line, never as syntax on a slide. Fast: no training, no browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lecturegen.engine import myst
from lecturegen.engine.render import markdown, split_slides
from lecturegen.errors import ChapterError

BIB = r"""@article{lecun1998,
  author = {LeCun, Yann and Bottou, L{\'e}on and Bengio, Yoshua and Haffner, Patrick},
  title = {Gradient-based learning applied to document recognition},
  journal = {Proceedings of the IEEE}, volume = {86}, pages = {2278--2324}, year = {1998}
}
@book{goodfellow2016,
  author = {Goodfellow, Ian and Bengio, Yoshua and Courville, Aaron},
  title = {Deep Learning}, publisher = {MIT Press}, year = {2016}
}
"""

TEXT = r"""# Maths

Inline $\sigma(x)$ here[^why], cited {cite}`lecun1998`.

$$
p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
$$ (eq-softmax)

:::{note}
See {eq}`eq-softmax` and {numref}`fig-gap`.
:::

```{warning} Careful
Backtick directive, **bold**.
```

---

## Figure

:::{figure} gap.png
:name: fig-gap
:width: 60%

The gap caption.
:::

:::{table} Results
:name: tbl-res

| a | b |
|---|---|
| 1 | 2 |
:::

{numref}`tbl-res`, {ref}`fig-gap`, {numref}`Plot %s <fig-gap>`, {cite:t}`goodfellow2016`.

[^why]: Because $x$ matters.
"""


@pytest.fixture()
def bib(tmp_path) -> myst.Bibliography:
    (tmp_path / "references.bib").write_text(BIB, encoding="utf-8")
    return myst.load_bibliography(tmp_path)


def doc_for(text: str, lang: str = "en", bib=None, source: Path | None = None, figures=None) -> myst.Document:
    return myst.analyse(markdown(), text, myst.Document(lang=lang, chapter_id="ch9", source=source,
                                                         bibliography=bib, figures=figures or {}))


def pages(text: str, lang: str = "en", bib=None, source=None):
    doc = doc_for(text, lang, bib, source)
    return doc, split_slides(text, doc)


def test_maths_inline_display_and_numbered_equation(bib):
    doc, slides = pages(TEXT, bib=bib)
    body = str(slides[0].body)
    assert r'class="math math-inline"' in body and r'alt="\sigma(x)"' in body
    assert '<div class="math-display numbered" id="eq-softmax">' in body and '<span class="eq-number">(1)</span>' in body
    assert "$" not in re.sub(r'alt="[^"]*"', "", body)
    assert doc.texs[:3] == [r"\sigma(x)", r"p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}", "x"]


def test_inline_formula_sits_on_the_baseline(tmp_path):
    from lecturegen.engine import maths

    formula = maths.typeset(r"p_y", tmp_path)
    assert formula.depth > 0.05  # the descender reaches below the baseline
    doc = myst.Document(formulas={"p_y": formula})
    html = doc.formula_img("p_y", inline=True)
    assert f"vertical-align:-{formula.depth:.3f}em" in html and f"height:{formula.height:.3f}em" in html


def test_footnote_at_the_bottom_of_the_slide_using_it(bib):
    doc, slides = pages(TEXT, bib=bib)
    first, second = (str(s.body) for s in slides[:2])
    assert '<sup class="footnote-ref"><a href="#fn0-1">1</a></sup>' in first
    assert first.rstrip().endswith("</ol>") and '<li id="fn0-1" value="1">Because' in first
    assert "footnotes" not in second and "[^why]" not in first + second


def test_admonitions_colon_and_backtick_with_titles_per_language(bib):
    for lang, note, warning in (("en", "Note", "Warning: Careful"), ("ko", "참고", "주의: Careful")):
        _, slides = pages(TEXT, lang, bib)
        body = str(slides[0].body)
        assert f'<div class="admonition note">\n<p class="admonition-title">{note}</p>' in body
        assert f'<p class="admonition-title">{warning}</p>' in body and "<strong>bold</strong>" in body
        assert ":::" not in body and "```" not in body


def test_numbered_figure_table_and_references_per_language(bib):
    for lang, fig, tbl in (("en", "Figure 1", "Table 1"), ("ko", "그림 1", "표 1")):
        _, slides = pages(TEXT, lang, bib)
        first, second = str(slides[0].body), str(slides[1].body)
        assert f'<a class="xref" href="#fig-gap">{fig}</a>' in first
        assert '<a class="xref" href="#eq-softmax">(1)</a>' in first
        assert '<figure class="numbered" id="fig-gap">' in second and 'style="width:60%"' in second
        assert f'<span class="caption-number">{fig}.</span>' in second
        assert f'<span class="caption-number">{tbl}.</span> Results' in second and "<table>" in second
        assert f'href="#tbl-res">{tbl}</a>' in second and 'href="#fig-gap">The gap caption.</a>' in second
        assert 'href="#fig-gap">Plot 1</a>' in second
        assert ":name:" not in second


def test_a_build_figure_by_name_and_an_unknown_one():
    from lecturegen.engine.figures import RenderedFigure

    figures = {"curves_cnn": RenderedFigure("curves_cnn", "figures/curves_cnn.svg", "Accuracy per epoch", 13.0)}
    text = ":::{figure} curves_cnn\n:name: fig-c\n\nCaption.\n:::\n"
    slides = split_slides(text, doc_for(text, figures=figures))
    assert '<img class="figure" src="figures/curves_cnn.svg" alt="Accuracy per epoch" data-min-font-pt="13"' in str(slides[0].body)
    with pytest.raises(ChapterError, match="no figure 'curves_cnm'.*curves_cnn"):
        doc_for(text.replace("curves_cnn", "curves_cnm"), figures=figures)


def test_citations_numbered_with_a_bibliography_slide(bib):
    _, slides = pages(TEXT, "ko", bib)
    assert '[<a href="#cite-lecun1998">1</a>]' in str(slides[0].body)
    assert 'Goodfellow &amp; Bengio' not in str(slides[1].body)  # three authors: et al.
    assert 'Goodfellow et al. [<a href="#cite-goodfellow2016">2</a>]' in str(slides[1].body)
    last = slides[-1]
    assert last.title == "참고 문헌"
    assert '<li id="cite-lecun1998" value="1">Yann LeCun' in str(last.body)
    assert '<li id="cite-goodfellow2016" value="2">Ian Goodfellow' in str(last.body)


def test_quarto_forms_read_as_myst(bib):
    text = ":::{figure} a.png\n:name: fig-a\n\nA.\n:::\n\nSee @fig-a and [@lecun1998].\n\n::: {.callout-tip}\nTip.\n:::\n"
    doc, slides = pages(text, bib=bib)
    body = str(slides[0].body)
    assert 'href="#fig-a">Figure 1</a>' in body and 'href="#cite-lecun1998">1</a>' in body
    assert '<div class="admonition tip">' in body and doc.notices == []


def test_unknown_constructs_warn_with_file_and_line_and_show_no_syntax(tmp_path):
    source = tmp_path / "en.md"
    text = "# T\n\nAn {abbr}`CNN` here.\n\n:::{sidebar}\nSide text.\n:::\n\nA ref[^nope].\n\n::: weird\nW.\n:::\n"
    source.write_text(text, encoding="utf-8")
    doc, slides = pages(text, source=source)
    body = str(slides[0].body)
    assert "{abbr}" not in body and "CNN" in body and "{sidebar}" not in body and "Side text." in body
    assert ":::" not in body and "W." in body
    assert any(n.startswith("en.md line 3 (ch9): unknown role {abbr}") for n in doc.notices), doc.notices
    assert any(n.startswith("en.md line 5 (ch9): unknown directive {sidebar}") for n in doc.notices), doc.notices
    assert any(n.startswith("en.md line 9 (ch9): footnote [^nope] has no definition") for n in doc.notices)
    assert any(n.startswith("en.md line 11 (ch9): '::: weird'") for n in doc.notices), doc.notices
    assert all(".;" not in n and ";;" not in n for n in doc.notices)


def test_references_that_do_not_exist_are_errors_with_the_line(tmp_path, bib):
    source = tmp_path / "en.md"
    for text, expected in (
        ("x\n\nSee {numref}`fig-nope`.\n", r"en.md line 3 \(ch9\): \{numref\} refers to 'fig-nope', which no figure"),
        ("x\n\n{cite}`lecun98`\n", r"en.md line 3 \(ch9\): no entry 'lecun98' in references.bib; its entries: lecun1998, goodfellow2016; fix"),
    ):
        source.write_text(text, encoding="utf-8")
        with pytest.raises(ChapterError, match=expected):
            doc_for(text, bib=bib, source=source)
    source.write_text("{cite}`a`\n", encoding="utf-8")
    with pytest.raises(ChapterError, match="citation 'a' but no references.bib"):
        doc_for("{cite}`a`\n", source=source)


def test_a_broken_bib_file_is_one_line(tmp_path):
    (tmp_path / "references.bib").write_text("@article{x, title = {unclosed\n", encoding="utf-8")
    with pytest.raises(ChapterError, match=r"cannot read .*references.bib: .*; fix the BibTeX file"):
        myst.load_bibliography(tmp_path)


def test_notebook_markdown(bib):
    text = TEXT
    doc = doc_for(text, "ko", bib)
    nb = myst.for_notebook(markdown(), text, doc)
    assert "> **참고**\n>\n> See [(1)](#eq-softmax) and [그림 1](#fig-gap)." in nb
    assert "> **주의: Careful**" in nb
    assert "p_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}} \\tag{1}" in nb
    assert "Inline $\\sigma(x)$ here<sup>1</sup>" in nb and "<sup>1</sup> Because $x$ matters." in nb
    assert "![](gap.png)\n\n*그림 1.* The gap caption." in nb and "*표 1.* Results" in nb
    assert "## 참고 문헌" in nb and '1. <a id="cite-lecun1998"></a>Yann LeCun' in nb
    assert ":::" not in nb and "{numref}" not in nb and "{cite" not in nb and "[^why]" not in nb


def test_existing_content_renders_as_before():
    text = "# A\n\nPlain **text**, $5 and $10, a `code` span.\n\n| a |\n|---|\n| 1 |\n\n```python\nx = 1  # {numref}`no`\n```\n"
    doc, slides = pages(text)
    body = str(slides[0].body)
    assert "$5 and $10" in body and "math" not in body and doc.notices == []
    assert "{numref}`no`" in body  # code stays code
