"""What a chapter can add to the library's own figures, tables and content helpers.

A chapter module declares them and hands them to ``chapter(...)``; the build resolves them from
the chapter alone, so the library never names a chapter's groups or experiments:

- a **figure set** is a function ``(chapter, runs, is_sample) -> list[FigureSpec]``, listed in
  ``chapter(figures=[...])`` next to the built-in set names (``"curves"``, ...);
- a **table** (:func:`table`) is a row function over a group's experiments with per-language
  column heads, listed in ``chapter(tables=[...])`` and called in content as ``{{ name() }}``
  or ``{{ name("group") }}``;
- a **content helper** is a function whose first argument is the page (:class:`Page`), listed in
  ``chapter(helpers=[...])`` and called in content as ``{{ name(...) }}``.

Nothing here imports matplotlib or TensorFlow; see docs/authoring.md for examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

MAIN_GROUP = "main"


@dataclass(frozen=True)
class FigureSpec:
    """One figure: a draw function and the JSON-able data it draws. The SVG is cached under a hash
    of the draw function's code, its ``depends`` functions, the data, the size and the language."""

    name: str
    alt: dict[str, str]  # per language
    draw: Callable[[Any, dict, str], None]  # (matplotlib Figure, inputs, lang)
    inputs: dict = field(default_factory=dict)
    size: tuple[float, float] = (6, 4)  # inches
    depends: tuple[Callable[..., Any], ...] = ()  # other functions the drawing calls (hashed into the key)
    snippet: str = ""  # the chapter snippet whose code draws it: the notebook shows it as that cell's output


FigureSet = Callable[[Any, dict, bool], list[FigureSpec]]
"""``(chapter, runs, is_sample) -> [FigureSpec, ...]``: the figures a chapter computes."""


class Page(Protocol):
    """What a content helper's first argument offers (the build's content helpers object)."""

    chapter: Any
    lang: str
    runs: dict[str, Any]
    is_sample: bool

    def experiments(self, group: str = MAIN_GROUP) -> tuple[Any, ...]: ...


@dataclass(frozen=True)
class Table:
    """A Markdown table with one row per experiment of a group: ``row(experiment, run)`` gives the
    cells (plain text is HTML-escaped; Markdown such as ``**bold**`` and `` `code` `` stays)."""

    name: str
    heads: dict[str, tuple[str, ...]]  # per language, one head per column
    align: str  # one letter per column: "l" or "r"
    row: Callable[[Any, Any], tuple[str, ...]]
    group: str = MAIN_GROUP  # the group shown when the content calls {{ name() }}

    def __post_init__(self) -> None:
        if set(self.align) - {"l", "r"}:
            raise ValueError(f"table {self.name}: align must be letters l or r, not {self.align!r}")
        for lang, heads in self.heads.items():
            if len(heads) != len(self.align):
                raise ValueError(f"table {self.name}: {len(heads)} {lang} heads for {len(self.align)} columns")


def table(*, heads: dict[str, tuple[str, ...]], align: str, group: str = MAIN_GROUP
          ) -> Callable[[Callable[[Any, Any], tuple[str, ...]]], Table]:
    """Decorator turning a row function ``(experiment, run) -> cells`` into a :class:`Table`
    named after the function."""

    def wrap(row: Callable[[Any, Any], tuple[str, ...]]) -> Table:
        return Table(row.__name__, {lang: tuple(h) for lang, h in heads.items()}, align, row, group)

    return wrap


def plugin_name(item: Any) -> str:
    """The name a figure set, table or helper is known by in messages and in content files."""
    return item.name if isinstance(item, Table) else getattr(item, "__name__", repr(item))
