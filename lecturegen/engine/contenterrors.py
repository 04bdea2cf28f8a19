"""Mistakes in a content file said in the author's terms, not Jinja's or Python's.

- ``{{ b.test_acuracy }}``: "run 'baseline' has no field 'test_acuracy' (did you mean
  'test_accuracy'?); its fields: ..." instead of "'...RunResult object' has no attribute ...";
- ``{{ x | thousands }}``: "no filter 'thousands'; lecturegen's filters: ..." (Jinja's own too);
- ``{{ figur("x") }}``: "no helper or value 'figur' (did you mean 'figure'?); known: ...";
- a broken tag is reported on the line where the tag starts, not where Jinja noticed it;
- messages end without a full stop, so "; fix the content file" never follows "." .
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path
from typing import Any, Iterable

import jinja2
from jinja2.utils import missing

from lecturegen.core.chapter import Experiment
from lecturegen.core.formats import FILTERS
from lecturegen.core.results import RunResult
from lecturegen.messages import say

NO_FILTER = re.compile(r"No filter named '([^']+)'")
UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
UNCLOSED = re.compile(r"expected token 'end of (statement block|print statement)'")
END_OF_TEMPLATE = re.compile(r"Unexpected end of template.*innermost block that needs to be closed is '(\w+)'", re.S)
UNEXPECTED = re.compile(r"^unexpected '([^']+)'(?:, expected '([^']+)')?$")
UNKNOWN_TAG = re.compile(r"Encountered unknown tag '([^']+)'")
TAGS = ("if", "elif", "else", "endif", "for", "endfor", "set", "endset", "macro", "endmacro", "raw", "endraw",
        "filter", "endfilter", "with", "endwith")


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return say("content.did_you_mean", name=close[0]) if close else ""


def fields_of(obj: Any) -> list[str]:
    """What a content file can write after ``obj.``: a dataclass's fields and properties, a table's keys."""
    if isinstance(obj, dict):
        return [str(k) for k in obj]
    names: list[str] = []
    if dataclasses.is_dataclass(obj):
        names = [f.name for f in dataclasses.fields(obj)]
    names += [n for n in dir(type(obj)) if not n.startswith("_") and isinstance(getattr(type(obj), n, None), property)]
    if not names:
        names = [n for n in dir(obj) if not n.startswith("_")]
    return list(dict.fromkeys(names))


def _what(obj: Any) -> str:
    if isinstance(obj, RunResult):
        return say("content.what_run", name=obj.experiment)
    if isinstance(obj, Experiment):
        return say("content.what_experiment", name=obj.name)
    if isinstance(obj, dict):
        return say("content.what_table")
    return say("content.what_value")


class AuthorUndefined(jinja2.StrictUndefined):
    """Jinja's strict undefined, whose message names what the author wrote and what exists."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is missing:
            return super()._undefined_message
        fields = fields_of(self._undefined_obj)
        name = str(self._undefined_name)
        return say("content.no_field", what=_what(self._undefined_obj), name=name,
                   hint=_suggest(name, fields), fields=", ".join(fields) or say("content.helper.known_none"))


def message(exc: Exception, names: Iterable[str] = (), filters: Iterable[str] = ()) -> str:
    """The author's message for a content file's template error (no trailing full stop)."""
    text = getattr(exc, "message", None) or str(exc)
    if found := NO_FILTER.search(text):
        name = found.group(1)
        own = sorted(FILTERS)
        others = sorted(set(filters) - set(own))
        return say("content.no_filter", name=name, hint=_suggest(name, [*own, *others]),
                   own=", ".join(own), jinja=", ".join(others))
    if isinstance(exc, jinja2.UndefinedError) and (found := UNDEFINED_NAME.match(text)):
        name, known = found.group(1), sorted(n for n in names if not n.startswith("_"))
        return say("content.no_name", name=name, hint=_suggest(name, known), known=", ".join(known))
    if found := UNCLOSED.search(text):
        return say("content.tag_not_closed" if found.group(1) == "statement block" else "content.value_not_closed")
    if found := UNEXPECTED.match(text.strip()):
        if found.group(2):
            return say("content.missing", what=found.group(1), expected=found.group(2))
        return say("content.unexpected", what=found.group(1))
    if found := END_OF_TEMPLATE.search(text):
        return say("content.block_not_closed", tag=found.group(1))
    if found := UNKNOWN_TAG.search(text):
        return say("content.unknown_tag", tag=found.group(1), hint=_suggest(found.group(1), TAGS),
                   known=", ".join(TAGS))
    return text.strip().rstrip(".")


def tag_line(exc: Exception, path: Path, line: int | None) -> int | None:
    """The line where the broken tag starts: Jinja notices an unclosed ``{% ... %`` where the next
    ``%}`` is, and a block never closed at the end of the file."""
    if not isinstance(exc, jinja2.TemplateSyntaxError) or not line:
        return line
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return line
    text = getattr(exc, "message", None) or str(exc)
    if END_OF_TEMPLATE.search(text):
        stack: list[int] = []
        for number, source in enumerate(lines, 1):
            for match in re.finditer(r"\{%-?\s*(end)?(if|for|macro|call|filter|with|block|raw)\b", source):
                if match.group(1):
                    if stack:
                        stack.pop()
                else:
                    stack.append(number)
        return stack[-1] if stack else line
    if UNCLOSED.search(text) or "unexpected" in text:
        for number in range(min(line, len(lines)), 0, -1):
            source = lines[number - 1]
            opened = source.count("{%") + source.count("{{")
            closed = source.count("%}") + source.count("}}")
            if opened > closed:
                return number
            if closed > opened and number != line:
                break
    return line
