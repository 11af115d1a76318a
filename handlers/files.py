"""Content-addressed file store: a file's name is its sha256; writes are atomic, and every
read is checked against that name (a file altered on disk is refused, never served)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class StoredFileAltered(Exception):
    """A stored file whose content no longer matches its recorded sha256 (or is gone)."""

    def __init__(self, sha256: str, missing: bool = False):
        self.sha256, self.missing = sha256, missing
        super().__init__(f"stored file {sha256} is {'missing' if missing else 'altered: its content no longer matches its sha256'}")


class FileStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, content: bytes) -> str:
        """Store ``content`` (idempotent) and return its sha256."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # atomic: readers see the whole file or none
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The content stored under ``sha256``, re-hashed: altered or missing raises
        :class:`StoredFileAltered`."""
        try:
            content = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise StoredFileAltered(sha256, missing=True) from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise StoredFileAltered(sha256)
        return content

    def check(self, sha256: str) -> str | None:
        """None when the file is intact, else what is wrong with it (read in blocks)."""
        digest = hashlib.sha256()
        try:
            with self.path(sha256).open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except FileNotFoundError:
            return "missing"
        return None if digest.hexdigest() == sha256 else "altered"

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()
