"""Gradient descent and the optimizers as NumPy code, drawn by that same code.

- ``plot_gradient_descent``: w <- w - eta * dL/dw on L(w) = w², with a learning rate that is too
  small, about right and too large (before any result leans on the learning rate);
- ``softmax_loss``: ten equal logits -> softmax -> cross-entropy = ln 10, the untrained model's loss;
- ``optimizer_rules`` and ``plot_optimizer_paths``: SGD, momentum, Adagrad, RMSprop and Adam as
  five short update functions, and their paths on one 2-D loss surface (section 4).

As in :mod:`.activations`, each function's body is what the slides and the notebook show (without
the ``def`` line), and the build runs that body to draw the figure: ``np`` is NumPy, ``plt`` an
object with pyplot's drawing calls that draws into the figure being saved.
"""

from __future__ import annotations

import inspect
import textwrap

from lecturegen.chapter import FigureSpec


def plot_gradient_descent(np, plt):
    def gradient_descent(eta, w=3.0, steps=12):
        path = [w]
        for _ in range(steps):
            w = w - eta * 2 * w
            path.append(w)
        return np.array(path)

    for eta in [0.05, 0.4, 1.05]:
        plt.plot(gradient_descent(eta), 'o-', label=f'eta={eta}')
    plt.axhline(y=0, color='gray', linestyle=':')
    plt.legend()
    plt.show()


def softmax_loss(np):
    logits = np.zeros(10)
    probs = np.exp(logits) / np.sum(np.exp(logits))
    loss = -np.log(probs[3])
    print(probs.round(2), round(loss, 4))


def optimizer_rules(np):
    def sgd(w, g, s, lr):
        return w - lr * g

    def momentum(w, g, s, lr, beta=0.9):
        s['v'] = beta * s.get('v', 0) - lr * g
        return w + s['v']

    def adagrad(w, g, s, lr, eps=1e-6):
        s['G'] = s.get('G', 0) + g ** 2
        return w - lr * g / np.sqrt(s['G'] + eps)

    def rmsprop(w, g, s, lr, rho=0.9, eps=1e-6):
        s['G'] = rho * s.get('G', 0) + (1 - rho) * g ** 2
        return w - lr * g / np.sqrt(s['G'] + eps)

    def adam(w, g, s, lr, b1=0.9, b2=0.999, eps=1e-8):
        s['t'] = s.get('t', 0) + 1
        s['m'] = b1 * s.get('m', 0) + (1 - b1) * g
        s['G'] = b2 * s.get('G', 0) + (1 - b2) * g ** 2
        m_hat = s['m'] / (1 - b1 ** s['t'])
        G_hat = s['G'] / (1 - b2 ** s['t'])
        return w - lr * m_hat / (np.sqrt(G_hat) + eps)


def plot_optimizer_paths(np, plt, sgd, momentum, adagrad, rmsprop, adam):
    def gradient(w):
        return np.array([0.2 * w[0], 4.0 * w[1]])

    lr, steps = 0.1, 40
    for update in [sgd, momentum, adagrad, rmsprop, adam]:
        w, s, path = np.array([-5.0, -2.0]), {}, []
        for _ in range(steps):
            path.append(w)
            w = update(w, gradient(w), s, lr)
        path = np.array(path)
        plt.plot(path[:, 0], path[:, 1], 'o-', label=update.__name__)
    w1, w2 = np.meshgrid(np.linspace(-5.5, 2, 200), np.linspace(-3, 3, 200))
    plt.contour(w1, w2, 0.1 * w1 ** 2 + 2 * w2 ** 2, 12, colors='lightgray')
    plt.legend()
    plt.show()


OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "rmsprop", "adam")


def rules():
    """The five update functions of :func:`optimizer_rules`, made by running its body (the code on the slide)."""
    import numpy as np

    source = textwrap.dedent(inspect.getsource(optimizer_rules))
    body = textwrap.dedent(source.split(":\n", 1)[1])  # the body under the def line: the code on the slide
    namespace = {"np": np}
    exec(compile(body, "optimizer_rules", "exec"), namespace)  # the chapter's own code, nothing from outside
    return [namespace[name] for name in OPTIMIZER_NAMES]


class Pyplot:
    """The pyplot calls of the code above, drawing into one Axes of the build's Figure."""

    def __init__(self, ax) -> None:
        self.ax = ax
        self.plot, self.axhline, self.contour = ax.plot, ax.axhline, ax.contour
        self.xlabel, self.ylabel, self.title = ax.set_xlabel, ax.set_ylabel, ax.set_title

    def legend(self, *args, **kwargs) -> None:
        self.ax.legend(*args, **kwargs)

    def show(self) -> None:
        """The build saves the figure instead of showing it."""


TEXT = {
    "ko": {"gd_title": "학습률 η에 따른 경사 하강법 (L(w) = w²)", "paths_title": "같은 손실 곡면, 다섯 옵티마이저 (η = 0.1)",
           "step": "업데이트 횟수", "w": "가중치 w"},
    "en": {"gd_title": "Gradient descent for three learning rates η (L(w) = w²)",
           "paths_title": "One loss surface, five optimizers (η = 0.1)", "step": "update", "w": "weight w"},
}


def draw_gradient_descent(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    ax = fig.add_subplot()
    plot_gradient_descent(np, Pyplot(ax))
    t = TEXT.get(lang, TEXT["en"])
    labels = {"0.05": inputs["labels"][lang][0], "0.4": inputs["labels"][lang][1], "1.05": inputs["labels"][lang][2]}
    for line in ax.get_lines():
        eta = line.get_label().removeprefix("eta=")
        if eta in labels:
            line.set_label(f"η = {eta}: {labels[eta]}")
    ax.legend(loc="upper left")
    ax.set_xlabel(t["step"])
    ax.set_ylabel(t["w"])
    ax.set_title(t["gd_title"])
    ax.grid(alpha=0.3)


def draw_optimizer_paths(fig, inputs: dict, lang: str) -> None:
    import numpy as np

    ax = fig.add_subplot()
    plot_optimizer_paths(np, Pyplot(ax), *rules())
    names = inputs["names"][lang]
    markers = dict(zip(OPTIMIZER_NAMES, "os^Dv"))
    for line in ax.get_lines():
        key = line.get_label()
        if key in names:
            line.set_label(names[key])
            line.set_marker(markers[key])
            line.set_markersize(5)
            if key == "adagrad":  # the shortest path, drawn over the others that start the same way
                line.set_zorder(5)
                line.set_markersize(6)
    ax.get_legend().remove()
    fig.legend(loc="outside right upper", frameon=False)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(TEXT.get(lang, TEXT["en"])["paths_title"])


def foundation_figures(chapter, runs: dict, is_sample: bool) -> list[FigureSpec]:
    """Computed from formulas, not from training results: the same on any data."""
    gd_alt = {"ko": "L(w) = w²에서 학습률 0.05, 0.4, 1.05로 업데이트를 반복할 때 가중치 w의 변화",
              "en": "The weight w over repeated updates on L(w) = w² with learning rates 0.05, 0.4 and 1.05"}
    paths_alt = {"ko": "손실 곡면 0.1·w1² + 2·w2²의 등고선 위에 그린 SGD, 모멘텀, Adagrad, RMSprop, Adam의 30단계 경로",
                 "en": "Thirty-step paths of SGD, momentum, Adagrad, RMSprop and Adam on the contours of "
                       "the loss 0.1·w1² + 2·w2²"}
    labels = {"ko": ["너무 작음", "적당함", "너무 큼"], "en": ["too small", "about right", "too large"]}
    names = {"ko": {"sgd": "SGD", "momentum": "모멘텀", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"},
             "en": {"sgd": "SGD", "momentum": "momentum", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}}
    return [
        FigureSpec("gradient_descent_steps", gd_alt, draw_gradient_descent, {"labels": labels}, size=(9, 4.4),
                   depends=(plot_gradient_descent, Pyplot), snippet="plot_gradient_descent"),
        FigureSpec("optimizer_paths", paths_alt, draw_optimizer_paths, {"names": names}, size=(10, 5.2),
                   depends=(optimizer_rules, plot_optimizer_paths, rules, Pyplot), snippet="plot_optimizer_paths"),
    ]


SNIPPETS = (plot_gradient_descent, softmax_loss, optimizer_rules, plot_optimizer_paths)
