"""Every branch of a content file is checked: a reference to an unknown run, attribute, claim, filter
or helper fails the build with the usual one-line error, also in a branch this build does not take.
Rendered from fabricated ch4 results (no training)."""

from __future__ import annotations

import dataclasses

import pytest
from test_content import CHAPTER, context

from lecturegen.engine.render import render_markdown
from lecturegen.errors import ChapterError


@pytest.fixture(scope="module")
def ctx():
    from test_content import fabricated_run

    runs = {exp.name: fabricated_run(i, exp.name) for i, exp in enumerate(CHAPTER.experiments)}
    return context(runs, "en")


def _render(ctx, tmp_path, content: str) -> str:
    (tmp_path / "en.md").write_text(content, encoding="utf-8")
    chapter = dataclasses.replace(CHAPTER, content_dir=tmp_path)
    return render_markdown(dataclasses.replace(ctx, chapter=chapter))


def _branches(ctx) -> tuple[str, str]:
    """A claim of the chapter and the branch (0: holds, 1: else) this build does not take."""
    claim = next(c for c in ctx.claims if c.applicable)
    return claim.id.replace("-", "_"), claim.holds


TYPOS = {
    "unknown attribute": ("{{ runs.relu.test_acuracy | pct }}", "run 'relu' has no field 'test_acuracy'"),
    "unknown run": ("{{ runs.reluu.test_accuracy | pct }}", "no run 'reluu'"),
    "unknown filter": ("{{ runs.relu.params | thousands }}", "thousands"),
    "unknown helper": ('{{ figgure("x") }}', "figgure"),
    "unknown figure": ('{{ figure("no_such_figure") }}', "no_such_figure"),
    "unknown claim": ("{{ claims.no_such_claim.holds }}", "no_such_claim"),
    "name bound by set": ("{% set d = runs.relu %}{{ d.test_acuracy }}", "test_acuracy"),
}


@pytest.mark.parametrize("case", list(TYPOS))
def test_a_typo_in_the_branch_not_taken_fails_with_its_line(ctx, tmp_path, case):
    typo, needle = TYPOS[case]
    claim, holds = _branches(ctx)
    good = "{{ runs.relu.test_accuracy | pct }}"
    taken, untaken = (good, typo) if holds else (typo, good)
    content = f"# Title\n\nSome prose.\n\n{{% if claims.{claim}.holds %}}\n{taken}\n{{% else %}}\n{untaken}\n{{% endif %}}\n"
    with pytest.raises(ChapterError) as info:
        _render(ctx, tmp_path, content)
    message = str(info.value)
    assert "\n" not in message and needle in message, message
    assert message.startswith("en.md line ") and "does not take" in message, message
    assert f"line {8 if holds else 6}" in message, message
    # the same typo in the branch taken is the build's ordinary error (no note about branches)
    taken, untaken = (typo, good) if holds else (good, typo)
    content = f"{{% if claims.{claim}.holds %}}\n{taken}\n{{% else %}}\n{untaken}\n{{% endif %}}\n"
    with pytest.raises(ChapterError) as info:
        _render(ctx, tmp_path, content)
    assert needle in str(info.value) and "does not take" not in str(info.value)


@pytest.mark.parametrize("where", ["elif", "inline if", "loop else", "nested if"])
def test_every_kind_of_branch_is_checked(ctx, tmp_path, where):
    typo = "runs.relu.test_acuracy"
    content = {
        "elif": "{% if 1 > 0 %}a{% elif 1 > 2 %}{{ " + typo + " }}{% else %}c{% endif %}",
        "inline if": "{{ 'a' if 1 > 0 else " + typo + " }}",
        "loop else": "{% for e in experiments() %}{{ e.name }}{% else %}{{ " + typo + " }}{% endfor %}",
        "nested if": "{% if 1 > 0 %}{% if 1 > 2 %}{{ " + typo + " }}{% endif %}{% endif %}",
    }[where]
    with pytest.raises(ChapterError, match="test_acuracy.*does not take"):
        _render(ctx, tmp_path, "# T\n\n" + content + "\n")


def test_guards_and_values_of_untaken_branches_are_not_typos(ctx, tmp_path):
    """A branch may guard against what its body would do: a name that is not there (``is defined``),
    a value that does not work (a division by zero). Neither is reported; the output is unchanged."""
    content = ("# T\n\n{% if nothing_here is defined %}{{ nothing_here.x }}{% endif %}"
               "{% if 1 > 2 %}{{ 1 / 0 }}{% endif %}"
               "{{ runs.relu.per_seed | length if runs.relu.per_seed is defined else 1 }}"
               "{% if 1 > 0 %}yes{% else %}no{% endif %}\n")
    assert _render(ctx, tmp_path, content).strip() == "# T\n\n1yes"


def test_the_real_chapters_pass(ctx):
    """ch4's own content in both languages has no typo in any branch (rendering checks them all)."""
    for lang in ("ko", "en"):
        assert render_markdown(dataclasses.replace(ctx, lang=lang))


@pytest.mark.parametrize("test", ["claims.no_such_claim.holds", "runs.relu.test_acuracy > 0.5", "runs.relu.holdz"])
def test_a_typo_in_the_condition_of_a_branch_not_taken_fails(ctx, tmp_path, test):
    with pytest.raises(ChapterError, match="does not take"):
        _render(ctx, tmp_path, "# T\n\n{% if 1 > 0 %}a{% elif " + test + " %}b{% endif %}\n")
