"""*Importer* in the Studio: a valid diagram becomes the analyst's draft; hostile files and the
MIWG reference models (written by other tools) get their problems listed, never a traceback."""
from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

import pytest

from engine.versions import get_draft
from tests.conftest import DIAGRAMS, Site, service_missing

ANALYST = "analyste@guichet.demo"
MIWG = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "bpmn-miwg"
HOSTILE = {
    "xxe.bpmn": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><d>&xxe;</d>',
    "bomb.bpmn": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><d>&b;</d>',
    "truncated.bpmn": b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
    "binary.bpmn": b"\x00\xff\xfe" * 100,
    "page.bpmn": b"<html><body>not a diagram</body></html>",
    "plan.pdf": b"%PDF-1.7 not a diagram",
}


def _upload(site: Site, name: str, content: bytes, process: str = "") -> tuple[int, str]:
    client = site.client(ANALYST)
    response = client.post("/studio/import", data={"file": (io.BytesIO(content), name), "process": process},
                           content_type="multipart/form-data")
    return response.status_code, unescape(response.get_data(as_text=True))


def test_a_valid_diagram_becomes_a_draft_of_a_new_process(site: Site) -> None:
    status, body = _upload(site, "approbation.bpmn", (Path(__file__).parent / "imported.bpmn").read_bytes())
    assert status == 302, re.findall(r"<li><code>(.*?)</code></li>", body, re.S)
    with site.app.app_context():
        from handlers.accounts import find_by_email
        from web.extensions import db
        user = find_by_email(db.session(), ANALYST)
        assert user is not None
        draft = get_draft(db.session(), "approbation_importee", user.id)
    assert draft is not None and "approbation.bpmn" in draft.files
    index = site.client(ANALYST).get("/studio/").get_data(as_text=True)
    assert "approbation_importee" in index and "jamais déployé" in unescape(index)
    assert site.client(ANALYST).get("/studio/processes/approbation_importee/edit").status_code == 200


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_with_the_reason(site: Site, name: str) -> None:
    status, body = _upload(site, name, HOSTILE[name])
    assert status == 422, body[:2000]
    assert "Traceback" not in body and "ne peut pas être importé" in body


def test_a_decision_table_needs_the_process_it_joins(site: Site) -> None:
    dmn = (DIAGRAMS / "deliberation.dmn").read_bytes()
    status, body = _upload(site, "deliberation_importee.dmn", dmn)
    assert status == 422 and "choisissez" in body
    status, _body = _upload(site, "deliberation_importee.dmn", dmn, process="guu_autorisation")
    assert status == 302


def test_the_miwg_corpus_imports_or_lists_located_problems(site: Site) -> None:
    models = sorted(MIWG.glob("*.bpmn"))
    if not models:
        service_missing(f"the MIWG corpus is not at {MIWG} (shared/ beside the clone)")
    outcomes = {}
    for path in models:
        status, body = _upload(site, path.name, path.read_bytes())
        assert status in (302, 422), (path.name, status)
        if status == 422:
            problems = re.findall(r"<li><code>(.*?)</code></li>", body, re.S)
            assert problems, path.name
            assert all(p.startswith(path.name) or "exécutable" in p for p in problems), (path.name, problems[:3])
        outcomes[path.name] = status
    assert len(outcomes) == len(models)
