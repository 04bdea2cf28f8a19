"""MyST Markdown in content files, as Jupyter Book authors write it, through markdown-it-py's plugins.

What a content file may use besides CommonMark, GFM tables and the Jinja helpers:

- maths: ``$...$`` inline, ``$$...$$`` on its own line (``$$...$$ (label)`` numbered), a
  ``{math}`` directive with ``:label:``; typeset offline by :mod:`lecturegen.engine.maths`;
- footnotes ``[^1]`` with ``[^1]: text`` anywhere in the file: listed at the bottom of the
  slide (and handout section) that uses them, numbered in the order they are first used;
- admonitions ``:::{note}`` (``tip``, ``hint``, ``important``, ``warning``, ``caution``,
  ``danger``, ``seealso``), colon or backtick fenced, an optional title after the name;
- ``:::{figure} <figure name or file>`` and ``:::{table} <caption>`` with ``:name: label``,
  numbered per kind ("그림 3", "Figure 3"); ``(label)=`` before a heading;
- roles ``{numref}`label```, ``{ref}`label```, ``{eq}`label```, ``{cite}`key``` (``cite:p``,
  ``cite:t``) from ``references.bib`` next to the content file (pybtex), a bibliography slide;
- ``%`` comment lines.

Anything else written as a directive or role, and Quarto/Pandoc forms (``[@key]``, ``@fig-x``,
``::: {.callout-note}``), is a warning naming the file and line; the page shows the content, not
the syntax. The same text becomes plain Jupyter Markdown for the notebook (:func:`for_notebook`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import escape
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from lecturegen import messages
from lecturegen.engine import maths
from lecturegen.errors import ChapterError
from lecturegen.messages import say

ADMONITIONS = ("note", "tip", "hint", "important", "warning", "caution", "danger", "seealso")
DIRECTIVES = (*ADMONITIONS, "figure", "table", "math")
CODE_DIRECTIVES = ("code", "code-block", "code-cell", "sourcecode")
ROLES = ("numref", "ref", "eq", "cite", "cite:p", "cite:t", "math")
NUMBERED = ("figure", "table", "equation")
BIB_FILE = "references.bib"
BIB_PER_SLIDE = 5

DIRECTIVE = re.compile(r"^\{([A-Za-z][\w:-]*)\}\s*(.*)$")
OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
ROLE = re.compile(r"\{([A-Za-z][\w:-]*)\}`([^`]*)`")
EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.DOTALL)
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOREIGN = re.compile(r"\{#(?:fig|tbl|eq|sec)-[\w-]+\}")
# Quarto/Pandoc forms read as their MyST meaning: [@key; @other] a citation, @fig-x a numbered reference
QUARTO = re.compile(r"\[(-?@[\w:.-]+(?:\s*;\s*-?@[\w:.-]+)*)\]|(?<![\w.@/])@((?:fig|tbl|eq|sec)-[\w-]+)")
CALLOUT = re.compile(r"^\{\.callout-(note|tip|warning|important|caution)\b[^}]*\}\s*$")


# ---------------------------------------------------------------- the bibliography


@dataclass(frozen=True)
class Bibliography:
    """The entries of a chapter's references.bib (pybtex), formatted on request."""

    path: Path
    data: Any  # pybtex.database.BibliographyData

    @property
    def keys(self) -> list[str]:
        return list(self.data.entries)

    def formatted(self, keys: list[str], backend: str = "html") -> list[str]:
        """The entries in the order given, as pybtex's ``unsrt`` style writes them."""
        from pybtex.plugin import find_plugin

        style = find_plugin("pybtex.style.formatting", "unsrt")()
        out = find_plugin("pybtex.backends", backend)()
        entries = style.format_bibliography(self.data, citations=keys)
        by_key = {e.key: e.text.render(out) for e in entries}
        return [by_key[k] for k in keys]

    def author(self, key: str) -> str:
        """The first author's last name, with "et al." when there are more (``{cite:t}``)."""
        people = self.data.entries[key].persons.get("author") or self.data.entries[key].persons.get("editor") or []
        if not people:
            return key
        last = " ".join(people[0].last_names).replace("{", "").replace("}", "")
        return last + (" et al." if len(people) > 2 else f" & {' '.join(people[1].last_names)}" if len(people) == 2 else "")


def load_bibliography(content_dir: Path) -> Bibliography | None:
    """``references.bib`` next to the content files, if there is one (read before rendering)."""
    path = content_dir / BIB_FILE
    if not path.is_file():
        return None
    import pybtex.errors
    from pybtex.database import parse_file
    from pybtex.exceptions import PybtexError

    pybtex.errors.set_strict_mode(True)
    try:
        return Bibliography(path, parse_file(str(path), "bibtex"))
    except (PybtexError, ValueError, KeyError, UnicodeDecodeError) as exc:
        detail = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
        raise ChapterError(say("content.myst.bad_bib", path=path, detail=detail)) from None


# ---------------------------------------------------------------- what the whole text holds


@dataclass
class Target:
    kind: str  # figure, table, equation, section
    number: int | None
    title: str


@dataclass
class Document:
    """What a content file's Markdown defines and uses, learnt from the whole text before any slide
    is rendered: numbers, labels, footnote definitions, citations, formulas, and the warnings."""

    lang: str = "en"
    chapter_id: str = ""
    source: Path | None = None  # the content file (ko.md), to say the line of a problem
    formulas: dict[str, maths.Formula] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)  # name -> RenderedFigure
    bibliography: Bibliography | None = None
    notebook: bool = False
    targets: dict[str, Target] = field(default_factory=dict)
    numbers: dict[tuple[str, int], int] = field(default_factory=dict)  # (kind, line) -> number
    footnotes: dict[str, list[Token]] = field(default_factory=dict)
    footnote_order: list[str] = field(default_factory=list)
    footnote_source: dict[str, str] = field(default_factory=dict)  # label -> its Markdown (the notebook)
    citations: list[str] = field(default_factory=list)
    texs: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list, repr=False)  # the whole text's, as :func:`analyse` read it

    @property
    def words(self) -> dict[str, Any]:
        return messages.section(self.lang, "myst")

    def where(self, needle: str | None) -> str:
        """``ko.md line 12`` where the text first appears in the content file, else ``ko.md``."""
        if self.source is None:
            return say("content.myst.content_file")
        line = _line_of(self.source, needle) if needle else None
        return say("content.at_line", name=self.source.name, line=line) if line else self.source.name

    def notice(self, message: str, needle: str) -> None:
        """A warning (a catalog line) about the text ``needle``, with the file and line."""
        text = say("content.myst.warning", where=self.where(needle), name=self.chapter_id, message=message)
        if text not in self.notices:
            self.notices.append(text)

    def error(self, message: str, needle: str) -> ChapterError:
        """A content error (a catalog line) about the text ``needle``, with the file and line."""
        return ChapterError(say("content.error", where=self.where(needle), name=self.chapter_id,
                                message=message, what=say("content.content_file")))

    def target(self, label: str, role: str) -> Target:
        found = self.targets.get(label)
        if found is None:
            known = ", ".join(self.targets) or say("content.helper.known_none")
            raise self.error(say("content.myst.no_label", role=role, label=label, known=known), f"`{label}")
        return found

    def footnote_number(self, label: str) -> int:
        return self.footnote_order.index(label) + 1 if label in self.footnote_order else 0

    def citation_number(self, key: str) -> int:
        return self.citations.index(key) + 1

    def formula_img(self, tex: str, inline: bool) -> str:
        formula = self.formulas.get(tex)
        path = formula.path if formula else f"{maths.MATH_DIR}/{maths.math_key(tex)}.svg"
        style = ""
        if formula and formula.height:
            scale = 1.0 if inline else maths.DISPLAY_SCALE
            style = f"height:{formula.height * scale:.3f}em"
            if inline:
                style += f";vertical-align:-{formula.depth:.3f}em"
        kind = "math math-inline" if inline else "math"
        style_attr = f' style="{style}"' if style else ""
        return f'<img class="{kind}" src="{escape(path)}" alt="{escape(tex)}"{style_attr}>'

    def caption_label(self, kind: str, number: int | None) -> str:
        return self.words[f"{kind}_label"].format(n=number) if number else ""


def _line_of(source: Path, needle: str) -> int | None:
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((i for i, line in enumerate(lines, 1) if needle in line), None)


def _doc(env: dict) -> Document:
    doc = env.get("myst")
    if doc is None:
        doc = env["myst"] = Document()
    return doc


# ---------------------------------------------------------------- parsing


def _validate_directive(params: str, *args: Any) -> bool:
    return bool(DIRECTIVE.match(params.strip()))


def _validate_other(params: str, *args: Any) -> bool:
    return not DIRECTIVE.match(params.strip())


def extend(md: MarkdownIt) -> MarkdownIt:
    """Add MyST's syntax to a markdown-it parser (the one the slides, handout and notebook share)."""
    md.use(dollarmath_plugin, allow_labels=True, allow_space=True, allow_digits=False, double_inline=True)
    md.use(footnote_plugin, inline=False)
    md.use(myst_role_plugin)
    md.use(myst_block_plugin)
    md.use(container_plugin, name="directive", marker=":", validate=_validate_directive)
    md.use(container_plugin, name="other", marker=":", validate=_validate_other)
    md.core.ruler.after("block", "myst_directives", _directives)
    md.core.ruler.at("footnote_tail", _footnote_tail)
    md.core.ruler.after("inline", "myst_quarto", _quarto)
    for name, rule in RENDER_RULES.items():
        md.add_render_rule(name, rule)
    return md


def _directives(state) -> None:
    """Backtick directives become the colon ones' tokens; each directive's ``{name} argument`` and
    ``:option: value`` lines are read into ``token.meta``; ``{math}`` becomes a maths block."""
    tokens: list[Token] = []
    for tok in state.tokens:
        match = DIRECTIVE.match(tok.info.strip()) if tok.type == "fence" else None
        if match is None:
            tokens.append(tok)
            continue
        name, arg = match.groups()
        if name in CODE_DIRECTIVES:
            tok.info = arg or "text"
            tokens.append(tok)
            continue
        inner: list[Token] = []
        state.md.block.parse(tok.content, state.md, state.env, inner)
        first = (tok.map or [0, 0])[0] + 1
        for t in inner:
            if t.map:
                t.map = [t.map[0] + first, t.map[1] + first]
            t.level += tok.level + 1
        opening = Token("container_directive_open", "div", 1, info=tok.info.strip(), map=tok.map, block=True,
                        level=tok.level, meta={"body": tok.content})
        closing = Token("container_directive_close", "div", -1, block=True, level=tok.level)
        tokens += [opening, *inner, closing]
    for tok in tokens:
        callout = CALLOUT.match(tok.info.strip()) if tok.type == "container_other_open" else None
        if callout:
            tok.type, tok.info = "container_directive_open", "{" + callout.group(1) + "}"
            depth = 0
            for other in tokens[tokens.index(tok):]:
                if other.type == "container_other_open" or other is tok:
                    depth += 1
                elif other.type == "container_other_close":
                    depth -= 1
                    if depth == 0:
                        other.type = "container_directive_close"
                        break
    lines = state.src.split("\n")
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type != "container_directive_open":
            out.append(tok)
            i += 1
            continue
        name, arg = DIRECTIVE.match(tok.info.strip()).groups()
        body = tok.meta.get("body")
        if body is None and tok.map:
            body = "\n".join(lines[tok.map[0] + 1:tok.map[1]])
        body_lines = (body or "").split("\n")
        options: dict[str, str] = {}
        while body_lines and OPTION.match(body_lines[0].strip()):
            key, value = OPTION.match(body_lines[0].strip()).groups()
            options[key] = value.strip()
            body_lines.pop(0)
        tok.meta = {**tok.meta, "name": name, "arg": arg.strip(), "options": options}
        end = _closing(tokens, i)
        if name == "math":
            label = options.get("label") or options.get("name")
            math = Token("math_block_label" if label else "math_block", "math", 0, block=True, map=tok.map,
                         content="\n".join(body_lines).strip(), info=label or "", level=tok.level, markup="$$")
            out.append(math)
            i = end + 1
            continue
        if options:
            _drop_options(tokens, i)
        out.append(tok)
        i += 1
    state.tokens = out


def _quarto(state) -> None:
    """``[@key]`` becomes {cite}`key`, ``@fig-x`` {numref}`fig-x` (Quarto authors write those)."""
    for tok in state.tokens:
        if tok.type != "inline" or not tok.children or "@" not in tok.content:
            continue
        children: list[Token] = []
        for child in tok.children:
            if child.type != "text" or "@" not in child.content:
                children.append(child)
                continue
            pos = 0
            for match in QUARTO.finditer(child.content):
                children.append(Token("text", "", 0, content=child.content[pos:match.start()]))
                if match.group(1):
                    keys = ",".join(k.strip().lstrip("-@") for k in match.group(1).split(";"))
                    children.append(Token("myst_role", "", 0, content=keys, meta={"name": "cite"}))
                else:
                    children.append(Token("myst_role", "", 0, content=match.group(2), meta={"name": "numref"}))
                pos = match.end()
            children.append(Token("text", "", 0, content=child.content[pos:]))
        tok.children = [c for c in children if c.type != "text" or c.content]


def _closing(tokens: list[Token], i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].type == "container_directive_open":
            depth += 1
        elif tokens[j].type == "container_directive_close":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def _drop_options(tokens: list[Token], i: int) -> None:
    """Remove the ``:option: value`` lines from the directive's first paragraph (its text stays)."""
    if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open" or tokens[i + 2].type != "inline":
        return
    inline = tokens[i + 2]
    rest = inline.content.split("\n")
    while rest and OPTION.match(rest[0].strip()):
        rest.pop(0)
    inline.content = "\n".join(rest)
    if not inline.content.strip():
        for t in (tokens[i + 1], tokens[i + 2], tokens[i + 3]):
            t.type, t.tag, t.nesting, t.hidden = "myst_nothing", "", 0, True


def _footnote_tail(state) -> None:
    """Footnote definitions are taken out of the text wherever they are; the ones a slide refers to
    are listed at its bottom (numbered in the order of first use over the whole file)."""
    doc = _doc(state.env)
    kept, inside, label, current = [], 0, "", []
    for tok in state.tokens:
        if tok.type == "footnote_reference_open":
            inside, label, current = inside + 1, tok.meta["label"], []
            if tok.map and state.env.get("prepass"):
                written = "\n".join(state.src.split("\n")[tok.map[0]:tok.map[1]])
                doc.footnote_source.setdefault(label, " ".join(written.split("]:", 1)[-1].split()))
            continue
        if tok.type == "footnote_reference_close":
            inside -= 1
            doc.footnotes.setdefault(label, current)
            continue
        (current if inside else kept).append(tok)
    used = state.env.get("footnotes", {}).get("list", {})
    labels = sorted({ref["label"] for ref in used.values() if "label" in ref}, key=doc.footnote_number)
    if labels and not state.env.get("prepass"):
        kept.append(Token("myst_footnotes", "", 0, block=True, meta={"labels": labels}))
    state.tokens = kept


# ---------------------------------------------------------------- the whole text, before rendering


def analyse(md: MarkdownIt, text: str, doc: Document) -> Document:
    """Read the whole text once: numbers and labels, footnotes, citations, formulas, warnings.
    Raises ChapterError for a reference to a label or citation key that does not exist."""
    env = {"myst": doc, "prepass": True}
    tokens = doc.tokens = md.parse(text, env)
    counters = dict.fromkeys(NUMBERED, 0)
    pending_target: str | None = None
    checks: list[tuple[str, str]] = []
    for i, tok in enumerate(tokens):
        line = tok.map[0] if tok.map else -1
        if tok.type == "container_directive_open":
            name, meta = tok.meta["name"], tok.meta
            if name in ("figure", "table"):
                counters[name] += 1
                doc.numbers[(name, line)] = counters[name]
                if name == "figure" and doc.figures and not is_file(meta["arg"]) and meta["arg"] not in doc.figures:
                    raise doc.error(say("content.helper.unknown_figure", name=meta["arg"],
                                    figures=", ".join(sorted(doc.figures))), meta["arg"])
                label = meta["options"].get("name")
                title = meta["arg"] if name == "table" else _first_text(tokens, i)
                if label:
                    _add_target(doc, label, Target(name, counters[name], title))
            elif name not in DIRECTIVES:
                doc.notice(say("content.myst.unknown_directive", directive=name,
                           known=", ".join(DIRECTIVES)), "{" + name + "}")
        elif tok.type == "container_other_open":
            doc.notice(say("content.myst.foreign_block", written=tok.info.strip()), tok.markup + tok.info.split("\n")[0])
        elif tok.type in ("math_block", "math_block_label"):
            doc.texs.append(tok.content.strip())
            if tok.type == "math_block_label":
                counters["equation"] += 1
                doc.numbers[("equation", line)] = counters["equation"]
                _add_target(doc, tok.info, Target("equation", counters["equation"], ""))
        elif tok.type == "myst_target":
            pending_target = tok.content
            continue
        elif tok.type == "heading_open" and pending_target:
            _add_target(doc, pending_target, Target("section", None, tokens[i + 1].content))
        elif tok.type == "inline":
            _scan_inline(doc, tok.children or [], checks)
        if tok.type != "myst_line_comment":
            pending_target = None
    for definition in doc.footnotes.values():  # taken out of the text by the footnote rule: maths, citations
        for tok in definition:
            if tok.type == "inline":
                _scan_inline(doc, tok.children or [], checks)
    for role, label in checks:
        if role.startswith("cite"):
            _check_citation(doc, label)
        else:
            doc.target(label, role)
    return doc


def is_file(arg: str) -> bool:
    """A figure directive's argument names a file (``diagram.png``) or a figure the build drew (``curves_cnn``)."""
    return "." in arg or "/" in arg


def directive_files(md: MarkdownIt, text: str, tokens: list[Token] | None = None) -> list[str]:
    """The files ``{figure}`` directives show (copied next to the pages like ``![..](file)``);
    ``tokens``: ``md.parse(text, {"prepass": True})`` when the caller has it already."""
    tokens = md.parse(text, {"prepass": True}) if tokens is None else tokens
    return [t.meta["arg"] for t in tokens
            if t.type == "container_directive_open" and t.meta.get("name") == "figure" and is_file(t.meta["arg"])]


def _add_target(doc: Document, label: str, target: Target) -> None:
    if label in doc.targets:
        doc.notice(say("content.myst.duplicate_label", label=label), label)
    doc.targets[label] = target


def _first_text(tokens: list[Token], i: int) -> str:
    for tok in tokens[i + 1:]:
        if tok.type == "inline":
            return tok.content.strip()
        if tok.type == "container_directive_close":
            break
    return ""


def _scan_inline(doc: Document, children: list[Token], checks: list[tuple[str, str]]) -> None:
    for child in children:
        if child.type in ("math_inline", "math_inline_double"):
            doc.texs.append(child.content.strip())
        elif child.type == "footnote_ref":
            label = child.meta["label"]
            if label not in doc.footnote_order:
                doc.footnote_order.append(label)
        elif child.type == "myst_role":
            name, content = child.meta["name"], child.content
            if name == "math":
                doc.texs.append(content.strip())
            elif name.startswith("cite") and name in ROLES:
                for key in _keys(content):
                    checks.append((name, key))
                    if key not in doc.citations:
                        doc.citations.append(key)
            elif name in ROLES:
                checks.append((name, _explicit(content)[1]))
            else:
                doc.notice(say("content.myst.unknown_role", role=name, known=", ".join(ROLES)), "{" + name + "}")
        elif child.type == "text":
            for found in FOREIGN.findall(child.content):
                doc.notice(say("content.myst.foreign_syntax", written=found), found)
            for label in FOOTNOTE_REF.findall(child.content):
                doc.notice(say("content.myst.no_footnote", label=label), f"[^{label}]")


def _keys(content: str) -> list[str]:
    return [k.strip() for k in content.split(",") if k.strip()]


def _explicit(content: str) -> tuple[str | None, str]:
    """``Text <label>`` -> (Text, label); ``label`` -> (None, label)."""
    match = EXPLICIT.match(content.strip())
    return (match.group(1), match.group(2).strip()) if match else (None, content.strip())


def _check_citation(doc: Document, key: str) -> None:
    if doc.bibliography is None:
        raise doc.error(say("content.myst.no_bib", key=key, name=BIB_FILE), key)
    if key not in doc.bibliography.data.entries:
        raise doc.error(say("content.myst.no_cite_key", key=key, path=doc.bibliography.path.name,
                        known=", ".join(doc.bibliography.keys) or say("content.helper.known_none")), key)


# ---------------------------------------------------------------- HTML


def role_html(doc: Document, name: str, content: str) -> str:
    if name == "math":
        return doc.formula_img(content.strip(), inline=True)
    if name.startswith("cite") and name in ROLES:
        keys = _keys(content)
        links = ", ".join(f'<a href="#cite-{escape(k)}">{doc.citation_number(k)}</a>' for k in keys)
        if name == "cite:t" and doc.bibliography is not None:
            names = "; ".join(escape(doc.bibliography.author(k)) for k in keys)
            return f'<span class="cite">{names} [{links}]</span>'
        return f'<span class="cite">[{links}]</span>'
    if name not in ROLES:
        return str(escape(content))
    text, label = _explicit(content)
    target = doc.target(label, name)
    return f'<a class="xref" href="#{escape(label)}">{escape(_xref_text(doc, name, text, target))}</a>'


def _xref_text(doc: Document, role: str, text: str | None, target: Target) -> str:
    number = str(target.number) if target.number is not None else ""
    if text:
        return text.replace("%s", number).replace("{number}", number).replace("{name}", target.title)
    if role == "eq" or (target.kind == "equation" and role != "numref"):
        return f"({number})"
    if role == "numref" and target.number is not None:
        return doc.words[f"{target.kind}_ref"].format(n=number)
    return target.title or doc.words.get(f"{target.kind}_ref", "{n}").format(n=number)


def _r_role(self, tokens, idx, options, env) -> str:
    return role_html(_doc(env), tokens[idx].meta["name"], tokens[idx].content)


def _r_math_inline(self, tokens, idx, options, env) -> str:
    return _doc(env).formula_img(tokens[idx].content.strip(), inline=True)


def _r_math_inline_double(self, tokens, idx, options, env) -> str:
    return f'<span class="math-display">{_doc(env).formula_img(tokens[idx].content.strip(), inline=False)}</span>'


def _r_math_block(self, tokens, idx, options, env) -> str:
    return f'<div class="math-display">{_doc(env).formula_img(tokens[idx].content.strip(), inline=False)}</div>\n'


def _r_math_block_label(self, tokens, idx, options, env) -> str:
    doc, tok = _doc(env), tokens[idx]
    number = doc.targets.get(tok.info, Target("equation", None, "")).number
    img = doc.formula_img(tok.content.strip(), inline=False)
    return (f'<div class="math-display numbered" id="{escape(tok.info)}">{img}'
            f'<span class="eq-number">({number})</span></div>\n')


def _number(env: dict, kind: str, tok: Token) -> int | None:
    line = (tok.map[0] if tok.map else -1) + env.get("line0", 0)
    return _doc(env).numbers.get((kind, line))


def _r_directive_open(self, tokens, idx, options, env) -> str:
    doc, tok = _doc(env), tokens[idx]
    name, arg, opts = tok.meta["name"], tok.meta["arg"], tok.meta["options"]
    ident = f' id="{escape(opts["name"])}"' if opts.get("name") else ""
    if name in ADMONITIONS:
        title = doc.words["admonition"][name] + (f": {arg}" if arg else "")
        return f'<div class="admonition {name}"{ident}>\n<p class="admonition-title">{escape(title)}</p>\n'
    if name == "figure":
        label = doc.caption_label("figure", _number(env, "figure", tok))
        return (f'<figure class="numbered"{ident}>\n{_figure_img(doc, arg, opts)}\n'
                f'<figcaption><span class="caption-number">{escape(label)}</span> ')
    if name == "table":
        label = doc.caption_label("table", _number(env, "table", tok))
        caption = _PARSER[0].renderInline(arg, {**env, "prepass": True}) if arg and _PARSER else escape(arg)
        return (f'<div class="table-figure"{ident}>\n<p class="table-caption"><span class="caption-number">'
                f'{escape(label)}</span> {caption}</p>\n')
    return '<div class="directive">\n'


def _figure_img(doc: Document, arg: str, opts: dict[str, str]) -> str:
    fig = doc.figures.get(arg)
    style = f' style="width:{escape(opts["width"])}"' if opts.get("width") else ""
    if fig is not None:
        size = f' data-min-font-pt="{fig.min_font_pt:g}"' if getattr(fig, "min_font_pt", 0) else ""
        return f'<img class="figure" src="{escape(fig.path)}" alt="{escape(opts.get("alt") or fig.alt)}"{size}{style}>'
    return f'<img class="figure" src="{escape(arg)}" alt="{escape(opts.get("alt", ""))}"{style}>'


def _r_directive_close(self, tokens, idx, options, env) -> str:
    opening = next(t for t in reversed(tokens[:idx]) if t.type == "container_directive_open"
                   and t.level == tokens[idx].level)
    return "</figcaption>\n</figure>\n" if opening.meta.get("name") == "figure" else "</div>\n"


def _r_other_open(self, tokens, idx, options, env) -> str:
    return '<div class="directive">\n'


def _r_other_close(self, tokens, idx, options, env) -> str:
    return "</div>\n"


def _r_footnote_ref(self, tokens, idx, options, env) -> str:
    number = _doc(env).footnote_number(tokens[idx].meta["label"])
    part = env.get("part", 0)
    return f'<sup class="footnote-ref"><a href="#fn{part}-{number}">{number}</a></sup>'


def _r_footnotes(self, tokens, idx, options, env) -> str:
    doc, part = _doc(env), env.get("part", 0)
    items = []
    for label in tokens[idx].meta["labels"]:
        number = doc.footnote_number(label)
        body = self.render(doc.footnotes.get(label, []), options, env).strip()
        body = re.sub(r"^<p>(.*)</p>$", r"\1", body, flags=re.DOTALL)
        items.append(f'<li id="fn{part}-{number}" value="{number}">{body}</li>')
    return f'<ol class="footnotes">{"".join(items)}</ol>\n'


def _r_nothing(self, tokens, idx, options, env) -> str:
    return ""


def _r_target(self, tokens, idx, options, env) -> str:
    return f'<span id="{escape(tokens[idx].content)}"></span>'


RENDER_RULES = {
    "myst_role": _r_role,
    "math_inline": _r_math_inline,
    "math_inline_double": _r_math_inline_double,
    "math_block": _r_math_block,
    "math_block_label": _r_math_block_label,
    "container_directive_open": _r_directive_open,
    "container_directive_close": _r_directive_close,
    "container_other_open": _r_other_open,
    "container_other_close": _r_other_close,
    "footnote_ref": _r_footnote_ref,
    "myst_footnotes": _r_footnotes,
    "myst_nothing": _r_nothing,
    "myst_target": _r_target,
    "myst_line_comment": _r_nothing,
    "myst_block_break": _r_nothing,
}
_PARSER: list[MarkdownIt] = []


def render(md: MarkdownIt, text: str, doc: Document, line0: int = 0, part: int = 0) -> str:
    """One slide's (or its notes') HTML; ``line0``: where the text starts in the whole file."""
    env = {"myst": doc, "line0": line0, "part": part,
           "footnotes": {"refs": {":" + label: -1 for label in doc.footnotes}, "list": {}}}
    _PARSER[:] = [md]
    return md.render(text, env)


def bibliography_html(doc: Document) -> list[str]:
    """The bibliography's entries in the order first cited, in groups that fit a slide."""
    if not doc.citations or doc.bibliography is None:
        return []
    entries = doc.bibliography.formatted(doc.citations)
    items = [f'<li id="cite-{escape(k)}" value="{n}">{html}</li>'
             for n, (k, html) in enumerate(zip(doc.citations, entries), 1)]
    title = escape(doc.words["references"])
    return [f'<h2>{title}</h2>\n<ol class="bibliography">{"".join(items[i:i + BIB_PER_SLIDE])}</ol>\n'
            for i in range(0, len(items), BIB_PER_SLIDE)]


# ---------------------------------------------------------------- the notebook


def for_notebook(md: MarkdownIt, text: str, doc: Document, tokens: list[Token] | None = None) -> str:
    """The same Markdown as Jupyter shows it: admonitions as quotes, figures with numbered
    captions, roles as text and links, footnotes at the end of their slide's part, a
    references section; ``$`` maths stays (Jupyter typesets it). ``tokens``: ``text`` as
    :func:`analyse` parsed it (``doc.tokens`` of ``analyse(md, text, doc)``), so each part need not
    be parsed again."""
    counters = dict.fromkeys(NUMBERED, 0)
    parts = re.split(r"(^---\s*$)", text, flags=re.MULTILINE)
    own = iter(_part_tokens(text, parts, tokens) or [])
    out = []
    for part in parts:
        out.append(part if re.fullmatch(r"---\s*", part) else _notebook_part(md, part, doc, counters, next(own, None)))
    refs = bibliography_markdown(doc)
    return "".join(out) + (f"\n\n---\n\n{refs}\n" if refs else "")


def bibliography_markdown(doc: Document) -> str:
    if not doc.citations or doc.bibliography is None:
        return ""
    entries = doc.bibliography.formatted(doc.citations, backend="markdown")
    lines = [f'{n}. <a id="cite-{k}"></a>{" ".join(e.split())}' for n, (k, e) in enumerate(zip(doc.citations, entries), 1)]
    return f"## {doc.words['references']}\n\n" + "\n".join(lines)


def _part_tokens(text: str, parts: list[str], tokens: list[Token] | None) -> list[tuple[list[Token], int]] | None:
    """The tokens of each part :func:`for_notebook` splits ``text`` into (with the part's first line in
    ``text``), taken from the whole text's ``tokens``: exactly what parsing the part alone gives when
    every split is a thematic break of the parser's at the top level (it ends every block before it).
    None when one is not (a ``---`` in a code block or under a heading's text: each part is parsed
    alone, as it always was), or when a carriage return makes the parser's lines differ from ``\\n``'s."""
    if tokens is None or "\r" in text:
        return None
    breaks, starts, line = set(), [], 0
    for part in parts:
        if re.fullmatch(r"---\s*", part):
            breaks.add(line)
        else:
            starts.append(line)
        line += part.count("\n")
    groups: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.type == "hr" and tok.level == 0 and tok.map and tok.map[0] in breaks:
            groups.append([])
        else:
            groups[-1].append(tok)
    if len(groups) != len(starts) or len(groups) != len(breaks) + 1:
        return None
    return list(zip(groups, starts))


def _notebook_part(md: MarkdownIt, text: str, doc: Document, counters: dict[str, int],
                   parsed: tuple[list[Token], int] | None = None) -> str:
    """``parsed``: the part's tokens from the whole text's parse, and the line the part starts at there."""
    if parsed is None:
        env = {"myst": doc, "prepass": True, "footnotes": {"refs": {":" + label: -1 for label in doc.footnotes}, "list": {}}}
        tokens, offset = md.parse(text, env), 0
    else:
        tokens, offset = parsed
    lines = text.split("\n")
    code = set()
    for tok in tokens:
        if tok.type in ("fence", "code_block") and tok.map:
            code.update(range(tok.map[0] - offset, tok.map[1] - offset))
    edits: list[tuple[int, int, list[str]]] = []
    used: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type == "inline":
            used += [c.meta["label"] for c in tok.children or [] if c.type == "footnote_ref"]
        if not tok.map:
            continue
        first, last = tok.map[0] - offset, tok.map[1] - offset
        if tok.type in ("container_directive_open", "container_other_open"):
            end = last if "body" in tok.meta else last + 1  # a colon fence's map ends before its closing line
            if tok.type == "container_other_open":
                edits.append((first, end, lines[first + 1:last]))
            else:
                edits.append((first, end, _notebook_directive(tok, lines[first + 1:last], doc, counters)))
        elif tok.type in ("math_block", "math_block_label"):
            tag = ""
            if tok.type == "math_block_label":
                counters["equation"] += 1
                tag = f"\\tag{{{counters['equation']}}}"
                edits.append((first, last, [f'<a id="{tok.info}"></a>', "", "$$", tok.content.strip() + " " + tag, "$$"]))
        elif tok.type in ("myst_target",):
            edits.append((first, last, [f'<a id="{tok.content}"></a>']))
        elif tok.type in ("myst_line_comment", "myst_block_break"):
            edits.append((first, last, []))
    edits += _footnote_definition_lines(lines)
    done: set[int] = set()
    for first, last, new in sorted(edits, key=lambda e: -e[0]):
        if first in done:
            continue
        done.add(first)
        lines[first:last] = new
    body = "\n".join(_roles_as_text(line, doc) if i not in code else line for i, line in enumerate(lines))
    labels = sorted(dict.fromkeys(used), key=doc.footnote_number)
    if labels:
        notes = "\n".join(f"<sup>{doc.footnote_number(label)}</sup> {_footnote_text(doc, label)}  " for label in labels)
        body = body.rstrip("\n") + "\n\n" + notes + "\n\n"
    return body


def _footnote_definition_lines(lines: list[str]) -> list[tuple[int, int, list[str]]]:
    edits, i = [], 0
    while i < len(lines):
        if re.match(r"^\[\^[^\]\s]+\]:", lines[i]):
            j = i + 1
            while j < len(lines) and (lines[j].startswith("    ") or (not lines[j].strip() and j + 1 < len(lines)
                                                                    and lines[j + 1].startswith("    "))):
                j += 1
            edits.append((i, j, []))
            i = j
        else:
            i += 1
    return edits


def _footnote_text(doc: Document, label: str) -> str:
    return _roles_as_text(doc.footnote_source.get(label, ""), doc)


def _notebook_directive(tok: Token, body: list[str], doc: Document, counters: dict[str, int]) -> list[str]:
    name, arg, opts = tok.meta["name"], tok.meta["arg"], tok.meta["options"]
    body = [line for line in (tok.meta["body"].split("\n") if "body" in tok.meta else body)]
    while body and OPTION.match(body[0].strip()):
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    anchor = [f'<a id="{opts["name"]}"></a>', ""] if opts.get("name") else []
    if name in ADMONITIONS:
        title = doc.words["admonition"][name] + (f": {arg}" if arg else "")
        return ["> **" + title + "**", ">", *[("> " + line).rstrip() for line in body]]
    if name == "figure":
        counters["figure"] += 1
        fig = doc.figures.get(arg)
        image = (f"![{opts.get('alt') or fig.alt}](attachment:{arg}.svg)" if fig is not None
                 else f"![{opts.get('alt', '')}]({arg})")
        caption = " ".join(line.strip() for line in body if line.strip())
        return [*anchor, image, "", f"*{doc.caption_label('figure', counters['figure'])}* {caption}".rstrip()]
    if name == "table":
        counters["table"] += 1
        return [*anchor, f"*{doc.caption_label('table', counters['table'])}* {arg}".rstrip(), "", *body]
    return body


def _roles_as_text(line: str, doc: Document) -> str:
    def one(match: re.Match) -> str:
        name, content = match.groups()
        if name == "math":
            return f"${content}$"
        if name.startswith("cite") and name in ROLES and doc.bibliography is not None:
            numbers = ", ".join(f"[{doc.citation_number(k)}](#cite-{k})" for k in _keys(content))
            prefix = "; ".join(doc.bibliography.author(k) for k in _keys(content)) + " " if name == "cite:t" else ""
            return f"{prefix}[{numbers}]"
        if name not in ROLES:
            return content
        text, label = _explicit(content)
        target = doc.target(label, name)
        return f"[{_xref_text(doc, name, text, target)}](#{label})"

    def quarto(match: re.Match) -> str:
        if match.group(1):
            return "{cite}`" + ",".join(k.strip().lstrip("-@") for k in match.group(1).split(";")) + "`"
        return "{numref}`" + match.group(2) + "`"

    line = ROLE.sub(one, QUARTO.sub(quarto, line))
    return FOOTNOTE_REF.sub(lambda m: f"<sup>{doc.footnote_number(m.group(1)) or m.group(1)}</sup>", line)
