"""Upload windows: when the applicant may add a version of a document.

A draft takes any document of its checklist. Once filed, a document changes only while the
applicant has an open task on the dossier that answers a request (completing it, sending
modified plans), and only the documents the request names. Anything else is a conflict
(409) whose reason the pages and the API say in the user's language.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Conflict
from engine.models import HumanTask

from ..dossier_models import Dossier
from .operators import open_request


class UploadClosed(Conflict):
    """No open task asks for this document; ``reason``: ``no_task`` | ``not_requested``."""

    def __init__(self, reason: str, kind: str, requested: list[str] | None = None):
        self.reason, self.kind, self.requested = reason, kind, list(requested or [])
        detail = ("no open task of the applicant asks for documents" if reason == "no_task"
                  else f"'{kind}' is not among the requested documents: {', '.join(self.requested)}")
        super().__init__(f"documents cannot change now: {detail}")


def applicant_task_open(session: Session, dossier: Dossier) -> bool:
    """Whether the applicant has a task waiting on the dossier."""
    if dossier.instance_id is None:
        return False
    return session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == dossier.instance_id, HumanTask.state == "READY",
        HumanTask.assignee == dossier.applicant_id).limit(1)) is not None


def open_kinds(session: Session, dossier: Dossier) -> list[str] | None:
    """The documents the applicant may upload now: ``None`` means any of the checklist (a
    draft); ``[]`` means none."""
    if dossier.instance_id is None and dossier.status == "draft":
        return None
    request = open_request(session, dossier.id)
    if request is None or not applicant_task_open(session, dossier):
        return []
    return [i["document"] for i in request.items]


def check_upload(session: Session, dossier: Dossier, kind: str) -> None:
    """Raise :class:`UploadClosed` unless ``kind`` may get a new version now."""
    kinds = open_kinds(session, dossier)
    if kinds is None:
        return
    if not kinds:
        raise UploadClosed("no_task", kind)
    if kind not in kinds:
        raise UploadClosed("not_requested", kind, kinds)
