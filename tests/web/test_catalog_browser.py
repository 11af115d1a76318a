"""The analysts' change requests on the catalog, each done only by clicking and typing in the
Studio's catalog pages of a real headless Chromium, deployed while the server runs; a dossier
filed afterwards follows the change, one filed before keeps its catalog version.

Screenshots land in ``test-output/screenshots/catalog-*.png``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import catalog_store
from handlers.catalog import Catalog
from handlers.dossier_models import Dossier
from tests.studio.test_catalog import CITIZEN, DP_FIELDS, _file
from tests.web.test_browser import LiveSite, flash, live, shot  # noqa: F401 - the live fixture

if TYPE_CHECKING:
    from playwright.sync_api import Page

ANALYST = "analyste@guichet.demo"
TRENCH = {"operateur": "Maroc Télécom", "longueur": 120, "adresse": "Bd Anfa", "nature": "télécom"}


def _catalog_of(live: LiveSite, dossier_id: int) -> Catalog:  # noqa: F811
    with live.site.app.app_context():
        from web.extensions import db
        return catalog_store.current(db.session(), db.session.get(Dossier, dossier_id).catalog_id)


def _deploy(page: Page, comment: str, done: str = "déployé") -> None:
    from playwright.sync_api import expect
    page.goto("/studio/catalog")
    page.fill("#catalog-comment", comment)
    page.click("#catalog-deploy")
    expect(page.locator("p.flash")).to_contain_text(done)


def _open_catalog(page: Page) -> None:
    page.goto("/studio/")
    page.get_by_role("link", name="Catalogue : procédures").click()


def test_an_optional_insurance_certificate_for_the_public_domain(live: LiveSite) -> None:  # noqa: F811
    from playwright.sync_api import expect
    before = _file(live.site, "occupation_domaine_public", DP_FIELDS)["id"]
    page = live.login(ANALYST)
    _open_catalog(page)
    page.locator("#procedure-occupation_domaine_public").get_by_role("link", name="Modifier").click()
    page.locator("#new-kind summary").click()
    page.fill("#new-kind-code", "attestation_assurance")
    page.fill("#new-kind-fr", "Attestation d'assurance")
    page.fill("#new-kind-ar", "شهادة التأمين")
    page.click("#new-kind-add")  # left unchecked: optional
    expect(page.locator("p.flash")).to_contain_text("Brouillon du catalogue enregistré")
    row = page.locator("#item-attestation_assurance")
    expect(row).to_be_visible()
    assert not row.locator("input[type=checkbox][name^=required_]").is_checked()
    shot(page, "catalog-01-checklist")
    _deploy(page, "assurance facultative")
    shot(page, "catalog-02-deployed")

    after = _file(live.site, "occupation_domaine_public", DP_FIELDS)["id"]
    new_item = _catalog_of(live, after).procedure("occupation_domaine_public").item("attestation_assurance")
    assert new_item is not None and not new_item.required and new_item.ar == "شهادة التأمين"
    assert _catalog_of(live, before).procedure("occupation_domaine_public").item("attestation_assurance") is None
    # the applicant sees it on a new draft, in French and Arabic
    citizen = live.login(CITIZEN)
    citizen.goto("/dossiers/new")
    citizen.select_option("select[name=procedure]", "occupation_domaine_public")
    citizen.select_option("select[name=commune]", "casablanca")
    citizen.get_by_role("button", name="Créer le brouillon").click()
    expect(citizen.locator("body")).to_contain_text("Attestation d'assurance")
    shot(citizen, "catalog-03-applicant-fr")


def test_fees_status_renamed_in_both_languages(live: LiveSite) -> None:  # noqa: F811
    from playwright.sync_api import expect
    before = _file(live.site, "occupation_domaine_public", DP_FIELDS)["id"]
    page = live.login(ANALYST)
    _open_catalog(page)
    page.get_by_role("link", name="Statuts publics").click()
    row = page.locator("#label-fees_due")
    expect(row.locator("td.uses")).to_contain_text("dp_status_fees")  # which elements set it
    row.locator("input[name^=fr_]").fill("Paiement des taxes")
    row.locator("input[name^=ar_]").fill("أداء الرسوم")
    page.click("#labels-save")
    expect(page.locator("p.flash")).to_contain_text("Brouillon du catalogue enregistré")
    shot(page, "catalog-04-statuses")
    _deploy(page, "libellé des taxes")
    after = _file(live.site, "occupation_domaine_public", DP_FIELDS)["id"]
    assert _catalog_of(live, after).status_label("fees_due", "fr") == "Paiement des taxes"
    assert _catalog_of(live, after).status_label("fees_due", "ar") == "أداء الرسوم"
    assert _catalog_of(live, before).status_label("fees_due", "fr") == "Taxes à payer"


def _add_field(page: Page, name: str, fr: str, ar: str, *, minimum: str = "0") -> None:
    page.fill("#new-name", name)
    page.select_option("#new-type", "number")
    page.fill("#new-fr", fr)
    page.fill("#new-ar", ar)
    page.check("#new-required")
    page.fill("#new-minimum", minimum)
    page.check("#new-exclusive")
    page.click("#form-save")


def test_a_demolition_procedure_with_its_own_filing_form(live: LiveSite) -> None:  # noqa: F811
    from playwright.sync_api import expect
    page = live.login(ANALYST)
    _open_catalog(page)
    page.fill("#new-form-name", "depot_demolition_totale")
    page.select_option("#new-form-from", "depot_urbanisme.schema.json")
    page.click("#new-form-open")
    page.fill("#f-title-fr", "Démolition totale")
    page.fill("#f-title-ar", "الهدم الكلي")
    _add_field(page, "hauteur", "Hauteur du bâtiment (m)", "علو البناية (م)")
    expect(page.locator("p.flash")).to_contain_text("Brouillon du catalogue enregistré")
    expect(page.locator("#field-hauteur")).to_be_visible()
    shot(page, "catalog-05-form")
    _open_catalog(page)
    page.locator("#procedure-permis_demolition").get_by_role("link", name="Dupliquer").click()
    page.fill("#p-key", "permis_demolition_totale")
    page.fill("#p-code", "PT")
    page.fill("#p-fr", "Permis de démolition totale")
    page.fill("#p-ar", "رخصة الهدم الكلي")
    page.select_option("#p-form", "depot_demolition_totale.schema.json")
    page.click("#p-save")
    expect(page.locator("p.flash")).to_contain_text("Brouillon du catalogue enregistré")
    shot(page, "catalog-06-procedure")
    _deploy(page, "démolition totale")

    client, headers = live.site.app.test_client(), live.site.token(CITIZEN)
    fields = {"parcelle": "TF 9/C", "hauteur": 0}
    refused = client.post("/api/v1/dossiers", headers=headers,
                          json={"procedure": "permis_demolition_totale", "commune": "casablanca", "fields": fields})
    assert refused.status_code == 422 and "hauteur" in str(refused.json)
    filed = _file(live.site, "permis_demolition_totale", dict(fields, hauteur=12))
    assert filed["number"].startswith("PT-")
    citizen = live.login(CITIZEN)
    citizen.goto("/dossiers/new")
    expect(citizen.locator("select[name=procedure]")).to_contain_text("Permis de démolition totale")


def test_trench_form_requires_the_depth(live: LiveSite) -> None:  # noqa: F811
    from playwright.sync_api import expect
    before = _file(live.site, "ouverture_tranchee", TRENCH)["id"]
    page = live.login(ANALYST)
    page.goto("/studio/catalog")
    page.get_by_role("link", name="العربية").click()  # the analyst works in Arabic
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.get_by_role("link", name="depot_tranchee.schema.json").first.click()
    _add_field(page, "profondeur", "Profondeur du tracé (m)", "عمق المسار (م)")
    expect(page.locator("#field-profondeur")).to_be_visible()
    expect(page.locator("p.flash")).to_contain_text("تم حفظ مسودة الدليل")
    shot(page, "catalog-07-trench-form-ar")
    _deploy(page, "profondeur obligatoire", done="تم نشر الدليل")
    client, headers = live.site.app.test_client(), live.site.token(CITIZEN)
    draft = client.post("/api/v1/dossiers", headers=headers,
                        json={"procedure": "ouverture_tranchee", "commune": "casablanca", "fields": TRENCH})
    assert draft.status_code == 201  # a draft may lack a required field...
    bad = client.patch(f"/api/v1/dossiers/{draft.json['id']}", headers=headers, json={"fields": {"profondeur": -1}})
    assert bad.status_code == 422  # ...but not hold a wrong one
    filed = _file(live.site, "ouverture_tranchee", dict(TRENCH, profondeur=1.2))
    assert filed["fields"]["profondeur"] == 1.2
    assert "profondeur" not in _catalog_of(live, before).form("depot_tranchee.schema.json")[0]["properties"]
