"""The activation functions of section 3 as the lecture's NumPy code, one cell per function.

Each ``plot_*`` function's body is what the slides and the notebook show (without the ``def``
line); the build runs that same body to draw the figure (``np`` is NumPy, ``plt`` an object
with pyplot's ``plot``/``title``/``show`` drawing into the figure being saved).
"""

from __future__ import annotations

from lecturegen.chapter import FigureSpec

X_RANGE = (-6.0, 6.0, 0.1)  # the lecture's x grid: [-6, 6), step 0.1


def activation_values(name: str, x, a: float = 0.1):
    """The activation functions as formulas, for the figures that differentiate them."""
    import numpy as np

    if name == "step":
        return (x > 0).astype(float)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    if name == "relu":
        return np.maximum(0, x)
    if name == "leaky_relu":
        return np.maximum(a * x, x)
    if name == "softmax":
        return np.exp(x) / np.sum(np.exp(x))
    raise ValueError(name)


def plot_step(np, plt):
    def step(x):
        return (x > 0).astype(int)

    x = np.arange(-6.0, 6.0, 0.1)
    plt.plot(x, step(x))
    plt.title('Step Function')
    plt.show()


def plot_sigmoid(np, plt):
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    x = np.arange(-6.0, 6.0, 0.1)
    plt.plot(x, sigmoid(x))
    plt.plot([0, 0], [1.0, 0.0], ':')
    plt.title('Sigmoid Function')
    plt.show()


def plot_tanh(np, plt):
    def tanh(x):
        return np.tanh(x)

    x = np.arange(-6.0, 6.0, 0.1)
    plt.plot(x, tanh(x))
    plt.plot([0, 0], [1.0, -1.0], ':')
    plt.axhline(y=0, color='orange', linestyle='--')
    plt.title('Tanh Function')
    plt.show()


def plot_relu(np, plt):
    def relu(x):
        return np.maximum(0, x)

    x = np.arange(-6.0, 6.0, 0.1)
    plt.plot(x, relu(x))
    plt.plot([0, 0], [5.0, 0.0], ':')
    plt.title('Relu Function')
    plt.show()


def plot_leaky_relu(np, plt):
    a = 0.1

    def leaky_relu(x):
        return np.maximum(a * x, x)

    x = np.arange(-6.0, 6.0, 0.1)
    plt.plot(x, leaky_relu(x))
    plt.plot([0, 0], [5.0, 0.0], ':')
    plt.title('Leaky ReLU Function')
    plt.show()


def plot_softmax(np, plt):
    def softmax(x):
        return np.exp(x) / np.sum(np.exp(x))

    x = np.arange(-6.0, 6.0, 0.1)
    plt.plot(x, softmax(x))
    plt.title('Softmax Function')
    plt.show()


class Pyplot:
    """The few pyplot calls of the plotting code above, drawing into one Axes of the build's Figure."""

    def __init__(self, ax) -> None:
        self.plot, self.axhline, self.axvline, self.grid = ax.plot, ax.axhline, ax.axvline, ax.grid
        self.title, self.xlabel, self.ylabel = ax.set_title, ax.set_xlabel, ax.set_ylabel

    def show(self) -> None:
        """The build saves the figure instead of showing it."""


def draw_activation(fig, inputs: dict, lang: str) -> None:
    """Run a ``plot_*`` function's code (the code on the slide, as it is) into the figure."""
    import numpy as np

    ax = fig.add_subplot()
    PLOTS[inputs["function"]](np, Pyplot(ax))
    for line in ax.get_lines()[:1]:
        line.set_linewidth(2)
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)


def activation_figures(chapter, runs: dict, is_sample: bool) -> list:
    """ch4's own ``activations`` figure set: ``activation_<name>``, drawn by the lecture's code."""
    return [FigureSpec(f"activation_{key}", dict(ALT[key]), draw_activation,
                       {"function": key}, depends=(PLOTS[key], Pyplot),
                       snippet=PLOTS[key].__name__)
            for key in PLOTS]


PLOTS = {
    "step": plot_step, "sigmoid": plot_sigmoid, "tanh": plot_tanh,
    "relu": plot_relu, "leaky_relu": plot_leaky_relu, "softmax": plot_softmax,
}
ALT = {  # each figure's alt text, per language
    "step": {"ko": "계단 함수: x > 0이면 1, 아니면 0", "en": "Step function: 1 if x > 0 else 0"},
    "sigmoid": {"ko": "시그모이드: 0과 1 사이의 S자 곡선", "en": "Sigmoid: an S-curve between 0 and 1"},
    "tanh": {"ko": "tanh: -1과 1 사이, 0을 중심으로 한 S자 곡선", "en": "tanh: an S-curve between -1 and 1, centred on 0"},
    "relu": {"ko": "ReLU: 음수는 0, 양수는 그대로", "en": "ReLU: 0 for negative inputs, x otherwise"},
    "leaky_relu": {"ko": "Leaky ReLU: 음수 쪽 기울기 0.1", "en": "Leaky ReLU: slope 0.1 for negative inputs"},
    "softmax": {"ko": "소프트맥스: x 격자 전체에 대한 확률 분포", "en": "Softmax: a probability distribution over the whole x grid"},
}
