"""Backups: the database (pg_dump, or SQLite's online backup) and the file store, with a
manifest of checksums. Signing keys are never included: they are restored from their own
safe place (a token, or the operator's key escrow).

A backup taken while the application writes is consistent: the manifest's counts and the
list of files the database references are read from the *same snapshot* the dump is made
of (PostgreSQL: an exported snapshot of a REPEATABLE READ transaction held open while
``pg_dump --snapshot`` runs; SQLite: the online-backup copy itself), and the file archive
is written after the dump, so every file the dump names is in it (files are content-addressed
and written before the row naming them commits).

A restore checks everything first — checksums, the database kind, an empty target, the
counts inside the dump, every referenced file present in the archive and matching its
sha256 — and only then writes: the database in one transaction (``pg_restore
--single-transaction``, or a copied SQLite file renamed into place), the files extracted to
a temporary folder beside the store and then moved in.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

COUNTED = ("dossier", "decision", "process_instance", "audit_event", "document_version")
# every column naming a file of the store (content-addressed by sha256)
FILE_COLUMNS = (("document_version", "sha256"), ("decision", "pdf_sha256"), ("commission_session", "minutes_sha256"))


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


def _snapshot_facts(conn: Any) -> tuple[dict[str, int], list[str]]:
    """Counts and referenced files, read through ``conn`` (a DB-API or SQLAlchemy connection)."""
    def rows(sql: str) -> list[Any]:
        if isinstance(conn, sa.Connection):
            return list(conn.execute(sa.text(sql)))
        return list(conn.execute(sql))
    counts = {t: int(rows(f"SELECT count(*) FROM {t}")[0][0]) for t in COUNTED}
    files: set[str] = set()
    for table, column in FILE_COLUMNS:
        files.update(r[0] for r in rows(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"))
    return counts, sorted(files)


def _dump_postgresql(url: str, db_file: Path) -> tuple[dict[str, int], list[str]]:
    engine = sa.create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _snapshot_facts(conn)  # the snapshot pg_dump will read: same rows
            run = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                                  "--file", str(db_file), _libpq(url)], capture_output=True, text=True, check=False)
            if run.returncode != 0:
                raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
        return facts
    finally:
        engine.dispose()


def _dump_sqlite(url: str, db_file: Path) -> tuple[dict[str, int], list[str]]:
    source = sqlite3.connect(make_url(url).database or "")
    try:
        with sqlite3.connect(db_file) as copy:
            source.backup(copy)  # a consistent copy, even while the app writes
    finally:
        source.close()
    copy = sqlite3.connect(db_file)
    try:
        return _snapshot_facts(copy)  # counted on the copy: exactly what the backup holds
    finally:
        copy.close()


def _archive(storage: Path, files: Iterable[str], archive: Path) -> None:
    """Every referenced file, by its content-addressed path; a missing one fails the backup."""
    with tarfile.open(archive, "w") as tar:
        for sha in files:
            path = storage / sha[:2] / sha[2:4] / sha
            if not path.is_file():
                raise BackupError(f"file {sha} named by the database is missing from the file store")
            tar.add(path, arcname=f"files/{sha[:2]}/{sha[2:4]}/{sha}")


def backup(url: str, storage: Path, dest: Path) -> Path:
    """Write ``dest/guichet-<time>/`` with the database, the files and a manifest."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = dest / f"guichet-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    kind = make_url(url).get_backend_name()
    if kind == "postgresql":
        db_file = target / "database.dump"
        counts, files = _dump_postgresql(url, db_file)
    elif kind == "sqlite":
        db_file = target / "database.sqlite"
        counts, files = _dump_sqlite(url, db_file)
    else:
        raise BackupError(f"no backup method for {kind}")
    archive = target / "files.tar"
    _archive(storage, files, archive)
    manifest = {"created_at": stamp, "database": kind, "counts": counts, "files": files,
                "artifacts": {p.name: _sha256(p) for p in (db_file, archive)}, "keys_included": False}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return target


def _dump_counts(dump: Path) -> dict[str, int]:
    """Rows per counted table inside a pg_dump archive, read without restoring it."""
    args = ["pg_restore", "--data-only", "--file=-"] + [f"--table={t}" for t in COUNTED] + [str(dump)]
    run = subprocess.run(args, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {run.stderr.strip()}")
    counts = dict.fromkeys(COUNTED, 0)
    table = None
    for line in run.stdout.splitlines():
        if table is None and line.startswith("COPY "):
            table = line.split()[1].split(".")[-1].strip('"')
        elif table is not None:
            if line == "\\.":
                table = None
            else:
                counts[table] = counts.get(table, 0) + 1  # COPY text: one line per row
    return counts


def _check_manifest(source: Path, url: str) -> dict[str, Any]:
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"the backup has no readable manifest: {exc}") from None
    for name, digest in manifest["artifacts"].items():
        if not (source / name).is_file() or _sha256(source / name) != digest:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged")
    kind = make_url(url).get_backend_name()
    if kind != manifest["database"]:
        raise BackupError(f"this backup is of a {manifest['database']} database, not {kind}")
    if kind == "postgresql":
        counts = _dump_counts(source / "database.dump")
    else:
        copy = sqlite3.connect(f"file:{source / 'database.sqlite'}?mode=ro", uri=True)
        try:
            counts = _snapshot_facts(copy)[0]
        finally:
            copy.close()
    if counts != manifest["counts"]:
        raise BackupError(f"the dump holds {counts}, the manifest recorded {manifest['counts']}: the backup is damaged")
    engine = sa.create_engine(url)
    try:
        if sa.inspect(engine).get_table_names():
            raise BackupError("the target database is not empty: restore into a fresh one")
    finally:
        engine.dispose()
    return manifest


def _extract_files(source: Path, manifest: dict[str, Any], staging: Path) -> list[Path]:
    """Extract the archive into ``staging``; every file must match its name, every referenced
    file must be there."""
    wanted = set(manifest.get("files", []))
    found: list[Path] = []
    with tarfile.open(source / "files.tar") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) != 4 or parts[0] != "files" or ".." in parts:
                continue
            extracted = tar.extractfile(member)
            content = extracted.read() if extracted is not None else b""
            if hashlib.sha256(content).hexdigest() != parts[3]:
                raise BackupError(f"file {parts[3]} in the archive does not match its sha256: the backup is damaged")
            out = staging.joinpath(*parts[1:])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(content)
            found.append(out)
            wanted.discard(parts[3])
    if wanted:
        raise BackupError(f"{len(wanted)} file(s) named by the database are missing from the archive")
    return found


def _restore_database(source: Path, url: str, kind: str) -> None:
    if kind == "postgresql":
        run = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
                              "--dbname", _libpq(url), str(source / "database.dump")],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise BackupError(f"pg_restore failed (nothing was written): {run.stderr.strip()}")
        return
    target = Path(make_url(url).database or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
    os.close(fd)
    try:
        shutil.copyfile(source / "database.sqlite", tmp)
        os.replace(tmp, target)  # the whole database appears at once, or not at all
    finally:
        Path(tmp).unlink(missing_ok=True)


def restore(source: Path, url: str, storage: Path) -> dict[str, Any]:
    """Restore a backup into an empty database and a file store; returns the manifest.
    Nothing is written unless every check passes."""
    manifest = _check_manifest(source, url)
    storage.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=storage, prefix=".restore-"))
    try:
        extracted = _extract_files(source, manifest, staging)
        _restore_database(source, url, manifest["database"])
        for path in extracted:  # same filesystem: each move is a rename
            out = storage / path.relative_to(staging)
            out.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
