"""Built-in chapters: one module each, exposing ``CHAPTER``."""
