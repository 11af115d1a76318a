"""An architect without a key enrols one on « Ma clé de signature » (certified by the DEMO
order of architects' CA), then signs a plan in the browser flow: « Signer ce plan avec ma
clé » and the PIN at upload; the server signs before storing, the checklist's ``signed_by:
architecte`` accepts it, the signer's name shows beside the document; a wrong PIN is refused
(422, French and Arabic) and the PIN is kept nowhere."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handlers.signatures.keystore import KeyStore
from signing import demo_pki as pki
from signing.verify import verify
from tests.pdfs import tiny_pdf
from tests.web.conftest import Site
from tests.web.test_portal import CHECKLIST, FIELDS
from tests.web.test_signed_plans import require_architect_signature

ARCHITECT = "architecte@guichet.demo"
PIN = "5793146"


@pytest.fixture
def order(site: Site, demo_pki: Any, tmp_path: Path) -> pki.Issued:
    """A key store whose DEMO order of architects' CA certifies professionals at once; the
    installation trusts that CA for the profession ``architecte``."""
    ca = pki.load_ca(demo_pki, "demo-pass")
    architects = pki.professional_ca(tmp_path / "orders", "order-pass", "architecte",
                                          "DEMO Ordre national des architectes — AC")
    ports = site.app.extensions["guichet.ports"]
    ports.keystore = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(range(32)),
                              demo_ca=lambda: ca,
                              professional_ca=lambda p: architects if p == "architecte" else None)
    ports.professional_trust = lambda: {"architecte": [pki.pem(architects.certificate)]}
    require_architect_signature(site, tmp_path)
    return architects


def upload(client: Any, dossier_id: int, kind: str, content: bytes, pin: str | None = None) -> Any:
    data: dict[str, Any] = {"kind": kind, "file": (io.BytesIO(content), f"{kind}.pdf")}
    if pin is not None:
        data |= {"sign_with_key": "on", "signing_pin": pin}
    return client.post(f"/dossiers/{dossier_id}/documents", data=data, content_type="multipart/form-data")


def enrol(architect: Any) -> None:
    assert 'href="/signature-keys/"' in architect.get("/dossiers/").get_data(as_text=True)  # in the menu
    page = architect.get("/signature-keys/").get_data(as_text=True)
    assert "Générer une clé pour signer mes plans" in page and "ordre des architectes émettra" in page
    r = architect.post("/signature-keys/professional", data={"pin": PIN, "pin_confirm": PIN + "0"})
    assert r.status_code == 422 and "Les deux codes PIN diffèrent." in r.get_data(as_text=True)
    assert architect.post("/signature-keys/professional", data={"pin": PIN, "pin_confirm": PIN}).status_code == 302
    page = architect.get("/signature-keys/").get_data(as_text=True)
    assert "certificat à installer" in page and "Architecte (plans)" in page
    key_id = re.search(r"/signature-keys/(\d+)/install", page).group(1)  # type: ignore[union-attr]
    assert architect.post(f"/signature-keys/{key_id}/install", data={"pin": "0000000"}).status_code == 422
    assert architect.post(f"/signature-keys/{key_id}/install", data={"pin": PIN}).status_code == 302
    page = architect.get("/signature-keys/").get_data(as_text=True)
    assert ">active" in page.replace("<td>", ">") and "CN=Leila Chraibi" in page


def test_an_architect_enrols_then_signs_a_plan_at_upload(site: Site, order: Any, demo_pki: Any) -> None:
    from handlers.dossier_models import DocumentVersion
    from handlers.signatures.models import SignerKey
    from web.extensions import db
    architect = site.client(ARCHITECT)
    r = architect.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert architect.post(f"/dossiers/{dossier_id}/fields", data=FIELDS).status_code == 302
    page = architect.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Signer ce plan avec ma clé" in page and 'name="signing_pin"' in page

    # no key yet: signing is refused, with the way out
    r = upload(architect, dossier_id, "plans_architecte", tiny_pdf("plans_architecte"), PIN)
    assert r.status_code == 422 and "Ma clé de signature" in r.get_data(as_text=True)
    enrol(architect)

    # unsigned, the plan is refused where the checklist requires an architect's signature
    r = upload(architect, dossier_id, "plans_architecte", tiny_pdf("plans_architecte"))
    assert r.status_code == 422 and "signature électronique valide d&#39;un architecte" in r.get_data(as_text=True), re.findall(r"flash[^>]*>[^<]*", r.get_data(as_text=True))
    # a wrong PIN is refused, in French and in Arabic, and nothing is stored
    r = upload(architect, dossier_id, "plans_architecte", tiny_pdf("plans_architecte"), "0000000")
    assert r.status_code == 422 and "ne s&#39;est pas ouverte avec ce code PIN" in r.get_data(as_text=True)
    architect.get("/lang/ar")
    r = upload(architect, dossier_id, "plans_architecte", tiny_pdf("plans_architecte"), "1111111")
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and 'dir="rtl"' in text and "رمز" in text
    architect.get("/lang/fr")
    with site.app.app_context():
        assert db.session.scalar(select(DocumentVersion.id).where(DocumentVersion.dossier_id == dossier_id)) is None

    # the right PIN: the server signs the plan with the architect's key, then stores it
    assert upload(architect, dossier_id, "plans_architecte", tiny_pdf("plans_architecte"), PIN).status_code == 302
    page = architect.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "signé par <bdi>Leila Chraibi</bdi> (architecte)" in page
    with site.app.app_context():
        doc = db.session.scalars(select(DocumentVersion).where(DocumentVersion.dossier_id == dossier_id)).one()
        stored = site.app.extensions["guichet.ports"].files.get(doc.sha256)
        key = db.session.scalars(select(SignerKey).where(SignerKey.purpose == "architect")).one()
        rows = [str(r.__dict__) for r in db.session.scalars(select(SignerKey))]
        rows += [str(r.__dict__) for r in db.session.scalars(select(DocumentVersion))]
    result = verify(stored, [pki.pem(order.certificate)])
    assert result.valid and result.signer_common_name == "Leila Chraibi" and result.level in ("B-B", "B-T", "B-LT", "B-LTA")
    assert b"/ETSI.CAdES.detached" in stored
    assert key.commune_code is None and key.user_id is not None
    assert rows and not any(PIN in row for row in rows)  # the PIN is kept nowhere
    # the rest of the checklist, and the dossier is filed with the architect's signed plans
    for kind in CHECKLIST:
        if kind != "plans_architecte":
            assert upload(architect, dossier_id, kind, tiny_pdf(kind)).status_code == 302
    assert architect.post(f"/dossiers/{dossier_id}/submit").status_code == 302
    page = architect.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert re.search(r"PC-CASABLANCA-\d{4}-\d{6}", page) and "signé par <bdi>Leila Chraibi</bdi>" in page


def test_only_professionals_enrol_a_plan_key_and_see_the_box(site: Site, order: Any) -> None:
    citizen = site.client("citoyen@guichet.demo")
    assert "Générer une clé pour signer mes plans" not in citizen.get("/signature-keys/").get_data(as_text=True)
    assert citizen.post("/signature-keys/professional", data={"pin": PIN, "pin_confirm": PIN}).status_code == 403
    r = citizen.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert "Signer ce plan avec ma clé" not in citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    # the architect's key does not sign on someone else's dossier
    architect = site.client(ARCHITECT)
    enrol(architect)
    assert upload(architect, dossier_id, "plans_architecte", tiny_pdf("p"), PIN).status_code in (403, 404)


def test_an_architect_signs_a_plan_at_upload_through_the_api(site: Site, order: Any) -> None:
    """The API's upload takes ``sign_with_key`` and ``signing_pin`` as the page does: no key or a
    wrong PIN is a 422 in the caller's language with nothing stored; the right PIN stores the
    plan signed by the architect, which the checklist then accepts."""
    from handlers.dossier_models import DocumentVersion
    from web.extensions import db
    client = site.app.test_client()
    auth = site.token(ARCHITECT)
    r = client.post("/api/v1/dossiers", json={"procedure": "permis_construire", "commune": "casablanca"},
                    headers=auth)
    assert r.status_code == 201, r.json
    dossier_id = r.json["id"]

    def api_upload(pin: str | None) -> Any:
        data: dict[str, Any] = {"kind": "plans_architecte", "file": (io.BytesIO(tiny_pdf("plans")), "plans.pdf")}
        if pin is not None:
            data |= {"sign_with_key": "true", "signing_pin": pin}
        return client.post(f"/api/v1/dossiers/{dossier_id}/documents", data=data, content_type="multipart/form-data",
                           headers=auth)

    r = api_upload(PIN)  # no key yet
    assert r.status_code == 422 and "Ma clé de signature" in r.json["message"], r.json
    enrol(site.client(ARCHITECT))
    r = api_upload(None)  # unsigned: the checklist wants an architect's signature
    assert r.status_code == 422 and "architecte" in r.json["message"], r.json
    r = api_upload("0000000")
    assert r.status_code == 422 and "code PIN" in r.json["message"], r.json
    with site.app.app_context():
        assert db.session.scalar(select(DocumentVersion.id).where(DocumentVersion.dossier_id == dossier_id)) is None
    r = api_upload(PIN)
    assert r.status_code == 201, r.json
    assert r.json["kind"] == "plans_architecte" and r.json["signature"]["valid"] is True
    assert r.json["signature"]["profession"] == "architecte" and "Leila Chraibi" in r.json["signature"]["signer"]
    with site.app.app_context():
        doc = db.session.scalars(select(DocumentVersion).where(DocumentVersion.dossier_id == dossier_id)).one()
        stored = site.app.extensions["guichet.ports"].files.get(doc.sha256)
    assert verify(stored, [pki.pem(order.certificate)]).signer_common_name == "Leila Chraibi"
    assert client.get("/api/v1/openapi.json").json["components"]["schemas"]["DocumentIn"]["properties"]["signing_pin"]
