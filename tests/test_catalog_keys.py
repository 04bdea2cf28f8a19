"""Every key of the catalogs (lecturegen/locales/{en,ko}.toml) is named for what it says, is used, and
exists in every catalog with the same fields.

Two kinds of sections:
- the words around the pages (PAGE_SECTIONS: page chrome, figure labels, notebook, site index), read a
  section at a time (``messages.section(lang, "figures")["epoch"]``, ``t.handout`` in a template);
- every line the command line prints (the other sections: ``data``, ``cache``, ``build``, ``help.*``...),
  named by meaning, each said by a call that names its key: ``say("data.no_such_file", spec=...)``,
  ``Phrase(...)``, ``messages.text(lang, ...)``, ``help=help_key("help.build.seed")``. An AST scan of lecturegen/ finds those keys; a key built
  at run time must be listed in DYNAMIC with every key it can become.
"""

from __future__ import annotations

import ast
import functools
import re
import string
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lecturegen"
LOCALES = PACKAGE / "locales"
LANGS = sorted(p.stem for p in LOCALES.glob("*.toml"))
PAGE_SECTIONS = ("languages", "page", "myst", "tables", "figures", "alt", "notebook", "site", "metrics")
SAYERS = {"say", "words", "Phrase"}  # say(KEY, **fields), its alias in publish/site.py, Phrase(KEY, **fields)

# Keys built at run time, as written in the code, with every key each can become.
DYNAMIC: dict[str, tuple[str, ...]] = {
    "f'check.isolation.why_{step}'": tuple(f"check.isolation.why_{s}" for s in
                                           ("pid", "net", "files", "caps", "sockets", "landlock")),
    "f'check.isolation.{step}'": tuple(f"check.isolation.{s}" for s in
                                       ("pid", "net", "files", "caps", "sockets", "landlock")),
    "f'diff.claim_{word}'": ("diff.claim_holds", "diff.claim_fails", "diff.claim_absent"),
    "f'diff.column_{c}'": ("diff.column_experiment", "diff.column_test_accuracy", "diff.column_points",
                           "diff.column_test_loss", "diff.column_epochs"),
    "f'diff.column_{col}'": ("diff.column_experiment", "diff.column_test_accuracy", "diff.column_points",
                             "diff.column_test_loss", "diff.column_loss", "diff.column_params",
                             "diff.column_epochs", "diff.column_time"),
    "f'data.split_{key}'": ("data.split_train", "data.split_test"),
    "f'content.media.{kind}'": ("content.media.image", "content.media.link"),
}
# Calls of a say()-like name whose first argument is not a key, and why.
NOT_A_KEY: dict[tuple[str, str], str] = {
    ("messages.py", "key"): "say/text/Phrase themselves, handing on the key they were given",
    ("messages.py", "item.key"): "said(): a Phrase's own key",
    ("cli.py", "text"): "SaidCommand: the help keys typer was given with help_key(), which the scan reads there",
    ("publish/site.py", "words(...)"): "say is publish()'s printing callback there; words() is messages.say",
    ("chapters/ch4/insight.py", "i"): "matplotlib's ax.text(x, y, s), not messages.text",
}


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        out.update(_flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return out


def _catalog(lang: str) -> dict[str, str]:
    with (LOCALES / f"{lang}.toml").open("rb") as fh:
        return _flat(tomllib.load(fh))


def _fields(text) -> set[str]:
    items = text if isinstance(text, list) else [text]
    return {name for item in items for _, name, _, _ in string.Formatter().parse(item) if name is not None}


def _terminal(keys) -> set[str]:
    return {key for key in keys if key.split(".")[0] not in PAGE_SECTIONS}


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _scan(package: Path) -> tuple[dict[str, set[str] | None], list[str]]:
    """Every key the package's say()/Phrase()/text() calls name, with the {fields} the say() and
    Phrase() calls pass (None: only read with text(), nothing filled in; a dynamic key through
    DYNAMIC); and the calls the scan cannot read (neither a key nor listed)."""
    used: dict[str, set[str] | None] = {}
    unreadable: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = _name(node.func)
            if name == "text" and len(node.args) == 2:  # messages.text(lang, KEY): no fields filled in
                arg, fields = node.args[1], None
            elif name == "help_key":  # an option's help, said when the command line is made
                arg, fields = node.args[0], set()
            elif name in SAYERS:
                arg, fields = node.args[0], {k.arg for k in node.keywords if k.arg}
            else:
                continue
            for choice in (arg.body, arg.orelse) if isinstance(arg, ast.IfExp) else (arg,):
                written = ast.unparse(choice)
                if isinstance(choice, ast.Constant) and isinstance(choice.value, str):
                    keys: tuple[str, ...] = (choice.value,)
                elif written in DYNAMIC:
                    keys = DYNAMIC[written]
                else:
                    if (rel, re.sub(r"\(.*\)$", "(...)", written)) not in NOT_A_KEY:
                        unreadable.append(f"{rel}:{node.lineno}: {written}")
                    continue
                for key in keys:
                    if fields is not None:
                        used[key] = (used.get(key) or set()) | fields
                    else:
                        used.setdefault(key, None)
    return used, unreadable


@functools.cache
def _package_scan() -> tuple[dict[str, set[str] | None], list[str]]:
    return _scan(PACKAGE)


def test_every_call_names_its_key_or_is_listed():
    used, unreadable = _package_scan()
    assert len(used) > 400  # the scan sees the package's calls
    assert unreadable == [], "write the key in the call, or list a key built at run time in DYNAMIC"


@pytest.mark.parametrize("lang", LANGS)
def test_every_key_used_exists_with_the_fields_the_code_fills_in(lang):
    catalog = _catalog(lang)
    used, _ = _package_scan()
    missing = sorted(set(used) - set(catalog))
    assert missing == [], f"keys used in the code but not in {lang}.toml"
    wrong = {key: (sorted(fields), sorted(_fields(catalog[key]))) for key, fields in used.items()
             if fields is not None and fields != _fields(catalog[key])}
    assert wrong == {}, "fields passed by the code (left) differ from the catalog's (right)"


def test_every_line_of_the_command_line_is_used():
    used, _ = _package_scan()
    unused = sorted(_terminal(_catalog("en")) - set(used))
    assert unused == [], "catalog lines no code says: remove them from every locales/*.toml"
    assert all(not key.startswith(("cli.", "errors.")) for key in _catalog("en")), \
        "name a key for what it says (data.no_such_file), not for a module or a kind of line"


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_every_catalog_has_the_same_keys_and_fields_as_english(lang):
    english, own = _catalog("en"), _catalog(lang)
    assert sorted(set(english) - set(own)) == [], f"{lang}.toml lacks these keys"
    assert sorted(set(own) - set(english)) == [], f"{lang}.toml has keys en.toml does not"
    differ = [key for key in english if _fields(english[key]) != _fields(own[key])]
    assert differ == [], f"{lang}.toml: other {{fields}} than en.toml"


def test_the_key_checks_can_fail(tmp_path, monkeypatch):
    """A planted module: a dynamic key not listed, a key with a field the catalog lacks, and (with
    that module's calls as the only ones) the catalog's other lines unused."""
    (tmp_path / "bad.py").write_text('def f(say, kind, spec):\n    say(f"data.kind_{kind}")\n'
                                     '    say("data.no_such_file", spec=spec, extra=1)\n'
                                     '    return say("not.a_key")\n', encoding="utf-8")
    used, unreadable = _scan(tmp_path)
    assert unreadable == ["bad.py:2: f'data.kind_{kind}'"]
    assert used["data.no_such_file"] == {"spec", "extra"} != _fields(_catalog("en")["data.no_such_file"])
    assert "not.a_key" in set(used) - set(_catalog("en"))
    assert "cache.damaged" in _terminal(_catalog("en")) - set(used)


# ---------------------------------------------------------------- the words around the pages


def _sources() -> str:
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "templates").rglob("*.j2"),
             *(ROOT / "templates").rglob("*.md"), *(ROOT / "templates").rglob("*.js")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def _read(name: str, text: str) -> bool:
    """``words["name"]``, ``words.name``, ``"name"``, or a key built as ``f"{kind}_label"``."""
    if re.search(r"""(\[["']%s["']\]|\.%s\b|["']%s["'])""" % ((re.escape(name),) * 3), text):
        return True
    suffix = name[name.find("_"):] if "_" in name else None
    return bool(suffix) and re.search(r"\}%s\b" % re.escape(suffix), text) is not None


def test_every_word_of_the_page_sections_is_read_somewhere():
    english = _catalog("en")
    text = _sources()
    words = [key for key in english if key.split(".")[0] in PAGE_SECTIONS and not key.startswith("languages.")]
    assert len(words) > 50
    unused = [key for key in words if not _read(key.rpartition(".")[2], text)]
    assert unused == [], "catalog words nothing reads: remove them from every locales/*.toml"


def test_the_check_can_fail():
    assert not _read("title_step", "figures['title_sigmoid'] and f'{kind}_label'")
    assert _read("figure_label", "f'{kind}_label'") and _read("sample", "t['sample']")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
