"""Analysts' process API (list, versions, files, validate, deploy), a deployment seen at once by
another node without restart, and ``guichet processes export`` back to files."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine.clock import utcnow
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from handlers.dossier_models import Dossier
from tests.conftest import PROCESSES, Site
from tests.filing import file_complete

ANALYST = "analyste@guichet.demo"
KEY = "guu_autorisation"
SMALL = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}
OLD_CHECK = '<spiffworkflow:property name="deadline" value="P3D"/>'
NEW_CHECK = '<spiffworkflow:property name="deadline" value="P4D"/>'


def bundle(site: Site, headers: dict[str, str], number: int = 1) -> dict:
    response = site.app.test_client().get(f"/api/v1/processes/{KEY}/versions/{number}", headers=headers)
    assert response.status_code == 200
    return response.json


def test_api_lists_validates_deploys_and_serves_versions(site: Site) -> None:
    client = site.app.test_client()
    analyst, admin = site.token(ANALYST), site.token("admin@guichet.demo")
    listing = client.get("/api/v1/processes", headers=analyst).json
    assert {p["key"]: p["version"] for p in listing}[KEY] == 1
    assert client.get("/api/v1/processes", headers=admin).status_code == 200
    assert client.get("/api/v1/processes", headers=site.token("citoyen@guichet.demo")).status_code == 403
    assert client.get("/api/v1/processes").status_code == 401

    b = bundle(site, analyst)
    assert OLD_CHECK in b["files"]["shared.bpmn"]
    files = dict(b["files"], **{"shared.bpmn": b["files"]["shared.bpmn"].replace(OLD_CHECK, NEW_CHECK)})
    checked = client.post("/api/v1/processes/validate", json={"files": files, "forms": b["forms"]}, headers=admin)
    assert checked.status_code == 200 and checked.json["ok"] is True
    broken = dict(files, **{"shared.bpmn": files["shared.bpmn"].replace(NEW_CHECK, NEW_CHECK.replace("P4D", "4 jours"))})
    refused = client.post(f"/api/v1/processes/{KEY}/deploy", json={"files": broken, "forms": b["forms"]}, headers=analyst)
    assert refused.status_code == 422
    assert [p["element_id"] for p in refused.json["detail"]["problems"]] == ["rc_check"]
    assert client.post(f"/api/v1/processes/{KEY}/deploy", json={"files": files, "forms": b["forms"]},
                       headers=admin).status_code == 403  # reading is not deploying
    assert client.post(f"/api/v1/processes/{KEY}/deploy", json={"files": [1]}, headers=analyst).status_code in (400, 422)

    done = client.post(f"/api/v1/processes/{KEY}/deploy", json={"files": files, "forms": b["forms"], "comment": "J+4"},
                       headers=analyst)
    assert done.status_code == 201
    created = {d["key"] for d in done.json["deployed"] if d["created"]}
    # shared.bpmn changed: recevabilite gets a new version; the processes calling it run it
    # by reference (their own content did not change)
    assert created == {"recevabilite"}
    history = client.get("/api/v1/processes/recevabilite/versions", headers=analyst).json
    assert [(v["version"], v["author"], v["comment"]) for v in history] == [(2, ANALYST, "J+4"), (1, "tests", None)]
    assert history[0]["diff"]["changed"] == ["shared.bpmn#rc_check"] and history[1]["diff"] is None
    raw = client.get("/api/v1/processes/recevabilite/versions/2/files/shared.bpmn", headers=analyst)
    assert raw.status_code == 200 and raw.mimetype == "application/xml" and NEW_CHECK in raw.get_data(as_text=True)
    assert client.get(f"/api/v1/processes/{KEY}/versions/2", headers=analyst).status_code == 404
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/processes/{key}/deploy" in spec["paths"]


def test_a_deployment_is_used_at_once_by_every_node(site: Site, database_url: str, tmp_path: Path) -> None:
    """Two application instances on one database, as two web nodes (or a node and a worker):
    the second has already started dossiers (its caches are warm) when the first deploys."""
    from handlers.accounts import actor_for, find_by_email
    from web import create_app
    from web.bootstrap import get_engine
    from web.extensions import db
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                        "GUICHET_PROCESSES_DIR": str(PROCESSES), "GUICHET_STORAGE_DIR": str(tmp_path / "files2"),
                        "SECRET_KEY": "test"})

    def file_on_other_node() -> tuple[int, HumanTask]:
        with other.app_context():
            engine, ports = get_engine(other), other.extensions["guichet.ports"]
            with engine.transaction() as s:
                citizen = actor_for(find_by_email(s, "citoyen@guichet.demo"))
            dossier_id = file_complete(engine, ports, citizen, "permis_construire", SMALL)
            with engine.transaction() as s:
                instance = s.get_one(ProcessInstance, s.get_one(Dossier, dossier_id).instance_id)
                version = s.get_one(ProcessDefinition, instance.definition_id).version
                task = s.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id))
                return version, task

    try:
        assert file_on_other_node()[0] == 1  # warms the other node's caches on v1
        analyst = site.token(ANALYST)
        b = bundle(site, analyst)
        files = dict(b["files"], **{"shared.bpmn": b["files"]["shared.bpmn"].replace(OLD_CHECK, NEW_CHECK)})
        assert site.app.test_client().post(f"/api/v1/processes/{KEY}/deploy", json={"files": files, "forms": b["forms"]},
                                           headers=analyst).status_code == 201
        version, task = file_on_other_node()  # the procedure is unchanged, the check it calls is new
        assert version == 1 and task.bpmn_id == "rc_check"
        assert timedelta(days=3, hours=23) < task.due_at - utcnow() <= timedelta(days=4)
    finally:
        with other.app_context():
            db.session.remove()
            db.engines[None].dispose()


def test_export_writes_deployed_versions_back_to_files(site: Site, tmp_path: Path) -> None:
    runner = site.app.test_cli_runner()
    analyst = site.token(ANALYST)
    b = bundle(site, analyst)
    files = dict(b["files"], **{"shared.bpmn": b["files"]["shared.bpmn"].replace(OLD_CHECK, NEW_CHECK)})
    assert site.app.test_client().post(f"/api/v1/processes/{KEY}/deploy", json={"files": files, "forms": b["forms"]},
                                       headers=analyst).status_code == 201
    latest = tmp_path / "latest"
    result = runner.invoke(args=["processes", "export", str(latest)])
    assert result.exit_code == 0, result.output
    assert NEW_CHECK in (latest / "shared.bpmn").read_text(encoding="utf-8")
    assert {p.name for p in latest.glob("*.bpmn")} == {"guu.bpmn", "shared.bpmn", "economic.bpmn"}
    assert (latest / "forms" / "avis.schema.json").is_file()
    # what was exported validates, and compiles to the very processes deployed
    assert runner.invoke(args=["processes", "validate", str(latest)]).exit_code == 0
    from engine.sources import read_directory
    from web.bootstrap import get_engine
    from web.extensions import db
    with site.app.app_context():
        compiled = {p.key: p.content_hash for p in get_engine(site.app).compile(*read_directory(latest)).processes}
        for key in (KEY, "recevabilite", "guu_permis_habiter"):
            deployed = db.session.scalar(select(ProcessDefinition.content_hash).where(
                ProcessDefinition.process_key == key).order_by(ProcessDefinition.version.desc()).limit(1))
            assert compiled[key] == deployed, key
    v1 = tmp_path / "v1"
    assert runner.invoke(args=["processes", "export", str(v1), "--key", KEY, "--version", "1"]).exit_code == 0
    # a version's bundle: its own files, and those of the processes it calls as a call runs them now
    assert NEW_CHECK in (v1 / "shared.bpmn").read_text(encoding="utf-8") and not (v1 / "economic.bpmn").exists()
    missing = runner.invoke(args=["processes", "export", str(tmp_path / "x"), "--key", "nope"])
    assert missing.exit_code == 1 and "nope" in missing.output
    assert runner.invoke(args=["processes", "export", str(tmp_path / "y"), "--version", "1"]).exit_code == 2


def test_the_cli_deploy_does_not_undo_the_studios_versions(site: Site) -> None:
    analyst = site.token(ANALYST)
    b = bundle(site, analyst)
    files = dict(b["files"], **{"shared.bpmn": b["files"]["shared.bpmn"].replace(OLD_CHECK, NEW_CHECK)})
    assert site.app.test_client().post(f"/api/v1/processes/{KEY}/deploy", json={"files": files, "forms": b["forms"]},
                                       headers=analyst).status_code == 201
    result = site.app.test_cli_runner().invoke(args=["processes", "deploy"])  # processes/ still says v1
    assert result.exit_code == 0 and f"{KEY} v1 unchanged" in result.output
    assert "recevabilite v1 unchanged" in result.output
    with site.app.app_context():
        from engine.definitions import latest_id
        from web.extensions import db
        newest = db.session.get_one(ProcessDefinition, latest_id(db.session(), "recevabilite"))
        assert newest.version == 2


def test_diagram_code_the_sandbox_refuses_is_a_located_problem_and_nothing_is_deployed(site: Site) -> None:
    """What the Studio's validate and deploy answer for code that would reach the server: a
    problem on the flow (its id, for the marker; its line; a French sentence), and no version."""
    client, analyst = site.app.test_client(), site.token(ANALYST)
    b = bundle(site, analyst)
    guu = b["files"]["guu.bpmn"]
    condition = ">fees_due == True</bpmn:conditionExpression>"
    assert condition in guu
    for hostile in ("__import__('os').getuid() == 0", "fees_due.__class__.__mro__ == 1",
                    "getattr(fees_due, 'real') == 1", "'{0.__class__}'.format(fees_due) == ''"):
        files = dict(b["files"], **{"guu.bpmn": guu.replace(condition, f">{hostile}</bpmn:conditionExpression>")})
        for url in ("/api/v1/processes/validate", f"/api/v1/processes/{KEY}/deploy"):
            r = client.post(url, json={"files": files, "forms": b["forms"]}, headers=analyst)
            problems = (r.json.get("problems") or r.json.get("detail", {}).get("problems")) if r.is_json else None
            assert r.status_code in (200, 422) and problems, (url, r.status_code, r.get_data(as_text=True)[:300])
            here = [p for p in problems if p["element_id"] == "guu_autorisation_f23"]
            assert here and len(here) == len(problems), problems  # on the flow, and only there
            for problem in here:
                assert problem["file"] == "guu.bpmn" and problem["line"], problem
                assert re.search(r"n'est pas (permis|disponible)|pas permise", problem["message"]), problem
                assert not re.search(r"\b(not allowed|forbidden|error)\b", problem["message"], re.I), problem
        assert r.status_code == 422
    listing = client.get("/api/v1/processes", headers=analyst).json
    assert {p["key"]: p["version"] for p in listing}[KEY] == 1
