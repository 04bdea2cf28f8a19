"""The `lecturegen` command line (typer)."""

from __future__ import annotations

import logging
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from lecturegen.interrupts import keep_lost_interrupts
from lecturegen import messages
from lecturegen import registry
from lecturegen import terminal
from lecturegen.config import CourseConfig, course_config, load_config, pick, with_flags
from lecturegen.check.cli import register as register_check
from lecturegen.errors import LecturegenError
from lecturegen.errors import UsageError as BadUsage
from lecturegen.messages import help_key, say

# typer >= 0.29 carries its own copy of click; find its UsageError through a public class
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _say_help(command) -> None:
    """The help of ``command`` and of its options, given as keys (:func:`messages.help_key`), said in the
    language of the command being run: typer makes the command line anew for each command."""
    def said(text):
        return say(text) if isinstance(text, str) and text.startswith("help.") else text

    command.help = said(command.help)
    for param in command.params:
        if hasattr(param, "help"):
            param.help = said(param.help)


class SaidGroup(TyperGroup):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _say_help(self)


class SaidCommand(TyperCommand):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _say_help(self)


app = typer.Typer(
    cls=SaidGroup,
    help=help_key("help.app"),
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    rich_markup_mode=None,  # plain help: no boxes, no <bool> metavars on flags
    pretty_exceptions_enable=False,
)


ChaptersDirs = Annotated[list[Path] | None, typer.Option(
    "--chapters-dir", help=help_key("help.option.chapters_dir"))]


class ProfileName(str, Enum):
    full = "full"
    quick = "quick"


def _echo(message: str = "", err: bool = False) -> None:
    """One line for the terminal (see :func:`terminal.spaces`)."""
    typer.echo(terminal.spaces(str(message)), err=err)


def _fail(exc: LecturegenError) -> typer.Exit:
    _echo(say("command.error", exc=exc), err=True)
    return typer.Exit(code=exc.exit_code)


def _show_version(value: bool) -> None:
    if value:
        from lecturegen import __version__

        _echo(say("command.version", version=__version__))
        raise typer.Exit()


@app.callback(help=help_key("help.command.main"))
def main_options(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help=help_key("help.option.version"))] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=help_key("help.option.verbose"))] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=help_key("help.option.quiet"))] = False,
) -> None:
    """Turn a deep-learning course chapter into slides, a handout and a notebook with measured numbers."""
    terminal.configure(verbose=verbose, quiet=quiet)
    if ctx.obj is None:  # main() hands over what it read; typer's test runner calls the app directly
        ctx.obj = _read_settings()  # once per command: the commands take it from here (settings())
    ctx.with_resource(messages.speaking(_command_ui(ctx.obj)))  # this command's language, until it ends


def _read_settings() -> CourseConfig | LecturegenError:
    """lecturegen.toml, found upwards, read once per command; a broken one is reported by the command
    that needs it."""
    try:
        return load_config()
    except LecturegenError as exc:
        return exc


def _command_ui(found: CourseConfig | LecturegenError) -> messages.UI:
    """The command's interface language: LECTUREGEN_UI_LANG, else lecturegen.toml's [course] ui_lang."""
    return messages.UI.resolve(found.course.ui_lang if isinstance(found, CourseConfig) else None)


def settings(ctx: typer.Context, chapters_dir: list[Path] | None = None, templates: Path | None = None) -> CourseConfig:
    """The settings the command resolved once (lecturegen.toml, found upwards), with its folder flags."""
    found = ctx.find_root().obj
    if isinstance(found, LecturegenError):
        raise found
    return with_flags(found if isinstance(found, CourseConfig) else load_config(), tuple(chapters_dir or ()), templates)


ProfileOpt = Annotated[ProfileName | None, typer.Option(
    help=help_key("help.option.profile"))]
DataOpt = Annotated[str | None, typer.Option(
    help=help_key("help.option.data"))]
OutOpt = Annotated[Path | None, typer.Option(
    help=help_key("help.option.out"))]
CacheOpt = Annotated[Path | None, typer.Option(
    help=help_key("help.option.cache_dir"))]
LangOpt = Annotated[str | None, typer.Option(help=help_key("help.option.lang"))]
TemplatesOpt = Annotated[Path | None, typer.Option(
    help=help_key("help.option.templates"))]


def build_options(course: CourseConfig, chapter: str, lang: str | None, *,
                  out: Path | None = None, profile: ProfileName | None = None, data: str | None = None,
                  cache_dir: Path | None = None, seeds: int | None = None, jobs: int | None = None, **flags):
    """BuildOptions from the command line, falling back to lecturegen.toml's [build], then the defaults."""
    from lecturegen.engine import BuildOptions

    conf = course.build
    return BuildOptions(
        chapter, pick(out, conf.out, Path("output")), pick(profile.value if profile else None, conf.profile, "full"),
        pick(data, conf.data, "auto"), lang, cache_dir=pick(cache_dir, conf.cache_dir, None),
        chapters_dirs=course.chapters_dirs, templates_dirs=course.templates_dirs,
        seeds=pick(seeds, conf.seeds, 1), jobs=pick(jobs, conf.jobs, None), repository=course.course.repository,
        **flags)


class ExecutorName(str, Enum):
    local = "local"
    dask = "dask"


@app.command(cls=SaidCommand, help=help_key("help.command.build"))
def build(
    ctx: typer.Context,
    chapters: Annotated[list[str] | None, typer.Argument(
        help=help_key("help.build.chapters"), show_default=False)] = None,
    all_chapters: Annotated[bool, typer.Option("--all", help=help_key("help.build.all"))] = False,
    out: OutOpt = None,
    profile: ProfileOpt = None,
    data: DataOpt = None,
    lang: Annotated[list[str] | None, typer.Option(help=help_key("help.build.lang"))] = None,
    force: Annotated[bool, typer.Option("--force", help=help_key("help.build.force"))] = False,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help=help_key("help.build.seed"))] = 0,
    cache_dir: CacheOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=help_key("help.option.quiet"))] = False,
    chapters_dir: ChaptersDirs = None,
    templates: TemplatesOpt = None,
    seeds: Annotated[int | None, typer.Option(min=1, help=help_key("help.build.seeds"))] = None,
    strict: Annotated[bool, typer.Option("--strict", help=help_key("help.build.strict"))] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help=help_key("help.build.jobs"), show_default=False)] = None,
    processes: Annotated[bool, typer.Option("--processes", help=help_key("help.build.processes"))] = False,
    executor: Annotated[ExecutorName | None, typer.Option(help=help_key("help.build.executor"), show_default=False)] = None,
    scheduler: Annotated[str | None, typer.Option(help=help_key("help.build.scheduler"))] = None,
    workers: Annotated[int | None, typer.Option(help=help_key("help.build.workers"))] = None,
) -> None:
    """Train the chapters' models (or reuse cached results) and write slides, handout, notebook and report."""
    from lecturegen.engine import build_course, make_reporter

    if quiet:  # the same meaning as before the command: only warnings, errors and the summary
        terminal.configure(verbose=terminal.state.verbose, quiet=True)
    try:
        course = settings(ctx, chapters_dir, templates)
        ids = _chapter_ids(chapters or [], all_chapters, course)
        langs: list[str | None] = list(lang) if lang else list(course.course.languages) or [None]
        conf = course.build
        scheduler = pick(scheduler, conf.scheduler, None)
        # an address alone means Dask: the command line's, else lecturegen.toml's choice, else the scheduler's
        chosen = executor.value if executor else conf.executor or ("dask" if scheduler else "local")
        opts = build_options(course, ids[0], langs[0], out=out, profile=profile, data=data,
                             cache_dir=cache_dir, seeds=seeds, jobs=jobs, force=force, seed=seed, strict=strict,
                             processes=processes, executor=chosen, scheduler=scheduler,
                             workers=pick(workers, conf.workers, None))
    except LecturegenError as exc:
        raise _fail(exc) from None
    reporter = make_reporter(silent=terminal.state.quiet)
    try:
        outcome = build_course(opts, ids, langs, reporter, optional_langs=not lang)
    except LecturegenError as exc:
        reporter.close()
        raise _fail(exc) from None
    except KeyboardInterrupt:
        reporter.close()
        _echo(say("build.interrupted"), err=True)
        raise typer.Exit(code=130) from None
    reporter.close()
    if len(ids) * len(langs) == 1:
        if outcome.failures:
            raise _fail(outcome.failures[0][1])
        _summary(outcome.outcomes[0])
    else:
        _course_summary(outcome)


def _chapter_ids(chapters: list[str], all_chapters: bool, course) -> list[str]:
    """The chapters to build: those named, or with --all the course's list (else every known chapter)."""
    if all_chapters and chapters:
        raise BadUsage(say("command.ids_and_all"))
    if not all_chapters:
        if not chapters:
            raise BadUsage(say("command.no_chapter"))
        return chapters
    listed = tuple(getattr(getattr(course, "course", None), "chapters", None) or ())
    return list(listed) or list(registry.available(course.chapters_dirs))


def _summary(outcome) -> None:
    trained = [name for name, s in outcome.status.items() if s.trained]
    note = say("build.sample_note") if outcome.is_sample else ""
    _echo(
        say("build.done", out_dir=outcome.out_dir, seconds=outcome.seconds, n_trained=len(trained), n_cached=len(outcome.status) - len(trained), note=note)
    )
    _run_table(outcome.runs)
    if outcome.claims:
        _echo(_claims_line(outcome.claims))


def _run_table(runs) -> None:
    from lecturegen.engine import run_line

    width = max((len(name) for name in runs), default=0)
    for name, run in runs.items():
        _echo("  " + run_line(name, run.test_accuracy, run.test_loss, width))


def _claims_line(claims) -> str:
    failing = [c for c in claims if c.failed]
    other = [c.id for c in claims if not c.applicable]
    return (say("claims.hold", n_hold=len(claims) - len(failing) - len(other), n=len(claims))
            + (say("claims.not_applicable", ids=", ".join(other)) if other else "")
            + (say("claims.not_holding", ids=", ".join(c.id for c in failing)) if failing else ""))


def _course_summary(course) -> None:
    """One summary for a course build: the folders written, each chapter's results once, the failures."""
    sample = any(o.is_sample for o in course.outcomes)
    note = say("build.sample_note") if sample else ""
    _echo(say("build.done_course", n_built=len(course.outcomes), n_folders=len(course.outcomes) + len(course.failures), seconds=course.seconds, trained=course.trained, cached=course.cached, note=note))
    shown: set[str] = set()
    for outcome in course.outcomes:
        _echo(f"{outcome.out_dir}: " + (_claims_line(outcome.claims) if outcome.claims else say("claims.none")))
        if outcome.chapter_id not in shown:
            shown.add(outcome.chapter_id)
            _run_table(outcome.runs)
    for folder, exc in course.failures:
        _echo(say("command.folder_error", folder=folder, exc=exc), err=True)
    if course.failures:
        raise typer.Exit(code=max(exc.exit_code for _, exc in course.failures))


@app.command(cls=SaidCommand, help=help_key("help.command.serve"))
def serve(
    chapter: Annotated[str, typer.Argument(metavar="CHAPTER", help=help_key("help.serve.chapter"))],
    lang: LangOpt = None,
    port: Annotated[int, typer.Option(min=0, max=65535, help=help_key("help.serve.port"))] = 8000,
    open_browser: Annotated[bool, typer.Option("--open", help=help_key("help.serve.open"))] = False,
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
        course = course_config(tuple(chapters_dir or ()), templates)
        return build_options(course, chapter, lang or next(iter(course.course.languages), None), out=out,
                             profile=profile, data=data, cache_dir=cache_dir)

    try:
        run_serve(make_opts(), port, open_browser, make_opts)
    except LecturegenError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        _echo(say("serve.interrupted"), err=True)
        raise typer.Exit(code=130) from None


class DiffFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class InstallerChoice(str, Enum):  # what lecturegen.installer.choose takes
    auto = "auto"
    uv = "uv"
    pip = "pip"


@app.command(cls=SaidCommand, help=help_key("help.command.diff"))
def diff(
    old: Annotated[Path, typer.Argument(help=help_key("help.diff.old"))],
    new: Annotated[Path, typer.Argument(help=help_key("help.diff.new"))],
    tolerance: Annotated[float, typer.Option(min=0, help=help_key("help.option.tolerance"))] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help=help_key("help.diff.json"))] = False,
    output_format: Annotated[DiffFormat, typer.Option("--format", help=help_key("help.option.format"))] = DiffFormat.text,
    metric_tolerance: Annotated[list[str] | None, typer.Option("--metric-tolerance", metavar="METRIC=VALUE",
                                                               help=help_key("help.diff.metric_tolerance"))] = None,
) -> None:
    """Compare two builds: accuracy, loss, parameters, epochs, time, versions and claims per experiment,
    why each moved, the text students read and the figures that changed.

    Exits 1 when a test accuracy moved by more than --tolerance points, a run was removed, a build has
    no runs, or a result is missing or not a number (for CI); 2 on unreadable input.
    """
    from lecturegen.diff import explained_diff, show

    try:
        result = explained_diff(old, new, tolerance, _metric_tolerances(metric_tolerance or []))
    except LecturegenError as exc:
        raise _fail(exc) from None
    show(result, "json" if as_json else output_format.value)
    if result.failed:
        raise typer.Exit(code=1)


def _metric_tolerances(given: list[str]) -> dict[str, float]:
    """``--metric-tolerance mae=0.1`` (repeatable): a metric's allowed change (relative; points for accuracy)."""
    import math

    from lecturegen.core.metrics import METRICS

    found: dict[str, float] = {}
    for item in given:
        name, _, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if name not in METRICS or not math.isfinite(number) or number < 0:
            raise _fail(BadUsage(say("diff.bad_metric_tolerance", item=item, metrics=", ".join(METRICS))))
        found[name] = number
    return found


@app.command("preview-upgrade", cls=SaidCommand, help=help_key("help.command.preview_upgrade"))
def preview_upgrade(
    ctx: typer.Context,
    requirements: Annotated[list[str], typer.Argument(metavar="REQUIREMENT", help=help_key("help.preview_upgrade.requirements"))],
    chapters: Annotated[list[str] | None, typer.Option("--chapter", help=help_key("help.preview_upgrade.chapter"))] = None,
    legacy: Annotated[list[Path] | None, typer.Option("--legacy", help=help_key("help.preview_upgrade.legacy"))] = None,
    out: Annotated[Path | None, typer.Option(help=help_key("help.preview_upgrade.out"))] = None,
    data: DataOpt = None,
    cache_dir: CacheOpt = None,
    chapters_dir: ChaptersDirs = None,
    tolerance: Annotated[float, typer.Option(min=0, help=help_key("help.option.tolerance"))] = 1.0,
    output_format: Annotated[DiffFormat, typer.Option("--format", help=help_key("help.option.format"))] = DiffFormat.text,
    installer: Annotated[InstallerChoice, typer.Option(help=help_key("help.preview_upgrade.installer"))] = InstallerChoice.auto,
) -> None:
    """Build the course with other library versions in a separate environment and explain the difference."""
    from lecturegen.engine import default_cache_dir
    from lecturegen.preview import preview, print_preview

    try:
        course = settings(ctx, chapters_dir)
        result = preview(requirements, pick(out, course.build.out, Path("output")),
                         pick(cache_dir, course.build.cache_dir, None) or default_cache_dir(),
                         chapters=tuple(chapters or ()), legacy=tuple(legacy or ()), data=data,
                         chapters_dirs=tuple(chapters_dir or ()), tolerance=tolerance,
                         tell=lambda line: _echo(terminal.plain(line), err=True), installer=installer.value)
    except LecturegenError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        _echo(say("command.interrupted"), err=True)
        raise typer.Exit(code=130) from None
    print_preview(result, output_format.value)
    if result.failed:
        raise typer.Exit(code=1)


@app.command(cls=SaidCommand, help=help_key("help.command.publish"))
def publish(
    ctx: typer.Context,
    chapters: Annotated[list[str] | None, typer.Argument(help=help_key("help.publish.chapters"))] = None,
    out: Annotated[Path | None, typer.Option(help=help_key("help.publish.out"))] = None,
    site: Annotated[Path | None, typer.Option(help=help_key("help.publish.site"))] = None,
    title: Annotated[str | None, typer.Option(help=help_key("help.publish.title"))] = None,
    cache_dir: Annotated[Path | None, typer.Option(help=help_key("help.publish.cache_dir"))] = None,
    instructor: Annotated[bool, typer.Option("--instructor", help=help_key("help.publish.instructor"))] = False,
) -> None:
    """Assemble built chapters into a static course site: index, slides, handout (HTML + PDF), notebooks."""
    from lecturegen.publish.site import PublishOptions
    from lecturegen.publish.site import publish as run_publish

    try:
        conf = settings(ctx)
        opts = PublishOptions(pick(out, conf.build.out, Path("output")), pick(site, conf.publish.site, Path("site")),
                              tuple(chapters or ()), pick(title, conf.publish.title, conf.course.title),
                              pick(cache_dir, conf.build.cache_dir, None), instructor, conf.course)
        outcome = run_publish(opts, say=lambda msg: _echo(msg, err=True))
    except LecturegenError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        _echo(say("publish.interrupted"), err=True)
        raise typer.Exit(code=130) from None
    rendered = sum(not cached for cached in outcome.pdf_cached.values())
    _echo(say("publish.done", site=outcome.site, versions=outcome.version.parent.name, version=outcome.version.name, seconds=outcome.seconds, n_chapters=len(outcome.chapters), rendered=rendered, pdf_cached=len(outcome.pdf_cached) - rendered))
    for chap in outcome.chapters:
        note = say("publish.sample_note") if chap.report.get("sample_data") else ""
        from lecturegen.terminal import plain  # a report's title is untrusted: no escape sequences on the terminal

        _echo(f"  {chap.name:<10} {plain(chap.report['chapter'].get('title', ''))}{note}")


@app.command(cls=SaidCommand, help=help_key("help.command.deploy"))
def deploy(
    ctx: typer.Context,
    site: Annotated[Path | None, typer.Option(help=help_key("help.deploy.site"))] = None,
    branch: Annotated[str, typer.Option(help=help_key("help.deploy.branch"))] = "gh-pages",
    push: Annotated[bool, typer.Option("--push", help=help_key("help.deploy.push"))] = False,
    remote: Annotated[str, typer.Option(help=help_key("help.deploy.remote"))] = "origin",
) -> None:
    """Commit the published site, as real files, to a branch of the course's git repository (GitHub Pages)."""
    from lecturegen.publish.deploy import deploy as run_deploy

    try:
        conf = settings(ctx)
        root = conf.source.parent if conf.source else Path()  # the course's folder, found from a subfolder too
        folder = pick(site, conf.publish.site, root / "site")
        done = run_deploy(folder, branch, push, remote, where=conf.source.parent if conf.source else None)
    except LecturegenError as exc:
        raise _fail(exc) from None
    pushed = say("deploy.pushed") if done.pushed else say("deploy.push_hint", branch=done.branch)
    _echo(say("deploy.deployed", files=done.files, site=folder, branch=done.branch, repo=done.repository,
                   commit=done.commit, pushed=pushed))


@app.command("list", cls=SaidCommand, help=help_key("help.command.list"))
def list_chapters(ctx: typer.Context, chapters_dir: ChaptersDirs = None) -> None:
    """The chapters lecturegen knows: id, where it was found, title."""
    try:
        chapters = registry.available(settings(ctx, chapters_dir).chapters_dirs)
    except LecturegenError as exc:
        raise _fail(exc) from None
    for chap in chapters.values():
        _echo("\t".join([chap.id, chap.origin, *chap.title.values()]))


@app.command(cls=SaidCommand, help=help_key("help.command.new"))
def new(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=help_key("help.new.name"))],
    dir: Annotated[Path, typer.Option("--dir", help=help_key("help.new.dir"))] = Path("chapters"),
    data: Annotated[str, typer.Option("--data", help=help_key("help.new.data"))] = "mnist",
) -> None:
    """Write a chapter skeleton (module + ko/en content) that builds as it is."""
    from lecturegen.scaffold import scaffold

    try:
        known = registry.available(settings(ctx, [dir] if dir.is_dir() else None).chapters_dirs)
        written = scaffold(name, dir, known, data)
    except LecturegenError as exc:
        raise _fail(exc) from None
    for path in written:
        _echo(say("skeleton.wrote", path=path))
    _echo(say("skeleton.next_step", name=name, dir=dir))


register_check(app, SaidCommand)


QUIET_FLAGS = ("-q", "--quiet")


def quiet_first(argv: list[str]) -> list[str]:
    """``-q`` means the same before or after any command (``lecturegen publish -q``): it is moved in
    front of the command, where every command accepts it; nothing after a ``--`` is touched."""
    end = argv.index("--") if "--" in argv else len(argv)
    flags = [a for a in argv[:end] if a in QUIET_FLAGS]
    return flags[:1] + [a for a in argv[:end] if a not in QUIET_FLAGS] + argv[end:] if flags else argv


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; usage errors become one line on stderr (exit 2), never a traceback or a box."""
    argv = quiet_first(sys.argv[1:] if argv is None else list(argv))
    found = _read_settings()
    with messages.speaking(_command_ui(found)):  # also for the lines said after the app returns
        return _main(argv, found)


class _SaidFormat(logging.Formatter):
    """A log record as a warning line in the language of the command that logged it."""

    def format(self, record: logging.LogRecord) -> str:
        return logging.Formatter(say("command.log_warning")).format(record)


def _main(argv: list[str] | None, found: CourseConfig | LecturegenError) -> int:
    keep_lost_interrupts()  # a Ctrl-C that lands in a weak-reference callback still stops the command
    handler = logging.StreamHandler()
    handler.setFormatter(_SaidFormat())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])  # only the first command's call counts
    try:
        messages.check_ui_lang()
    except LecturegenError as exc:
        _echo(say("command.error", exc=exc), err=True)
        return exc.exit_code
    try:
        # typer makes the command line now (SaidCommand says its help): in LECTUREGEN_UI_LANG alone, as
        # --help always was; the callback then speaks the command's language, lecturegen.toml's included
        with messages.speaking(messages.UI.resolve()):
            code = app(args=argv, prog_name="lecturegen", standalone_mode=False, obj=found)
    except UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            _echo(exc.ctx.get_help() if exc.ctx else say("command.usage"), err=True)
            return 2
        command = f"lecturegen {exc.ctx.info_name} --help" if exc.ctx and exc.ctx.parent else "lecturegen --help"
        _echo(say("command.usage_error", message=exc.format_message(), command=command), err=True)
        return 2
    except typer.Abort:
        _echo(say("command.interrupted"), err=True)
        return 130
    finally:
        terminal.configure()  # -v/-q belong to this command, not to the next one run in this process
    return code if isinstance(code, int) else 0


def entry() -> None:
    """The ``lecturegen`` command: :func:`main`, then exit. After training, skip the interpreter's
    teardown of TensorFlow (about 2 s here, spent after everything is written): every file is
    closed and swapped into place by then, and the standard streams and log handlers are flushed
    first. Without TensorFlow the normal exit is as quick."""
    code = main()
    if "tensorflow" not in sys.modules:
        sys.exit(code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
