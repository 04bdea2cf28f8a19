"""The core: lecturegen's data model, with no dependencies on the rest of the package.

- :mod:`.chapter`: ``Chapter``, ``Experiment``, ``Reference``, ``Profile`` and the declarations;
- :mod:`.claims`: ``Claim`` and its evaluation on results;
- :mod:`.plugins`: ``FigureSpec``, ``Table``, ``Page``: what a chapter adds;
- :mod:`.results`: ``RunResult``, model summaries, means over seeds (``Measured``, ``spread``);
- :mod:`.formats`: how numbers (and Korean particles) are written.

Nothing here imports any other part of lecturegen, TensorFlow, matplotlib or NumPy; an
import-linter contract in pyproject.toml keeps it so. Chapters do not import the core directly:
they use the author API, :mod:`lecturegen.chapter`.
"""
