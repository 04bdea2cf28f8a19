"""Snippet extraction scales linearly: time ``collect_snippets`` on 100 KB, 700 KB and 1.4 MB inputs.

Each input repeats one opening that is never closed (the shapes that made the old regex
extraction, or the stock ``html.parser``, quadratic); a linear extractor takes about 7x as long
for 7x the input and 2x for 2x (small inputs add timer noise and fixed costs). Run from the checkout: ``python bench/check_parse.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lecturegen.check.extract import CheckInputError, collect_snippets  # noqa: E402

OPENINGS = ['<pre><code class="language-python">', "<pre><code", "<!--", "<?x", "</x", "<![CDATA[",
            "<![foo[", "<!x", "<a b='", "<a<a", "&#", "<!doctype", "```python\n", "~~~py\n", "    ```python\n"]


def timed(path: Path) -> float:
    start = time.perf_counter()
    try:
        collect_snippets([path])
    except CheckInputError:
        pass
    return time.perf_counter() - start


def main() -> None:
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'opening (repeated, never closed)':36} {'100 KB':>8} {'700 KB':>8} {'1.4 MB':>8} "
          f"{'700/100':>8} {'1.4M/700':>8}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for opening in OPENINGS:
            suffix = ".md" if opening.lstrip().startswith(("`", "~")) else ".html"
            times = []
            for size in (100_000, 700_000, 1_400_000):
                path = Path(tmp, f"big{suffix}")
                path.write_text((opening + "x = 1\n") * (size // (len(opening) + 6)))
                times.append(min(timed(path) for _ in range(3)))
            ratio, doubling = times[1] / max(times[0], 1e-6), times[2] / max(times[1], 1e-6)
            if times[2] > 0.1:  # below that, timer noise dominates the ratio
                worst = max(worst, doubling)
            print(f"{opening!r:36} {times[0]:7.3f}s {times[1]:7.3f}s {times[2]:7.3f}s {ratio:7.1f}x {doubling:7.1f}x")
    print(f"worst 1.4 MB / 700 KB ratio among inputs taking over 0.1 s: {worst:.1f}x "
          "(linear: about 2x; quadratic: about 4x); the old extractor took 91 s for 700 KB of <pre><code")


if __name__ == "__main__":
    main()
