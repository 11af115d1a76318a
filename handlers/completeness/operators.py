"""The operators diagrams name for document requests.

- ``requests.validate`` guards the agent's task (its ``check`` property): every document asked
  for is on the dossier's checklist, asked once, and a correction names an uploaded document.
- ``requests.open`` records the request (after the agent's task) and gives the notification
  its list, in French and in Arabic.
- ``requests.answered`` guards the applicant's task: each requested document has a version
  newer than when it was asked for; the 422 lists those still missing.
- ``requests.close`` records the answer (versions given, the applicant's comment).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import InvalidTaskData, ServiceCall
from engine.expressions import AUTHORS

from ..common import DomainError, dossier_of, param
from ..dossier_models import DocumentVersion, Dossier
from ..ports import Ports
from .models import KINDS, DocumentRequest


def newest_versions(session: Session, dossier_id: int) -> dict[str, int]:
    """Document kind → its newest version number."""
    return dict(session.execute(select(DocumentVersion.kind, func.max(DocumentVersion.version))
                                .where(DocumentVersion.dossier_id == dossier_id).group_by(DocumentVersion.kind)).all())


def open_request(session: Session, dossier_id: int) -> DocumentRequest | None:
    """The dossier's request still waiting for its answer (at most one at a time)."""
    return session.scalar(select(DocumentRequest).where(DocumentRequest.dossier_id == dossier_id,
                                                        DocumentRequest.answered_at.is_(None))
                          .order_by(DocumentRequest.id.desc()).limit(1))


def still_missing(session: Session, request: DocumentRequest) -> list[str]:
    """The requested documents with no version newer than when they were asked for."""
    newest = newest_versions(session, request.dossier_id)
    return [i["document"] for i in request.items if newest.get(i["document"], 0) <= int(i.get("since") or 0)]


def _asked(data: Any) -> list[dict[str, Any]]:
    asked = data.get("requests") or []
    return [dict(a) for a in asked if isinstance(a, dict)]


def validate(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Check (``check`` of the agent's task): the documents asked for are the checklist's."""
    if call.params.get("complete") is True:  # the agent found the dossier complete
        return {}
    dossier = dossier_of(call)
    procedure = ports.catalog(call.session, dossier.catalog_id).procedure(dossier.procedure)
    uploaded = newest_versions(call.session, dossier.id)
    errors: dict[str, str] = {}
    codes: dict[str, str] = {}
    seen: set[str] = set()
    asked = _asked(call.params)
    for n, item in enumerate(asked):
        kind, path = str(item.get("document", "")), f"requests/{n}/document"
        if procedure.item(kind) is None:
            errors[path], codes[path] = f"'{kind}' is not on this procedure's checklist", "not_on_checklist"
        elif kind in seen:
            errors[path], codes[path] = f"'{kind}' is asked for twice", "uniqueItems"
        elif item.get("mode") == "correction" and kind not in uploaded:
            errors[path], codes[path] = f"'{kind}' was never uploaded: ask for it as missing", "never_uploaded"
        seen.add(kind)
    if not asked:
        errors["requests"], codes["requests"] = "name at least one document", "minItems"
    if errors:
        raise InvalidTaskData(errors, codes)
    return {}


def _line(n: int, label: str, item: dict[str, Any], correction: str) -> str:
    mode = f" ({correction})" if item.get("mode") == "correction" else ""
    return f"{n}. {label}{mode} : {item['reason']}"


def open_(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record the request the agent's task just made (``kind``: completeness | plans)."""
    dossier = dossier_of(call)
    kind = str(param(call, "kind", "completeness"))
    if kind not in KINDS:
        raise DomainError(f"unknown request kind {kind!r}", code="request.kind")
    procedure = ports.catalog(call.session, dossier.catalog_id).procedure(dossier.procedure)
    newest = newest_versions(call.session, dossier.id)
    items = [{"document": a["document"], "reason": str(a.get("reason") or "").strip(),
              "mode": "correction" if a.get("mode") == "correction" else "missing",
              "since": newest.get(a["document"], 0), "answered_version": None} for a in _asked(call.data)]
    if not items:
        raise DomainError("a document request names no document", code="request.empty")
    for previous in call.session.scalars(select(DocumentRequest).where(
            DocumentRequest.dossier_id == dossier.id, DocumentRequest.answered_at.is_(None))):
        previous.answered_at = call.now  # superseded: one open request at a time
    by = (call.data.get(AUTHORS) or {}).get(str(param(call, "from_task", "")))
    comment = str(call.data.get("observations") or "").strip() or None
    call.session.add(DocumentRequest(dossier_id=dossier.id, kind=kind, comment=comment, items=items,
                                     requested_by=by, requested_at=call.now))
    labels = {i.kind: (i.fr, i.ar) for i in procedure.checklist}
    fr = "\n".join(_line(n, labels[i["document"]][0], i, "version corrigée")
                   for n, i in enumerate(items, 1))
    ar = "\n".join(_line(n, labels[i["document"]][1], i, "نسخة مصححة").replace(" : ", ": ")
                   for n, i in enumerate(items, 1))
    # the observations belong to this request: the next round starts without them
    return {"requested_fr": fr, "requested_ar": ar, "request_comment": comment or "—", "observations": None}


def answered(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Check (``check`` of the applicant's task): every requested document has a new version."""
    request = open_request(call.session, dossier_of(call).id)
    if request is None:
        return {}
    missing = still_missing(call.session, request)
    if missing:
        raise InvalidTaskData({f"documents/{k}": f"no new version of '{k}' since it was requested" for k in missing},
                              {f"documents/{k}": "document_missing" for k in missing})
    return {}


def close(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Record the applicant's answer: the versions that answer each item, their comment."""
    dossier: Dossier = dossier_of(call)
    request = open_request(call.session, dossier.id)
    if request is None:
        return {}
    newest = newest_versions(call.session, dossier.id)
    request.items = [{**i, "answered_version": newest.get(i["document"])} for i in request.items]
    request.answered_at = call.now
    request.answered_by = dossier.applicant_id
    request.answer_comment = str(call.data.get("comment") or "").strip() or None
    return {}
