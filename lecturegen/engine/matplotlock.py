"""matplotlib is not safe to use from two threads at once (its mathtext parser, font caches and
rcParams are shared): every figure drawn and formula typeset in a process holds :data:`LOCK`, so a
drawing thread (engine/drawing.py) and a build's own figures stage, or two builds in one process,
take turns instead of corrupting each other (seen: a formula refused as "cannot typeset")."""

from __future__ import annotations

import threading

LOCK = threading.RLock()
