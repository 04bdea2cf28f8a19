"""Target 3: re-render only: the prose or a page template changed, the results are cached.

Copies the code under test (package and templates) to a scratch folder, builds once there to fill
the cache (or reuses the cache of bench/full_chapter.py, whose key is the same code), then
1. appends a sentence to the chapter's Korean content file (prose change), and
2. adds a line to the slides page template (template change),
timing the rebuild after each change and checking that nothing retrained and TensorFlow was not
imported (``python -X importtime``).

The copy is byte-compiled first (``compileall``), as pip compiles an installed package: without it,
and with ``PYTHONDONTWRITEBYTECODE=1`` set (as on this machine), every rebuild compiles each of
lecturegen's modules from source again (about a tenth of a second). ``--source-only`` measures that way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from common import FASHION, base_parser, check, env_for, lecturegen_cmd, machine_line, run_timed
from warm_rebuild import build_args, tensorflow_modules


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(FASHION))
    parser.add_argument("--profile", default="full")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--source-only", action="store_true",
                        help="do not byte-compile the copy of the code (each rebuild compiles it from source)")
    args = parser.parse_args()
    code = args.code.resolve()
    work = Path("/tmp/lecturegen-bench") / code.name
    args.cache_dir = (args.cache_dir or work / "cache").resolve()
    scratch = work / "rerender-code"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(code / "lecturegen", scratch / "lecturegen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(code / "templates", scratch / "templates")
    if not args.source_only:  # as an installed package is (pip byte-compiles on install)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(scratch / "lecturegen")], check=True)
    out = work / "rerender-out"
    env = env_for(scratch)
    print(machine_line())
    first = check(run_timed(lecturegen_cmd(*build_args(args, out)), env, timeout=7200), "first build")
    print(f"priming build: {first.seconds:.1f} s: {first.stdout.splitlines()[0]}")
    content = scratch / "templates" / "chapters" / "ch4" / "ko.md"
    template = scratch / "templates" / "slides.html.j2"
    changes = [
        ("prose (ko.md, one sentence added)", content, "\n이 문장은 다시 그리기 측정을 위해 덧붙인 문장입니다.\n"),
        ("template (slides.html.j2, one line added)", template, "\n<!-- re-render benchmark -->\n"),
    ]
    print("\ntarget 3: re-render only (results cached); code " + ("from source, compiled on every build" if args.source_only
                                                              else "byte-compiled, as installed"))
    for label, path, extra in changes:
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
        timed = check(run_timed(lecturegen_cmd(*build_args(args, out)), env, timeout=600), f"rebuild after {label}")
        path.write_text(path.read_text(encoding="utf-8") + extra.replace("측정", "측정(2)").replace("benchmark", "benchmark 2"),
                        encoding="utf-8")
        probe = check(run_timed(lecturegen_cmd(*build_args(args, out), python_flags=("-X", "importtime")), env,
                                timeout=600), f"rebuild after {label} under -X importtime")
        _, heavy = tensorflow_modules(probe.stderr)
        print(f"  {label}: {timed.seconds:.2f} s (target <= 1 s: {'ok' if timed.seconds <= 1 else 'OVER'}); "
              f"a second change under -X importtime: {probe.seconds:.2f} s")
        print(f"    lecturegen says: {timed.stdout.splitlines()[0]}; TensorFlow/Keras modules imported: {len(heavy)}")

if __name__ == "__main__":
    main()
