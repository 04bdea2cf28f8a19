"""The notebook file without nbformat at build time (engine/ipynb.py): the text is nbformat.v4.writes'
byte for byte, the check refuses what nbformat.validate refuses, its compiled code is kept in the
cache folder, and a build imports neither nbformat nor jsonschema. Fast tier, no TensorFlow."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lecturegen.engine import ipynb
from lecturegen.engine.notebook import new_code_cell, new_markdown_cell, new_notebook, new_output
from lecturegen.engine.store import CacheStore

SVG = '<svg xmlns="http://www.w3.org/2000/svg">\n  <path d="M0 0"/>\n</svg>\n'


def _notebook() -> ipynb.Node:
    cells = [new_markdown_cell("# 제목\n\n여러 줄의\n문단입니다."),
             new_code_cell("print(1)\nprint(2)\n", outputs=[new_output("stream", name="stdout", text="1\n2\n")]),
             new_code_cell("plot()", outputs=[new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "<a\nplot>"})]),
             new_markdown_cell("![그림](attachment:f.svg)", attachments={"f.svg": {"image/svg+xml": SVG}})]
    cells[1].metadata["tags"] = ["exercise"]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    return new_notebook(cells=cells, metadata={"kernelspec": {"display_name": "Python 3", "language": "python",
                                                               "name": "python3"}, "lecturegen": {"seed": 0}})


def test_the_text_is_nbformats_byte_for_byte():
    nb = _notebook()
    before = copy.deepcopy(nb)
    assert ipynb.writes(nb) == nbformat.v4.writes(nbformat.from_dict(nb))
    assert nb == before  # the notebook itself is not split into lines
    nbformat.validate(nbformat.reads(ipynb.writes(nb), as_version=4))


def _broken(change) -> dict:
    nb = json.loads(json.dumps(_notebook()))
    change(nb)
    return nb


BROKEN = {
    "unknown cell type": lambda nb: nb["cells"][0].update(cell_type="prose"),
    "no source": lambda nb: nb["cells"][0].pop("source"),
    "unknown output": lambda nb: nb["cells"][1]["outputs"][0].update(output_type="printed"),
    "a cell id with a space": lambda nb: nb["cells"][0].update(id="cell 0"),
    "an unknown top-level field": lambda nb: nb.update(extra=1),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_check_refuses_what_nbformat_refuses(case, tmp_path):
    nb = _broken(BROKEN[case])
    with pytest.raises(nbformat.ValidationError):
        nbformat.validate(nbformat.from_dict(copy.deepcopy(nb)))
    with pytest.raises(ValueError):
        ipynb.validate(nb, CacheStore(tmp_path / "cache"))
    ipynb.validate(json.loads(json.dumps(_notebook())), CacheStore(tmp_path / "cache"))  # the intact one passes


def test_two_cells_with_one_id_are_refused(tmp_path):
    """nbformat.validate finds them too (it then gives one a new random id, with a warning)."""
    nb = _broken(lambda nb: nb["cells"][1].update(id="cell-0"))
    with pytest.warns(nbformat.warnings.DuplicateCellId):
        nbformat.validate(nbformat.from_dict(copy.deepcopy(nb)))
    with pytest.raises(ValueError, match="same id"):
        ipynb.validate(nb, CacheStore(tmp_path / "cache"))


def test_the_compiled_check_is_kept_in_the_cache_folder(tmp_path, monkeypatch):
    store = CacheStore(tmp_path / "cache")
    compiled: list[int] = []
    real = ipynb._compile
    monkeypatch.setattr(ipynb, "_compile", lambda schema: compiled.append(1) or real(schema))
    ipynb._validator.cache_clear()
    ipynb.validate(_notebook(), store)
    ipynb._validator.cache_clear()  # a new process
    ipynb.validate(_notebook(), store)
    assert compiled == [1]
    [entry] = [p for p in (tmp_path / "cache" / "schemas").iterdir() if not p.name.endswith(".mac")]
    entry.write_bytes(entry.read_bytes()[:-4] + b"\0\0\0\0")  # it is code that runs: never trusted edited
    ipynb._validator.cache_clear()
    with pytest.raises(ValueError):
        ipynb.validate(_broken(BROKEN["no source"]), store)
    assert compiled == [1, 1]
    ipynb._validator.cache_clear()


BUILD = r'''
import io, sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/engine"]
from canned import Factory
from helpers import make_idx_folder
from lecturegen.engine import BuildOptions, orchestrator
from lecturegen.engine.progress import LineReporter
tmp = Path(sys.argv[2])
(tmp / "chapters" / "mini").mkdir(parents=True)
from test_unchanged import SOURCE, CONTENT
(tmp / "chapters" / "mini.py").write_text(SOURCE, encoding="utf-8")
(tmp / "chapters" / "mini" / "ko.md").write_text(CONTENT, encoding="utf-8")
opts = BuildOptions("mini", tmp / "out", "quick", str(make_idx_folder(tmp / "idx", 300, 100)), cache_dir=tmp / "cache",
                    chapters_dirs=(tmp / "chapters",), lang="ko")
outcome = orchestrator.build_course(opts, ["mini"], ["ko"], LineReporter(io.StringIO()), executor=Factory())
assert not outcome.failures and (tmp / "out" / "mini" / "mini.ipynb").is_file()
print(sorted({m.split(".")[0] for m in sys.modules} & {"nbformat", "jsonschema", "tensorflow"}))
'''


def test_a_build_imports_neither_nbformat_nor_jsonschema(tmp_path):
    tests = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", BUILD, str(tests), str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    nbformat.validate(nbformat.read(tmp_path / "out" / "mini" / "mini.ipynb", as_version=4))
