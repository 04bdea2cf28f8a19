"""lecturegen: lecture slides, handout and notebook from a chapter, with measured numbers."""

__version__ = "0.1.0"
