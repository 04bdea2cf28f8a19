"""Two of ch4's experiments as a chapter of their own, for the tests that train a chapter again a
different way (--jobs 1, --processes, a Dask cluster, a second cold build) and compare: ch4's ReLU
network and the optimizer study's Adam run, which trains two seeds of one shape (the second seed fits
the first's traced model). Three runs: the properties of ch4's 27, for a ninth of the training.
The session builds it once (tests/shared_builds.py, stage ``pair``)."""

from lecturegen.chapter import chapter
from lecturegen.chapters.ch4 import opt_adam, relu

CHAPTER = chapter(id="pair", title={"ko": "두 실험", "en": "Two experiments"}, experiments=[relu, opt_adam])
