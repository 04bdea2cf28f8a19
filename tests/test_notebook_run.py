"""The notebook students run: executed top to bottom with nbclient, its printed results equal report.json."""

from __future__ import annotations

import json
import re
import shutil

import pytest

pytestmark = pytest.mark.slow

RESULT = re.compile(r"test accuracy (\d\.\d{4}), test loss (\d+\.\d{4})")


def executed_results(notebook_path) -> dict[str, tuple[str, str]]:
    """Run the notebook in a fresh kernel; per experiment, the test accuracy and loss its cell printed."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(notebook_path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(notebook_path.parent)}})
    client.execute()
    found = {}
    for cell in nb.cells:
        exercise = "exercise" in cell.metadata.get("tags", [])  # a student's TODO cell: runs, is not a result
        name = re.search(r"^model = (\w+)\(\)$", cell.source, re.MULTILINE) if cell.cell_type == "code" and not exercise else None
        if name:
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            found[name.group(1)] = RESULT.search(text).groups()
    return found


def test_notebook_runs_top_to_bottom_with_the_reports_numbers(quick_build, tmp_path):
    """The session's quick build (a real build: its runs trained in this test run), copied: the
    notebook runs in its own folder and may write there."""
    folder = shutil.copytree(quick_build[0], tmp_path / "ch4")
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    printed = executed_results(folder / "ch4.ipynb")
    assert set(printed) == set(report["runs"])
    for name, run in report["runs"].items():
        first = run["per_seed"][0] if run.get("per_seed") else run  # the notebook runs the first seed
        assert printed[name] == (f"{first['test_accuracy']:.4f}", f"{first['test_loss']:.4f}"), name
