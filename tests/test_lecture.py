"""Chapter 4 as a lecture: activation code that draws the figures, code slides with highlighted and
stepped lines, fragments, particles, claims about another data set, per-experiment seeds and the
notebook built from the content (fabricated results, no training)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from lecturegen.engine.context import Helpers, differing_lines
from lecturegen.engine.data import Fingerprint
from lecturegen.engine.render import markdown
from lecturegen.core.claims import claim, evaluate_all
from lecturegen.core.formats import Seconds, josa, seconds, wrong_particles

from test_content import CHAPTER, context, fabricated_run  # noqa: F401  (fabricated ch4 results)


@pytest.fixture(scope="module")
def runs():
    return {exp.name: fabricated_run(i, exp.name) for i, exp in enumerate(CHAPTER.experiments)}


@pytest.mark.parametrize("word, particle, expected", [
    ("MNIST", "으로", "MNIST로"), ("Fashion-MNIST", "을", "Fashion-MNIST를"), ("데이터셋", "으로", "데이터셋으로"),
    ("모델", "로", "모델로"), ("시그모이드", "와", "시그모이드와"), ("32", "으로", "32로"), ("128", "을", "128을"),
    ("Adam", "이", "Adam이"), ("SGD", "는", "SGD는"),
    # numbers are read as Korean numerals, % as 퍼센트; words read as words, acronyms letter by letter
    ("2.3063", "로", "2.3063으로"), ("2.3019", "로", "2.3019로"), ("10", "로", "10으로"), ("0.001", "로", "0.001로"),
    ("85.46\u00a0%", "로", "85.46\u00a0%로"), ("**95.19 %**", "을", "**95.19 %**를"), ("3.12%p", "이", "3.12%p가"),
    ("RMSprop", "은", "RMSprop은"), ("None", "은", "None은"), ("optimizer", "을", "optimizer를"),
    ("dense_network", "을", "dense_network를"), ("Dropout", "을", "Dropout을"), ("lr", "을", "lr을"),
    ("ReLU", "는", "ReLU는"), ("Dense", "는", "Dense는"), ("Reshape", "는", "Reshape는"), ("time", "을", "time을"),
    ("'minibatch-sooner'", "이", "'minibatch-sooner'가"), ("`Dense`", "는", "`Dense`는"),
])
def test_particles_follow_the_word(word, particle, expected):
    assert josa(word, particle) == expected


def test_a_particle_that_does_not_fit_its_value_is_found():
    text = ("손실은 2.3063로 줄었고, 에포크 10로 학습했습니다. RMSprop는 0.001로, 정확도는 85.46\u00a0%로 올랐고 "
            "Adam은 ln 10 = 2.3026과 비교합니다. 3가지, 32로, 128을.")
    assert wrong_particles(text) == ["2.3063로 -> 2.3063으로", "10로 -> 10으로", "RMSprop는 -> RMSprop은"]
    assert wrong_particles("손실은 2.3063으로 줄었고 에포크 10으로, RMSprop은 0.003으로") == []


def test_seconds_in_a_table_follow_the_page_language():
    value = seconds(2.71)
    assert isinstance(value, Seconds) and value == "2.7\u00a0s"
    assert value.show("ko") == "2.7초" and value.show("en") == "2.7\u00a0s"
    assert seconds(None) == "–"


@pytest.mark.slow
def test_korean_pages_put_particles_that_fit_the_numbers(built_both):
    """Every Korean page of a real build (slides, handout, instructor pages, notebook Markdown): a particle
    after a number or Latin word fits how it is read (the template chose it with ``| josa``)."""
    import html
    import json
    import re

    folder = built_both / "ch4"
    texts = {name: (folder / name).read_text(encoding="utf-8")
             for name in ("slides.html", "handout.html", "instructor.html", "instructor-slides.html")}
    notebook = json.loads((folder / "ch4.ipynb").read_text(encoding="utf-8"))
    texts["ch4.ipynb"] = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    for name, text in texts.items():
        text = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
        assert wrong_particles(text) == [], name
    slides = texts["slides.html"]
    assert "초</td>" in slides and "\u00a0s</td>" not in slides  # chapter tables write 초 on a Korean page


def test_activation_figure_is_drawn_by_the_code_on_the_slide(runs):
    from matplotlib.figure import Figure

    from lecturegen.core.chapter import function_body
    from lecturegen.chapters.ch4.activations import PLOTS, activation_figures

    specs = {s.name: s for s in activation_figures(CHAPTER, runs, False)}
    assert set(specs) == {f"activation_{k}" for k in PLOTS}
    fig = Figure()
    spec = specs["activation_sigmoid"]
    spec.draw(fig, spec.inputs, "ko")
    curve, centre = fig.axes[0].get_lines()[:2]
    x = np.arange(-6.0, 6.0, 0.1)
    assert np.allclose(curve.get_ydata(), 1 / (1 + np.exp(-x)))
    assert centre.get_linestyle() == ":" and list(centre.get_xdata()) == [0, 0]
    assert fig.axes[0].get_title() == "Sigmoid Function"
    body = function_body(PLOTS["sigmoid"])  # what the slide and the notebook show
    assert body.startswith("def sigmoid(x):") and "plt.plot([0, 0], [1.0, 0.0], ':')" in body
    html = markdown().render(Helpers(context(runs, "ko")).snippet("plot_sigmoid"))
    assert "Sigmoid Function" in html


def test_experiment_code_ends_with_the_fit_call_that_ran(runs):
    h = Helpers(context(runs, "ko"))
    full = h.experiment_code("full_batch")
    assert f"batch_size=len(flat.x_train), epochs={runs['full_batch'].epochs},\n" in full
    mini = h.experiment_code("mini_batch")
    assert f"batch_size=32, epochs={runs['mini_batch'].epochs},\n" in mini
    lines = full.splitlines()
    changed = [lines[i - 1] for i in differing_lines(full, mini)]
    assert changed == ["def full_batch():", "model = full_batch()", lines[-3]]
    # plain Keras, as a student writes it: no helper, no speed setting (the build's stays out of sight)
    assert lines[-4:-2] == ["history = model.fit(flat.x_train, flat.y_train,",
                            f"                    batch_size=len(flat.x_train), epochs={runs['full_batch'].epochs},"]
    assert lines[-1] == "test_loss, test_accuracy = model.evaluate(flat.x_test, flat.y_test)"
    assert "fit_and_evaluate" not in full and "steps_per_execution" not in full and "batch_size=1000" not in full


def test_differing_lines_are_highlighted_and_steps_become_data(runs):
    h = Helpers(context(runs, "en"))
    html = markdown().render(h.code("dense_32", against="opt_adam"))
    marked = re.findall(r'<span class="hll">(.*?)</span>\n', html)
    assert any("units" in re.sub("<[^>]+>", "", m) for m in marked)
    stepped = markdown().render(h.code("mini_batch", steps="optimizer=|batch_size="))
    code = h.experiment_code("mini_batch").splitlines()
    first = next(i for i, l in enumerate(code, 1) if "optimizer=" in l)
    last = next(i for i, l in enumerate(code, 1) if "batch_size=" in l)
    assert f'data-steps="{first}|{last}"' in stepped


def test_plus_lists_step_in_one_item_per_click():
    html = markdown().render("+ one\n+ two\n\n- three\n")
    assert html.count('<li class="fragment">') == 2 and "<li>three</li>" in html


def test_a_claim_about_mnist_does_not_apply_to_fashion_mnist(runs):
    c = claim("passes-97", "quickstart.test_accuracy > 0.97", data="mnist", ko="…", en="…")
    fashion, = evaluate_all((c,), runs, data="fashion_mnist")
    digits, = evaluate_all((c,), runs, data="mnist")
    assert not fashion.applicable and not fashion.failed and fashion.to_dict("en")["applicable"] is False
    assert digits.applicable and digits.failed


def test_fashion_build_speaks_of_clothes_not_digits(runs):
    from lecturegen.engine.render import render_markdown

    fp = Fingerprint("idx", "fashion-mnist", "0" * 64, 54_321, 9_876, False, loader="fashion_mnist")
    for lang, digit_words, classes in (("ko", "숫자 3", "앵클 부츠"), ("en", "the digit 3", "ankle boot")):
        ctx = context(runs, lang)
        ctx = type(ctx)(**{**ctx.__dict__, "dataset": fp})
        text = render_markdown(ctx)
        assert classes in text and digit_words not in text
        assert "fashion_mnist.load_data()" in text and "mnist.load_data()" not in text.replace("fashion_mnist.", "")
    assert "fashion-mnist으로" not in render_markdown(type(ctx)(**{**context(runs, "ko").__dict__, "dataset": fp}))


def test_an_experiment_can_ask_for_more_seeds_than_the_build(monkeypatch, runs, tmp_path):
    import dataclasses

    from lecturegen.core.chapter import PROFILES
    from lecturegen.engine import train
    from lecturegen.engine.cache import ResultCache
    from lecturegen.engine.executors import ExecutorOptions, make_executor
    from lecturegen.engine.progress import LineReporter
    from lecturegen.engine.runs import train_chapters

    trained = []

    def fake_train(exp, dataset, profile, seed, reporter, cancel=None, shared=None):
        trained.append((exp.name, seed))
        return dataclasses.replace(runs[exp.name], seed=seed, test_accuracy=runs[exp.name].test_accuracy + seed / 100)

    monkeypatch.setattr(train, "train", fake_train)
    dataset = type("D", (), {"fingerprint": Fingerprint("idx", "x", "1" * 64, 10, 10, False), "arrays": None})()
    reporter = LineReporter(io.StringIO())
    result, _ = train_chapters([CHAPTER], dataset, PROFILES["quick"], [0], ResultCache(tmp_path), False, reporter,
                               lambda: make_executor(ExecutorOptions("local", 1), reporter))[CHAPTER.id]
    assert ("opt_adam", 1) in trained and ("sigmoid", 1) not in trained
    assert [r.seed for r in result["opt_adam"].per_seed] == [0, 1]


def test_notebook_is_the_lecture(runs):
    from lecturegen.engine.notebook import build_notebook

    nb = build_notebook(context(runs, "ko"))
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert code[0].startswith("%pip install") and "import tensorflow as tf" in code[1]
    assert sum("enable_op_determinism" in c for c in code) == 1
    assert sum("DATA_DIR = None" in c for c in code) == 1 and "Path('fashion-mnist')" not in "".join(code)
    # a companion, not a copy: real calls, the student's own curves, no code as Markdown, no build internals
    assert any(c.strip() == "model.summary()" for c in code)
    assert any(c.strip() == "plot_history(history)" for c in code)
    assert "```python" not in prose and "fit_and_evaluate" not in "".join(code) + prose
    assert "steps_per_execution" not in "".join(code) + prose
    for exp in CHAPTER.experiments:  # each experiment once, complete, with this run's printed results
        cells = [c for c in nb.cells if c.cell_type == "code" and f"model = {exp.name}()" in c.source
                 and "exercise" not in c.metadata.get("tags", [])]
        assert len(cells) == 1, exp.name
        assert "model.fit(" in cells[0].source and exp.source.strip() in cells[0].source
        run = runs[exp.name]
        assert f"test accuracy {run.test_accuracy:.4f}" in cells[0].outputs[0]["text"]
    plots = [c.source for c in nb.cells if c.cell_type == "code" and "exercise" not in c.metadata.get("tags", [])]
    assert sum("plt.plot(x," in c for c in plots) == 6
    exercises = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    assert len(exercises) >= 3 and all("TODO" in c.source or "model.summary()" in c.source for c in exercises)
    assert "Instructor:" not in prose and "실습 답" not in prose  # answers live on the instructor's pages only
    assert "이터레이션" in prose and "문제지" in prose and "$$" in prose
    assert "<img" not in prose  # formulas as LaTeX, figures as attachments


def test_colab_link_from_the_course_configuration(tmp_path):
    from lecturegen.config import colab_link, load_config

    config = tmp_path / "lecturegen.toml"
    assert colab_link(load_config(tmp_path).course.repository, "ch4", "ch4.ipynb") is None
    config.write_text('[course]\nrepository = "https://github.com/acme/ai-course"\n')
    below = tmp_path / "chapters" / "ch7"
    below.mkdir(parents=True)
    assert colab_link(load_config(below).course.repository, "ch4", "ch4.ipynb") == \
        "https://colab.research.google.com/github/acme/ai-course/blob/gh-pages/ch4/ch4.ipynb"


def test_a_keras_source_trains_on_what_the_slides_loader_returns(monkeypatch):
    from lecturegen.engine import prep, train
    from lecturegen.engine.data import Arrays, Dataset

    calls = []
    arrays = Arrays(*(np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8)) * 2)
    monkeypatch.setattr(prep, "load_with_keras", lambda name: calls.append(name) or arrays)
    keras_source = Dataset(Fingerprint("keras", "MNIST", "0" * 64, 2, 2, False), lambda: pytest.fail("read directly"))
    assert train.training_arrays(keras_source) is arrays and calls == ["mnist"]
    files = Dataset(Fingerprint("idx", "fashion-mnist", "0" * 64, 2, 2, False), lambda: arrays)
    assert train.training_arrays(files).x_train.shape == (2, 28, 28) and calls == ["mnist"]  # read from the files


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_handout_and_notebook_hold_no_slide_only_words_jargon_or_answers(runs, lang):
    """What a student reads outside the deck (handout: slide bodies and notes; notebook prose): no
    words that only make sense on a projected slide, no tool jargon in Korean, no instructor answers;
    the answers are on the instructor's pages."""
    from lecturegen.engine.notebook import build_notebook
    from lecturegen.engine.render import render_markdown, split_slides

    ctx = context(runs, lang)
    slides = split_slides(render_markdown(ctx))
    handout = "\n".join(s.body + s.notes for s in slides)
    nb = build_notebook(ctx)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown" and "lecturegen:" not in c.source)
    slide_only = ("클릭할 때마다", "강조한 줄", "강조된 줄", "each click", "highlighted line")
    jargon = ("빌드", "lecturegen", "mlxtend", "steps_per_execution", "(Dense 128)") if lang == "ko" else (
        "lecturegen", "steps_per_execution", "(Dense 128)")
    for text, where in ((handout, "handout"), (prose, "notebook")):
        for word in slide_only + jargon:
            assert word not in text, f"{where} holds {word!r}"
    instructor = "\n".join(s.instructor for s in slides)
    assert sum(1 for s in slides if s.instructor) >= 7  # the objectives and six sections' answers
    assert sum(("확인 문제" if lang == "ko" else "Check questions") in s.title for s in slides) == 6
    for answer in ("(1/4)⁵", "−ln 0.9"):  # answers to section 2 and 3, only for the instructor
        assert answer in instructor and answer not in handout and answer not in prose
