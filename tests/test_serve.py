"""`lecturegen serve`: a real server process, a real headless Chromium, real edits of the content file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from helpers import CHROMIUM, cli_env, start_cli, wait_for_line
from lecturegen.cli import main
from lecturegen.serve.app import inject


def test_script_is_injected_only_when_served(quick_build):
    folder, _ = quick_build
    page = (folder / "slides.html").read_text(encoding="utf-8")
    assert "__lecturegen" not in page and "EventSource" not in page  # the build's output stays clean
    served = inject(page, 3)
    assert served.index("window.__lecturegenVersion = 3;") < served.rindex("</body>")
    assert "/__lecturegen/events" in served


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no headless browser at {CHROMIUM}")
def test_edit_reloads_at_the_same_slide_and_errors_show_over_the_page(capsys, tmp_path, cache_dir, browser):
    from playwright.sync_api import expect

    course = tmp_path / "course"
    assert main(["new", "ch7", "--dir", str(course)]) == 0
    capsys.readouterr()
    content = course / "ch7" / "ko.md"
    good = content.read_text(encoding="utf-8") + "\n---\n\n# 둘째 슬라이드\n\n처음 문장입니다.\n\n---\n\n# 셋째\n"
    content.write_text(good, encoding="utf-8")
    proc = start_cli("serve", "ch7", "--chapters-dir", str(course), "--port", "0", "--profile", "quick",
                     "--data", "sample", "--out", str(tmp_path / "o"), "--cache-dir", str(cache_dir))
    try:
        wait_for_line(proc, "serving http://")
        url = re.search(r"serving (\S+)", "\n".join(proc.out_lines)).group(1)  # on stdout, for scripts
        assert not list((tmp_path / "o" / "ch7").glob("*.js")), "nothing of the server is in the output"
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        slide = page.evaluate("[...document.querySelectorAll('.reveal .slides > section')]"
                              ".findIndex(s => s.textContent.includes('둘째 슬라이드'))")
        assert slide > 0
        page.evaluate(f"Reveal.slide({slide})")
        expect(page.locator(".reveal .slides section.present h1")).to_have_text("둘째 슬라이드")

        started = time.monotonic()
        content.write_text(good.replace("처음 문장입니다.", "고친 문장입니다."), encoding="utf-8")
        expect(page.locator(".reveal .slides section.present")).to_contain_text("고친 문장입니다.", timeout=60_000)
        prose_seconds = time.monotonic() - started
        assert page.evaluate("Reveal.getIndices().h") == slide

        content.write_text(good.replace("{%- set b = runs.baseline -%}", "{%- set b = runs.baslin -%}"),
                           encoding="utf-8")
        overlay = page.locator("#lecturegen-overlay")
        expect(overlay).to_contain_text("no run 'baslin' in chapter ch7; known: baseline", timeout=60_000)
        expect(page.locator(".reveal .slides section.present")).to_contain_text("고친 문장입니다.")
        wait_for_line(proc, "error: ko.md line")

        content.write_text(good, encoding="utf-8")
        expect(page.locator(".reveal .slides section.present")).to_contain_text("처음 문장입니다.", timeout=60_000)
        expect(overlay).to_have_count(0)
        assert page.evaluate("Reveal.getIndices().h") == slide
        page.close()
        print(f"prose edit -> visible in the browser: {prose_seconds:.2f} s")
    finally:
        proc.terminate()  # SIGTERM, as Ctrl-C would: the server stops cleanly
        proc.wait(timeout=30)
    assert proc.returncode in (0, 130), proc.lines
    assert any(line == "stopped" for line in proc.lines), proc.lines
    assert not any("Traceback" in line for line in proc.lines), proc.lines


WIDE = '''

@experiment(title={"ko": "넓은 신경망", "en": "A wider network"}, label={"ko": "넓은 모델", "en": "wider model"},
            epochs=3, batch_size=32, inputs="image", labels="int")
def wide():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''


SCENARIO = """
import json, re, sys, time
from pathlib import Path
from lecturegen.engine import BuildOptions
from lecturegen.serve import Rebuilder, _warm_up
from lecturegen.serve.app import LiveState

course, out, cache = map(Path, sys.argv[1:4])
module = course / "ch7.py"
opts = BuildOptions("ch7", out, "quick", "sample", cache_dir=cache, chapters_dirs=(course,))
rb = Rebuilder(lambda: opts, LiveState())
seen = {"first": rb.build("first build"), "edits": []}  # forked by the server: nothing is warm yet
rb.start_warm(lambda: _warm_up(lambda: opts))
deadline = time.monotonic() + 600
while not rb.warm.ready():
    assert time.monotonic() < deadline, "the warm worker never got ready"
    time.sleep(0.1)
for hidden in (48, 40):  # twice: a second child of the same worker trains as well as the first
    text = module.read_text(encoding="utf-8")
    old = re.search(r'Dense\\((\\d+), activation="relu"\\)', text).group(0)  # baseline's, the first
    module.write_text(text.replace(old, f'Dense({hidden}, activation="relu")', 1), encoding="utf-8")
    built = rb.build("changed: ch7.py")
    page = (out / "ch7" / "slides.html").read_text(encoding="utf-8")
    seen["edits"].append({"built": built, "by_worker": rb.by_worker, "hidden": hidden, "page": page})
seen["alive"] = rb.warm.alive()
rb.stop_warm()
print(json.dumps(seen))
"""


@pytest.mark.slow
def test_a_model_edit_is_built_by_the_warm_worker_and_only_that_experiment_retrains(tmp_path):
    """The author loop of issue 27: a rebuild forked by the warm worker (TensorFlow imported, data read,
    before the edit) trains the edited experiment on TensorFlow's fresh runtime, the other one comes
    from the cache, and the page shows the new model. In a Python of its own: a process whose
    TensorFlow already ran (this one, after a fixture trained) cannot fork a child that trains. Its own
    cache: the first build trains both experiments."""
    course = tmp_path / "course"
    assert main(["new", "ch7", "--dir", str(course)]) == 0
    module = course / "ch7.py"
    text = module.read_text(encoding="utf-8")
    at = text.index("\n\n# ---- your own figure")
    module.write_text((text[:at] + WIDE + text[at:]).replace("experiments=[baseline],", "experiments=[baseline, wide],"),
                      encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", SCENARIO, str(course), str(tmp_path / "o"), str(tmp_path / "cache")],
                          env=cli_env(), cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert seen["first"] and seen["alive"], proc.stderr[-3000:]
    assert [e["built"] and e["by_worker"] for e in seen["edits"]] == [True, True], proc.stderr[-3000:]
    for edit in seen["edits"]:
        hidden = edit["hidden"]
        assert f"{784 * hidden + hidden + hidden * 10 + 10:,}" in edit["page"]
    built = [line for line in proc.stderr.splitlines() if line.startswith("built in")]
    assert len(built) == 3 and "(trained baseline, wide)" in built[0], proc.stderr[-3000:]
    assert all("(trained baseline)" in line for line in built[1:]), built  # wide comes from the cache
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
