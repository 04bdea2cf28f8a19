"""Publish speed: `lecturegen publish` of ch4 in Korean and English (quick profile, sample data).

Builds the two chapters once (with the lecturegen under test), then publishes them ``--rounds``
times, each into a new site folder with the same cache folder: the first round prints the two
handout PDFs, the later ones take them from the cache, as a republish after a build does. Prints
wall and CPU seconds (user + sys of the whole process tree) per round. With ``--before DIR`` the
lecturegen in DIR publishes the same build, alternating in the same run, and the search bundles
(``pagefind/``) of the two sides are compared file by file.
"""

from __future__ import annotations

import filecmp
import statistics
import sys
import tempfile
from pathlib import Path

from common import base_parser, machine_line, run_cpu


def run(code: Path, args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m lecturegen ARGS`` with the lecturegen in ``code``."""
    seconds, cpu, code_, out = run_cpu(code, args, cwd)
    if code_ != 0:
        sys.stderr.write(out[-3000:])
        raise SystemExit(f"lecturegen {args[0]} ({code}) failed")
    return seconds, cpu


def same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / d, b / d) for d in cmp.common_dirs)


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, default=None, help="lecturegen to compare against, in the same run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sides = {"after" if args.before else "this": args.code.resolve()}
    if args.before:
        sides = {"before": args.before.resolve(), **sides}
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        work = Path(tmp)
        print(machine_line())
        code = sides["after" if args.before else "this"]
        for lang in ("ko", "en"):
            run(code, ["build", "ch4", "--profile", "quick", "--data", "sample", "--lang", lang, "--out", "out",
                       "--cache-dir", "cache", "--quiet"], work)
        print("built ch4 ko + en (quick, sample); command: lecturegen publish --out OUT --site SITE --cache-dir CACHE")
        wall: dict[str, list[float]] = {name: [] for name in sides}
        for round_no in range(1, args.rounds + 1):
            for name, side in sides.items():
                site = work / f"site-{name}-{round_no}"
                seconds, cpu = run(side, ["publish", "--out", "out", "--site", site.name, "--cache-dir",
                                          f"cache-{name}"], work)
                wall[name].append(seconds)
                print(f"round {round_no} {name:6}: {seconds:6.2f} s wall, {cpu:6.2f} CPU s"
                      f"{' (PDFs printed)' if round_no == 1 else ' (PDFs cached)'}")
        for name in sides:
            later = wall[name][1:] or wall[name]
            print(f"{name}: median of the cached rounds {statistics.median(later):.2f} s")
        if args.before:
            same = all(same_tree(work / f"site-before-{r}" / "pagefind", work / f"site-after-{r}" / "pagefind")
                       for r in range(1, args.rounds + 1))
            print(f"search bundles the same on both sides: {same}")
            print(f"ratio before / after (cached rounds, medians): "
                  f"{statistics.median(wall['before'][1:] or wall['before']) / statistics.median(wall['after'][1:] or wall['after']):.2f}")


if __name__ == "__main__":
    main()
