"""Every word of the catalogs is used. tests/test_messages.py checks the terminal lines ([cli.*],
[errors.*], [help]: every key used exists with its fields, none is left unused); this checks the
sections the pages, figures and notebook read as a whole (``messages.section(lang, "figures")``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = ("cli", "errors", "help", "languages")  # languages: every catalog names every language


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        out.update(_flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return out


def _sources() -> str:
    files = [*(ROOT / "lecturegen").rglob("*.py"), *(ROOT / "templates").rglob("*.j2"),
             *(ROOT / "templates").rglob("*.md"), *(ROOT / "templates").rglob("*.js")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def _read(name: str, text: str) -> bool:
    """``words["name"]``, ``words.name``, ``"name"``, or a key built as ``f"{kind}_label"``."""
    if re.search(r"""(\[["']%s["']\]|\.%s\b|["']%s["'])""" % ((re.escape(name),) * 3), text):
        return True
    suffix = name[name.find("_"):] if "_" in name else None
    return bool(suffix) and re.search(r"\}%s\b" % re.escape(suffix), text) is not None


def test_every_word_of_the_page_sections_is_read_somewhere():
    with (ROOT / "lecturegen" / "locales" / "en.toml").open("rb") as fh:
        english = _flat(tomllib.load(fh))
    text = _sources()
    words = [key for key in english if key.split(".")[0] not in TERMINAL]
    assert len(words) > 50
    unused = [key for key in words if not _read(key.rpartition(".")[2], text)]
    assert unused == [], "catalog words nothing reads: remove them from every locales/*.toml"


def test_the_check_can_fail():
    assert not _read("title_step", "figures['title_sigmoid'] and f'{kind}_label'")
    assert _read("figure_label", "f'{kind}_label'") and _read("sample", "t['sample']")
