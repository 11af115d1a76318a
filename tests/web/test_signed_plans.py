"""Plans signed by their architects: checked at upload against the order's trust anchors,
the signer shown beside the document, and refused — altered, unsigned or by a stranger —
where the checklist asks for a valid architect's signature."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from signing import demo_pki
from signing.sign import Signer
from tests.conftest import PROCESSES, deploy_catalog
from tests.pdfs import tiny_pdf
from tests.signing.tools import tamper
from tests.web.conftest import Site
from tests.web.test_portal import CHECKLIST, CITIZEN, FIELDS


@pytest.fixture
def architects(site: Site, tmp_path: Path) -> dict[str, Any]:
    """The DEMO order of architects' CA (a trust anchor of profession "architecte") and an
    architect's key; a stranger's key from another CA."""
    order = demo_pki.issue(demo_pki.name("DEMO Ordre national des architectes — AC"), ca=True,
                           key=demo_pki.new_key(2048))
    architect = demo_pki.issue(demo_pki.name("Leila Chraibi, architecte"), issuer=order, key=demo_pki.new_key(2048))
    other_ca = demo_pki.issue(demo_pki.name("DEMO autre AC"), ca=True, key=demo_pki.new_key(2048))
    stranger = demo_pki.issue(demo_pki.name("Inconnu"), issuer=other_ca, key=demo_pki.new_key(2048))
    out: dict[str, Any] = {}
    for name, issued, ca in (("architect", architect, order), ("stranger", stranger, other_ca)):
        path = tmp_path / f"{name}.p12"
        path.write_bytes(demo_pki.pkcs12_bytes(issued, "plans-secret", name, [ca.certificate]))
        out[name] = Signer.from_pkcs12(path, "plans-secret")
    site.app.extensions["guichet.ports"].professional_trust = lambda: {"architecte": [demo_pki.pem(order.certificate)]}
    return out


def signed_plan(signer: Signer) -> bytes:
    return signer.sign(tiny_pdf("plans_architecte"), reason="Plans", location="Casablanca").pdf


def require_architect_signature(site: Site, tmp_path: Path) -> None:
    """Deploy the shipped catalog with ``signed_by: architecte`` on the permit's plans."""
    from web.bootstrap import get_engine
    directory = tmp_path / "catalog"
    shutil.copytree(PROCESSES, directory)
    catalog = directory / "catalog.yaml"
    text = catalog.read_text()
    catalog.write_text(text.replace("    - [plans_architecte, true]\n    - [etude_beton, false]",
                                    "    - {kind: plans_architecte, required: true, signed_by: architecte}\n"
                                    "    - [etude_beton, false]", 1))
    assert catalog.read_text() != text
    from engine.clock import utcnow
    with site.app.app_context(), get_engine(site.app).transaction() as s:
        deploy_catalog(s, utcnow(), directory)


def draft(site: Site) -> tuple[int, Any]:
    client = site.client(CITIZEN)
    r = client.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/dossiers/{dossier_id}/fields", data=FIELDS).status_code == 302
    return dossier_id, client


def upload(client: Any, dossier_id: int, kind: str, content: bytes) -> Any:
    return client.post(f"/dossiers/{dossier_id}/documents",
                       data={"kind": kind, "file": (io.BytesIO(content), f"{kind}.pdf")},
                       content_type="multipart/form-data")


def test_a_signed_plan_is_shown_with_its_signer(site: Site, architects: dict[str, Any]) -> None:
    dossier_id, client = draft(site)
    assert upload(client, dossier_id, "plans_architecte", signed_plan(architects["architect"])).status_code == 302
    assert upload(client, dossier_id, "plan_masse", tiny_pdf("plan_masse")).status_code == 302  # unsigned: fine
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "signé par <bdi>Leila Chraibi, architecte</bdi> (architecte)" in page
    assert "certificat valable jusqu'au <bdi>20" in page and page.count('class="signature') == 1
    api = site.app.test_client().get(f"/api/v1/dossiers/{dossier_id}", headers=site.token(CITIZEN)).json
    sig = {d["kind"]: d["signature"] for d in api["documents"]}
    assert sig["plan_masse"] is None
    assert sig["plans_architecte"]["valid"] and sig["plans_architecte"]["profession"] == "architecte"
    assert sig["plans_architecte"]["signer"] == "Leila Chraibi, architecte"
    # a stranger's signature is shown as not recognised (the item does not require one here)
    assert upload(client, dossier_id, "plans_architecte", signed_plan(architects["stranger"])).status_code == 302
    client.get("/lang/ar")
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "توقيع غير معترف به أو وثيقة معدلة" in page and "موقع من طرف" in page


def test_where_the_checklist_requires_it_only_a_valid_architects_signature_is_accepted(
        site: Site, architects: dict[str, Any], tmp_path: Path) -> None:
    require_architect_signature(site, tmp_path)
    dossier_id, client = draft(site)
    good = signed_plan(architects["architect"])
    for content, reason in ((tiny_pdf("plans_architecte"), "aucune signature"),
                            (tamper(good, b"(plans_architecte)"), "modifié après sa signature"),
                            (signed_plan(architects["stranger"]), "signataire n&#39;est pas reconnu")):
        r = upload(client, dossier_id, "plans_architecte", content)
        text = r.get_data(as_text=True)
        assert r.status_code == 422 and "signature électronique valide d&#39;un architecte" in text, text[:300]
        assert reason in text
    api = site.app.test_client().post(
        f"/api/v1/dossiers/{dossier_id}/documents", headers=site.token(CITIZEN),
        data={"kind": "plans_architecte", "file": (io.BytesIO(tiny_pdf("x")), "p.pdf")}, content_type="multipart/form-data")
    assert api.status_code == 422
    assert upload(client, dossier_id, "plans_architecte", good).status_code == 302
    for kind in CHECKLIST:
        if kind != "plans_architecte":
            assert upload(client, dossier_id, kind, tiny_pdf(kind)).status_code == 302
    assert client.post(f"/dossiers/{dossier_id}/submit").status_code == 302
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert re.search(r"PC-CASABLANCA-\d{4}-\d{6}", page) and "Leila Chraibi, architecte" in page
