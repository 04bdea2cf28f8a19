"""Fast checks behind the classroom rules: figure text floor, Korean words kept whole in the PDF,
display names instead of identifiers. The browser and PDF checks are in test_classroom.py."""

from __future__ import annotations

from lecturegen.engine.figures import MIN_FONT_PT, FigureSpec, min_font_pt, render_figures
from lecturegen.chapter import experiment
from lecturegen.publish.pdf import keep_korean_words


def _tiny_text(fig, inputs, lang):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="선")
    ax.set_title("작은 제목", fontsize=6)
    ax.legend(fontsize=5)


def test_figure_text_is_raised_to_the_floor_and_recorded(tmp_path):
    spec = FigureSpec("tiny", {"ko": "작은 글씨", "en": "tiny text"}, _tiny_text, {}, size=(4, 3))
    [fig] = render_figures([spec], "ko", tmp_path / "out", tmp_path / "cache")
    svg = (tmp_path / "out" / fig.path).read_bytes()
    assert fig.min_font_pt == MIN_FONT_PT == min_font_pt(svg)
    assert svg.lstrip().startswith(b"<?xml")  # still a valid SVG file, the mark is a comment after the prolog
    # from the cache: the same size is read back without drawing
    [again] = render_figures([spec], "ko", tmp_path / "out2", tmp_path / "cache")
    assert again.min_font_pt == MIN_FONT_PT


def test_keep_korean_words_wraps_words_not_code():
    html = '<p>전체 MNIST의 결과가 <code>한글 코드</code>, (0.001)은</p><pre>코드 안</pre><style>a{}</style>'
    out = keep_korean_words(html)
    assert '<span class="lg-keep">결과가</span>' in out and '<span class="lg-keep">MNIST의</span>' in out
    assert "<code>한글 코드</code>" in out and "<pre>코드 안</pre>" in out
    assert '<span class="lg-keep">(0.001)은</span>' in out


def test_display_name_is_the_label_then_the_title_never_the_identifier():
    @experiment(title={"ko": "작은 모델 (1장)", "en": "Small model"}, epochs=1, label={"ko": "작은 모델"})
    def small():
        return None

    assert small.display("ko") == "작은 모델"
    assert small.display("en") == "Small model"  # no English label: the title
    assert "small" not in (small.display("ko"), small.display("en"))
