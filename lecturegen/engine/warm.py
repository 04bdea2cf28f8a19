"""A process made ready to build fast, without building: what ``lecturegen serve``'s warm worker runs
once, before it forks one child per rebuild.

:func:`warm_up` imports what a build that trains needs (TensorFlow and Keras, matplotlib, the
renderer) and reads the images ``--data`` names, kept for the builds of this process and of the
processes forked from it (:func:`lecturegen.engine.data.keep`). Nothing runs on TensorFlow here:
its runtime (thread pools, devices) starts in the forked child at its first operation, so forking
after this is safe. No chapter's code runs here either (a chapter is imported by each build).
"""

from __future__ import annotations

from lecturegen.engine.options import BuildOptions


def warm_up(opts: BuildOptions) -> None:
    """Import a training build's libraries and read its MNIST-family data; raises what they raise."""
    import matplotlib

    matplotlib.use("Agg")
    import koreanize_matplotlib  # noqa: F401  (as figures.py: the Korean font set up once)
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401

    from lecturegen.engine import data, figures, notebook, orchestrator, prep, render  # noqa: F401
    from lecturegen.engine.executors import local  # noqa: F401
    from lecturegen.engine.tflog import tensorflow_log

    with tensorflow_log(orchestrator.cache_folder(opts.cache_dir)):  # TensorFlow's import lines go to its log
        from lecturegen.engine.train import import_tensorflow

        import_tensorflow()
    data.keep(data.MNIST.dataset(opts.data))
