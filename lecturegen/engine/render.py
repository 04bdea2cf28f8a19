"""Content file -> Markdown (Jinja) -> slides and handout pages (Jinja layouts).

A content file is Markdown. A line ``---`` starts a new slide; a line ``Note:`` starts the
speaker notes of the slide (shown in the handout as commentary, hidden on the slides).
"""

from __future__ import annotations

import functools
import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import re
import sys

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from lecturegen import messages
from lecturegen.engine import myst
from lecturegen.engine.contenterrors import AuthorUndefined, tag_line
from lecturegen.engine.contenterrors import message as author_message
from lecturegen.engine.cjk import cjk_emphasis
from lecturegen.engine.highlighted import highlighted
from lecturegen.engine.unbroken import unbroken_values
from lecturegen.engine.context import FILTERS, Helpers, RenderContext
from lecturegen.engine.store import CacheStore
from lecturegen.errors import ChapterError
from lecturegen.registry import package_templates_dir
from lecturegen.messages import say



@dataclass(frozen=True)
class Slide:
    title: str
    body: Markup
    notes: Markup
    instructor: Markup | str = ""  # after a line ``Instructor:``: answers, discussion; instructor pages only


def fence_options(attrs: str) -> dict[str, str]:
    """``run=relu hl=3,5 steps=3|5-7`` from a fence's info string (after the language)."""
    return dict(part.split("=", 1) for part in attrs.split() if "=" in part)


LINE_RANGE = re.compile(r"(\d{1,9})(?:-(\d{1,9}))?")


def _lines(spec: str, count: int, option: str = "hl") -> list[int]:
    """``3,5-7`` -> [3, 5, 6, 7], only lines 1..``count`` (the code's own; a range past its end is cut
    there, so no number an author types builds a list longer than the code).  A part that is not a
    line or a range of lines (``-``, ``7-5``, ``x``, an empty ``hl=``) is a one-line error."""
    out: list[int] = []
    for part in spec.split(","):
        m = LINE_RANGE.fullmatch(part)
        first, last = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (0, -1)
        if not m or first < 1 or last < first:
            raise ChapterError(say("content.bad_line_range", option=option, spec=spec[:40], part=part[:20],
                                   count=count))
        out += range(first, min(last, count) + 1)
    return list(dict.fromkeys(out))


@functools.lru_cache(maxsize=None)
def _lexer(lang: str):
    """Pygments' lexer for a fence's language (looked up once: the lookup scans pygments' tables)."""
    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return get_lexer_by_name("text")


def _highlight(code: str, lang: str, attrs: str) -> str:
    """Pygments HTML; ``hl=`` marks lines (pygments ``hl_lines``), ``steps=`` adds the groups of
    lines the slides step through, one per click (``data-steps``, read by the deck's script)."""
    lexer = _lexer(lang or "text")
    options = fence_options(attrs)
    count = code.count("\n") + 1
    hl = _lines(options["hl"], count) if "hl" in options else []
    html = highlight(code, lexer, HtmlFormatter(nowrap=False, cssclass="highlight", hl_lines=hl))
    steps = options.get("steps", "")
    if "steps" in options:  # each click's lines, bounded like hl= (the deck's script expands them)
        groups = [_lines(group, count, "steps") for group in steps.split("|")]
        steps = "|".join(",".join(map(str, g)) for g in groups)
        html = html.replace('<div class="highlight">', f'<div class="highlight" data-steps="{steps}">', 1)
    return html


def _fragments(state) -> None:
    """A list written with ``+`` markers appears one item per click (reveal.js fragments)."""
    for token in state.tokens:
        if token.type == "list_item_open" and token.markup == "+":
            token.attrSet("class", "fragment")


def _fence(self, tokens, idx, options, env) -> str:
    """A fenced block as Pygments' own ``<div class="highlight"><pre>``: markdown-it's default fence
    rule would wrap it in a second ``<pre><code>``, which the slides' fitting and styles do not expect."""
    token = tokens[idx]
    lang, _, attrs = unescapeAll(token.info).strip().partition(" ")
    return highlighted(token.content, lang, attrs, _highlight)


def markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table").use(cjk_emphasis).use(unbroken_values)  # **볼록(convex)**할: bold
    md.add_render_rule("fence", _fence)
    md.core.ruler.push("fragments", _fragments)
    return myst.extend(md)


CODE_STYLE = "a11y-high-contrast-light"
"""Code colours (accessible-pygments): every token at least 7:1 against the code background (WCAG
AAA), so code still reads on a washed-out projector and a dimmed step line (slides.css) stays AA."""


def pygments_css() -> str:
    return HtmlFormatter(style=CODE_STYLE).get_style_defs(".highlight")


MAX_TEXT = 1 << 20  # characters or items a content expression may make with * (a page is far smaller)


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox (no attribute access to Python's internals; ``range`` at most 100,000 items),
    and no ``*`` or ``**`` whose result would exhaust memory: ``'x' * 10**10``, ``9 ** 9 ** 9``.

    The syntax tree of the templates it compiled last is kept until the every-branch check takes it
    (:meth:`parsed`), so a content file edited is parsed once for the page and the check."""

    intercepted_binops = frozenset(["*", "**"])
    KEEP_TREES = 4

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._trees: dict[tuple[str, str | None, str | None], jinja2.nodes.Template] = {}

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        tree = super()._parse(source, name, filename)
        if len(self._trees) >= self.KEEP_TREES:
            self._trees.pop(next(iter(self._trees), None), None)
        self._trees[(source, name, filename)] = tree  # compiling does not change it (tests/test_branches.py)
        return tree

    def parsed(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        """The tree of ``source`` for the caller alone (it may rewrite it): the one compiling it for a
        page left, else parsed now (a syntax error is raised as Jinja raises it)."""
        tree = self._trees.pop((source, name, filename), None)  # taken once, also with two builds in threads
        if tree is not None:
            return tree
        try:  # as Environment.parse, without keeping the tree
            return super()._parse(source, name, filename)
        except jinja2.TemplateSyntaxError:
            self.handle_exception(source=source)

    def call_binop(self, context, operator, left, right):  # type: ignore[no-untyped-def]
        if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if abs(right) > 1000 and abs(left) > 1:
                raise SecurityError(say("content.number_too_big", expr=f"{left} ** {right}"[:60]))
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_TEXT:
                    raise SecurityError(say("content.number_too_big", expr=f"... * {times}"[:60]))
        return super().call_binop(context, operator, left, right)


class InTreeLoader(jinja2.FileSystemLoader):
    """A template (content file, include, layout) is read only from a real file inside its folder: a
    symbolic link that leads out of the folder is refused, as for chapter images and template assets."""

    def get_source(self, environment: jinja2.Environment, template: str):  # type: ignore[no-untyped-def]
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(root).resolve()) for root in self.searchpath):
            raise jinja2.TemplateNotFound(say("content.link_outside_folder", name=template, target=str(real)))
        return source, filename, uptodate


_COMPILED_IN: ContextVar[CacheStore | None] = ContextVar("lecturegen_templates_compiled_in", default=None)


@contextmanager
def templates_compiled_in(store: CacheStore | None) -> Iterator[None]:
    """Templates rendered inside keep their compiled code in ``store`` (area ``templates``), so the next
    build loads it instead of compiling again: a rebuild after a prose edit compiles only the content
    file, after a layout edit only that layout."""
    token = _COMPILED_IN.set(store)
    try:
        yield
    finally:
        _COMPILED_IN.reset(token)


@functools.lru_cache(maxsize=1)
def compiler_id() -> str:
    """What the compiled code of a template depends on besides its source: Jinja's and Python's
    versions, the environment's settings (this module) and the every-branch transformation (branches.py)."""
    from lecturegen.engine import branches

    h = hashlib.sha256(f"{jinja2.__version__} {sys.version}".encode())
    for module in (__file__, branches.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:16]


class StoreBytecodeCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache kept in the build's cache folder through :class:`CacheStore`, so every
    entry carries its MAC (compiled code is run: an edited entry is refused and compiled again).
    Jinja checks each entry against the template's source (checksum) and its own version."""

    AREA = "templates"

    def __init__(self, store: CacheStore) -> None:
        self.store = store

    # one entry per template (Jinja's key: its name and file), overwritten when it changes, so the
    # folder does not grow with every edit; the entry starts with compiler_id(), checked on loading

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.store.get(self.AREA, bucket.key)
        head = compiler_id().encode("ascii") + b"\n"
        if data is not None and data.startswith(head):
            bucket.bytecode_from_string(data[len(head):])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            self.store.put(self.AREA, bucket.key, compiler_id().encode("ascii") + b"\n" + bucket.bytecode_to_string())
        except OSError:  # a cache that cannot be written costs a compile next time, nothing more
            pass


def _environment(search_path: Sequence[Path]) -> jinja2.Environment:
    store = _COMPILED_IN.get()
    return _cached_environment(tuple(str(p) for p in search_path), str(store.root) if store else None)


@functools.lru_cache(maxsize=32)
def _cached_environment(search_path: tuple[str, ...], cache_root: str | None = None) -> jinja2.Environment:
    """One environment per search path in a process, so a template is compiled once, not once per
    rendering (Jinja recompiles a template whose file changed: ``lecturegen serve`` sees edits); with
    ``cache_root``, compiled templates are also kept there for the next process."""
    env = BoundedSandbox(  # templates are text: no attribute access to Python's internals
        loader=InTreeLoader(list(search_path)),
        autoescape=True,
        undefined=AuthorUndefined,  # a missing field is said in the author's terms, with the fields there are
        keep_trailing_newline=True,
        bytecode_cache=StoreBytecodeCache(CacheStore(Path(cache_root))) if cache_root else None,
    )
    env.filters.update(FILTERS)
    return env


def layout_environment(overrides: Sequence[Path] = ()) -> jinja2.Environment:
    """Page layouts: an instructor's templates folders first, then lecturegen's own."""
    return _environment([*overrides, package_templates_dir()])


def _template_error(exc: Exception, path: Path, what: str | None = None, names: Sequence[str] = ()) -> ChapterError:
    """``what``: what to fix, the content file unless told (the page template); ``names``: what the
    content can use (listed when it names something else). The line is the broken tag's."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:  # Jinja maps template frames to the template's own file and line
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    line = tag_line(exc, path, line)
    where = say("content.at_line", name=path.name, line=line) if line else path.name
    filters = [*FILTERS, *jinja2.defaults.DEFAULT_FILTERS]
    if isinstance(exc, SecurityError) and "attribute '" in str(exc):  # e.g. __class__, a method
        found = re.search(r"attribute '([^']{1,60})'", str(exc))
        message = say("content.unsafe", what=found.group(1) if found else str(exc)[:60])
    elif isinstance(exc, SecurityError):  # a range or a product too big
        message = str(exc).strip().rstrip(".")
    else:
        message = author_message(exc, names, filters) if isinstance(exc, jinja2.TemplateError) else \
            (getattr(exc, "message", None) or str(exc)).strip().rstrip(".")
    return ChapterError(say("content.error", where=where, name=path.parent.name, message=message, what=what or say("content.content_file")))


def render_markdown(ctx: RenderContext, notebook: bool = False) -> str:
    """Fill the chapter's content file for this language with the build's values
    (``notebook``: for the notebook's cells, see :class:`~lecturegen.engine.context.Helpers`).
    For the pages, every branch the content does not take is checked too (:mod:`lecturegen.engine.branches`)."""
    text = _render(Helpers(ctx, notebook))
    if not notebook:
        check_branches(ctx)
    return text


def check_branches(ctx: RenderContext) -> None:
    """A typo (unknown run, attribute, claim, filter, helper) in any branch of the content file fails
    the build, also in a ``{% if claims.x.holds %}`` branch this build does not take."""
    from lecturegen.engine.branches import CheckingHelpers, check_every_branch

    path = ctx.chapter.content_dir / f"{ctx.lang}.md"
    namespace = CheckingHelpers(ctx).namespace()
    check_every_branch(_environment([ctx.chapter.content_dir]), path, namespace,
                       lambda exc: _template_error(exc, path, names=list(namespace)))


@dataclass(frozen=True)
class Content:
    """The content file rendered for the pages with the formulas and probes of its context."""

    text: str
    doc: myst.Document  # what its MyST defines and uses (:func:`document`)
    formulas: list[str]  # what it asked the build to prepare: formulas (``math(...)``, ``$...$``)...
    probes: list[tuple[str, dict]]  # ...and the old optimizer calls ``api_changes(...)`` shows

    @property
    def requests(self) -> tuple[list[str], list[tuple[str, dict]]]:
        return self.formulas, self.probes


def render_content(ctx: RenderContext) -> Content:
    """The content file filled for the pages (not checked in every branch: :func:`check_branches`).
    Rendered before its formulas and probes exist, it tells what to prepare for the real rendering."""
    helpers = Helpers(ctx)
    text = _render(helpers)
    doc = document(ctx, text)  # $...$ maths, and references to labels or citations that do not exist
    return Content(text, doc, list(dict.fromkeys([*helpers.formulas_used, *doc.texs])), helpers.api_used)


def requests_in(ctx: RenderContext) -> tuple[list[str], list[tuple[str, dict]]]:
    """What the content asks the build to prepare before the real rendering: its formulas, and the
    old optimizer calls ``api_changes(...)`` shows (answered from ``ctx.extra["api_probes"]``)."""
    return render_content(ctx).requests


def document(ctx: RenderContext, text: str) -> myst.Document:
    """What the content's MyST Markdown defines and uses (numbers, labels, footnotes, citations), read
    from the whole rendered text; its ``notices`` are the warnings to print."""
    doc = myst.Document(lang=ctx.lang, chapter_id=ctx.chapter.id, source=ctx.chapter.content_dir / f"{ctx.lang}.md",
                        formulas=ctx.formulas, figures=ctx.figures, bibliography=ctx.bibliography)
    return myst.analyse(markdown(), text, doc)


def _render(helpers: Helpers) -> str:
    ctx = helpers.ctx
    content_dir = ctx.chapter.content_dir
    path = content_dir / f"{ctx.lang}.md"
    if not path.is_file():
        raise ChapterError(say("content.no_file_for_language", id=ctx.chapter.id, lang=ctx.lang, name=path.name))
    env = _environment([content_dir])
    namespace: dict = {}
    try:
        namespace = helpers.namespace()
        template = env.get_template(path.name)
        return template.render(namespace)
    except (ChapterError, jinja2.TemplateError) as exc:  # a helper's error gets the file and line too
        raise _template_error(exc, path, names=list(namespace)) from None
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
        raise _template_error(exc, path, names=list(namespace)) from None
    except RecursionError:  # {% include %} or {% extends %} of itself, directly or through another file
        raise ChapterError(say("content.includes_itself", name=path.name, folder=str(content_dir))) from None


def _is_notes(tokens, i: int, marker: str = "Note:") -> bool:
    """A top-level paragraph whose first line is ``Note:`` starts the speaker notes (``Instructor:``
    the instructor-only part)."""
    token = tokens[i]
    return (token.type == "paragraph_open" and token.level == 0 and i + 1 < len(tokens)
            and tokens[i + 1].content.split("\n", 1)[0].strip() == marker)


INSTRUCTOR = "Instructor:"


def split_instructor(text: str) -> tuple[str, str]:
    """(what students get, what only the instructor gets) of a slide's body or notes: a top-level
    line ``Instructor:`` starts the part for the instructor's pages (answers to the check questions,
    discussion notes), never shown on a student's slide, handout or notebook. A line ``Instructor:``
    inside a code block stays code."""
    if INSTRUCTOR not in text:
        return text, ""
    tokens = _blocks(markdown(), text)
    at = next((tokens[i].map[0] for i in range(len(tokens)) if _is_notes(tokens, i, INSTRUCTOR)), None)
    if at is None:
        return text, ""
    lines = text.splitlines(keepends=True)
    return "".join(lines[:at]), "".join(lines[at + 1:])


def student_text(text: str) -> str:
    """A rendered content file without its instructor-only parts (for the notebook)."""
    out = []
    for body, notes in slide_chunks(text):
        body, _ = split_instructor(body)
        notes, _ = split_instructor(notes)
        out.append(body.rstrip("\n") + ("\n\nNote:\n" + notes if notes.strip() else "\n"))
    return "\n---\n\n".join(out)


def slide_chunks(text: str) -> list[tuple[str, str]]:
    """(body, notes) per slide, split where the Markdown parser sees a ``---`` thematic break and a
    top-level ``Note:`` paragraph: a ``---`` or ``Note:`` inside a code block is code."""
    return [(body, notes) for body, _, notes, _ in slide_parts(text)]


def _blocks(md: MarkdownIt, text: str) -> list:
    """The block tokens only (no inline parsing, no core rules): enough to find slide breaks, notes
    and headings, at about half the cost of a full parse."""
    tokens: list = []
    md.block.parse(text, md, {"prepass": True}, tokens)
    return tokens


def slide_parts(text: str) -> list[tuple[str, int, str, int]]:
    """(body, its first line, notes, their first line) per slide; lines count from 0 in ``text``."""
    return [part[:4] for part in _slide_parts(text)]


ODD_BREAKS = re.compile("[\v\f\x1c-\x1e\x85\u2028\u2029]")
"""Line breaks of Python's ``splitlines`` that are not markdown-it's: with one of them in a text, the
parser's line numbers are not the indices of its ``splitlines``."""


def _is_break(token) -> bool:  # type: ignore[no-untyped-def]
    return token.type == "hr" and token.level == 0 and token.map and token.markup.startswith("-")


def _slide_parts(text: str) -> list[tuple[str, int, str, int, list | None]]:
    """:func:`slide_parts`, each with the block tokens of its slide (their lines counted in ``text``;
    None when the text has a line break markdown-it does not count). The text is parsed once: a
    slide's blocks are those between its breaks (a ``---`` at the top level ends every block before
    it, so they are what parsing the slide alone gives)."""
    md = markdown()
    lines = text.splitlines(keepends=True)
    tokens = _blocks(md, text)
    groups: list[list] = [[]]
    for t in tokens:
        if _is_break(t):
            groups.append([])
        else:
            groups[-1].append(t)
    breaks = [t.map for t in tokens if _is_break(t)]
    bounds, start = [], 0
    for first, last in breaks:
        bounds.append((start, first))
        start = last
    bounds.append((start, len(lines)))
    whole = not ODD_BREAKS.search(text)
    chunks = []
    for (first, last), own in zip(bounds, groups):
        chunk = "".join(lines[first:last])
        if not chunk.strip():
            continue
        offset = first
        if not whole:  # the parser's lines are not these: parse the slide alone
            own, offset = _blocks(md, chunk), 0
        at = next((own[i].map[0] - offset for i in range(len(own)) if _is_notes(own, i)), None)
        kept = own if whole else None
        if at is None:
            chunks.append((chunk, first, "", first, kept))
            continue
        chunk_lines = chunk.splitlines(keepends=True)
        chunks.append(("".join(chunk_lines[:at]), first, "".join(chunk_lines[at + 1:]), first + at + 1, kept))
    return chunks


def split_slides(text: str, doc: myst.Document | None = None) -> list[Slide]:
    """The slides of a rendered content file; ``doc``: what :func:`document` read from it (numbers,
    footnotes, citations, formulas), else read here without the build's figures and formulas.
    Footnotes show at the bottom of the slide using them; citations add bibliography slides."""
    md = markdown()
    doc = doc or myst.analyse(md, text, myst.Document())
    slides = []
    for i, (body, line0, notes, notes0, tokens) in enumerate(_slide_parts(text)):
        body, private = split_instructor(body)
        notes, private_notes = split_instructor(notes)
        private = (private + "\n\n" + private_notes).strip()
        if tokens is None:  # (a text with line breaks markdown-it does not count) the body parsed alone
            tokens, end = _blocks(md, body), len(body.splitlines()) + 1
        else:  # the slide's blocks in the students' part of its body (before Note: and Instructor:)
            end = line0 + len(body.splitlines())
        heading = next((tokens[j + 1].content for j, t in enumerate(tokens)
                        if t.type == "heading_open" and t.tag in ("h1", "h2", "h3") and t.map and t.map[0] < end), "")
        slides.append(Slide(
            title=heading.strip(),
            body=Markup(myst.render(md, body, doc, line0, part=3 * i)),
            notes=Markup(myst.render(md, notes, doc, notes0, part=3 * i + 1)) if notes.strip() else Markup(""),
            instructor=Markup(myst.render(md, private, doc, -1, part=3 * i + 2)) if private else Markup(""),
        ))
    title = doc.words["references"]
    slides += [Slide(title=title, body=Markup(html), notes=Markup("")) for html in myst.bibliography_html(doc)]
    return slides


def render_page(template_name: str, ctx: RenderContext, slides: list[Slide],
                templates: Sequence[Path] = (), instructor: bool = False, **extra) -> str:
    """A page layout filled for students, or with ``instructor=True`` for the instructor only
    (the claims' verdicts in the deck's speaker notes). A template error names its file and line."""
    env = layout_environment(templates)
    try:
        template = env.get_template(template_name)
    except jinja2.TemplateSyntaxError as exc:  # a layout being edited (lecturegen serve) or a course's own
        raise _template_error(exc, Path(exc.filename or template_name), say("content.page_template")) from None
    try:
        return template.render(ctx=ctx, slides=slides, provenance=ctx.provenance, t=messages.section(ctx.lang, "page"),
                               instructor=instructor, **extra)
    except (ChapterError, jinja2.TemplateError, AttributeError, KeyError, TypeError, ValueError, OverflowError,
            ZeroDivisionError) as exc:
        raise _template_error(exc, Path(template.filename or template_name), say("content.page_template")) from None
    except RecursionError:
        raise ChapterError(say("content.includes_itself", name=template_name,
                               folder=str(Path(template.filename or template_name).parent))) from None


STUDENT_PAGES = {"slides.html": "slides.html.j2", "handout.html": "handout.html.j2"}
INSTRUCTOR_PAGES = {"instructor.html": ("instructor.html.j2", True),
                    "instructor-slides.html": ("slides.html.j2", True)}
"""Pages only for the instructor: never linked from a student page, published only on request."""


def render_pages(ctx: RenderContext, slides: list[Slide], templates: Sequence[Path] = ()) -> dict[str, str]:
    """The student pages (slides, handout) and the instructor's (notes document, deck with claims)."""
    pages = {name: render_page(tpl, ctx, slides, templates) for name, tpl in STUDENT_PAGES.items()}
    pages.update({name: render_page(tpl, ctx, slides, templates, instructor=flag)
                  for name, (tpl, flag) in INSTRUCTOR_PAGES.items()})
    return pages
