"""Provenance on every output: versions, device, dataset and its fingerprint, seed, profile, build date."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from lecturegen.messages import section

pytestmark = pytest.mark.slow

FIELDS = ("lecturegen", "tensorflow", "keras", "numpy", "python", "device", "dataset", "dataset_sha256", "seed",
          "profile", "build_date")


def test_every_output_carries_the_provenance(quick_build):
    out, _ = quick_build
    report = json.loads((out / "report.json").read_text())
    prov = report["provenance"]
    assert set(FIELDS) <= set(prov) and all(prov[k] not in (None, "") for k in FIELDS)
    nb = nbformat.read(out / "ch4.ipynb", as_version=4)
    assert {k: nb.metadata["lecturegen"][k] for k in FIELDS} == {k: prov[k] for k in FIELDS}
    # the pages name the data set in their own language (the offline sample by the page catalog's name)
    shown = section(report["chapter"]["lang"], "page")["sample_name"] if report["sample_data"] else prov["dataset"]
    expected = [prov["lecturegen"], prov["tensorflow"], prov["keras"], prov["numpy"], prov["python"], prov["device"],
                shown, prov["dataset_sha256"][:16], prov["profile"], prov["build_date"]]
    slides = (out / "slides.html").read_text()
    last_slide = re.search(r'<section class="provenance-slide">(.*?)</section>', slides, re.S).group(1)
    handout = (out / "handout.html").read_text()
    title_page = re.search(r'<header class="title-page">(.*?)</header>', handout, re.S).group(1)
    for page in (last_slide, title_page):
        for value in expected:
            assert str(value) in page, value
        assert re.search(rf"<td>{prov['seed']} / {prov['profile']}</td>", page)
    footer = re.search(r'<div class="provenance-footer">(.*?)</div>', slides, re.S).group(1)
    assert prov["tensorflow"] in footer and prov["build_date"] in footer
