"""Preview speed: `lecturegen preview-upgrade tensorflow==<installed>` with uv and with pip.

Makes a one-experiment chapter (``lecturegen new ch7``) and builds it (quick profile, sample data),
then previews the installed TensorFlow version ``--rounds`` times with each installer, alternating,
each time into a new environment (the preview folder of the cache is removed first; uv's and pip's
own caches stay, as on a user's machine after the first preview). Prints wall and CPU seconds (user
+ sys of the whole process tree) and the preview's own install, build and check seconds.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from common import base_parser, machine_line, run_cpu


def run(code: Path, args: list[str], cwd: Path) -> tuple[float, float, str]:
    seconds, cpu, exit_code, out = run_cpu(code, args, cwd)
    if exit_code not in (0, 1):  # preview-upgrade exits 1 when something moved: still a measurement
        raise SystemExit(f"lecturegen {' '.join(args[:2])} failed:\n{out[-3000:]}")
    return seconds, cpu, out


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    code = args.code.resolve()
    candidate = f"tensorflow=={version('tensorflow')}"
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as tmp:
        work = Path(tmp)
        print(machine_line())
        run(code, ["new", "ch7"], work)
        run(code, ["-q", "build", "ch7", "--chapters-dir", "chapters", "--profile", "quick", "--data", "sample",
                   "--out", "out", "--cache-dir", "cache"], work)
        print(f"command: lecturegen preview-upgrade {candidate} --installer INSTALLER --format json (a new environment each time)")
        for round_no in range(1, args.rounds + 1):
            for installer in ("uv", "pip"):
                shutil.rmtree(work / "cache" / "preview", ignore_errors=True)
                seconds, cpu, out = run(code, ["preview-upgrade", candidate, "--installer", installer, "--out", "out",
                                               "--chapters-dir", "chapters", "--cache-dir", "cache", "--format", "json"],
                                        work)
                steps = json.loads(out)["seconds"]
                print(f"round {round_no} {installer:3}: {seconds:6.1f} s wall, {cpu:6.1f} CPU s; install "
                      f"{steps.get('install', 0):.1f} s, build {steps.get('build', 0):.1f} s, check {steps.get('check', 0):.1f} s")


if __name__ == "__main__":
    main()
