"""Per-signer keys and sealed receipts through the pages and the API: the approval page asks
the signer's PIN, the receipt is sealed and its QR code leads to a verify page that answers."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handlers.signatures import demo as signature_demo
from handlers.signatures import enrol
from handlers.signatures.keystore import KeyStore
from tests.signing.test_render import page_images, qr_codes
from tests.web.conftest import Site
from tests.web.test_portal import CITIZEN, file_dossier, test_whole_journey_through_pages


@pytest.fixture
def keyed_site(site: Site, demo_pki: Any, tmp_path: Path) -> Site:
    from signing.demo_pki import load_ca
    from web.bootstrap import get_engine
    ca = load_ca(demo_pki, "demo-pass")
    ports = site.app.extensions["guichet.ports"]
    ports.keystore = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(range(32)),
                              seal_secrets=tmp_path / "seals", demo_ca=lambda: ca)
    with site.app.app_context():
        assert signature_demo.seals(get_engine(site.app), ports, site_now()) == ["casablanca", "rabat"]
    return site


def site_now() -> Any:
    from engine.clock import utcnow
    return utcnow()


def test_the_sealed_receipt_qr_leads_to_a_verify_page_that_answers(keyed_site: Site, tmp_path: Path) -> None:
    site = keyed_site
    dossier_id, citizen = file_dossier(site)
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    number = re.search(r"PC-CASABLANCA-\d{4}-\d{6}", page).group(0)  # type: ignore[union-attr]
    r = site.app.test_client().get(f"/api/v1/dossiers/{dossier_id}/receipt.pdf", headers=site.token(CITIZEN))
    assert r.status_code == 200 and r.headers["X-Guichet-Sealed"] == "true" and b"/ETSI.CAdES.detached" in r.data
    assert citizen.get(f"/dossiers/{dossier_id}/receipt.pdf").data == r.data
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(r.data)
    [url] = qr_codes(page_images(pdf)[0])
    assert url == f"https://guichet.example.ma/verify/{number}"
    anon = site.client()
    verify_page = anon.get(url.removeprefix("https://guichet.example.ma"))
    text = verify_page.get_data(as_text=True)
    assert verify_page.status_code == 200 and 'class="verdict ok"' in text and "Récépissé de dépôt" in text
    assert "Cachet électronique — Commune de Casablanca" in text
    api = anon.get(f"/api/v1/verify/{number}")
    assert api.status_code == 200 and api.json["valid"]
    assert anon.get(f"/verify/{number}/decision.pdf").data == r.data
    other = site.app.test_client().get(f"/api/v1/dossiers/{dossier_id}/receipt.pdf",
                                       headers=site.token("guichet@rabat.demo"))
    assert other.status_code == 404  # another commune's agent does not see it


def test_the_approval_page_asks_the_pin_and_signs_with_the_presidents_own_key(keyed_site: Site, demo_pki: Any) -> None:
    from handlers.accounts import find_by_email
    from handlers.dossier_models import Decision
    from handlers.signatures.models import SignedDocument
    from signing.verify import verify
    from web.bootstrap import get_engine
    from web.extensions import db
    site = keyed_site
    ports = site.app.extensions["guichet.ports"]
    ports.signer = lambda: None  # no installation key: the president's own key or nothing
    with site.app.app_context():
        engine = get_engine(site.app)
        with engine.transaction() as s:
            user = find_by_email(s, "president@casablanca.demo")
            assert user is not None
            key = enrol.request(s, ports.keystore, commune_code="casablanca", purpose="president", user_id=user.id,
                                secret="7531598", now=site_now())
            enrol.issue_with_demo_ca(s, ports.keystore, key.id, ports.keystore.demo_ca)
            enrol.install(s, ports.keystore, key.id, "7531598", site_now())
    with pytest.raises(AssertionError):  # the journey approves without a PIN: refused
        test_whole_journey_through_pages(site)
    president = site.client("president@casablanca.demo")
    sign = re.search(r'/tasks/([0-9a-f-]{36})', president.get("/inbox").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    page = president.get(f"/tasks/{sign}").get_data(as_text=True)
    assert 'name="signing_pin"' in page and "Code PIN de votre clé de signature" in page
    r = president.post(f"/tasks/{sign}", data={"approve": "on"})
    assert r.status_code == 422 and "Saisissez le code PIN" in r.get_data(as_text=True)
    president.get("/lang/ar")
    r = president.post(f"/tasks/{sign}", data={"approve": "on", "signing_pin": "0000000"})
    assert r.status_code == 422 and "رمز" in r.get_data(as_text=True)
    president.get("/lang/fr")
    api = site.app.test_client().post(f"/api/v1/tasks/{sign}/complete", headers=site.token("president@casablanca.demo"),
                                      json={"data": {"approve": True}})
    assert api.status_code == 422 and "PIN" in api.json["message"]
    r = president.post(f"/tasks/{sign}", data={"approve": "on", "signing_pin": "7531598"})
    assert r.status_code == 302
    with site.app.app_context():
        decision = db.session.scalars(select(Decision)).one()
        record = db.session.scalars(select(SignedDocument).where(SignedDocument.kind == "decision")).one()
        assert decision.signed and record.signer_key_id == key.id
        result = verify(ports.files.get(decision.pdf_sha256), [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.signer_common_name == "Président de la commune (Casablanca)"
