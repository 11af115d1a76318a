"""A backup restored into a fresh database and file store holds every dossier, and every
signature still verifies."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.conftest import Site, new_database


def test_backup_then_restore_into_a_fresh_database(site: Site, backend: str, tmp_path: Path, demo_pki) -> None:  # noqa: ANN001
    from handlers.dossier_models import Decision, Dossier
    from signing.verify import verify
    from tests.web.test_portal import file_dossier, test_whole_journey_through_pages
    test_whole_journey_through_pages(site)
    file_dossier(site)
    cli = site.app.test_cli_runner()
    result = cli.invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [folder] = (tmp_path / "backups").iterdir()
    assert not any(p.suffix in (".p12", ".key", ".pem") for p in folder.rglob("*"))  # keys stay out
    with new_database(backend, tmp_path) as url:
        from web import create_app
        restored = create_app({"SQLALCHEMY_DATABASE_URI": url, "GUICHET_STORAGE_DIR": str(tmp_path / "restored"),
                               "GUICHET_PROCESSES_DIR": site.app.config["GUICHET_PROCESSES_DIR"], "TESTING": True})
        out = restored.test_cli_runner().invoke(args=["restore", str(folder)])
        assert out.exit_code == 0, out.output
        again = restored.test_cli_runner().invoke(args=["restore", str(folder)])
        assert again.exit_code != 0 and "not empty" in again.output
        with restored.app_context():
            from web.extensions import db
            assert len(db.session.scalars(select(Dossier)).all()) == 2
            decisions = db.session.scalars(select(Decision).where(Decision.signed.is_(True))).all()
            assert decisions
            store = restored.extensions["guichet.ports"].files
            for decision in decisions:
                result = verify(store.get(decision.pdf_sha256), [demo_pki.ca_certificate.read_bytes()])
                assert result.valid and result.intact and result.trusted
            db.session.remove()
            db.engines[None].dispose()


def test_a_damaged_backup_is_refused(site: Site, backend: str, tmp_path: Path) -> None:
    cli = site.app.test_cli_runner()
    assert cli.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    [folder] = (tmp_path / "b").iterdir()
    tar = folder / "files.tar"
    tar.write_bytes(tar.read_bytes() + b"tampered")
    with new_database(backend, tmp_path) as url:
        from web import create_app
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "GUICHET_STORAGE_DIR": str(tmp_path / "r"), "TESTING": True})
        out = app.test_cli_runner().invoke(args=["restore", str(folder)])
        assert out.exit_code != 0 and "damaged" in out.output
        with app.app_context():
            from web.extensions import db
            db.engines[None].dispose()


def test_a_backup_taken_while_dossiers_are_filed_restores(site: Site, backend: str, tmp_path: Path,
                                                          demo_pki) -> None:  # noqa: ANN001
    """A thread keeps filing dossiers (documents uploaded, numbered, procedure started) while
    the backup runs: the restored database holds what the manifest counted, every file it
    names is there and intact, and every signature still verifies."""
    import hashlib
    import json
    import threading

    from handlers.dossier_models import Decision, DocumentVersion, Dossier
    from signing.verify import verify
    from tests.web.test_portal import file_dossier, test_whole_journey_through_pages
    test_whole_journey_through_pages(site)
    stop, filed, errors = threading.Event(), [], []

    def keep_filing() -> None:
        try:
            while not stop.is_set():
                filed.append(file_dossier(site)[0])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
    writer = threading.Thread(target=keep_filing)
    writer.start()
    try:
        while not filed and not errors:
            stop.wait(0.05)
        result = site.app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
    finally:
        stop.set()
        writer.join()
    assert not errors, errors
    assert result.exit_code == 0, result.output
    [folder] = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    with new_database(backend, tmp_path) as url:
        from web import create_app
        restored = create_app({"SQLALCHEMY_DATABASE_URI": url, "GUICHET_STORAGE_DIR": str(tmp_path / "restored"),
                               "GUICHET_PROCESSES_DIR": site.app.config["GUICHET_PROCESSES_DIR"], "TESTING": True})
        out = restored.test_cli_runner().invoke(args=["restore", str(folder)])
        assert out.exit_code == 0, out.output
        with restored.app_context():
            from web.extensions import db
            session = db.session
            assert session.query(Dossier).count() == manifest["counts"]["dossier"] >= 2
            assert session.query(DocumentVersion).count() == manifest["counts"]["document_version"]
            store = restored.extensions["guichet.ports"].files
            for doc in session.scalars(select(DocumentVersion)):
                assert hashlib.sha256(store.path(doc.sha256).read_bytes()).hexdigest() == doc.sha256
            for decision in session.scalars(select(Decision).where(Decision.signed.is_(True))):
                checked = verify(store.get(decision.pdf_sha256), [demo_pki.ca_certificate.read_bytes()])
                assert checked.valid and checked.intact and checked.trusted
            db.session.remove()
            db.engines[None].dispose()


def test_a_restore_that_fails_a_check_writes_nothing(site: Site, backend: str, tmp_path: Path) -> None:
    """A file missing from the archive is found before the database or the store is touched."""
    import json
    import tarfile

    from tests.web.test_portal import file_dossier
    file_dossier(site)
    assert site.app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    [folder] = (tmp_path / "b").iterdir()
    with tarfile.open(folder / "files.tar") as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        kept = {m.name: tar.extractfile(m).read() for m in members[1:]}  # type: ignore[union-attr]
    with tarfile.open(folder / "files.tar", "w") as tar:
        import io
        for name, content in kept.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    manifest = json.loads((folder / "manifest.json").read_text())
    from web.backup import _sha256
    manifest["artifacts"]["files.tar"] = _sha256(folder / "files.tar")  # a consistent but incomplete backup
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with new_database(backend, tmp_path) as url:
        from web import create_app
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "GUICHET_STORAGE_DIR": str(tmp_path / "r"), "TESTING": True})
        out = app.test_cli_runner().invoke(args=["restore", str(folder)])
        assert out.exit_code != 0 and "missing from the archive" in out.output
        import sqlalchemy as sa
        eng = sa.create_engine(url)
        assert sa.inspect(eng).get_table_names() == []
        eng.dispose()
        assert not [p for p in (tmp_path / "r").rglob("*") if p.is_file()]
        with app.app_context():
            from web.extensions import db
            db.engines[None].dispose()
