"""Minutes carry the e-seal of their commission's commune, as receipts do: two communes'
minutes, two certificates; each dossier of the agenda records the seal that sealed them."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from signing.verify import verify
from tests.conftest import Site
from tests.pdfs import tiny_pdf
from tests.web.test_portal import CHECKLIST, CITIZEN, FIELDS

from .conftest import AGENT, OTHER_AGENT


@pytest.fixture
def sealed_site(site: Site, demo_pki: Any, tmp_path: Path) -> Site:
    from engine.clock import utcnow
    from handlers.signatures import demo as signature_demo
    from handlers.signatures.keystore import KeyStore
    from signing.demo_pki import load_ca
    from web.bootstrap import get_engine
    ca = load_ca(demo_pki, "demo-pass")
    ports = site.app.extensions["guichet.ports"]
    ports.keystore = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(range(32)),
                              seal_secrets=tmp_path / "seals", demo_ca=lambda: ca)
    with site.app.app_context():
        assert signature_demo.seals(get_engine(site.app), ports, utcnow()) == ["casablanca", "rabat"]
    return site


def at_commission_in(site: Site, commune: str, agent: str) -> int:
    client = site.client(CITIZEN)
    r = client.post("/dossiers/new", data={"procedure": "permis_construire", "commune": commune})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/dossiers/{dossier_id}/fields", data=FIELDS).status_code == 302
    for kind in CHECKLIST:
        assert client.post(f"/dossiers/{dossier_id}/documents",
                           data={"kind": kind, "file": (io.BytesIO(tiny_pdf(kind)), f"{kind}.pdf")},
                           content_type="multipart/form-data").status_code == 302
    assert client.post(f"/dossiers/{dossier_id}/submit").status_code == 302
    inbox = site.client(agent)
    check = re.findall(r'/tasks/([0-9a-f-]{36})', inbox.get("/inbox").get_data(as_text=True))[0]
    assert inbox.post(f"/tasks/{check}", data={"complete": "on"}).status_code == 302
    return dossier_id


def close(site: Site, dossier_id: int, agent: str) -> bytes:
    from handlers.dossier_models import AgendaItem
    from web.extensions import db
    with site.app.app_context():
        session_id = db.session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == dossier_id))
    r = site.client(agent).post(f"/commission/sessions/{session_id}/close", json={"confirm": True, "before_date": True})
    assert r.status_code == 200, r.json
    return site.client(agent).get(r.json["minutes_url"]).data


def test_two_communes_minutes_carry_their_own_seals(sealed_site: Site, demo_pki: Any) -> None:
    from handlers.signatures.models import SignedDocument, SignerKey
    from web.extensions import db
    site = sealed_site
    site.app.extensions["guichet.ports"].signer = lambda: None  # the seals alone: no installation key
    casa = at_commission_in(site, "casablanca", AGENT)
    rabat = at_commission_in(site, "rabat", OTHER_AGENT)
    roots = [demo_pki.ca_certificate.read_bytes()]
    results = {d: verify(close(site, d, agent), roots) for d, agent in ((casa, AGENT), (rabat, OTHER_AGENT))}
    assert all(r.valid for r in results.values()), [r.problems for r in results.values()]
    assert results[casa].signer_common_name == "Cachet électronique — Commune de Casablanca"
    assert results[rabat].signer_common_name == "Cachet électronique — Commune de Rabat"
    with site.app.app_context():
        records = {d: db.session.scalars(select(SignedDocument).where(
            SignedDocument.dossier_id == d, SignedDocument.kind == "minutes")).one() for d in (casa, rabat)}
        keys = {d: db.session.get_one(SignerKey, records[d].signer_key_id) for d in (casa, rabat)}
    assert keys[casa].serial != keys[rabat].serial
    assert keys[casa].purpose == keys[rabat].purpose == "seal"
    assert (keys[casa].commune_code, keys[rabat].commune_code) == ("casablanca", "rabat")
    assert records[casa].verification_code.startswith("PV-") and records[casa].user_id is None


def test_without_a_seal_the_installation_key_signs_the_minutes(site: Site, demo_pki: Any) -> None:
    from handlers.signatures.models import SignedDocument
    from web.extensions import db
    casa = at_commission_in(site, "casablanca", AGENT)
    result = verify(close(site, casa, AGENT), [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.signer_common_name != "Cachet électronique — Commune de Casablanca"
    with site.app.app_context():
        record = db.session.scalars(select(SignedDocument).where(SignedDocument.dossier_id == casa,
                                                                 SignedDocument.kind == "minutes")).one()
    assert record.signer_key_id is None


def test_without_seal_nor_installation_key_the_session_stays_open(site: Site) -> None:
    from handlers.dossier_models import AgendaItem, CommissionSession
    from web.extensions import db
    site.app.extensions["guichet.ports"].signer = lambda: None
    casa = at_commission_in(site, "casablanca", AGENT)
    with site.app.app_context():
        session_id = db.session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == casa))
    r = site.client(AGENT).post(f"/commission/sessions/{session_id}/close", json={"confirm": True, "before_date": True})
    assert r.status_code == 422 and "aucune clé de signature" in r.json["message"], r.json
    with site.app.app_context():
        assert db.session.get_one(CommissionSession, session_id).status == "scheduled"
