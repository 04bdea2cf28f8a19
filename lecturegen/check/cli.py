"""The ``lecturegen check PATH...`` command: audit existing lecture code snippets."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lecturegen.terminal import plain
from lecturegen.messages import help_key, say
from lecturegen.check.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from lecturegen.check.audit import CheckResult

logger = logging.getLogger(__name__)

VERDICT_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red", "timeout": "magenta",
                 "needs-data": "cyan"}
FAILING = {"error", "timeout", "needs-data"}  # needs-data was an error before it had a name: exit 1 still
VERDICTS = ("ok", "warning", "error", "timeout", "needs-data")


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def render_table(results: list[CheckResult], console) -> None:
    """Print results as a rich table plus a one-line summary."""
    from rich.table import Table  # rich only when a table is printed: a build does not import it
    from rich.text import Text

    table = Table(show_lines=True, title="lecturegen check")
    for column in ("file:line", "snippet", "verdict", "message", "suggested fix"):
        table.add_column(column, overflow="fold")
    for r in results:
        message = f"{r.error_type}: {_first_line(r.message)}" if r.error_type else _first_line(r.message)
        fix = r.fix or ("; ".join(r.hints[:2]) if r.hints else "")
        if r.fix and r.hints:
            fix += f" (also {'; '.join(r.hints[:2])})"
        stale = [plain(_first_line(f"line {f['line']}: {f['message']}", 90)) for f in r.findings
                 if f["line"] != r.line or not r.fix]  # the static pass, one short line each
        fix = "\n".join([plain(fix), *stale] if fix else stale)
        style = VERDICT_STYLE.get(r.verdict, "")
        table.add_row(Text(plain(r.location or f"{r.path}:{r.line}")), Text(plain(r.snippet)),
                      Text(r.verdict, style=style), Text(plain(message)), Text(fix))
    console.print(table)
    console.print(_summary(results))


def _summary(results: list[CheckResult]) -> str:
    counts = Counter(r.verdict for r in results)
    stale = sum(len(r.findings) for r in results)
    return say("check.summary", n=len(results), counts=", ".join(
        f"{counts.get(v, 0)} {v}" for v in VERDICTS if counts.get(v) or v != "needs-data"), stale=stale)


def render_text(results: list[CheckResult]) -> None:
    """One ``file:line: verdict: message`` line per snippet, for grep and editors (not on a terminal)."""
    for r in results:
        message = f"{r.error_type}: {_first_line(r.message)}" if r.error_type else _first_line(r.message)
        fix = f" (fix: {r.fix})" if r.fix else ""
        typer.echo(plain(f"{r.location or f'{r.path}:{r.line}'}: {r.verdict}: {message or 'runs'}{fix}"))
        where = r.location.rsplit(":", 1)[0] if r.location else r.path
        for f in r.findings:  # the static pass: every stale API of the snippet, file:line each
            mark = say("check.confirmed_by_run") if f.get("confirmed") else ""
            kind = say("check.stale_rewrite" if f["action"] == "rewrite" else "check.stale_human")
            typer.echo(plain(f"{where}:{f['line']}: {kind}: {f['message']}{mark}"))
    typer.echo(_summary(results))


def render_fix(outcomes, err: bool) -> None:  # type: ignore[no-untyped-def]
    """One ``file:line: status: reason`` line per snippet ``--fix`` touched, then the changes."""
    from collections import Counter as _Counter

    for o in outcomes:
        typer.echo(plain(f"{o.location}: {o.status}: {o.reason}"), err=err)
        for change in o.changes:
            typer.echo(plain(f"    {say('check.fix.rewrote')}: {change}"), err=err)
        for why in o.human:
            typer.echo(plain(f"    {say('check.fix.left')}: {why}"), err=err)
    counts = _Counter(o.status for o in outcomes)
    if not outcomes:
        typer.echo(say("check.fix.nothing"), err=err)
        return
    typer.echo(say("check.fix.summary", n=len(outcomes), counts=", ".join(
        f"{n} {status}" for status, n in counts.items())), err=err)


def _fix(snippets, write: bool, as_json: bool, timeout: float, memory_mb: int, jobs: int) -> None:  # type: ignore[no-untyped-def]
    from lecturegen.check.fixer import FIXED, fix

    outcomes, patch, texts = fix(snippets, write=write, timeout=timeout, memory_mb=memory_mb, jobs=jobs)
    if as_json:
        typer.echo(json.dumps({"patch": patch, "written": [str(p) for p in texts] if write else [],
                               "snippets": [dataclasses.asdict(o) for o in outcomes]}, indent=2))
    elif write:
        render_fix(outcomes, err=False)
        typer.echo(say("check.fix.wrote", n=len(texts), files=", ".join(map(str, texts)) or "-"))
    else:  # --diff: the patch alone on stdout (`> fix.patch`), the verdicts on stderr
        typer.echo(patch, nl=False)
        render_fix(outcomes, err=True)
    if any(o.status != FIXED for o in outcomes):
        raise typer.Exit(code=1)


def register(app: typer.Typer, command_class: type | None = None) -> None:
    """Add the ``check`` command to ``app``."""

    @app.command("check", cls=command_class, help=help_key("help.command.check"))
    def check(
        paths: Annotated[list[Path], typer.Argument(metavar="PATH",
            help=help_key("help.check.paths"))],
        as_json: Annotated[bool, typer.Option("--json", help=help_key("help.check.json"))] = False,
        timeout: Annotated[float, typer.Option(
            help=help_key("help.check.timeout"))] = DEFAULT_TIMEOUT,
        memory_mb: Annotated[int, typer.Option(
            help=help_key("help.check.memory_mb"))] = DEFAULT_MEMORY_MB,
        jobs: Annotated[int, typer.Option(help=help_key("help.check.jobs"))] = 2,
        format: Annotated[str | None, typer.Option(
            "--format", help=help_key("help.check.format"))] = None,
        fix: Annotated[bool, typer.Option("--fix", help=help_key("help.check.fix"))] = False,
        diff: Annotated[bool, typer.Option("--diff", help=help_key("help.check.diff"))] = False,
    ) -> None:
        """Run existing lecture code against the installed TensorFlow/Keras/NumPy and
        report errors, deprecation warnings and suggested fixes."""
        if format not in (None, "table", "text"):
            typer.echo(say("check.bad_format", format=format), err=True)
            raise typer.Exit(code=2)
        if fix and diff:
            typer.echo(say("check.fix_and_diff"), err=True)
            raise typer.Exit(code=2)
        from lecturegen.check.audit import CheckInputError, check_snippets, collect_snippets  # only when it runs

        try:
            snippets = collect_snippets(paths)
            if fix or diff:
                _fix(snippets, write=fix, as_json=as_json, timeout=timeout, memory_mb=memory_mb, jobs=jobs)
                return
            results = check_snippets(snippets, timeout=timeout, memory_mb=memory_mb, jobs=jobs)
        except CheckInputError as exc:
            typer.echo(say("check.error", exc=exc), err=True)
            raise typer.Exit(code=2) from None
        if as_json:
            typer.echo(json.dumps([dataclasses.asdict(r) for r in results], indent=2))
        elif format == "text" or (format is None and not sys.stdout.isatty()):
            render_text(results)
        else:
            from rich.console import Console

            render_table(results, Console(soft_wrap=False))
        if any(r.verdict in FAILING for r in results):
            raise typer.Exit(code=1)
