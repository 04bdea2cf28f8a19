"""`lecturegen check --fix/--diff` (issue 24): the libcst codemod, the static pass, putting rewrites back
into notebooks/Markdown/HTML, and (slow) re-running the rewritten code in the sandbox.

The codemod tests run without TensorFlow; each one pins a rewrite that keeps the meaning, or a trap
that must be reported instead of rewritten.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from lecturegen.check.codemod import upgrade
from lecturegen.check.extract import collect_snippets
from lecturegen.check.fixer import new_texts, patch, plan
from test_check import invoke  # `lecturegen check` through a CLI group, as the real one

CH4 = Path(__file__).parent / "legacy_fix" / "ch4_optimizers"


def rules(result, action=None):
    return [(f.line, f.rule) for f in result.findings if action is None or f.action == action]


# ------------------------------------------------------------------ rewrites that keep the meaning
def test_optimizer_arguments_keep_their_values_and_comments():
    code = ("from keras.optimizers import Adam\n"
            "opt = Adam(lr=0.001, beta_1=0.9,  # the original's\n"
            "           epsilon=None, decay=0.0, amsgrad=False)\n")
    r = upgrade(code)
    assert r.code == ("from keras.optimizers import Adam\n"
                      "opt = Adam(learning_rate=0.001, beta_1=0.9,  # the original's\n"
                      "           amsgrad=False)\n")
    assert {rule for _, rule in rules(r, "rewrite")} == {"optimizer-lr", "optimizer-epsilon-none", "optimizer-decay"}


def test_aliases_are_resolved_through_imports():
    for head, call in [("import tensorflow as tf\n", "tf.keras.optimizers.SGD"),
                       ("from tensorflow import keras\n", "keras.optimizers.SGD"),
                       ("from keras import optimizers as o\n", "o.SGD"),
                       ("from keras.optimizers import *\n", "SGD")]:
        r = upgrade(f"{head}opt = {call}(lr=0.01, momentum=0.9)\n")
        assert f"{call}(learning_rate=0.01, momentum=0.9)" in r.code, head


def test_unresolved_name_is_left_alone():
    r = upgrade("from mylib import SGD\nopt = SGD(lr=0.01)\n")  # not Keras's: not ours to rename
    assert not r.changed and r.findings == []


def test_nonzero_decay_becomes_the_same_schedule():
    r = upgrade("import keras\nopt = keras.optimizers.SGD(lr=0.1, decay=1e-6, nesterov=True)\n")
    assert ("keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.InverseTimeDecay(0.1, "
            "decay_steps=1, decay_rate=1e-6), nesterov=True)") in r.code


def test_keras1_model_is_rewritten_layer_by_layer():
    code = ("from keras.models import Sequential\n"
            "from keras.layers.core import Dense, Activation\n"
            "from keras.utils import np_utils\n"
            "model = Sequential()\n"
            "# the hidden layer\n"
            "model.add(Dense(output_dim=64, input_dim=784, init='uniform', W_regularizer=None))\n"
            "model.add(Dense(10))\n"
            "model.add(Activation('softmax'))\n"
            "model.compile(loss='categorical_crossentropy', optimizer='sgd', metrics=['accuracy'])\n"
            "h = model.fit(x, y, nb_epoch=5)\n"
            "print(h.history['acc'], h.history[\"val_acc\"])\n"
            "c = model.predict_classes(x)\n")
    r = upgrade(code)
    assert "from keras.layers import Dense, Activation\n" in r.code
    assert "from keras import utils as np_utils\n" in r.code
    assert ("# the hidden layer\nmodel.add(Input(shape=(784,)))\n"
            "model.add(Dense(units=64, kernel_initializer='uniform', kernel_regularizer=None))\n") in r.code
    assert "from keras import Input\n" in r.code
    assert "model.fit(x, y, epochs=5)" in r.code
    assert "h.history['accuracy'], h.history[\"val_accuracy\"]" in r.code
    assert "c = model.predict(x).argmax(axis=-1)" in r.code  # 10 output units: argmax, as Keras 2 did


def test_keras1_convolution_becomes_conv2d():
    code = ("from keras import layers\nfrom keras.layers.convolutional import Convolution2D\n"
            "a = layers.Convolution2D(32, 3, 3, border_mode='same')\nb = Convolution2D(16, 5, 5, subsample=(2, 2))\n"
            "c = Convolution2D(8, 3, 3, 1)\n")
    r = upgrade(code)
    assert "from keras.layers import Conv2D\n" in r.code
    assert "a = layers.Conv2D(32, (3, 3), padding='same')" in r.code
    assert "b = Conv2D(16, (5, 5), strides=(2, 2))" in r.code
    assert (5, "keras1-conv") in rules(r, "human")  # four positional arguments: not guessed
    assert "c = Convolution2D(8, 3, 3, 1)" in r.code


def test_moved_keras_utils_and_gone_generators():
    r = upgrade("from keras.utils.vis_utils import plot_model\nfrom keras.preprocessing.image import ImageDataGenerator\n")
    assert r.code.startswith("from keras.utils import plot_model\n")
    assert rules(r, "human") == [(2, "keras-image-data-generator")]


def test_predict_classes_of_one_unit_thresholds():
    code = ("import keras\nm = keras.Sequential([keras.layers.Dense(1, activation='sigmoid')])\n"
            "c = m.predict_classes(x)\n")
    assert "c = (m.predict(x) > 0.5).astype('int32')" in upgrade(code).code


def test_first_layer_in_a_list_gets_an_input():
    code = ("from tensorflow import keras\n"
            "model = keras.Sequential([\n"
            "    keras.layers.Dense(64, input_shape=(784,)),  # hidden\n"
            "    keras.layers.Dense(10),\n"
            "])\n")
    assert upgrade(code).code == ("from tensorflow import keras\n"
                                  "model = keras.Sequential([\n"
                                  "    keras.Input(shape=(784,)),\n"
                                  "    keras.layers.Dense(64),  # hidden\n"
                                  "    keras.layers.Dense(10),\n"
                                  "])\n")


def test_tf1_renames_and_contrib_initializer():
    code = "import tensorflow as tf\ntf.set_random_seed(0)\nw = tf.contrib.layers.xavier_initializer()\n"
    r = upgrade(code)
    assert r.code == "import tensorflow as tf\ntf.random.set_seed(0)\nw = tf.keras.initializers.GlorotUniform()\n"


def test_numpy_aliases():
    r = upgrade("import numpy as np\na = np.zeros(3, dtype=np.bool).astype(np.int)\nb = np.NaN\n")
    assert r.code == "import numpy as np\na = np.zeros(3, dtype=bool).astype(int)\nb = np.nan\n"


# ------------------------------------------------------------------ traps: reported, never rewritten
@pytest.mark.parametrize("code, rule", [
    ("import tensorflow as tf\nloss = tf.nn.softmax_cross_entropy_with_logits(y, y_)\n", "tf-loss-positional"),
    ("import keras\nm = keras.Sequential()\nm.fit_generator(gen, 100, 5)\n", "keras-generator-methods"),
    ("import keras\nopt = keras.optimizers.SGD(0.01, 0.9, 1e-6, True)\n", "optimizer-positional"),
    ("import keras\nopt = keras.optimizers.Adam(**settings)\n", "kwargs-splat"),
    ("import keras\nm = keras.Sequential()\nm.fit_generator(gen, samples_per_epoch=6000)\n", "fit-generator-args"),
    ("import keras\nc = model.predict_classes(x)\n", "keras-predict-classes"),
    ("import keras\nprint(h.history['acc'])\n", "history-acc-key"),
    ("import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 784])\n", "tf1-graph"),
    ("import tensorflow as tf\nr = tf.contrib.layers.l2_regularizer(0.1)\n", "tf-contrib"),
    ("from tensorflow.examples.tutorials.mnist import input_data\n", "tf-examples-tutorials"),
])
def test_trap_is_reported_not_rewritten(code, rule):
    r = upgrade(code)
    assert r.code == code and not r.changed
    assert rule in {f.rule for f in r.findings if f.action == "human"}, r.findings


def test_contrib_l2_explains_the_factor_of_two():
    [f] = upgrade("import tensorflow as tf\nr = tf.contrib.layers.l2_regularizer(0.1)\n").findings
    assert "L2(scale / 2)" in f.message and f.line == 2


def test_embedding_input_dim_is_the_vocabulary_not_the_input():
    code = "import keras\nm = keras.Sequential([keras.layers.Embedding(input_dim=1000, output_dim=8, init='uniform')])\n"
    r = upgrade(code)
    assert "Embedding(input_dim=1000, output_dim=8, embeddings_initializer='uniform')" in r.code
    assert "Input(" not in r.code


def test_tf_div_is_not_true_division():
    code = "import tensorflow as tf\nq = tf.div(a, b)\n"  # floor division for integers in TF 1
    r = upgrade(code)
    assert r.code == code and rules(r, "human") == [(2, "tf-div")]


def test_dropout_keep_prob_becomes_rate():
    r = upgrade("import tensorflow as tf\nh = tf.nn.dropout(h, keep_prob=0.8)\nh = tf.nn.dropout(h, 0.8)\n")
    assert r.code == "import tensorflow as tf\nh = tf.nn.dropout(h, rate=1 - 0.8)\nh = tf.nn.dropout(h, 0.8)\n"
    assert rules(r, "human") == [(3, "tf-dropout-keep-prob")]


def test_notebook_cells_see_earlier_imports(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%matplotlib inline\nfrom tensorflow import keras"),
                nbformat.v4.new_markdown_cell("Now the optimizer:"),
                nbformat.v4.new_code_cell("opt = keras.optimizers.Adam(lr=1e-3)  # as in 2019")]
    path = tmp_path / "lecture.ipynb"
    nbformat.write(nb, path)
    snippets = collect_snippets([path])
    texts = new_texts(snippets, plan(snippets))
    cells = json.loads(texts[path][1])["cells"]
    assert "".join(cells[2]["source"]) == "opt = keras.optimizers.Adam(learning_rate=1e-3)  # as in 2019"
    assert "".join(cells[0]["source"]) == "%matplotlib inline\nfrom tensorflow import keras"  # magic kept
    nbformat.validate(nbformat.reads(texts[path][1], as_version=4))


def test_first_layer_added_in_a_later_cell():
    cells = ["import keras\nmodel = keras.Sequential()",
             "model.add(keras.layers.Dense(8, input_dim=4))\nmodel.add(keras.layers.Dense(2, input_dim=8))"]
    r = upgrade(cells[1], cells[:1], cells)
    assert r.code.startswith("model.add(keras.Input(shape=(4,)))\nmodel.add(keras.layers.Dense(8))\n")
    assert rules(r, "human") == [(2, "layer-input-shape")]  # a second layer's input_dim: Keras 3 ignores it


def test_markdown_fences_inline_code_and_html_are_patched_in_place(tmp_path):
    shutil.copytree(CH4, tmp_path / "ch4")
    page = tmp_path / "ch4" / "page.html"
    page.write_text('<p>x</p>\n<pre><code class="language-python">import keras\n'
                    'opt = keras.optimizers.SGD(lr=0.01) if 1 &lt; 2 else None\n</code></pre>\n')
    snippets = collect_snippets([tmp_path / "ch4"])
    assert [s.kind for s in snippets if s.path.suffix == ".md"] == ["md", "md", "inline", "inline"]
    texts = new_texts(snippets, plan(snippets))
    md = texts[tmp_path / "ch4" / "optimizers.md"][1]
    assert "| momentum | `SGD(learning_rate=0.01, momentum=0.9)` |" in md
    assert "| mini-batch | `batch_size = 32` |" in md
    assert "  rmsprop = RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-06)\n  ```" in md  # list indent kept
    assert "keras.optimizers.SGD(learning_rate=0.01) if 1 &lt; 2 else None" in texts[page][1]
    diff = patch(texts)
    added = [ln for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert len(added) == len(removed) == 9 and "-| momentum | `SGD(lr=0.01, momentum=0.9)` |" in removed


def test_inline_mentions_of_an_old_name_are_prose_not_code(tmp_path):
    page = tmp_path / "notes.md"
    page.write_text("The original used `dtype=np.int` and `keras.layers.core`; now `SGD(lr=0.1)` fails.\n"
                    "Type `from keras.layers.core import Dense` no more.\n")
    snippets = collect_snippets([page])
    assert [s.code for s in snippets] == ["SGD(lr=0.1)", "from keras.layers.core import Dense"]


def test_static_pass_lists_every_stale_api_of_a_file():
    from lecturegen.check.audit import static_findings

    snippets = collect_snippets([CH4 / "optimizers.py"])
    static_findings(snippets)
    lines = sorted({f["line"] for f in snippets[0].findings})
    assert lines == [4, 5, 6, 7]  # all four constructors, not only the first that fails


# ------------------------------------------------------------------ through the sandbox


@pytest.mark.slow
def test_ch4_optimizer_code_is_fixed_then_checks_clean(tmp_path):
    """Issue 24's "done when": the original optimizer code, fixed by --fix, passes check with no finding."""
    folder = tmp_path / "ch4"
    shutil.copytree(CH4, folder)
    before = invoke(folder, "--format", "text", "--timeout", "120")
    assert before.exit_code == 1 and "lr= is learning_rate=" in before.stdout
    diff = invoke(folder, "--diff", "--timeout", "120")
    assert diff.exit_code == 0, diff.output
    assert (folder / "optimizers.py").read_text() == (CH4 / "optimizers.py").read_text()  # --diff writes nothing
    fixed = invoke(folder, "--fix", "--json", "--timeout", "120")
    assert fixed.exit_code == 0, fixed.output
    report = json.loads(fixed.stdout)
    assert {o["status"] for o in report["snippets"]} == {"fixed"} and len(report["snippets"]) == 5
    code = (folder / "optimizers.py").read_text()
    assert "SGD(learning_rate=0.01, momentum=0.9)  # momentum" in code
    assert "Adagrad(learning_rate=0.01, epsilon=1e-6)" in code
    assert "Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, amsgrad=False)" in code
    after = invoke(folder, "--json", "--timeout", "120")
    assert after.exit_code == 0, after.stdout
    results = json.loads(after.stdout)
    assert [(r["verdict"], r["findings"], r["hints"]) for r in results] == [("ok", [], [])] * len(results)


@pytest.mark.slow
def test_missing_dataset_is_its_own_verdict_and_the_cache_is_read(tmp_path, monkeypatch):
    """No MNIST in the cache: "needs data" for the loading cell, and the cell using x_train says why it was
    not checked; a file that is in the cache is read from it (Keras preloaded by the worker included)."""
    home = tmp_path / "keras-home"
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "tiny.txt").write_text("cached\n")
    monkeypatch.setenv("KERAS_HOME", str(home))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import keras\n(x_train, y_train), _ = keras.datasets.mnist.load_data()"),
                nbformat.v4.new_code_cell("print(x_train.shape)"),
                nbformat.v4.new_code_cell("p = keras.utils.get_file('tiny.txt', origin='http://example.invalid/t')\n"
                                          "assert open(p).read() == 'cached\\n', p")]
    nbformat.write(nb, tmp_path / "lecture.ipynb")
    result = invoke(tmp_path / "lecture.ipynb", "--format", "text", "--timeout", "120")
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{tmp_path / 'lecture.ipynb'}[cell 1]:2: needs-data: MNIST is not in the Keras "
                               "cache") for line in lines), result.stdout
    assert any("[cell 2]:1: needs-data: not checked: 'x_train' comes from cell 1" in line for line in lines)
    assert any("[cell 3]:1: ok" in line for line in lines), result.stdout
    assert "NameError" not in result.stdout
    assert result.exit_code == 1


def test_fix_and_diff_together_is_bad_input_and_clean_code_needs_nothing(tmp_path):
    both = invoke(CH4, "--fix", "--diff")
    assert both.exit_code == 2 and "give one of them" in both.output
    clean = tmp_path / "clean.py"
    clean.write_text("import keras\nopt = keras.optimizers.Adam(learning_rate=1e-3)\n")
    result = invoke(clean, "--diff")  # nothing to rewrite: no sandbox is started
    assert result.exit_code == 0 and result.stdout == "" and "nothing to rewrite" in result.output
