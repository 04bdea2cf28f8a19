"""lecturegen: lecture slides, handout and notebook from a chapter, with measured numbers.

The public chapter interface lives in one place, :mod:`lecturegen.chapter`::

    from lecturegen.chapter import Reference, chapter, experiment

(It is not re-exported here: the submodule ``lecturegen.chapter`` and the function ``chapter``
share a name, so ``from lecturegen import chapter`` would be ambiguous.)
"""

__version__ = "0.1.0"
