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
from tests.web import test_portal as portal
from tests.web.conftest import Site
from tests.web.test_portal import CITIZEN, file_dossier


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
        portal.test_whole_journey_through_pages(site)
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
    assert result.valid and result.signer_common_name == "Abdelkrim Fassi (Casablanca)"


def test_a_president_enrols_their_key_in_their_token_from_the_page(keyed_site: Site, demo_pki: Any) -> None:
    from tests import softhsm
    from tests.signing.tools import missing
    module = softhsm.module()
    if module is None:
        missing("SoftHSM2 is not installed (Debian package softhsm2)")
    site = keyed_site
    ports = site.app.extensions["guichet.ports"]
    ports.keystore.pkcs11_module = module
    softhsm.init_token("jeton-president", "2468024")
    president = site.client("president@casablanca.demo")
    page = president.get("/signature-keys/").get_data(as_text=True)
    assert "Vous n'avez pas encore de clé de signature." in page and 'name="token_label"' in page
    r = president.post("/signature-keys/", data={"commune": "casablanca", "pin": "2468024", "pin_confirm": "2468000",
                                                 "token_label": "jeton-president"})
    assert r.status_code == 422 and "Les deux codes PIN diffèrent." in r.get_data(as_text=True)
    r = president.post("/signature-keys/", data={"commune": "rabat", "pin": "2468024", "pin_confirm": "2468024"})
    assert r.status_code == 403  # not Rabat's president
    r = president.post("/signature-keys/", data={"commune": "casablanca", "pin": "2468024", "pin_confirm": "2468024",
                                                 "token_label": "jeton-president"})
    assert r.status_code == 302
    page = president.get("/signature-keys/").get_data(as_text=True)
    assert "certificat à installer" in page
    key_id = re.search(r"/signature-keys/(\d+)/install", page).group(1)  # type: ignore[union-attr]
    assert president.post(f"/signature-keys/{key_id}/install", data={"pin": "0000000"}).status_code == 422
    assert president.post(f"/signature-keys/{key_id}/install", data={"pin": "2468024"}).status_code == 302
    page = president.get("/signature-keys/").get_data(as_text=True)
    assert ">active" in page.replace("<td>", ">") and "Abdelkrim Fassi (Casablanca)" in page
    # the key was generated in the token: the page's key signs the president's next decision
    ports.signer = lambda: None
    with pytest.raises(AssertionError):
        portal.test_whole_journey_through_pages(site)
    sign = re.search(r'/tasks/([0-9a-f-]{36})', president.get("/inbox").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert president.post(f"/tasks/{sign}", data={"approve": "on", "signing_pin": "2468024"}).status_code == 302
    citizen = site.client(CITIZEN)
    dossier_id = re.search(r"/dossiers/(\d+)", citizen.get("/dossiers/").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    pdf = citizen.get(f"/dossiers/{dossier_id}/authorization.pdf")
    from signing.verify import verify
    result = verify(pdf.data, [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.signer_common_name == "Abdelkrim Fassi (Casablanca)"


def test_without_a_demo_ca_the_administrator_records_the_certificate(keyed_site: Site, demo_pki: Any) -> None:
    from signing.demo_pki import issue, issue_for_csr, load_ca, name, pem
    site = keyed_site
    ports = site.app.extensions["guichet.ports"]
    ports.keystore.demo_ca = lambda: None
    president = site.client("president@casablanca.demo")
    r = president.post("/signature-keys/", data={"commune": "casablanca", "pin": "1122334", "pin_confirm": "1122334"})
    assert r.status_code == 302
    page = president.get("/signature-keys/").get_data(as_text=True)
    assert "en attente du certificat" in page and "Certificat émis (PEM)" not in page
    key_id = re.search(r"/signature-keys/(\d+)/csr.pem", page).group(1)  # type: ignore[union-attr]
    csr = president.get(f"/signature-keys/{key_id}/csr.pem").data
    assert csr.startswith(b"-----BEGIN CERTIFICATE REQUEST-----")
    assert site.client("president@rabat.demo").get(f"/signature-keys/{key_id}/csr.pem").status_code == 404
    ca = load_ca(demo_pki, "demo-pass")
    cert = (pem(issue_for_csr(csr, ca)) + pem(ca.certificate)).decode()
    assert president.post(f"/signature-keys/{key_id}/certificate", data={"certificate": cert}).status_code == 404
    admin = site.client("admin@guichet.demo")
    other = pem(issue(name("Quelqu'un d'autre"), issuer=ca).certificate).decode()  # another key's certificate
    r = admin.post(f"/signature-keys/{key_id}/certificate", data={"certificate": other}, follow_redirects=True)
    assert "Ce certificat n&#39;a pas été émis pour cette demande." in r.get_data(as_text=True)
    assert admin.post(f"/signature-keys/{key_id}/certificate", data={"certificate": cert}).status_code == 302
    assert president.post(f"/signature-keys/{key_id}/install", data={"pin": "1122334"}).status_code == 302
    assert ">active" in president.get("/signature-keys/").get_data(as_text=True).replace("<td>", ">")


def test_the_signatures_commands(keyed_site: Site, demo_pki: Any) -> None:
    """``guichet signatures``: refresh needs a TSA and renews nothing before it is due;
    expiring lists the keys to renew; demo-seals makes no second seal."""
    site = keyed_site
    runner = site.app.test_cli_runner()
    no_tsa = runner.invoke(args=["signatures", "refresh"])
    assert no_tsa.exit_code == 1 and "GUICHET_TSA_URL" in no_tsa.output
    seals = runner.invoke(args=["signatures", "demo-seals"])
    assert seals.exit_code == 0 and "none (each commune has one)" in seals.output
    soon = runner.invoke(args=["signatures", "expiring", "--days", "3650"])
    assert soon.exit_code == 0 and "2 key(s) to renew" in soon.output and "Cachet électronique" in soon.output
    assert "0 key(s) to renew" in runner.invoke(args=["signatures", "expiring"]).output
