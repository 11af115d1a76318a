"""The catalog is deployed data, edited in the Studio's pages: a checklist item, a status label,
a new procedure with its own filing form; each change applies to dossiers filed after the
deployment, while a dossier filed before keeps the catalog version it was filed under."""
from __future__ import annotations

import io
from html import unescape
from pathlib import Path
from typing import Any

import yaml
from flask.testing import FlaskClient

from engine.clock import utcnow
from handlers import catalog_store
from handlers.catalog import parse
from tests.conftest import PROCESSES, Site
from tests.pdfs import tiny_pdf

ANALYST = "analyste@guichet.demo"
CITIZEN = "citoyen@guichet.demo"
DP_FIELDS = {"objet": "terrasse", "adresse": "Bd Zerktouni", "surface": 12, "duree_mois": 3}


def _file(site: Site, procedure: str, fields: dict[str, Any], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """File a dossier through the API with every document of its checklist (plus ``extra``)."""
    client, headers = site.app.test_client(), site.token(CITIZEN)
    proc = next(p for p in client.get("/api/v1/procedures", headers=headers).json if p["key"] == procedure)
    draft = client.post("/api/v1/dossiers", headers=headers,
                        json={"procedure": procedure, "commune": "casablanca", "fields": fields})
    assert draft.status_code == 201, draft.json
    did = draft.json["id"]
    for kind in [i["kind"] for i in proc["checklist"]] + list(extra):
        up = client.post(f"/api/v1/dossiers/{did}/documents", headers=headers,
                         data={"kind": kind, "file": (io.BytesIO(tiny_pdf(kind)), f"{kind}.pdf")})
        assert up.status_code == 201, (kind, up.json)
    submitted = client.post(f"/api/v1/dossiers/{did}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.json
    return client.get(f"/api/v1/dossiers/{did}", headers=headers).json


def _fields(site: Site, procedure: str) -> dict[str, Any]:
    client = site.app.test_client()
    proc = next(p for p in client.get("/api/v1/procedures", headers=site.token(CITIZEN)).json
                if p["key"] == procedure)
    return proc


def _deploy(analyst: FlaskClient, comment: str) -> None:
    page = analyst.post("/studio/catalog/deploy", data={"comment": comment}, follow_redirects=True)
    assert page.status_code == 200, page.data[:2000]
    assert "déployé" in page.text, page.text[:3000]


def test_the_shipped_catalog_round_trips_through_deploy_and_export(site: Site, tmp_path: Path) -> None:
    with site.app.app_context():
        from web.extensions import db
        shipped = catalog_store.read_files(PROCESSES)
        assert catalog_store.current(db.session()).content_hash() == shipped.content_hash()
        assert catalog_store.deploy_files(db.session(), PROCESSES, by="t", comment=None, now=utcnow()) == (1, False)
    out = site.app.test_cli_runner().invoke(args=["processes", "export", str(tmp_path)])
    assert out.exit_code == 0, out.output
    again = parse((tmp_path / "catalog.yaml").read_text(encoding="utf-8"))
    assert again.to_dict() == shipped.to_dict()
    assert (tmp_path / "forms" / "depot_tranchee.schema.json").exists()


def test_an_optional_document_added_in_the_studio_applies_to_new_dossiers_only(site: Site) -> None:
    before = _file(site, "occupation_domaine_public", DP_FIELDS)
    analyst = site.client(ANALYST)
    page = analyst.get("/studio/catalog/procedures/occupation_domaine_public")
    assert page.status_code == 200 and "Pièces à fournir" in page.text
    with site.app.app_context():
        from web.extensions import db
        proc = catalog_store.current(db.session()).procedure("occupation_domaine_public")
    data = {"key": proc.key, "code": proc.code, "fr": proc.fr, "ar": proc.ar, "domain": proc.domain,
            "process": proc.process, "form": proc.form, "rows": str(len(proc.checklist)),
            "action": "new_kind", "new_kind_code": "attestation_assurance", "new_kind_fr": "Attestation d'assurance",
            "new_kind_ar": "شهادة التأمين"}
    for i, item in enumerate(proc.checklist):
        data[f"kind_{i}"] = item.kind
        data[f"required_{i}"] = "1"
    saved = analyst.post("/studio/catalog/procedures/occupation_domaine_public", data=data, follow_redirects=True)
    assert saved.status_code == 200 and "Attestation d'assurance" in unescape(saved.text)
    # a checklist row must name a known kind: refused with the reason, the draft untouched
    bad = dict(data, action="save", kind_0="piece_inconnue")
    refused = analyst.post("/studio/catalog/procedures/occupation_domaine_public", data=bad)
    assert refused.status_code == 422 and "pièce inconnue" in refused.text
    _deploy(analyst, "assurance facultative")

    proc_api = _fields(site, "occupation_domaine_public")
    item = next(i for i in proc_api["checklist"] if i["kind"] == "attestation_assurance")
    assert item["required"] is False and item["label_ar"] == "شهادة التأمين"
    after = _file(site, "occupation_domaine_public", DP_FIELDS)
    assert [d["kind"] for d in after["documents"]].count("attestation_assurance") == 1
    # the dossier filed before keeps its checklist: the new kind is not one of its documents
    client, headers = site.app.test_client(), site.token(CITIZEN)
    with site.app.app_context():
        from handlers.dossier_models import Dossier
        from web.extensions import db
        old, new = db.session.get(Dossier, before["id"]), db.session.get(Dossier, after["id"])
        assert old.catalog_id is not None and new.catalog_id is not None and old.catalog_id < new.catalog_id
        kinds_old = {i.kind for i in catalog_store.current(db.session(), old.catalog_id)
                     .procedure("occupation_domaine_public").checklist}
    assert "attestation_assurance" not in kinds_old
    assert client.get(f"/api/v1/dossiers/{before['id']}", headers=headers).status_code == 200


def test_a_status_renamed_in_the_studio_shows_on_new_dossiers_and_old_ones_keep_theirs(site: Site) -> None:
    before = _file(site, "occupation_domaine_public", DP_FIELDS)
    analyst = site.client(ANALYST)
    page = analyst.get("/studio/catalog/labels/statuses")
    assert page.status_code == 200
    assert "dp_status_fees" in page.text  # which diagram elements set each status
    with site.app.app_context():
        from web.extensions import db
        statuses = catalog_store.current(db.session()).statuses
    rows: dict[str, str] = {"rows": str(len(statuses) + 1)}
    for i, (code, labels) in enumerate(statuses.items()):
        rows[f"code_{i}"], rows[f"fr_{i}"], rows[f"ar_{i}"] = code, labels["fr"], labels["ar"]
        if code == "fees_due":
            rows[f"fr_{i}"], rows[f"ar_{i}"] = "Paiement des taxes", "أداء الرسوم"
    saved = analyst.post("/studio/catalog/labels/statuses", data=rows, follow_redirects=True)
    assert saved.status_code == 200 and "Paiement des taxes" in saved.text
    # a platform status cannot be removed
    removed = analyst.post("/studio/catalog/labels/statuses",
                           data=dict(rows, action=f"remove:{list(statuses).index('draft')}"))
    assert removed.status_code == 422 and "draft" in removed.text
    _deploy(analyst, "libellé des taxes")
    after = _file(site, "occupation_domaine_public", DP_FIELDS)
    with site.app.app_context():
        from handlers.dossier_models import Dossier
        from web.extensions import db
        labels = {d: catalog_store.current(db.session(), db.session.get(Dossier, d).catalog_id)
                  .status_label("fees_due", "ar") for d in (before["id"], after["id"])}
    assert labels == {before["id"]: "رسوم واجبة الأداء", after["id"]: "أداء الرسوم"}


def test_a_new_procedure_with_its_own_filing_form_is_offered_at_once(site: Site) -> None:
    analyst = site.client(ANALYST)
    # the form first: a copy of the urban one, plus a required number > 0
    form = analyst.get("/studio/catalog/forms/depot_urbanisme.schema.json")
    assert form.status_code == 200
    with site.app.app_context():
        from web.extensions import db
        cat = catalog_store.current(db.session())
        schema, ui = cat.form("depot_urbanisme.schema.json")
        base = cat.procedure("permis_demolition")
    from handlers.catalog_forms import rows_of
    rows = rows_of(schema, ui)
    data: dict[str, str] = {"title_fr": "Démolition", "title_ar": "الهدم", "rows": str(len(rows) + 1)}
    for i, r in enumerate(rows):
        data.update({f"name_{i}": r.name, f"type_{i}": r.type, f"fr_{i}": r.fr, f"ar_{i}": r.ar or r.fr})
        if r.required:
            data[f"required_{i}"] = "1"
        if r.minimum is not None:
            data[f"minimum_{i}"] = str(r.minimum)
        if r.options:
            data[f"options_{i}"] = "\n".join(f"{c} = {fr} | {ar}" for c, fr, ar in r.options)
    n = len(rows)
    data.update({f"name_{n}": "hauteur", f"type_{n}": "number", f"fr_{n}": "Hauteur du bâtiment (m)",
                 f"ar_{n}": "علو البناية (م)", f"required_{n}": "1", f"minimum_{n}": "0", f"exclusive_{n}": "1"})
    saved = analyst.post("/studio/catalog/forms/depot_demolition.schema.json", data=data, follow_redirects=True)
    assert saved.status_code == 200 and "hauteur" in saved.text, saved.text[:3000]
    dup = analyst.get("/studio/catalog/procedures/?from=permis_demolition")
    assert dup.status_code == 200 and base.fr in dup.text
    proc = {"key": "permis_demolition_totale", "code": "PT", "fr": "Permis de démolition totale",
            "ar": "رخصة الهدم الكلي", "domain": "guu", "process": base.process,
            "form": "depot_demolition.schema.json", "rows": str(len(base.checklist))}
    for i, item in enumerate(base.checklist):
        proc[f"kind_{i}"] = item.kind
        proc[f"required_{i}"] = "1"
    made = analyst.post("/studio/catalog/procedures/", data=proc, follow_redirects=True)
    assert made.status_code == 200 and "permis_demolition_totale" in made.text
    clash = analyst.post("/studio/catalog/procedures/", data=dict(proc, key="permis_demolition_x"))
    assert clash.status_code == 422 and "PT" in clash.text  # the code must stay unique
    _deploy(analyst, "démolition totale")

    offered = _fields(site, "permis_demolition_totale")
    assert offered["form"]["properties"]["hauteur"]["exclusiveMinimum"] == 0
    client, headers = site.app.test_client(), site.token(CITIZEN)
    fields = {"parcelle": "TF 1/C", "adresse": "Rue 1", "surface": 100, "hauteur": 0}
    refused = client.post("/api/v1/dossiers", headers=headers,
                          json={"procedure": "permis_demolition_totale", "commune": "casablanca", "fields": fields})
    assert refused.status_code == 422 and "hauteur" in str(refused.json)
    filed = _file(site, "permis_demolition_totale", dict(fields, hauteur=9.5))
    assert filed["number"].startswith("PT-")
    assert site.client(CITIZEN).get("/dossiers/new").text.count("Permis de démolition totale") == 1


def test_the_catalog_api_refuses_an_inconsistent_catalog_and_stores_nothing(site: Site) -> None:
    client, headers = site.app.test_client(), site.token(ANALYST)
    current = client.get("/api/v1/catalog", headers=headers).json
    assert current["version"] == 1 and "permis_construire" in current["catalog"]["procedures"]
    broken = yaml.safe_load(yaml.safe_dump(current["catalog"], allow_unicode=True))
    broken["procedures"]["permis_construire"]["process"] = "nulle_part"
    del broken["statuses"]["fees_due"]
    check = client.post("/api/v1/catalog/validate", headers=headers, json={"catalog": broken, "forms": current["forms"]})
    assert check.status_code == 200 and not check.json["ok"]
    assert any("nulle_part" in p for p in check.json["problems"])
    assert any("fees_due" in p for p in check.json["problems"])  # a diagram sets it
    refused = client.post("/api/v1/catalog", headers=headers, json={"catalog": broken, "forms": current["forms"]})
    assert refused.status_code == 422
    assert client.get("/api/v1/catalog/versions", headers=headers).json[0]["version"] == 1
    citizen = client.post("/api/v1/catalog", headers=site.token(CITIZEN), json={"catalog": current["catalog"]})
    assert citizen.status_code == 403
    renamed = dict(current["catalog"], statuses=dict(current["catalog"]["statuses"],
                                                     fees_due={"fr": "Paiement des taxes", "ar": "أداء الرسوم"}))
    ok = client.post("/api/v1/catalog", headers=headers,
                     json={"catalog": renamed, "forms": current["forms"], "comment": "api"})
    assert ok.status_code == 201 and ok.json == {"version": 2, "created": True}
    history = client.get("/api/v1/catalog/versions", headers=headers).json
    assert history[0]["changes"]["statuses"] == ["~fees_due"] and history[0]["comment"] == "api"


def test_catalog_problems_are_said_in_the_analysts_language(site: Site) -> None:
    """The Studio and the API say what is wrong with a catalog in French or in Arabic, the
    codes and keys isolated left to right in Arabic; nothing is stored."""
    from handlers.catalog_problems import LRI, PDI
    from handlers.models import User
    analyst = site.client(ANALYST)
    assert analyst.get("/lang/ar").status_code == 302
    with site.app.app_context():
        from web.extensions import db
        statuses = catalog_store.current(db.session()).statuses
    rows: dict[str, str] = {"rows": str(len(statuses))}
    for i, (code, labels) in enumerate(statuses.items()):
        rows[f"code_{i}"], rows[f"fr_{i}"], rows[f"ar_{i}"] = code, labels["fr"], labels["ar"]
    removed = analyst.post("/studio/catalog/labels/statuses",
                           data=dict(rows, action=f"remove:{list(statuses).index('draft')}"))
    page = unescape(removed.text)
    assert removed.status_code == 422 and f"{LRI}draft{PDI} تستعمله المنصة" in page
    assert "utilisé par la plateforme" not in page

    with site.app.app_context():
        from sqlalchemy import select

        from web.extensions import db
        db.session.scalar(select(User).where(User.email == ANALYST)).locale = "ar"
        db.session.commit()
    client, headers = site.app.test_client(), site.token(ANALYST)
    current = client.get("/api/v1/catalog", headers=headers).json
    broken = yaml.safe_load(yaml.safe_dump(current["catalog"], allow_unicode=True))
    broken["procedures"]["permis_construire"]["process"] = "nulle_part"
    check = client.post("/api/v1/catalog/validate", headers=headers, json={"catalog": broken, "forms": current["forms"]})
    assert check.status_code == 200 and not check.json["ok"]
    assert f"المسطرة {LRI}permis_construire{PDI}: المسار {LRI}nulle_part{PDI} غير منشور" in check.json["problems"][0]
    refused = client.post("/api/v1/catalog", headers=headers, json={"catalog": broken, "forms": current["forms"]})
    assert refused.status_code == 422 and refused.json["message"] == "الدليل غير صالح: لم يُنشر أي شيء"
    assert all("procédure" not in p for p in refused.json["detail"]["problems"])
    assert client.get("/api/v1/catalog/versions", headers=headers).json[0]["version"] == 1
