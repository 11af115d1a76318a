"""Completeness requests as structured data: the agent asks for checklist documents, each with
its reason; the applicant sees them, cannot complete before uploading each, and may upload only
what is asked while a task asks for it. Every request and answer stays in the history."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import InvalidTaskData
from handlers import dossiers
from handlers.completeness.models import DocumentRequest
from handlers.completeness.window import UploadClosed
from handlers.dossier_models import Notification
from handlers.models import User
from tests.pdfs import tiny_pdf
from tests.procedures.conftest import Platform

CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
SMALL = {"usage": "habitation_individuelle", "surface": 180, "niveaux": 2, "parcelle": "TF 12345/C"}
TWO = [{"document": "plan_masse", "reason": "Cotes absentes", "mode": "correction"},
       {"document": "etude_beton", "reason": "Étude manquante"}]


def upload(p: Platform, d: int, kind: str) -> int:
    with p.engine.transaction() as s:
        doc = dossiers.add_document(s, p.ports, s.get_one(dossiers.Dossier, d), kind=kind, filename=f"{kind}.pdf",
                                    content=tiny_pdf(kind + " v2"), by=p.actor(CITIZEN), now=p.clock())
        return doc.version


def requests_of(p: Platform, d: int) -> list[DocumentRequest]:
    with p.sessions() as s:
        return list(s.scalars(select(DocumentRequest).where(DocumentRequest.dossier_id == d)
                              .order_by(DocumentRequest.id)))


def test_documents_off_the_checklist_are_refused(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL)
    with pytest.raises(InvalidTaskData) as err:  # bail_local belongs to the economic procedures
        p.do(d, "rc_check", {"complete": False, "requests": [{"document": "bail_local", "reason": "Bail"}]}, AGENT)
    assert err.value.codes == {"requests/0/document": "not_on_checklist"}
    with pytest.raises(InvalidTaskData) as err:  # a reason for each document
        p.do(d, "rc_check", {"complete": False, "requests": [{"document": "plan_masse"}]}, AGENT)
    assert "requests/0/reason" in err.value.errors or "requests/0" in err.value.errors
    assert p.open_steps(d) == ["rc_check"] and requests_of(p, d) == []


def test_request_answer_and_history(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL, skip=("etude_beton",))
    p.do(d, "rc_check", {"complete": False, "requests": TWO, "observations": "Merci de signer les plans."}, AGENT)
    [req] = requests_of(p, d)
    assert [(i["document"], i["reason"], i["mode"]) for i in req.items] == [
        ("plan_masse", "Cotes absentes", "correction"), ("etude_beton", "Étude manquante", "missing")]
    assert req.comment == "Merci de signer les plans." and req.open
    assert req.requested_by == p.actor(AGENT).user_id
    with p.sessions() as s:
        note = s.scalar(select(Notification).where(Notification.dossier_id == d, Notification.template == "incomplete"))
    assert "1. Plan de masse (version corrigée) : Cotes absentes" in note.body
    assert "2. Étude béton armé : Étude manquante" in note.body and "Merci de signer les plans." in note.body
    # completing before uploading: refused, listing both
    with pytest.raises(InvalidTaskData) as err:
        p.do(d, "rc_complete", {}, CITIZEN)
    assert set(err.value.errors) == {"documents/plan_masse", "documents/etude_beton"}
    with pytest.raises(UploadClosed) as closed:  # only what was asked
        upload(p, d, "plan_situation")
    assert closed.value.reason == "not_requested"
    assert upload(p, d, "plan_masse") == 2
    with pytest.raises(InvalidTaskData) as err:
        p.do(d, "rc_complete", {}, CITIZEN)
    assert set(err.value.errors) == {"documents/etude_beton"}
    assert upload(p, d, "etude_beton") == 1
    p.do(d, "rc_complete", {"comment": "Pièces jointes"}, CITIZEN)
    [req] = requests_of(p, d)
    assert not req.open and req.answer_comment == "Pièces jointes"
    assert {i["document"]: i["answered_version"] for i in req.items} == {"plan_masse": 2, "etude_beton": 1}
    assert p.open_steps(d) == ["rc_check"]
    with pytest.raises(UploadClosed) as closed:  # the agent is checking: no task of the applicant
        upload(p, d, "plan_masse")
    assert closed.value.reason == "no_task"


def test_correction_of_a_document_never_uploaded_is_refused(platform: Platform) -> None:
    p = platform
    d = p.file(CITIZEN, "permis_construire", SMALL, skip=("etude_beton",))
    with pytest.raises(InvalidTaskData) as err:
        p.do(d, "rc_check", {"complete": False, "requests": [
            {"document": "etude_beton", "reason": "Illisible", "mode": "correction"}]}, AGENT)
    assert err.value.codes == {"requests/0/document": "never_uploaded"}


def test_the_request_reaches_an_arabic_reader_in_arabic(platform: Platform) -> None:
    p = platform
    with p.engine.transaction() as s:
        s.get_one(User, p.actor(CITIZEN).user_id).locale = "ar"
    d = p.file(CITIZEN, "permis_construire", SMALL, skip=("etude_beton",))
    p.do(d, "rc_check", {"complete": False, "requests": TWO, "observations": "Merci."}, AGENT)
    with p.sessions() as s:
        note = s.scalar(select(Notification).where(Notification.dossier_id == d, Notification.template == "incomplete"))
    assert note.lang == "ar"
    assert "1. تصميم الكتلة (نسخة مصححة): Cotes absentes" in note.body
    assert "2. دراسة الخرسانة المسلحة: Étude manquante" in note.body and "Merci." in note.body
