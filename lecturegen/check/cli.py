"""The ``lecturegen check PATH...`` command: audit existing lecture code snippets."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from lecturegen.terminal import plain
from lecturegen.messages import say
from lecturegen.check.audit import (DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, CheckInputError, CheckResult,
                              check_snippets, collect_snippets)

logger = logging.getLogger(__name__)

VERDICT_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red", "timeout": "magenta"}
FAILING = {"error", "timeout"}


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
        style = VERDICT_STYLE.get(r.verdict, "")
        table.add_row(Text(plain(f"{r.path}:{r.line}")), Text(plain(r.snippet)), Text(r.verdict, style=style),
                      Text(plain(message)), Text(plain(fix)))
    console.print(table)
    console.print(_summary(results))


def _summary(results: list[CheckResult]) -> str:
    counts = Counter(r.verdict for r in results)
    return f"{len(results)} snippets: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in ("ok", "warning", "error", "timeout"))


def render_text(results: list[CheckResult]) -> None:
    """One ``file:line: verdict: message`` line per snippet, for grep and editors (not on a terminal)."""
    for r in results:
        message = f"{r.error_type}: {_first_line(r.message)}" if r.error_type else _first_line(r.message)
        fix = f" (fix: {r.fix})" if r.fix else ""
        typer.echo(plain(f"{r.path}:{r.line}: {r.verdict}: {message or 'runs'}{fix}"))  # no escape sequences
    typer.echo(_summary(results))


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to ``app``."""

    @app.command("check", help=say("help.command_check"))
    def check(
        paths: Annotated[list[Path], typer.Argument(metavar="PATH",
            help=say("help.py_ipynb_md_or"))],
        as_json: Annotated[bool, typer.Option("--json", help=say("help.print_json_list_results"))] = False,
        timeout: Annotated[float, typer.Option(
            help=say("help.seconds_allowed_per_snippet"))] = DEFAULT_TIMEOUT,
        memory_mb: Annotated[int, typer.Option(
            help=say("help.address_space_limit_per"))] = DEFAULT_MEMORY_MB,
        jobs: Annotated[int, typer.Option(help=say("help.snippet_processes_run_at"))] = 2,
        format: Annotated[str | None, typer.Option(
            "--format", help=say("help.table_or_text_file"))] = None,
    ) -> None:
        """Run existing lecture code against the installed TensorFlow/Keras/NumPy and
        report errors, deprecation warnings and suggested fixes."""
        if format not in (None, "table", "text"):
            typer.echo(say("cli.check_cli.format_use_table_or", format=format), err=True)
            raise typer.Exit(code=2)
        try:
            snippets = collect_snippets(paths)
            results = check_snippets(snippets, timeout=timeout, memory_mb=memory_mb, jobs=jobs)
        except CheckInputError as exc:
            typer.echo(say("cli.check_cli.message", exc=exc), err=True)
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
