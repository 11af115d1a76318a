"""The studio's editing side through its pages and JSON endpoints: open a version, validate
with located problems, save drafts per analyst, deploy with history, preview forms."""
from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import versions
from engine.models import HumanTask, ProcessDefinition, ProcessDraft
from handlers.dossier_models import Dossier
from tests.conftest import PROCESSES, Site
from tests.procedures.conftest import Platform

SMALL = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}

ANALYST = "analyste@guichet.demo"
KEY = "guu_autorisation"


def config_of(html: str) -> dict[str, Any]:
    return json.loads(re.search(r'id="studio-config">(.*?)</script>', html, re.S).group(1))


def open_bundle(site: Site, query: str = "?version=1") -> tuple[Any, dict[str, Any]]:
    client = site.client(ANALYST)
    page = client.get(f"/studio/processes/{KEY}/edit{query}")
    assert page.status_code == 200
    return client, config_of(page.get_data(as_text=True))


def count_versions(site: Site, key: str = KEY) -> int:
    with site.app.app_context():
        from web.extensions import db
        return db.session.scalar(select(func.count()).select_from(ProcessDefinition)
                                 .where(ProcessDefinition.process_key == key))


def test_modeler_opens_a_version_with_its_files_forms_and_pick_lists(site: Site) -> None:
    _client, config = open_bundle(site)
    assert sorted(config["files"]) == ["avis_conformes.dmn", "deliberation.dmn", "guu.bpmn", "guu_fees.dmn", "guu_track.dmn", "shared.bpmn"]
    assert config["first"] == "guu.bpmn" and config["base_version"] == 1 and config["draft"] is False
    assert json.loads(config["forms"]["rapprochement.schema.json"]) == json.loads(
        (PROCESSES / "forms" / "rapprochement.schema.json").read_text())
    assert "avis.ui.json" in config["forms"]  # UI hints come along to be edited
    operators = {o["key"]: o["doc"] for o in config["picklists"]["operators"]}
    assert "filing.receipt" in operators and "récépissé" in operators["filing.receipt"].lower()
    assert "plans.schema.json" in config["picklists"]["forms"]
    assert {"key": "guichet_agent", "fr": "Agent du guichet", "ar": "عون الشباك"} in config["picklists"]["roles"]


def test_validation_locates_problems_on_elements(site: Site) -> None:
    client, config = open_bundle(site)
    ok = client.post("/studio/validate", json={"key": KEY, "files": config["files"], "forms": config["forms"]})
    assert ok.status_code == 200 and ok.json["ok"] is True and ok.json["problems"] == []
    assert {"guu_autorisation", "guu_permis_habiter", "recevabilite", "commission", "signature"} == set(
        ok.json["processes"])
    files = dict(config["files"])
    files["guu.bpmn"] = files["guu.bpmn"].replace('serviceTaskOperator id="filing.receipt"',
                                                  'serviceTaskOperator id=""', 1)
    forms = dict(config["forms"], **{"avis.ui.json": "{not json"})
    bad = client.post("/studio/validate", json={"key": KEY, "files": files, "forms": forms})
    assert bad.status_code == 200 and bad.json["ok"] is False
    by_element = {p["element_id"]: p for p in bad.json["problems"]}
    assert by_element["ga_receipt"]["file"] == "guu.bpmn" and "[ga_receipt]" in by_element["ga_receipt"]["text"]
    assert "n'est pas un gestionnaire enregistré" in by_element["ga_receipt"]["message"]
    assert any(p["file"] == "avis.ui.json" for p in bad.json["problems"])


def test_bad_requests_are_refused_clearly(site: Site) -> None:
    client, config = open_bundle(site)
    for body in ({"files": "x"}, {"files": {}}, {"files": {"../guu.bpmn": "<x/>"}},
                 {"files": {"guu.txt": "x"}}, {"files": {"a.bpmn": 3}},
                 {"files": config["files"], "forms": {"x.yaml": "{}"}}):
        response = client.post("/studio/validate", json=body)
        assert response.status_code == 400 and response.json["message"], body
    assert client.post("/studio/validate", data="not json").status_code == 400
    broken = client.post(f"/studio/processes/{KEY}/deploy", json={"files": {"guu.bpmn": "<bpmn:definitions"}})
    assert broken.status_code == 422 and broken.json["problems"][0]["file"] == "guu.bpmn"
    assert count_versions(site) == 1  # nothing stored
    assert site.client("guichet@casablanca.demo").post("/studio/validate", json={}).status_code == 404
    assert site.client("admin@guichet.demo").get("/studio/").status_code == 404
    assert client.get(f"/studio/processes/{KEY}/edit?version=9").status_code == 404
    assert client.get("/studio/processes/nope/edit").status_code == 404


def test_drafts_are_kept_per_analyst(site: Site) -> None:
    client, config = open_bundle(site)
    files = dict(config["files"])
    files["guu.bpmn"] = files["guu.bpmn"].replace('name="Rapprocher le paiement"', 'name="Encaisser"')
    saved = client.post(f"/studio/processes/{KEY}/draft", json={"base_version": 1, "files": files,
                                                                "forms": config["forms"]})
    assert saved.status_code == 200
    assert "Reprendre le brouillon" in client.get("/studio/").get_data(as_text=True)
    reopened = config_of(client.get(f"/studio/processes/{KEY}/edit").get_data(as_text=True))
    assert reopened["draft"] is True and 'name="Encaisser"' in reopened["files"]["guu.bpmn"]
    # a second save replaces the first (one draft per analyst and process)
    assert client.post(f"/studio/processes/{KEY}/draft", json={"base_version": 1, "files": files,
                                                               "forms": {}}).status_code == 200
    with site.app.app_context():
        from web.extensions import db
        rows = db.session.scalars(select(ProcessDraft)).all()
        assert len(rows) == 1 and rows[0].forms == {}
        assert versions.get_draft(db.session(), KEY, "someone-else") is None
    assert client.post(f"/studio/processes/{KEY}/draft", json={"base_version": "v1", "files": files}).status_code == 400
    assert client.post(f"/studio/processes/{KEY}/draft/discard").status_code == 200
    assert "Reprendre le brouillon" not in client.get("/studio/").get_data(as_text=True)


def test_deploy_makes_a_version_with_history_and_downloads(site: Site) -> None:
    client, config = open_bundle(site)
    files = dict(config["files"])
    files["guu.bpmn"] = files["guu.bpmn"].replace(
        'value="rapprochement.schema.json"/><spiffworkflow:property name="deadline" value="P30D"/>',
        'value="rapprochement.schema.json"/><spiffworkflow:property name="deadline" value="P45D"/>')
    client.post(f"/studio/processes/{KEY}/draft", json={"base_version": 1, "files": files, "forms": config["forms"]})
    deployed = client.post(f"/studio/processes/{KEY}/deploy",
                           json={"base_version": 1, "files": files, "forms": config["forms"], "comment": "45 jours"})
    assert deployed.status_code == 201
    outcome = {d["key"]: (d["version"], d["created"]) for d in deployed.json["deployed"]}
    assert outcome[KEY] == (2, True) and outcome["recevabilite"] == (1, False)  # shared.bpmn unchanged
    again = client.post(f"/studio/processes/{KEY}/deploy", json={"files": files, "forms": config["forms"]})
    assert {d["key"]: d["created"] for d in again.json["deployed"]}[KEY] is False  # same content: a no-op
    with site.app.app_context():
        from web.extensions import db
        history = versions.history(db.session(), KEY)
        assert [r.version for r in history] == [2, 1]
        assert (history[0].deployed_by, history[0].comment) == (ANALYST, "45 jours")
        assert history[0].diff_summary == {"added": [], "removed": [], "changed": ["guu.bpmn#ga_payment"]}
        assert history[1].diff_summary is None  # the first version has nothing to compare with
        assert db.session.scalar(select(func.count()).select_from(ProcessDraft)) == 0  # deployed: draft gone
    page = client.get(f"/studio/processes/{KEY}/versions").get_data(as_text=True)
    assert "45 jours" in page and "guu.bpmn#ga_payment" in page and ANALYST in page
    download = client.get(f"/studio/processes/{KEY}/versions/2/files/guu.bpmn")
    assert download.status_code == 200 and 'attachment; filename="guu_autorisation-v2-guu.bpmn"' in \
        download.headers["Content-Disposition"]
    assert 'value="P45D"' in download.get_data(as_text=True)
    assert 'value="rapprochement.schema.json"/><spiffworkflow:property name="deadline" value="P30D"/>' in client.get(
        f"/studio/processes/{KEY}/versions/1/files/guu.bpmn").get_data(as_text=True)
    assert client.get(f"/studio/processes/{KEY}/versions/1/files/nope.bpmn").status_code == 404


def test_form_preview_uses_the_inbox_renderer(site: Site) -> None:
    client, config = open_bundle(site)
    shown = client.post("/studio/forms/preview", json={"schema": config["forms"]["avis.schema.json"],
                                                       "ui": config["forms"]["avis.ui.json"]})
    assert shown.status_code == 200
    assert 'name="opinion.avis"' in shown.json["html"] and "Favorable" in shown.json["html"]
    schema = {"type": "object", "properties": {"motif": {"type": "string", "title": "Motif <b>"}},
              "required": ["motif"]}
    fresh = client.post("/studio/forms/preview", json={"schema": json.dumps(schema)})
    assert 'name="motif"' in fresh.json["html"] and "Motif &lt;b&gt;" in fresh.json["html"]  # escaped
    oops = client.post("/studio/forms/preview", json={"schema": "{\n  oops"})
    assert oops.status_code == 422 and oops.json["message"] == "JSON illisible à la ligne 2, colonne 3."
    listed = client.post("/studio/forms/preview", json={"schema": "[1]"})
    assert listed.status_code == 422 and "doivent être des objets JSON" in listed.json["message"]
    odd = client.post("/studio/forms/preview", json={"schema": json.dumps({"type": "object", "properties": []})})
    assert odd.status_code in (200, 422) and "Error" not in str(odd.json.get("message"))


def test_a_new_form_is_validated_and_deployed_with_the_process(site: Site, sessions: sessionmaker[Session]) -> None:
    client, config = open_bundle(site)
    files, forms = dict(config["files"]), dict(config["forms"])
    files["guu.bpmn"] = files["guu.bpmn"].replace('value="rapprochement.schema.json"', 'value="quittance.schema.json"')
    forms["quittance.schema.json"] = json.dumps({"type": "object", "properties": {"q": {"type": 5}}})
    refused = client.post(f"/studio/processes/{KEY}/deploy", json={"files": files, "forms": forms})
    assert refused.status_code == 422
    assert any(p["file"] == "quittance.schema.json" for p in refused.json["problems"])
    forms["quittance.schema.json"] = json.dumps({"type": "object", "required": ["payment_reference"],
                                                 "properties": {"payment_reference": {"type": "string"},
                                                                "guichet": {"type": "string"}}})
    assert client.post(f"/studio/processes/{KEY}/deploy", json={"files": files, "forms": forms}).status_code == 201
    with site.app.app_context():
        from web.extensions import db
        row = versions.version(db.session(), KEY)
        assert row.version == 2 and row.forms["quittance.schema.json"]["required"] == ["payment_reference"]
    # a dossier on v2 reaches the payment step: its page renders the new form (not on disk)
    from tests.web.test_studio_browser import to_payment
    from web.bootstrap import get_engine
    with site.app.app_context():
        p = Platform(get_engine(site.app), sessions, site.app.extensions["guichet.ports"], clock=None)  # type: ignore[arg-type]
        task = to_payment(p, p.file("citoyen@guichet.demo", "permis_construire", SMALL))
    agent = site.client("guichet@casablanca.demo")
    page = agent.get(f"/tasks/{task.id}")
    assert page.status_code == 200 and 'name="guichet"' in page.get_data(as_text=True)
    refused = agent.post(f"/tasks/{task.id}", data={"guichet": "B"})
    assert refused.status_code == 422  # validated against the deployed form: the reference is required
    assert agent.post(f"/tasks/{task.id}", data={"payment_reference": "Q-1", "guichet": "B"}).status_code == 302


def test_a_decision_table_change_is_deployed_with_the_process(site: Site) -> None:
    client, config = open_bundle(site)
    files = dict(config["files"])
    old = '<outputEntry id="guu_fees_r1_o0"><text>10</text></outputEntry>'
    assert old in files["guu_fees.dmn"]
    files["guu_fees.dmn"] = files["guu_fees.dmn"].replace(old, old.replace(">10<", ">12<"))
    deployed = client.post(f"/studio/processes/{KEY}/deploy", json={"files": files, "forms": config["forms"]})
    assert deployed.status_code == 201
    created = {d["key"] for d in deployed.json["deployed"] if d["created"]}
    assert created == {KEY}  # only the process calling guu_fees changes
    with site.app.app_context():
        from web.extensions import db
        assert versions.history(db.session(), KEY)[0].diff_summary["changed"] == ["guu_fees.dmn#guu_fees_r1_o0"]
    invalid = dict(files, **{"guu_fees.dmn": files["guu_fees.dmn"].replace("<outputEntry", "<outputEntryX", 1)})
    refused = client.post("/studio/validate", json={"files": invalid, "forms": config["forms"]})
    assert refused.json["ok"] is False and refused.json["problems"][0]["file"] == "guu_fees.dmn"


def test_a_changed_form_reaches_the_inbox_of_dossiers_on_the_new_version_only(site: Site) -> None:
    from tests.web.test_portal import file_dossier
    before, _ = file_dossier(site)
    client, config = open_bundle(site)
    forms = dict(config["forms"])
    ui = json.loads(forms["recevabilite.ui.json"])
    ui["complete"]["label"]["fr"] = "Toutes les pièces sont là"
    schema = json.loads(forms["recevabilite.schema.json"])
    schema["properties"]["note_interne"] = {"type": "string", "maxLength": 200}
    forms.update({"recevabilite.ui.json": json.dumps(ui, ensure_ascii=False),
                  "recevabilite.schema.json": json.dumps(schema, ensure_ascii=False)})
    deployed = client.post(f"/studio/processes/{KEY}/deploy", json={"files": config["files"], "forms": forms})
    assert deployed.status_code == 201
    assert {d["key"] for d in deployed.json["deployed"] if d["created"]} == {"recevabilite"}
    after, _ = file_dossier(site)
    agent = site.client("guichet@casablanca.demo")
    pages = {}
    for dossier_id in (before, after):
        with site.app.app_context():
            from web.extensions import db
            instance_id = db.session.get_one(Dossier, dossier_id).instance_id
            task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                                   HumanTask.state == "READY"))
        pages[dossier_id] = agent.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Le dossier est complet" in pages[before] and 'name="note_interne"' not in pages[before]
    assert "Toutes les pièces sont là" in pages[after] and 'name="note_interne"' in pages[after]


def test_deploying_over_a_colleagues_newer_version_needs_confirmation(site: Site) -> None:
    client, config = open_bundle(site)
    files = dict(config["files"])
    files["guu.bpmn"] = files["guu.bpmn"].replace('name="Rapprocher le paiement"', 'name="Encaisser"')
    # meanwhile v2 is deployed from another tab (a colleague would be named the same way)
    other = dict(config["files"])
    other["guu.bpmn"] = other["guu.bpmn"].replace('name="Rapprocher le paiement"', 'name="Payer"')
    assert client.post(f"/studio/processes/{KEY}/deploy", json={"base_version": 1, "files": other,
                                                                "forms": config["forms"]}).status_code == 201
    stale = client.post(f"/studio/processes/{KEY}/deploy", json={"base_version": 1, "files": files,
                                                                 "forms": config["forms"]})
    assert stale.status_code == 409 and stale.json["stale"] is True and stale.json["latest_version"] == 2
    assert "v2 a été déployé par analyste@guichet.demo" in stale.json["message"]
    assert count_versions(site) == 2
    forced = client.post(f"/studio/processes/{KEY}/deploy", json={"base_version": 1, "files": files,
                                                                  "forms": config["forms"], "force": True})
    assert forced.status_code == 201 and count_versions(site) == 3


def test_an_old_copy_of_a_called_process_changed_in_a_bundle_is_stale(site: Site) -> None:
    client, config = open_bundle(site)
    assert config["called_versions"] == {"commission": 1, "recevabilite": 1, "signature": 1}
    # meanwhile commission v2 is deployed from its own page
    _other, commission = open_bundle_of(site, "commission")
    renamed = {**commission["files"], "shared.bpmn": commission["files"]["shared.bpmn"].replace(
        'name="Donner l\'avis de l\'organisme"', 'name="Rendre l\'avis"')}
    assert client.post("/studio/processes/commission/deploy", json={
        "base_version": 1, "files": renamed, "forms": commission["forms"]}).status_code == 201
    # the GUU bundle opened before changes its old copy of commission: refused, it would drop the rename
    files = {**config["files"], "shared.bpmn": config["files"]["shared.bpmn"].replace(
        '<spiffworkflow:property name="deadline" value="P5D"/>', '<spiffworkflow:property name="deadline" value="P7D"/>')}
    body = {"base_version": 1, "files": files, "forms": config["forms"], "called_versions": config["called_versions"]}
    stale = client.post(f"/studio/processes/{KEY}/deploy", json=body)
    assert stale.status_code == 409 and stale.json["stale_key"] == "commission" and stale.json["latest_version"] == 2
    assert "« commission » v2 a été déployé par analyste@guichet.demo depuis l'ouverture de la v1" in stale.json["message"]
    assert count_versions(site, "commission") == 2 and count_versions(site) == 1
    # its copy left as opened: deployed, commission untouched
    body["files"] = {**config["files"], "guu.bpmn": config["files"]["guu.bpmn"].replace(
        'name="Rapprocher le paiement"', 'name="Encaisser"')}
    assert client.post(f"/studio/processes/{KEY}/deploy", json=body).status_code == 201
    assert count_versions(site, "commission") == 2 and count_versions(site) == 2


def open_bundle_of(site: Site, key: str) -> tuple[Any, dict[str, Any]]:
    client = site.client(ANALYST)
    page = client.get(f"/studio/processes/{key}/edit?version=1")
    assert page.status_code == 200
    return client, config_of(page.get_data(as_text=True))


def test_the_studio_speaks_arabic_right_to_left(site: Site) -> None:
    client = site.client(ANALYST)
    client.get("/lang/ar")
    page = client.get(f"/studio/processes/{KEY}/edit?version=1").get_data(as_text=True)
    messages = json.loads(re.search(r'id="studio-messages">(.*?)</script>', page, re.S).group(1))
    assert messages["group"] and messages["deadline"].startswith("الأجل") and messages["forms"] == "النماذج"
    assert ">نشر<" in page and 'dir="rtl"' in page
    assert "سجل النسخ" in client.get(f"/studio/processes/{KEY}/versions").get_data(as_text=True)


def test_going_back_to_an_earlier_version_deploys_it_as_the_newest(site: Site) -> None:
    client, v1 = open_bundle(site)
    changed = dict(v1["files"])
    changed["guu.bpmn"] = changed["guu.bpmn"].replace('value="rapprochement.schema.json"/><spiffworkflow:property '
                                                      'name="deadline" value="P30D"/>', 'value="rapprochement.schema.json"/>'
                                                      '<spiffworkflow:property name="deadline" value="P60D"/>')
    assert client.post(f"/studio/processes/{KEY}/deploy", json={"files": changed, "forms": v1["forms"]}).status_code == 201
    back = client.post(f"/studio/processes/{KEY}/deploy", json={"files": v1["files"], "forms": v1["forms"]})
    assert {d["key"]: (d["version"], d["created"]) for d in back.json["deployed"]}[KEY] == (3, True)
    with site.app.app_context():
        from web.extensions import db
        rows = versions.history(db.session(), KEY)
        assert [r.version for r in rows] == [3, 2, 1] and rows[0].content_hash == rows[2].content_hash
        assert rows[0].diff_summary["changed"] == ["guu.bpmn#ga_payment"]
        from engine.definitions import latest_id
        assert latest_id(db.session(), KEY) == rows[0].id  # new dossiers start on v3
