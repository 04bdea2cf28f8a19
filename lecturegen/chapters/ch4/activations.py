"""The activation functions of section 3 as the lecture's NumPy code, one cell per function.

Each ``plot_*`` function's body is what the slides and the notebook show (without the ``def``
line); the build runs that same body to draw the figure (``np`` is NumPy, ``plt`` an object
with pyplot's ``plot``/``title``/``show`` drawing into the figure being saved).
"""

from __future__ import annotations


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


PLOTS = {
    "step": plot_step, "sigmoid": plot_sigmoid, "tanh": plot_tanh,
    "relu": plot_relu, "leaky_relu": plot_leaky_relu, "softmax": plot_softmax,
}
