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
