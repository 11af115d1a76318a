"""What pages and the API show of a dossier's document requests: every request (the history),
each item with its label in both languages and whether a new version answers it."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import Catalog
from ..dossier_models import DocumentVersion, Dossier
from .models import DocumentRequest


@dataclass(frozen=True)
class RequestedItem:
    document: str
    label_fr: str
    label_ar: str
    reason: str
    mode: str  # missing | correction
    since: int  # the newest version when asked (0: none)
    answered_version: int | None  # the version that answers it (newest so far while open)

    @property
    def done(self) -> bool:
        return (self.answered_version or 0) > self.since

    def label(self, lang: str) -> str:
        return self.label_ar if lang == "ar" else self.label_fr


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str  # completeness | plans
    comment: str | None
    requested_at: datetime
    items: list[RequestedItem]
    answered_at: datetime | None
    answer_comment: str | None

    @property
    def open(self) -> bool:
        return self.answered_at is None

    @property
    def missing(self) -> list[str]:
        return [i.document for i in self.items if not i.done]

    def out(self) -> dict[str, Any]:
        """The API's shape."""
        return {"id": self.id, "kind": self.kind, "comment": self.comment, "requested_at": self.requested_at,
                "open": self.open, "answered_at": self.answered_at, "answer_comment": self.answer_comment,
                "missing": self.missing,
                "items": [{"document": i.document, "label_fr": i.label_fr, "label_ar": i.label_ar,
                           "reason": i.reason, "mode": i.mode, "version_when_requested": i.since,
                           "answered_version": i.answered_version if i.done else None, "answered": i.done}
                          for i in self.items]}


def requests_of(session: Session, catalog: Catalog, dossier: Dossier,
                documents: Iterable[DocumentVersion]) -> list[RequestView]:
    """The dossier's requests, newest first; ``documents`` are its versions (already read)."""
    rows = list(session.scalars(select(DocumentRequest).where(DocumentRequest.dossier_id == dossier.id)
                                .order_by(DocumentRequest.requested_at.desc(), DocumentRequest.id.desc())))
    if not rows:
        return []
    newest: dict[str, int] = {}
    for doc in documents:
        newest[doc.kind] = max(newest.get(doc.kind, 0), doc.version)
    procedure = catalog.procedure(dossier.procedure)
    out = []
    for row in rows:
        items = []
        for item in row.items:
            entry = procedure.item(item["document"])
            answered = newest.get(item["document"]) if row.answered_at is None else item.get("answered_version")
            items.append(RequestedItem(item["document"], entry.fr if entry else item["document"],
                                       entry.ar if entry else item["document"], item.get("reason") or "",
                                       item.get("mode") or "missing", int(item.get("since") or 0), answered))
        out.append(RequestView(row.id, row.kind, row.comment, row.requested_at, items, row.answered_at,
                               row.answer_comment))
    return out


def open_request_of(session: Session, ports: Any, dossier: Dossier) -> RequestView | None:
    """The dossier's open request (what a task of the applicant answers), if any. Callers
    ask only when the task read said one is open (``queries.task_with_form``)."""
    docs = session.scalars(select(DocumentVersion).where(DocumentVersion.dossier_id == dossier.id))
    views = requests_of(session, ports.catalog(session, dossier.catalog_id), dossier, docs)
    return next((r for r in views if r.open), None)
