"""The cache folder, one object for all its areas: ``runs`` (training results), ``figures``
(SVGs), ``fonts`` (font subsets), ``math`` (typeset formulas) and ``pdf`` (printed handouts).

Every entry is written the same way, atomically (temporary file + rename), with an HMAC-SHA256
of its area, name and bytes next to it (``<name>.mac``), keyed by a secret made once per cache
folder (``.secret``, mode 0600). Every entry is read the same way: bytes whose MAC does not match
are reported, deleted and made again, never used. So a truncated, half-written or edited entry is
rejected, also one edited together with a recomputed plain sha256: forging an entry needs the
secret. What this does not protect against: someone who can read the cache folder's ``.secret``
(the same user, or root) can forge entries; keep the cache folder private to its user.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from pathlib import Path

from lecturegen.errors import LecturegenError
from lecturegen.safefs import discard, read_regular_bytes
from lecturegen.messages import say

log = logging.getLogger(__name__)

AREAS = ("runs", "figures", "fonts", "math", "pdf", "api", "outputs", "templates", "requests", "schemas")
"""api: how the installed Keras treats old arguments; outputs: what each output folder was built from
(:mod:`lecturegen.engine.unchanged`); templates: compiled page templates (:mod:`lecturegen.engine.render`);
requests: the formulas and probes each content file asked for last (:mod:`lecturegen.engine.prepared`);
schemas: nbformat's notebook schema compiled to Python (:mod:`lecturegen.engine.ipynb`)."""
SECRET = ".secret"
MAC = ".mac"


def default_cache_dir() -> Path:
    if os.environ.get("LECTUREGEN_CACHE"):
        return Path(os.environ["LECTUREGEN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lecturegen"


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and a rename: readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CacheStore:
    """One cache folder: ``get(area, name)`` / ``put(area, name, data)`` for every area."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._key: bytes | None = None
        self.damaged: set[tuple[str, str]] = set()  # entries rejected by this object

    @classmethod
    def of(cls, where: "CacheStore | Path") -> "CacheStore":
        return where if isinstance(where, CacheStore) else cls(Path(where))

    def path(self, area: str, name: str) -> Path:
        if area not in AREAS:
            raise ValueError(f"unknown cache area {area!r}")
        return self.root / area / name

    def _secret(self) -> bytes:
        """The per-cache key, created on first use readable by its owner only."""
        if self._key is None:
            path = self.root / SECRET
            try:
                self._key = bytes.fromhex(read_regular_bytes(path).decode("ascii").strip())
            except (OSError, ValueError):
                self._key = b""
            if len(self._key) < 32:  # missing or spoilt: a new secret (every entry is then made again)
                if path.is_symlink() or (path.exists() and not path.is_file()):  # a folder, a FIFO, a link
                    raise LecturegenError(say("cache.key_not_a_file", path=path))
                self.root.mkdir(parents=True, exist_ok=True)
                self._key = secrets.token_bytes(32)
                fd, tmp = tempfile.mkstemp(prefix=".secret.", dir=self.root)  # mkstemp creates it 0600
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(self._key.hex())
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    os.unlink(tmp)
                    raise LecturegenError(say("cache.key_not_a_file", path=path) + f" ({exc.strerror})") from None
        return self._key

    def _mac(self, area: str, name: str, data: bytes) -> str:
        message = f"{area}/{name}".encode("utf-8") + b"\0" + data
        return hmac.new(self._secret(), message, hashlib.sha256).hexdigest()

    def put(self, area: str, name: str, data: bytes) -> Path:
        path = self.path(area, name)
        write_atomic(path, data)
        write_atomic(path.with_name(path.name + MAC), self._mac(area, name, data).encode("ascii"))
        return path

    def get(self, area: str, name: str) -> bytes | None:
        """The entry's bytes, or None when missing or damaged (a damaged entry is deleted)."""
        path = self.path(area, name)
        mac_path = path.with_name(path.name + MAC)
        try:
            data = read_regular_bytes(path)
        except OSError:  # missing, or not a file (a damaged folder, a FIFO): not cached
            discard(mac_path)
            return None
        try:
            expected = read_regular_bytes(mac_path).decode("ascii").strip()
        except FileNotFoundError:  # never finished, or written before entries had a MAC: not cached
            discard(path)
            return None
        except (OSError, UnicodeDecodeError):
            expected = ""
        if expected and hmac.compare_digest(expected, self._mac(area, name, data)):
            return data
        log.warning(say("cache.damaged_entry_retraining" if area == "runs" else "cache.damaged_entry_remade",
                        area=area, name=name))
        self.damaged.add((area, name))
        discard(path)
        discard(mac_path)
        return None
