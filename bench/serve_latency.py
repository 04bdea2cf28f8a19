"""Edit -> visible with `lecturegen serve` (quick profile, sample data): the author loop.

Writes a fresh `lecturegen new` chapter with a second experiment (``wide``, a copy of ``baseline``
with Dense(100)) into a temporary folder, starts `lecturegen serve` on it (the lecturegen under
test: --code DIR, default this checkout), waits for its first build (both experiments trained),
then times, from the moment a file is saved until the served page shows the change:

1. a prose edit (the heading of ko.md): render only;
2. a one-layer model edit (baseline's Dense(32) becomes Dense(48), then Dense(64), ...: a width not
   trained before, so a real retrain each time): the page shows baseline's new parameter count,
   and serve's log must say that baseline alone was trained (``wide`` comes from the cache).

"Shows" is polled over HTTP every 50 ms (GET slides.html, the page the browser reloads), or with
--browser in headless Chromium with the page open (the live-reload event, then the reload). Before
each edit the script waits --pause seconds, the author's time between two saves (the warm worker
imports TensorFlow in that time after serve starts). Prints each figure, serve's own "built in"
figure, and the load average.

    python bench/serve_latency.py [--code DIR] [--repeat N] [--pause S] [--browser]
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
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

WIDE = '''

@experiment(
    title={"ko": "넓은 신경망", "en": "A wider network"},
    label={"ko": "넓은 모델", "en": "wider model"},
    epochs=3,
    batch_size=32,
    inputs="image",
    labels="int",
)
def wide():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"),  # never a width the edits give baseline (48, 64, 80, 96, 112...)
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def params(hidden: int) -> str:
    return f"{784 * hidden + hidden + hidden * 10 + 10:,}"


def scaffold(code: Path, course: Path) -> None:
    """`lecturegen new ch7`, plus the experiment ``wide`` (it must stay cached through every edit)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run([sys.executable, "-m", "lecturegen", "new", "ch7", "--dir", str(course)], check=True, env=env,
                   stdout=subprocess.DEVNULL, cwd=course.parent)  # not this checkout: -m puts the cwd first
    module = course / "ch7.py"
    text = module.read_text(encoding="utf-8")
    at = text.index("\n\n# ---- your own figure")
    text = text[:at] + WIDE + text[at:]
    module.write_text(text.replace("experiments=[baseline],", "experiments=[baseline, wide],"), encoding="utf-8")


class Serve:
    """`lecturegen serve` in a child process; its stderr and stdout lines, each with its arrival time."""

    def __init__(self, code: Path, course: Path, cache: Path, out: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(code), "LECTUREGEN_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lecturegen", "serve", "ch7", "--chapters-dir", str(course), "--port", "0",
             "--profile", "quick", "--data", "sample", "--out", str(out), "--cache-dir", str(cache)],
            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=course.parent)
        self.lines: list[tuple[float, str]] = []
        for stream in (self.proc.stderr, self.proc.stdout):
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append((time.monotonic(), line.rstrip()))

    def wait_for(self, needle: str, after: float = 0.0, timeout: float = 900) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in list(self.lines):
                if at >= after and needle in line:
                    return at, line
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit(f"never saw {needle!r}:\n" + "\n".join(line for _, line in self.lines))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def served(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8", "replace")


def until_served(url: str, text: str, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if text in served(url):
                return time.monotonic()
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{text!r} never showed at {url}")


def until_in_browser(page, text: str) -> float:
    from playwright.sync_api import expect

    expect(page.locator("body")).to_contain_text(text, timeout=600_000)
    return time.monotonic()


def edit(path: Path, old: str, new: str) -> float:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")  # the first: baseline's layer, not wide's
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=HERE, help="folder of the lecturegen to measure")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pause", type=float, default=10.0, help="seconds between two saves")
    parser.add_argument("--browser", action="store_true", help="time until headless Chromium shows it")
    args = parser.parse_args()
    print(f"code: {args.code}; machine: {os.cpu_count()} cores, load average {load()} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="lecturegen-serve-bench-") as tmp:
        tmp = Path(tmp)
        course, cache = tmp / "course", args.cache_dir or tmp / "cache"
        scaffold(args.code, course)
        serve = Serve(args.code, course, cache, tmp / "out")
        rows: list[tuple[str, float, str, str]] = []
        pw = browser = page = None
        try:
            url = re.search(r"serving (\S+)", serve.wait_for("serving http://")[1]).group(1)
            if args.browser:
                from playwright.sync_api import sync_playwright

                pw = sync_playwright().start()
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url)
                page.wait_for_function("window.Reveal && Reveal.isReady()")
            content, module = course / "ch7" / "ko.md", course / "ch7.py"
            heading, hidden = "# 작은 신경망", 32

            def timed(what: str, path: Path, old: str, new: str, shows: str) -> None:
                time.sleep(args.pause)
                before = load()
                saved = edit(path, old, new)
                shown = until_in_browser(page, shows) if page else until_served(url, shows)
                _, built = serve.wait_for("built in", after=saved)
                rows.append((what, shown - saved, built.strip(), before))
                print(f"  {what:<11} {shown - saved:6.2f} s   load {before}   serve: {built.strip()}", flush=True)

            print("edit -> visible" + (" in headless Chromium" if page else " over HTTP (slides.html)")
                  + f", pause {args.pause:g} s before each save:", flush=True)
            for i in range(1, args.repeat + 1):
                new_heading = f"# 작은 신경망 (고침 {i})"
                timed("prose", content, heading, new_heading, new_heading[2:])
                heading = new_heading
                new_hidden = 32 + 16 * i
                timed("model", module, f"Dense({hidden},", f"Dense({new_hidden},", params(new_hidden))
                hidden = new_hidden
        finally:
            if browser is not None:
                browser.close()
                pw.stop()
            serve.stop()
    model = [s for what, s, built, _ in rows if what == "model"]
    wrong = [built for what, _, built, _ in rows if what == "model" and "(trained baseline)" not in built]
    print(f"one-layer model edit: {', '.join(f'{s:.2f}' for s in model)} s (max {max(model):.2f} s); "
          f"load average {load()} at the end")
    if wrong:
        raise SystemExit(f"a model edit retrained more (or less) than baseline: {wrong}")


if __name__ == "__main__":
    main()
