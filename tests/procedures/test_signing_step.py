"""The president's signature runs as an async service task: a failure leaves the task open
with a visible error, a retry signs once, and a redelivered job signs nothing twice."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import OutboxMessage
from signing.errors import WrongPassphrase
from tests.procedures.conftest import Platform
from tests.procedures.test_guu import AGENT, CITIZEN, FAV, PRESIDENT, SMALL


def _to_signature(p: Platform) -> int:
    d = p.file(CITIZEN, "permis_construire", SMALL)
    p.do(d, "rc_check", {"complete": True}, AGENT)
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV})
    p.pay(d)
    return d


def test_key_problem_leaves_the_task_open_then_a_retry_signs_once(platform: Platform) -> None:
    p = platform
    d = _to_signature(p)
    good = p.ports.signer

    def broken() -> object:
        raise WrongPassphrase("the passphrase of the president's key is wrong")
    p.ports.signer = broken
    p.do(d, "sg_approve", {"approve": True}, PRESIDENT)
    with p.sessions() as s:
        [job] = s.scalars(select(OutboxMessage).where(OutboxMessage.operator == "decision.sign"))
    assert job.status == "pending" and job.attempts == 1 and "passphrase" in job.last_error
    assert p.statuses(d)[-1] == "signature" and not p.decision(d).signed
    p.ports.signer = good
    assert p.engine.drain_outbox() == 1
    decision = p.decision(d)
    assert decision.signed and p.statuses(d)[-1] == "authorized"
    first_pdf = decision.pdf_sha256
    with p.sessions() as s:
        instance_id = p.dossier(d).instance_id
        assert s.get(OutboxMessage, job.id).status == "done"
    assert p.engine.run_service_task(instance_id, job.task_id) is False  # redelivered: nothing happens
    assert p.decision(d).pdf_sha256 == first_pdf
    assert p.messages(d).count("decision_issued") == 1


def test_signed_decision_verifies_against_the_demo_ca(platform: Platform, demo_pki) -> None:  # noqa: ANN001
    from signing.verify import verify
    p = platform
    d = _to_signature(p)
    p.do(d, "sg_approve", {"approve": True}, PRESIDENT)
    pdf = p.ports.files.get(p.decision(d).pdf_sha256)
    result = verify(pdf, [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.trusted and result.intact and "DEMO" in (result.signer_subject or "")
