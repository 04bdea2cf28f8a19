"""The notebook file (``.ipynb``, nbformat 4.5) checked and written without importing nbformat.

Importing nbformat imports jsonschema too, and nbformat's first check builds a jsonschema validator:
together about a tenth of a second of each re-render. So a build checks the notebook against
nbformat's own schema file (``nbformat/v4/nbformat.v4.5.schema.json``, found without importing the
package) with fastjsonschema, nbformat's other validator (installed with it): its Python code is
generated once and kept compiled in the cache folder (``CacheStore``, MAC-checked: it is code that
runs). The notebook is made of :class:`Node` (a dict with attribute access, as nbformat's
``NotebookNode``) and written byte for byte as ``nbformat.v4.writes`` writes it. The tests read
the notebooks a build writes with nbformat and check them with ``nbformat.validate``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import marshal
import sys
from pathlib import Path
from typing import Any, Callable

from lecturegen.engine.store import CacheStore

NBFORMAT, NBFORMAT_MINOR = 4, 5
AREA = "schemas"


class Node(dict):
    """A dict whose keys also read and write as attributes (``cell.source``), as nbformat's NotebookNode."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


def schema_file() -> Path:
    """nbformat's JSON schema of the notebooks this module makes."""
    spec = importlib.util.find_spec("nbformat")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("nbformat")
    return Path(next(iter(spec.submodule_search_locations))) / "v4" / f"nbformat.v{NBFORMAT}.{NBFORMAT_MINOR}.schema.json"


def _compile(schema: bytes):  # type: ignore[no-untyped-def]
    import fastjsonschema

    return compile(fastjsonschema.compile_to_code(json.loads(schema)), "<nbformat schema>", "exec")


@functools.lru_cache(maxsize=4)
def _validator(cache_root: str | None) -> Callable[[Any], Any]:
    """The schema's validator: its compiled code from the cache folder, else generated (and kept there)."""
    import fastjsonschema

    schema = schema_file().read_bytes()
    key = hashlib.sha256(schema + f"\0{fastjsonschema.VERSION}\0{sys.version}".encode()).hexdigest()[:40]
    store = CacheStore(Path(cache_root)) if cache_root else None
    data = store.get(AREA, f"nbformat-{key}") if store else None
    code = None
    if data is not None:
        try:
            code = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            code = None
    if code is None:
        code = _compile(schema)
        if store is not None:
            try:
                store.put(AREA, f"nbformat-{key}", marshal.dumps(code))
            except OSError:  # not kept: generated again next time, nothing more
                pass
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102  (fastjsonschema's code for nbformat's schema, MAC-checked in the cache)
    return namespace["validate"]


def validate(nb: dict, store: CacheStore | None = None) -> None:
    """Raise ``fastjsonschema.JsonSchemaException`` (a ValueError) when ``nb`` breaks nbformat's
    schema, ValueError when two cells share an id (nbformat.validate refuses both)."""
    _validator(str(store.root) if store else None)(nb)
    ids = [cell.get("id") for cell in nb["cells"]]
    if len(set(ids)) != len(ids):
        raise ValueError("notebook cells with the same id")


TEXT_SPLIT = ("image/svg+xml", "application/javascript")


def _split_bundle(data: dict) -> dict:
    return {key: value.splitlines(True) if isinstance(value, str) and (key.startswith("text/") or key in TEXT_SPLIT)
            else value for key, value in data.items()}


def _split_output(output: dict) -> dict:
    if output.get("output_type") in ("execute_result", "display_data"):
        return {**output, "data": _split_bundle(output.get("data", {}))} if "data" in output else output
    if output.get("output_type") == "stream" and isinstance(output.get("text"), str):
        return {**output, "text": output["text"].splitlines(True)}
    return output


def _split_cell(cell: dict) -> dict:
    out = {**cell, "metadata": {k: v for k, v in cell["metadata"].items() if k != "trusted"}}
    if isinstance(cell.get("source"), str):
        out["source"] = cell["source"].splitlines(True)
    if "attachments" in cell:
        out["attachments"] = {name: _split_bundle(bundle) for name, bundle in cell["attachments"].items()}
    if cell.get("cell_type") == "code":
        out["outputs"] = [_split_output(o) for o in cell["outputs"]]
    return out


def writes(nb: dict) -> str:
    """The notebook's file text, as ``nbformat.v4.writes`` makes it: multi-line text as lists of lines
    (nbformat's ``split_lines``), without transient metadata, keys sorted, an indent of one space."""
    metadata = {k: v for k, v in nb["metadata"].items() if k not in ("orig_nbformat", "orig_nbformat_minor", "signature")}
    out = {**nb, "metadata": metadata, "cells": [_split_cell(cell) for cell in nb["cells"]]}
    return json.dumps(out, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
