"""The annotated plan: the session's annotations drawn onto the plan PDF, attached to the
dossier as a new document (kind ``plan_annote``) the applicant sees."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Actor

from ..common import DomainError
from ..dossier_models import DocumentVersion
from ..models import User
from ..ports import Ports
from . import access, strokes

KIND = "plan_annote"


def marks(session: Session, session_id: int, version_id: int) -> list[Any]:
    """The live annotations of a document version in a session, as signing.annotate marks."""
    from signing.annotate import Mark
    out = []
    for row in strokes.live(session, session_id, version_id):
        author = session.get(User, row.author_id)
        out.append(Mark(row.page, row.kind, row.geometry, row.style, author.full_name if author else ""))
    return out


def attach(session: Session, ports: Ports, dossier_id: int, kind: str, filename: str, content: bytes, pages: int,
           by: str, now: datetime) -> DocumentVersion:
    """A new version of a document the commission adds to the dossier."""
    version = (session.scalar(select(func.max(DocumentVersion.version)).where(
        DocumentVersion.dossier_id == dossier_id, DocumentVersion.kind == kind)) or 0) + 1
    doc = DocumentVersion(dossier_id=dossier_id, kind=kind, version=version, filename=filename,
                          content_type="application/pdf", sha256=ports.files.put(content), size=len(content),
                          pages=pages, uploaded_by=by, uploaded_at=now)
    session.add(doc)
    session.flush()
    return doc


def annotated_plan(session: Session, ports: Ports, actor: Actor, session_id: int, version_id: int,
                   now: datetime) -> DocumentVersion:
    """Draw the session's annotations on document ``version_id`` and attach the result."""
    from signing.annotate import annotated_pdf
    seat = access.seat(session, actor, session_id)
    source = access.document(session, seat, version_id)
    drawn = marks(session, session_id, source.id)
    if not drawn:
        raise DomainError("this plan has no annotation in this session: nothing to export",
                          code="annotation.none")
    content = annotated_pdf(ports.files.get(source.sha256), drawn)
    name = f"{source.kind}-v{source.version}-annote.pdf"
    return attach(session, ports, source.dossier_id, KIND, name, content, source.pages or 0, actor.user_id, now)
