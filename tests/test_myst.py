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


NOTEBOOK_TEXTS = {
    "the MyST sample": TEXT,
    "footnotes across slides, targets, comments": ("(sec-a)=\n# A\n\nsee[^n] and $x$\n\n% a comment\n\n---\n\n"
                                                   "## B\n\nagain[^n] {ref}`sec-a`\n\n+++\n\n[^n]: the note\n"),
    "a --- in a code block (each part parsed alone)": "# A\n\n```\nx\n---\ny[^n]\n```\n\n---\n\nz[^n]\n\n[^n]: note\n",
    "a --- under text (a heading, each part parsed alone)": "Title\n---\n\ntext[^n]\n\n---\n\nmore\n\n[^n]: note\n",
    "breaks with spaces and blank lines": "a[^n]\n\n---   \n\n\nb\n\n---\n\n:::{note}\nc\n:::\n\n[^n]: note\n",
    "a carriage return": "a[^n]\r\n\r\n---\r\n\r\nb\r\n\r\n[^n]: note\r\n",
}


@pytest.mark.parametrize("case", list(NOTEBOOK_TEXTS))
def test_the_notebook_markdown_from_the_whole_parse_is_that_of_each_part_parsed(case, bib):
    """The build hands for_notebook the tokens the MyST reading parsed: the same Markdown as parsing
    each part on its own (which it still does where a split is not the parser's break)."""
    text = NOTEBOOK_TEXTS[case]
    alone = myst.for_notebook(markdown(), text, doc_for(text, "ko", bib))
    doc = doc_for(text, "ko", bib)
    assert myst.for_notebook(markdown(), text, doc, doc.tokens) == alone


def test_existing_content_renders_as_before():
    text = "# A\n\nPlain **text**, $5 and $10, a `code` span.\n\n| a |\n|---|\n| 1 |\n\n```python\nx = 1  # {numref}`no`\n```\n"
    doc, slides = pages(text)
    body = str(slides[0].body)
    assert "$5 and $10" in body and "math" not in body and doc.notices == []
    assert "{numref}`no`" in body  # code stays code


# ---------------------------------------------------------------- content errors in the author's terms

def _ctx(tmp_path, content: str, lang: str = "en"):
    """ch4's fabricated results (test_content) with a content file of our own."""
    import dataclasses

    from test_content import CHAPTER, context, fabricated_run

    runs = {exp.name: fabricated_run(i, exp.name) for i, exp in enumerate(CHAPTER.experiments)}
    folder = tmp_path / "ch9"
    folder.mkdir(exist_ok=True)
    (folder / f"{lang}.md").write_text(content, encoding="utf-8")
    ctx = context(runs, lang)
    return dataclasses.replace(ctx, chapter=dataclasses.replace(CHAPTER, content_dir=folder),
                               bibliography=myst.load_bibliography(folder))


def _error(tmp_path, content: str, lang: str = "en") -> str:
    from lecturegen.engine.render import render_markdown

    with pytest.raises(ChapterError) as caught:
        render_markdown(_ctx(tmp_path, content, lang))
    text = str(caught.value)
    assert ".;" not in text and ". ." not in text and "lecturegen." not in text and "object" not in text, text
    return text


def test_a_missing_field_names_the_run_and_lists_the_fields(tmp_path):
    text = _error(tmp_path, "# A\n\n{%- set r = runs.relu -%}\nx\n{{ r.test_acuracy | pct }}\n")
    assert text.startswith("en.md line 5 (ch9): run 'relu' has no field 'test_acuracy' (did you mean 'test_accuracy'?); "
                           "its fields: experiment, history, test_loss, test_accuracy,"), text
    assert text.endswith("; fix the content file")


def test_a_missing_field_in_a_branch_not_taken_is_said_the_same_way(tmp_path):
    text = _error(tmp_path, "# A\n{% if runs.relu.epochs > 1000 %}\n{{ runs.relu.test_acuracy }}\n{% endif %}\n")
    assert "en.md line 3 (ch9): run 'relu' has no field 'test_acuracy' (did you mean 'test_accuracy'?)" in text


def test_an_unknown_filter_lists_the_filters(tmp_path):
    text = _error(tmp_path, "# A\n\n{{ runs.relu.params | thousands }}\n")
    assert text.startswith("en.md line 3 (ch9): no filter 'thousands'; lecturegen's filters: fixed, josa, mean, num, pct, "
                           "seconds; Jinja's: abs,"), text


def test_an_unknown_helper_lists_the_helpers(tmp_path):
    text = _error(tmp_path, "# A\n\n{{ figur('x') }}\n")
    assert text.startswith("en.md line 3 (ch9): no helper or value 'figur' (did you mean 'figure'?); known: ") and "code," in text


@pytest.mark.parametrize("content, line, message", [
    ("# A\n\n{% if runs.relu.epochs > 1 %\nmany\n{% endif %}\n", 3, "a tag is not closed: end it with %}"),
    ("# A\n\n{% if runs.relu.epochs > 1 %}\nmany\n\nmore\n", 3, "{% if %} is never closed: add {% endif %}"),
    ("# A\n\n{{ runs.relu.epochs }\n\nx {{ lang }}\n", 3, "'}' cannot stand here"),
    ("# A\n\n{% iff x %}{% endif %}\n", 3, "unknown tag {% iff %} (did you mean 'if'?); tags: if, elif"),
])
def test_a_broken_tag_is_reported_on_its_own_line(tmp_path, content, line, message):
    assert _error(tmp_path, content).startswith(f"en.md line {line} (ch9): {message}")


def test_errors_in_korean(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTUREGEN_UI_LANG", "ko")
    text = _error(tmp_path, "# A\n\n{{ runs.relu.test_acuracy }}\n")
    assert text.startswith("en.md 3행 (ch9): 실행 'relu'에는 'test_acuracy' 항목이 없습니다('test_accuracy'를 쓰려던 것인가요?). "
                           "있는 항목: experiment,"), text
    assert _error(tmp_path, "# A\n\n{{ 1 | thousands }}\n").startswith("en.md 3행 (ch9): 'thousands' 필터가 없습니다")


def test_a_myst_chapter_renders_from_a_build_context(tmp_path):
    """The path a build takes: Jinja, then the MyST document with the build's figures, then slides."""
    from lecturegen.engine.render import document, render_markdown

    (tmp_path / "ch9").mkdir()
    (tmp_path / "ch9" / "references.bib").write_text(BIB, encoding="utf-8")
    content = ("# A\n\nAccuracy {{ runs.relu.test_accuracy | pct }}[^n] {cite}`lecun1998`, $x^2$.\n\n"
               ":::{figure} curves_relu\n:name: fig-relu\n\n{{ exp.relu.display(lang) }} curves.\n:::\n\n"
               "{numref}`fig-relu`\n\n[^n]: {{ dataset.name }}.\n")
    ctx = _ctx(tmp_path, content)
    text = render_markdown(ctx)
    doc = document(ctx, text)
    slides = split_slides(text, doc)
    body = str(slides[0].body)
    assert 'src="figures/curves_relu.svg"' in body and 'href="#fig-relu">Figure 1</a>' in body
    assert "Fabricated-MNIST." in body and doc.texs == ["x^2"] and slides[-1].title == "References"


# ---------------------------------------------------------------- a chapter written from docs/authoring.md, built

KO = '{%- set b = runs.baseline -%}\n# 작은 신경망\n\n{{ code("baseline") }}\n\n- 데이터: {{ dataset.name }}, 훈련 이미지 {{ b.train_size | num }}장[^sizes]\n- {{ b.epochs }} 에포크 뒤 테스트 정확도는 **{{ b.test_accuracy | pct }}**입니다({numref}`fig-curves`)\n\nNote:\n이 슬라이드의 코드는 실제로 돌린 코드입니다.\n\n---\n# 소프트맥스와 손실\n\n마지막 층은 점수 $z_i$를 소프트맥스로 확률로 바꿉니다.\n\n$$\np_i = \\frac{e^{z_i}}{\\sum_{j} e^{z_j}}\n$$ (eq-softmax)\n\n훈련은 정답 클래스 $y$의 교차 엔트로피 $L = -\\log p_y$를 줄입니다.\n\n:::{note}\n식 {eq}`eq-softmax`는 모든 $p_i$를 $(0, 1)$ 안에 두고 합을 1로 맞춥니다.\n:::\n\n:::{warning} 훈련 전의 신경망\n훈련 전 손실은 $\\ln 10 \\approx 2.30$ 가까이입니다. 모든 클래스가 똑같이 그럴듯하기 때문입니다.\n:::\n\n---\n# 학습 곡선\n\n:::{figure} curves_baseline\n:name: fig-curves\n\n에포크별 정확도: 훈련과 검증({{ b.epochs }} 에포크).\n:::\n\n이런 신경망은 {cite}`lecun1998`까지 거슬러 올라갑니다.\n\n[^sizes]: 빠른 미리보기는 이미지 {{ dataset.train_size | num }}장 중 일부만 씁니다.\n'
EN = '{%- set b = runs.baseline -%}\n# A small network\n\n{{ code("baseline") }}\n\n- Data: {{ dataset.name }}, {{ b.train_size | num }} training images[^sizes]\n- After {{ b.epochs }} epochs the test accuracy is **{{ b.test_accuracy | pct }}** ({numref}`fig-curves`)\n\nNote:\nThe code on this slide is the code lecturegen ran.\n\n---\n# Softmax and the loss\n\nThe last layer turns scores $z_i$ into probabilities with the softmax:\n\n$$\np_i = \\frac{e^{z_i}}{\\sum_{j} e^{z_j}}\n$$ (eq-softmax)\n\nand training lowers the cross-entropy $L = -\\log p_y$ of the true class $y$.\n\n:::{note}\n{eq}`eq-softmax` keeps every $p_i$ in $(0, 1)$ and their sum at 1.\n:::\n\n:::{warning} Untrained network\nBefore training the loss is near $\\ln 10 \\approx 2.30$: every class equally likely.\n:::\n\n---\n# Learning curves\n\n:::{figure} curves_baseline\n:name: fig-curves\n\nAccuracy per epoch, training and validation ({{ b.epochs }} epochs).\n:::\n\n:::{sidebar}\nA side remark.\n:::\n\nNetworks like this go back to {cite}`lecun1998`.\n\n[^sizes]: A quick preview uses part of the {{ dataset.train_size | num }} images.\n'


@pytest.mark.slow
def test_a_myst_chapter_builds_in_both_languages_and_publishes(capsys, tmp_path, cache_dir):
    """Maths, a footnote, two admonitions, a cross-referenced figure and a citation, as the guide
    says to write them: on the slides, in the handout, in the PDF and in the notebook."""
    import json
    import subprocess

    from lecturegen.cli import main

    course = tmp_path / "course"
    assert main(["new", "ch7", "--dir", str(course)]) == 0
    (course / "ch7" / "ko.md").write_text(KO, encoding="utf-8")
    (course / "ch7" / "en.md").write_text(EN, encoding="utf-8")
    (course / "ch7" / "references.bib").write_text(BIB, encoding="utf-8")
    out = tmp_path / "o"
    capsys.readouterr()
    code = main(["build", "ch7", "--chapters-dir", str(course), "--profile", "quick", "--data", "sample",
                 "--lang", "ko", "--lang", "en", "--out", str(out), "--cache-dir", str(cache_dir)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    line = EN.splitlines().index(":::{sidebar}") + 1
    assert f"en.md line {line} (ch7): unknown directive {{sidebar}}" in printed.err
    for folder, fig, note, refs in ((out / "ch7", "그림 1", "참고", "참고 문헌"), (out / "ch7-en", "Figure 1", "Note", "References")):
        slides = (folder / "slides.html").read_text(encoding="utf-8")
        handout = (folder / "handout.html").read_text(encoding="utf-8")
        for page in (slides, handout):
            assert f'<span class="caption-number">{fig}.</span>' in page and f'href="#fig-curves">{fig}</a>' in page
            assert f'<p class="admonition-title">{note}</p>' in page and '<div class="admonition warning">' in page
            assert '<ol class="footnotes"><li id="fn0-1" value="1">' in page
            assert 'class="math math-inline"' in page and 'id="eq-softmax"' in page
            assert f"<h2>{refs}</h2>" in page and 'id="cite-lecun1998"' in page
            assert not re.search(r"\{(numref|cite|eq|note|warning|figure)\}|:::|\[\^sizes\]|\$\$", page)
        for img in re.findall(r'src="(math/[^"]+)"', slides):
            assert (folder / img).is_file()
        notebook = json.loads((folder / "ch7.ipynb").read_text(encoding="utf-8"))
        text = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
        assert f"> **{note}**" in text and f"*{fig}.*" in text and "\\tag{1}" in text and f"## {refs}" in text
        assert ":::" not in text and "{cite}" not in text
    site = tmp_path / "site"
    assert main(["publish", "--out", str(out), "--site", str(site), "--cache-dir", str(cache_dir)]) == 0
    pdf = subprocess.run(["pdftotext", str(site / "ch7" / "handout.pdf"), "-"], capture_output=True, text=True).stdout
    assert "그림 1." in pdf and "참고 문헌" in pdf and "LeCun" in pdf and "참고" in pdf


@pytest.mark.parametrize("chapter_id", ["ch4", "ch5"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_built_in_chapters_use_no_myst_and_get_no_warnings(chapter_id, lang):
    """ch4 and ch5 use none of the new syntax: no warning, no maths, footnote or admonition markup,
    and a "$" in their text stays text."""
    from lecturegen import registry

    text = (registry.get(chapter_id).content_dir / f"{lang}.md").read_text(encoding="utf-8")
    doc = doc_for(text, lang)
    assert doc.notices == [] and doc.texs == [] and doc.targets == {} and doc.citations == []
    html = "".join(str(s.body) + str(s.notes) for s in split_slides(text, doc))
    for markup in ("math-inline", "footnote", "admonition", "caption-number", "cite-"):
        assert markup not in html
