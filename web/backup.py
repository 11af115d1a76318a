"""Backups: the database (pg_dump, or SQLite's online backup) and the file store, with a
manifest of checksums. Signing keys are never included: they are restored from their own
safe place (a token, or the operator's key escrow)."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or a restore that cannot proceed; the message says why."""


def _libpq(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("dossier", "decision", "process_instance", "audit_event", "document_version")}
    finally:
        engine.dispose()


def backup(url: str, storage: Path, dest: Path) -> Path:
    """Write ``dest/guichet-<time>/`` with the database, the files and a manifest."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest / f"guichet-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    kind = make_url(url).get_backend_name()
    if kind == "postgresql":
        db_file = target / "database.dump"
        run = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(db_file), _libpq(url)],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
    elif kind == "sqlite":
        db_file = target / "database.sqlite"
        source = sqlite3.connect(make_url(url).database or "")
        with sqlite3.connect(db_file) as copy:
            source.backup(copy)  # a consistent copy, even while the app writes
        source.close()
    else:
        raise BackupError(f"no backup method for {kind}")
    files = target / "files.tar"
    with tarfile.open(files, "w") as tar:
        if storage.is_dir():
            tar.add(storage, arcname="files")
    manifest = {"created_at": stamp, "database": kind, "counts": _counts(url),
                "artifacts": {p.name: _sha256(p) for p in (db_file, files)}, "keys_included": False}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return target


def restore(source: Path, url: str, storage: Path) -> dict[str, Any]:
    """Restore a backup into an empty database and a file store; returns the manifest."""
    manifest = json.loads((source / "manifest.json").read_text())
    for name, digest in manifest["artifacts"].items():
        if _sha256(source / name) != digest:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged")
    kind = make_url(url).get_backend_name()
    if kind != manifest["database"]:
        raise BackupError(f"this backup is of a {manifest['database']} database, not {kind}")
    engine = sa.create_engine(url)
    try:
        if sa.inspect(engine).get_table_names():
            raise BackupError("the target database is not empty: restore into a fresh one")
    finally:
        engine.dispose()
    if kind == "postgresql":
        run = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(url),
                              str(source / "database.dump")], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise BackupError(f"pg_restore failed: {run.stderr.strip()}")
    else:
        shutil.copyfile(source / "database.sqlite", make_url(url).database or "")
    storage.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "files.tar") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith("files/") or ".." in Path(member.name).parts:
                continue
            out = storage / Path(member.name).relative_to("files")
            out.parent.mkdir(parents=True, exist_ok=True)
            extracted = tar.extractfile(member)
            if extracted is not None:
                out.write_bytes(extracted.read())
    if _counts(url) != manifest["counts"]:
        raise BackupError("the restored database does not hold what the backup recorded")
    return manifest
