"""Edit -> visible in the browser with `lecturegen serve` (quick profile, sample data).

Writes a fresh `lecturegen new` chapter into a temporary folder, starts `lecturegen serve` on it
(the lecturegen under test: --code DIR, default this checkout), opens the slides in headless
Chromium and times, from the moment the file is saved until the open page shows the change:

1. a prose edit (a sentence of ko.md): render only;
2. a one-layer model edit (the skeleton's Dense(32) becomes Dense(48), then Dense(64), ...): that
   experiment alone retrains, the page shows its new parameter count. The first retrain of a
   server includes TensorFlow's import.

    python bench/serve_latency.py [--cache-dir DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def start(code: Path, course: Path, cache: Path, out: Path) -> tuple[subprocess.Popen, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(code), "LECTUREGEN_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "lecturegen", "serve", "ch7", "--chapters-dir", str(course),
                             "--port", "0", "--profile", "quick", "--data", "sample", "--out", str(out),
                             "--cache-dir", str(cache)], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)
    lines: list[str] = []  # stderr and stdout (the serving line) together
    for stream in (proc.stderr, proc.stdout):
        threading.Thread(target=lambda s=stream: [lines.append(line.rstrip()) for line in s], daemon=True).start()
    return proc, lines


def wait_for(lines: list[str], needle: str, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in lines:
            if needle in line:
                return line
        time.sleep(0.05)
    raise SystemExit(f"never saw {needle!r}:\n" + "\n".join(lines))


def timed_edit(page, path: Path, old: str, new: str, shows: str) -> float:
    from playwright.sync_api import expect

    text = path.read_text(encoding="utf-8")
    assert old in text, old
    started = time.monotonic()
    path.write_text(text.replace(old, new), encoding="utf-8")
    expect(page.locator(".reveal .slides section.present")).to_contain_text(shows, timeout=600_000)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=HERE)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lecturegen-serve-bench-") as tmp:
        tmp = Path(tmp)
        course, cache = tmp / "course", args.cache_dir or tmp / "cache"
        env = {**os.environ, "PYTHONPATH": str(args.code)}
        subprocess.run([sys.executable, "-m", "lecturegen", "new", "ch7", "--dir", str(course)], check=True,
                       env=env, stdout=subprocess.DEVNULL)
        proc, lines = start(args.code, course, cache, tmp / "out")
        try:
            url = re.search(r"serving (\S+)", wait_for(lines, "serving http://")).group(1)
            content, module = course / "ch7" / "ko.md", course / "ch7.py"
            prose, model = [], []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url + "#/1")
                page.wait_for_function("window.Reveal && Reveal.isReady()")
                heading, hidden = "# 작은 신경망", 32
                for i in range(1, args.repeat + 1):
                    new_heading = f"# 작은 신경망 (고침 {i})"
                    prose.append(timed_edit(page, content, heading, new_heading, new_heading[2:]))
                    heading = new_heading
                    new_hidden = 32 + 16 * i  # a width not trained before: a real retrain each time
                    params = 784 * new_hidden + new_hidden + new_hidden * 10 + 10
                    model.append(timed_edit(page, module, f"Dense({hidden},", f"Dense({new_hidden},", f"{params:,}"))
                    hidden = new_hidden
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print("edit -> visible in the browser (lecturegen serve, quick profile, sample data):")
    print(f"  prose edit (ko.md):            {', '.join(f'{s:.2f} s' for s in prose)}")
    print(f"  one-layer model edit (ch7.py): {', '.join(f'{s:.2f} s' for s in model)}  (retrains that experiment)")


if __name__ == "__main__":
    main()
