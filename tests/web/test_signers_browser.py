"""A president enrols their signature key in their token and signs with its PIN, in a real
headless Chromium (CSRF on): generate the key and its CSR, install the certificate, approve."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.signatures.keystore import KeyStore
from tests import softhsm
from tests.signing.tools import missing
from tests.web import test_portal as portal
from tests.web.test_browser import LiveSite, flash, live, shot  # noqa: F401 - the live fixture


def test_a_president_enrols_a_token_key_and_signs_with_its_pin(live: LiveSite, demo_pki: Any,  # noqa: F811
                                                               tmp_path: Path) -> None:
    from signing.demo_pki import load_ca
    from signing.verify import verify
    module = softhsm.module()
    if module is None:
        missing("SoftHSM2 is not installed (Debian package softhsm2)")
    ca = load_ca(demo_pki, "demo-pass")
    ports = live.site.app.extensions["guichet.ports"]
    ports.keystore = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(range(32)),
                              pkcs11_module=module, demo_ca=lambda: ca, seal_secrets=tmp_path / "seals")
    ports.signer = lambda: None  # sole control: the president's own key or nothing
    from engine.clock import utcnow
    from handlers.signatures import demo as signature_demo
    from web.bootstrap import get_engine
    with live.site.app.app_context():  # the communes' seals sign receipts and minutes
        assert signature_demo.seals(get_engine(live.site.app), ports, utcnow()) == ["casablanca", "rabat"]
    softhsm.init_token("jeton-navigateur", "8642097")

    page = live.login("president@casablanca.demo")
    page.get_by_role("link", name="Ma clé de signature").click()
    page.get_by_label("Libellé de votre jeton").fill("jeton-navigateur")
    page.get_by_label("Code PIN (6 caractères au moins)").fill("8642097")
    page.get_by_label("Confirmez le code PIN").fill("8642097")
    page.get_by_role("button", name="Générer ma clé").click()
    assert "installez-le avec votre code PIN" in flash(page)
    page.locator("input[name=pin]").first.fill("8642097")
    page.get_by_role("button", name="Installer le certificat").click()
    assert "votre clé peut signer" in flash(page)
    assert page.locator("table bdi", has_text="CN=Abdelkrim Fassi (Casablanca)").is_visible()
    shot(page, "signature-key")

    live.site.app.config["WTF_CSRF_ENABLED"] = False  # the test client's journey posts no CSRF token
    with pytest.raises(AssertionError):  # carried to the signature step; approving without a PIN fails
        portal.test_whole_journey_through_pages(live.site)
    live.site.app.config["WTF_CSRF_ENABLED"] = True
    page.goto("/inbox")
    page.locator("table tbody tr").get_by_role("link").first.click()
    page.get_by_label("J'approuve et je signe cette décision").check()
    pin = page.get_by_label("Code PIN de votre clé de signature")
    assert pin.get_attribute("type") == "password"
    pin.fill("1111111")
    page.get_by_role("button", name="Valider").click()
    assert "ne s'est pas ouverte avec ce code PIN" in flash(page)
    page.get_by_label("J'approuve et je signe cette décision").check()
    page.get_by_label("Code PIN de votre clé de signature").fill("8642097")
    page.get_by_role("button", name="Valider").click()
    assert "avance" in flash(page)

    from sqlalchemy import select

    from handlers.dossier_models import Decision
    from web.extensions import db
    with live.site.app.app_context():
        decision = db.session.scalars(select(Decision)).one()
        assert decision.signed
        result = verify(ports.files.get(decision.pdf_sha256), [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.signer_common_name == "Abdelkrim Fassi (Casablanca)"


def test_an_architect_enrols_and_signs_a_plan_at_upload(live: LiveSite, demo_pki: Any,  # noqa: F811
                                                        tmp_path: Path) -> None:
    """In Chromium: the architect's key from « Ma clé de signature », then « Signer ce plan avec
    ma clé » with the PIN at upload; the dossier page names the signer beside the plan."""
    from signing import demo_pki as pki
    from tests.web.test_portal import FIELDS
    from tests.web.test_signed_plans import require_architect_signature
    architects = pki.professional_ca(tmp_path / "orders", "order-pass", "architecte", "DEMO Ordre des architectes")
    ports = live.site.app.extensions["guichet.ports"]
    ports.keystore = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(range(32)),
                              professional_ca=lambda p: architects if p == "architecte" else None)
    ports.professional_trust = lambda: {"architecte": [pki.pem(architects.certificate)]}
    require_architect_signature(live.site, tmp_path)
    page = live.login("architecte@guichet.demo")
    page.get_by_role("link", name="Ma clé de signature").click()
    form = page.locator("#professional-key")
    form.get_by_label("Code PIN (6 caractères au moins)").fill("3692581")
    form.get_by_label("Confirmez le code PIN").fill("3692581")
    form.get_by_role("button", name="Générer ma clé d'architecte").click()
    assert "installez-le avec votre code PIN" in flash(page)
    page.locator("input[name=pin]").first.fill("3692581")
    page.get_by_role("button", name="Installer le certificat").click()
    assert "votre clé peut signer" in flash(page)

    page.goto("/dossiers/new")
    page.get_by_label("Procédure").select_option("permis_construire")
    page.get_by_role("button", name="Créer le brouillon").click()
    dossier_path = page.url.removeprefix(live.base_url)
    live.site.app.config["WTF_CSRF_ENABLED"] = False  # the test client fills the form's fields (no CSRF token)
    client = live.site.client("architecte@guichet.demo")
    assert client.post(f"{dossier_path}/fields", data=FIELDS).status_code == 302
    live.site.app.config["WTF_CSRF_ENABLED"] = True
    page.goto(dossier_path)
    row = page.locator("form.upload", has=page.locator("input[name=kind][value=plans_architecte]"))
    row.locator("input[type=file]").set_input_files(str(live.pdf("plans_architecte")))
    row.get_by_label("Signer ce plan avec ma clé").check()
    row.get_by_label("Code PIN").fill("0000000")
    row.get_by_role("button", name="Téléverser").click()
    assert "ne s'est pas ouverte avec ce code PIN" in flash(page)
    row = page.locator("form.upload", has=page.locator("input[name=kind][value=plans_architecte]"))
    row.locator("input[type=file]").set_input_files(str(live.pdf("plans_architecte")))
    row.get_by_label("Signer ce plan avec ma clé").check()
    row.get_by_label("Code PIN").fill("3692581")
    row.get_by_role("button", name="Téléverser").click()
    assert "Document ajouté" in flash(page)
    assert page.locator("span.signature.ok", has_text="Leila Chraibi").is_visible()
    shot(page, "architect-signed-plan")
