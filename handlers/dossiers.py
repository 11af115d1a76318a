"""Dossiers as applicants handle them: draft, documents (versioned), submission."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Actor, Conflict, Engine, Forbidden, InvalidTaskData, NotFound, faults, forms

from . import catalog_store, pdfcheck, queries
from .catalog import PDF, Catalog
from .common import DomainError, set_status
from .completeness.window import check_upload
from .dossier_models import DocumentVersion, Dossier
from .filing import missing_documents
from .models import Commune
from .numbering import next_number
from .ports import Ports

MAX_DOCUMENT_BYTES = pdfcheck.MAX_DOCUMENT_BYTES


class InvalidDocument(DomainError):
    """An upload that is not an acceptable PDF; nothing was stored."""


def create_draft(session: Session, ports: Ports, *, procedure: str, commune: str, applicant: Actor,
                 fields: dict[str, Any], now: datetime) -> Dossier:
    if not {"applicant", "architect"} & applicant.roles:
        raise Forbidden("only applicants (or their architects) file dossiers")
    if procedure not in ports.catalog(session).procedures:
        raise NotFound(f"unknown procedure '{procedure}'")
    if session.get(Commune, commune) is None:
        raise NotFound(f"unknown commune '{commune}'")
    check_fields(ports.catalog(session), procedure, fields, complete=False)
    dossier = Dossier(procedure=procedure, commune_code=commune, applicant_id=applicant.user_id,
                      fields=dict(fields), status="draft", created_at=now)
    session.add(dossier)
    session.flush()
    return dossier


def check_fields(catalog: Catalog, procedure_key: str, fields: dict[str, Any], *, complete: bool) -> None:
    """Validate filing data against the procedure's form; a draft may still lack required
    fields (``complete=False``), a submitted dossier may not. Raises InvalidTaskData (422)."""
    refused = [path for path in _bad_text(fields)]
    if refused:  # a lone surrogate or a control character: no database, PDF or mail takes it
        raise InvalidTaskData({p: "forbidden character" for p in refused}, {p: "characters" for p in refused})
    procedure = catalog.procedure(procedure_key)
    if procedure.form is None:
        return
    schema, _ = catalog.form(procedure.form)
    try:
        forms.check(forms.compile_schema(schema), fields)
    except InvalidTaskData as exc:
        kept = {k: v for k, v in exc.errors.items() if complete or exc.codes.get(k) != "required"}
        if kept:
            raise InvalidTaskData(kept, {k: exc.codes[k] for k in kept if k in exc.codes}) from None


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _bad_text(value: Any, path: str = "") -> list[str]:
    """Paths of the strings in filing data that hold a control character or a lone surrogate."""
    if isinstance(value, str):
        return [path or "."] if _FORBIDDEN.search(value) else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _bad_text(v, f"{path}.{k}".lstrip(".")) + _bad_text(str(k), path)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _bad_text(v, f"{path}[{i}]")]
    return []


def update_fields(session: Session, ports: Ports, dossier: Dossier, fields: dict[str, Any],
                  by: Actor) -> Dossier:
    """Save the draft's filing data (the draft can be resumed later)."""
    if dossier.applicant_id != by.user_id:
        raise Forbidden("only the applicant edits a dossier")
    if dossier.status != "draft":
        raise Conflict("a submitted dossier can no longer be edited", code="dossier.submitted")
    merged = {**dossier.fields, **fields}
    check_fields(ports.catalog(session, dossier.catalog_id), dossier.procedure, merged, complete=False)
    dossier.fields = merged
    return dossier


def pdf_pages(content: bytes) -> int:
    """Page count of an acceptable PDF (see :mod:`handlers.pdfcheck`); InvalidDocument otherwise."""
    try:
        return pdfcheck.check(content)
    except pdfcheck.PdfRefused as exc:
        raise InvalidDocument(str(exc), code=exc.code, **exc.params) from None


_IMAGES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def accepted_file(content: bytes, types: tuple[str, ...]) -> tuple[str, int]:
    """(content type, pages) of an upload the checklist item accepts: a PDF checked for real
    (:mod:`handlers.pdfcheck`), or a PNG/JPEG image that decodes; InvalidDocument otherwise."""
    kind = next((t for magic, t in _IMAGES.items() if content.startswith(magic)), PDF)
    if kind not in types:
        expected = ", ".join(t.split("/")[1].upper() for t in types)
        raise InvalidDocument(f"file type not accepted for this document (expected: {expected})",
                              code="upload.type", expected=expected)
    if kind == PDF:
        return PDF, pdf_pages(content)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument("the file is too large", code="upload.too_large")
    import io  # noqa: PLC0415

    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidDocument("the image is unreadable or damaged", code="upload.image") from None
    return kind, 1


def safe_filename(name: str) -> str:
    """The name a person gave their file, without any path or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return (cleaned or "document.pdf")[-255:]


def add_document(session: Session, ports: Ports, dossier: Dossier, *, kind: str, filename: str,
                 content: bytes, by: Actor, now: datetime) -> DocumentVersion:
    """Store a new version of one checklist document; earlier versions are kept."""
    if dossier.applicant_id != by.user_id:
        raise Forbidden("only the applicant adds documents to a dossier")
    item = ports.catalog(session, dossier.catalog_id).procedure(dossier.procedure).item(kind)
    if item is None:
        raise DomainError(f"'{kind}' is not a document of this procedure's checklist", code="upload.not_in_checklist")
    check_upload(session, dossier, kind)  # 409 outside the windows the procedure opens
    content_type, pages = accepted_file(content, item.types)
    signature = None
    if content_type == "application/pdf":
        from .catalog import PROFESSIONS
        from .signatures.plans import PlanSignatureRefused, check
        try:
            signature = check(ports, content, item)
        except PlanSignatureRefused as exc:
            raise InvalidDocument(f"this document must carry a valid signature of a {PROFESSIONS[exc.profession][0]}"
                                  f" ({exc.reason})", code="upload.signature", profession=exc.profession,
                                  reason=exc.reason) from None
    digest = ports.files.put(content)
    version = (session.scalar(select(func.max(DocumentVersion.version)).where(
        DocumentVersion.dossier_id == dossier.id, DocumentVersion.kind == kind)) or 0) + 1
    doc = DocumentVersion(dossier_id=dossier.id, kind=kind, version=version, filename=safe_filename(filename),
                          content_type=content_type, sha256=digest, size=len(content), pages=pages,
                          uploaded_by=by.user_id, uploaded_at=now, signature=signature)
    session.add(doc)
    session.flush()
    return doc


class Filed(NamedTuple):
    number: str
    status: str  # after the procedure's first steps


def submit(engine: Engine, ports: Ports, dossier_id: int, applicant: Actor) -> Filed:
    """File a draft: enforce the legal checklist, give it its number, start its procedure.

    One transaction: the number, the status "deposited", the receipt and the procedure's
    first step commit together or not at all, so no dossier is ever numbered without its
    procedure. A transaction the database asked to run again (deadlock, dropped pooled
    connection) is run again; nothing of it had been written. Submitting a filed dossier
    again answers what the first submission did (its answer may have been lost).
    """
    if not 0 < dossier_id <= queries.MAX_ID:  # no such id: no database is asked
        raise NotFound(f"no dossier {dossier_id}")

    def attempt() -> Filed:
        with engine.transaction() as session:
            dossier = session.get(Dossier, dossier_id, with_for_update=True)
            if dossier is None:
                raise NotFound(f"no dossier {dossier_id}")
            if dossier.applicant_id != applicant.user_id:
                queries.dossier(session, applicant, dossier_id)  # 404 to whoever may not even see it
                raise Forbidden("only the applicant submits a dossier")
            if dossier.instance_id is not None:
                return Filed(dossier.number or "", dossier.status)
            if dossier.number is None:  # filed under the newest catalog: its checklist and form from now on
                dossier.catalog_id = catalog_store.newest_id(session)
            catalog = ports.catalog(session, dossier.catalog_id)
            submission_problems(session, ports, catalog, dossier)
            now = engine.clock()
            if dossier.number is None:
                code = catalog.procedure(dossier.procedure).code
                with session.no_autoflush:  # the dossier's changes go in one UPDATE, below
                    dossier.number = next_number(session, code, dossier.commune_code, now.year)
                dossier.submitted_at = now
                set_status(session, dossier, "deposited", now)
            start_procedure(engine, session, ports, dossier, applicant)
            return Filed(dossier.number, dossier.status)
    return faults.retrying(attempt)


def submission_problems(session: Session, ports: Ports, catalog: Catalog, dossier: Dossier) -> None:
    """Everything that stops a draft from being filed, as one 422: every missing or invalid
    field (``fields`` paths) and every required document not uploaded (``documents/<kind>``)."""
    errors: dict[str, str] = {}
    codes: dict[str, str] = {}
    try:
        check_fields(catalog, dossier.procedure, dict(dossier.fields), complete=True)
    except InvalidTaskData as exc:
        errors, codes = dict(exc.errors), dict(exc.codes)
    for kind in missing_documents(session, dossier, ports):
        errors[f"documents/{kind}"] = f"required document '{kind}' is not uploaded"
        codes[f"documents/{kind}"] = "document_required"
    if errors:
        raise InvalidTaskData(errors, codes)


def start_procedure(engine: Engine, session: Session, ports: Ports, dossier: Dossier, applicant: Actor) -> int:
    """Start a numbered dossier's procedure in the caller's transaction; returns the instance."""
    procedure = ports.catalog(session, dossier.catalog_id).procedure(dossier.procedure)
    data = {"dossier_id": dossier.id, "applicant_id": dossier.applicant_id, "procedure": procedure.key,
            "commune": dossier.commune_code, "fields": dict(dossier.fields)}
    def created(instance_id: int) -> None:
        dossier.instance_id = instance_id
        session.flush()  # the number, status and instance in one UPDATE; the receipt's handler reads them

    return engine.start_in(session, procedure.process, data, applicant, business_key=dossier.number,
                           scope=dossier.commune_code, created=created)
