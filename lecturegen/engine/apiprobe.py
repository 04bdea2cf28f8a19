"""What the installed Keras does with arguments an old lecture passes (``lr=``, ``decay=``...).

:func:`probe_requests` calls each optimizer class once per argument, recording whether it was
accepted, the warning or error it raised, and the current signature's default. It runs in this
process when the build has already imported TensorFlow (it trained something), else in one child
process for all of a build's requests (one TensorFlow import, not one per request). Results are
cached per Keras version, so a cached rebuild imports no TensorFlow.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import subprocess
import sys
from typing import Any

from lecturegen.engine.store import CacheStore
from lecturegen.errors import LecturegenError
from lecturegen.messages import say
from lecturegen.versions import library_versions


def probe_requests(keras, requests: list) -> list:
    """For each ``[class name, {argument: value}]``: ``{argument: {in_signature, default, accepted,
    value, updates | error, warning}}``. Imports nothing itself: the child script runs its source."""
    import inspect
    import warnings

    results = []
    for cls_name, arguments in requests:
        cls = getattr(keras.optimizers, cls_name)
        params = inspect.signature(cls.__init__).parameters
        out = {}
        for name, value in arguments.items():
            row = {"in_signature": name in params,
                   "default": repr(params[name].default) if name in params else None}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    opt = cls(**{name: value})
                    row["accepted"] = True
                    row["value"] = repr(getattr(opt, name, None)) if name in params else None
                    try:  # one real update: some values are accepted by the constructor and fail later
                        var = keras.Variable([1.0])
                        opt.apply_gradients([(keras.ops.ones((1,)), var)])
                        row["updates"] = True
                    except Exception as exc:
                        row["updates"] = False
                        row["update_error"] = (type(exc).__name__ + ": " + " ".join(str(exc).split()))[:200]
                except Exception as exc:
                    row["accepted"] = False
                    row["error"] = (type(exc).__name__ + ": " + " ".join(str(exc).split()))[:200]
            row["warning"] = next((" ".join(str(w.message).split())[:200] for w in caught), None)
            out[name] = row
        results.append(out)
    return results


CHILD = inspect.getsource(probe_requests) + r'''
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from lecturegen.engine.train import import_tensorflow  # as a build imports it: without the Keras helpers
_, keras = import_tensorflow()  # a probe never uses (scikit-learn, pyplot, pandas): 3.5 CPU s, not 5.3
print(json.dumps(probe_requests(keras, json.loads(sys.argv[1]))))
'''


_SEEN: dict[str, dict[str, dict[str, Any]]] = {}  # per process


def request_key(cls_name: str, arguments: dict[str, Any]) -> str:
    """One probe request (class and arguments) under the installed Keras."""
    spec = json.dumps([cls_name, arguments], sort_keys=True)
    return hashlib.sha256(f"{library_versions().get('keras')}\0{spec}".encode()).hexdigest()[:24]


def _run(requests: list[tuple[str, dict[str, Any]]]) -> list[dict[str, dict[str, Any]]]:
    if "tensorflow" in sys.modules:  # the build trained: TensorFlow is here already, no second import
        from tensorflow import keras

        return probe_requests(keras, [list(r) for r in requests])
    spec = json.dumps([list(r) for r in requests], sort_keys=True)
    done = subprocess.run([sys.executable, "-c", CHILD, spec], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        names = ", ".join(sorted({cls for cls, _ in requests}))
        raise LecturegenError(say("install.cannot_probe_keras", names=names, last=last))
    return json.loads(done.stdout.strip().splitlines()[-1])


def probe(cls_name: str, arguments: dict[str, Any], store: CacheStore | None = None) -> dict[str, dict[str, Any]]:
    """``{argument: {in_signature, default, accepted, value, updates | error, warning}}`` for
    ``keras.optimizers.<cls_name>``; cached in ``store`` (area ``api``) per Keras version."""
    return probe_all([(cls_name, arguments)], store)[request_key(cls_name, arguments)]


def _cached(key: str, store: CacheStore | None) -> dict[str, dict[str, Any]] | None:
    if key in _SEEN:
        return _SEEN[key]
    cached = store.get("api", f"{key}.json") if store is not None else None  # checked: a damaged entry reads as None
    if cached is not None:
        try:
            return _SEEN.setdefault(key, json.loads(cached))
        except ValueError:
            pass
    return None


def cached_all(requests: list[tuple[str, dict[str, Any]]], store: CacheStore | None) -> dict[str, dict[str, dict[str, Any]]] | None:
    """As :func:`probe_all`, from the cache alone: None when one of them was never probed."""
    found = {key: _cached(key, store) for key in {request_key(cls, args): None for cls, args in requests}}
    return None if any(result is None for result in found.values()) else found  # type: ignore[return-value]


def probe_all(requests: list[tuple[str, dict[str, Any]]], store: CacheStore | None) -> dict[str, dict[str, dict[str, Any]]]:
    """Every request a content file made (``api_changes(...)``), by :func:`request_key`: what rendering
    reads. Requests not cached are probed together (:func:`_run`)."""
    keyed = {request_key(cls, args): (cls, args) for cls, args in requests}
    found = {key: _cached(key, store) for key in keyed}
    missing = [key for key, result in found.items() if result is None]
    if missing:
        for key, result in zip(missing, _run([keyed[key] for key in missing])):
            if store is not None:
                store.put("api", f"{key}.json", json.dumps(result).encode())
            found[key] = _SEEN.setdefault(key, result)
    return found  # type: ignore[return-value]
