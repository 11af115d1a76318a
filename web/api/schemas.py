"""Request and response schemas of the API (they generate the OpenAPI document)."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, File, Integer, List, Nested, String
from apiflask.validators import Length, Range

from .exchange_schemas import FeesOut, RequestOut


class Credentials(Schema):
    email = String(required=True, validate=Length(max=255))
    password = String(required=True, validate=Length(max=200))


class TokenOut(Schema):
    token = String(required=True)
    expires_in = Integer(required=True)


class ChecklistItemOut(Schema):
    kind = String()
    required = Boolean()
    label_fr = String()
    label_ar = String()
    types = List(String())


class ProcedureOut(Schema):
    key = String()
    code = String()
    domain = String()
    name_fr = String()
    name_ar = String()
    checklist = List(Nested(ChecklistItemOut))
    form = Dict(metadata={"description": "JSON Schema of the filing data"})


class DossierIn(Schema):
    procedure = String(required=True, validate=Length(min=1, max=60))
    commune = String(required=True, validate=Length(min=1, max=50))
    # "fields" on the wire; not as an attribute name, which marshmallow's Schema uses itself
    filing = Dict(data_key="fields", load_default=dict)


class DossierPatch(Schema):
    filing = Dict(data_key="fields", required=True)


class DocumentIn(Schema):
    kind = String(required=True, validate=Length(min=1, max=60))
    file = File(required=True)
    sign_with_key = Boolean(load_default=False, metadata={
        "description": "a professional (an architect) signs the plan with their own enrolled key before it is "
                       "stored; the server signs (PAdES) and keeps no PIN"})
    signing_pin = String(load_default="", validate=Length(max=64), metadata={
        "description": "the PIN of that key, with sign_with_key"})


class DocumentOut(Schema):
    id = Integer()
    kind = String()
    version = Integer()
    sha256 = String()
    size = Integer()
    pages = Integer(allow_none=True)
    uploaded_at = DateTime()
    signature = Dict(allow_none=True, metadata={
        "description": "the PDF's own signature as checked at upload: signed, valid, intact, trusted, "
                       "profession (whose trust anchors it chains to), signer, valid_until, signed_at, "
                       "problems; null when it carries none"})


class StatusOut(Schema):
    code = String()
    label = String()


class StepOut(Schema):
    id = String()
    bpmn_id = String()
    title = String()
    role = String(allow_none=True)
    assignee_name = String(allow_none=True, metadata={"description": "the organism the step waits for, if one"})
    yours = Boolean(metadata={"description": "the step waits for the caller"})
    due_at = DateTime(allow_none=True)
    state = String()
    completed_at = DateTime(allow_none=True)


class TimelineOut(Schema):
    status = String()
    label = String()
    at = DateTime()


class DossierOut(Schema):
    id = Integer()
    number = String(allow_none=True)
    procedure = String()
    commune = String()
    status = Nested(StatusOut)
    filing = Dict(data_key="fields", attribute="fields")
    created_at = DateTime()
    submitted_at = DateTime(allow_none=True)
    outcome = String(allow_none=True)


class DossierDetailOut(DossierOut):
    timeline = List(Nested(TimelineOut))
    documents = List(Nested(DocumentOut))
    open_steps = List(Nested(StepOut))
    deadline = DateTime(allow_none=True)
    decision = Dict(allow_none=True, metadata={
        "description": "outcome, signed, verification_code, conditions, signed_by (who signed and under "
                       "which grant: signer, capacity titular | interim | seal, delegated_by, delegation_from, "
                       "delegation_until, signed_at)"})
    requests = List(Nested(RequestOut), metadata={"description": "document requests and their answers, newest first"})
    fees = Nested(FeesOut, allow_none=True)


class Pagination(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=100))


class DossierQuery(Pagination):
    status = String(load_default=None, validate=Length(max=40))
    procedure = String(load_default=None, validate=Length(max=60))


class DossierPage(Schema):
    items = List(Nested(DossierOut))
    total = Integer(metadata={"description": "counted up to 1000; see total_capped"})
    total_capped = Boolean(metadata={"description": "true when more than 1000 match (total is then 1000)"})
    page = Integer()
    per_page = Integer()


class SubmitOut(Schema):
    number = String()
    status = String()


class TaskOut(Schema):
    id = String()
    bpmn_id = String()
    title = String()
    role = String(allow_none=True)
    assignee = String(allow_none=True)
    claimed_by = String(allow_none=True)
    due_at = DateTime(allow_none=True)
    overdue = Boolean()
    dossier_id = Integer()
    dossier_number = String(allow_none=True)
    procedure = String()
    commune = String()


class TaskPage(Schema):
    items = List(Nested(TaskOut))
    total = Integer(metadata={"description": "counted up to 1000; see total_capped"})
    total_capped = Boolean(metadata={"description": "true when more than 1000 match (total is then 1000)"})
    page = Integer()
    per_page = Integer()


class TaskDetailOut(TaskOut):
    form = Dict(metadata={"description": "JSON Schema the data must satisfy"})
    ui = Dict(metadata={"description": "labels (fr, ar) and widgets of the form"})
    version = Integer(metadata={"description": "send it back as expected_version to detect stale pages"})
    state = String()
    request = Nested(RequestOut, allow_none=True, metadata={"description": "the open document request the task answers or reviews"})


class CompleteIn(Schema):
    data = Dict(required=True)
    expected_version = Integer(load_default=None)
    pin = String(load_default=None, metadata={"description": "signing tasks: the PIN (or passphrase) of the "
                                                             "signer's key; it unlocks the key for this one "
                                                             "document and is never stored"})


class CompleteOut(Schema):
    dossier_id = Integer()
    status = String()


class Error(Schema):
    message = String()
    field_errors = Dict(data_key="fields", attribute="fields")
    detail = String()


class VerificationOut(Schema):
    number = String()
    procedure = String()
    commune = String()
    outcome = String()
    signed_at = DateTime(allow_none=True)
    valid = Boolean()
    intact = Boolean()
    trusted = Boolean()
    signer = String(allow_none=True)
    signing_time = DateTime(allow_none=True)
    timestamp = DateTime(allow_none=True)
    problems = List(String(), metadata={"description": "technical reasons, in English, for logs"})
    outcome_label = String(metadata={"description": "the outcome in the caller's language (Accept-Language)"})
    issues = List(String(), metadata={"description": "stable codes of the problems found: unreadable, "
                                                     "unsigned, unverifiable, altered, bad_signature, untrusted, "
                                                     "appended, appended_forbidden, timestamp_untrusted, "
                                                     "several_signatures"})
    issue_labels = List(String(), metadata={"description": "the problems in the caller's language"})
    signed_by = Dict(allow_none=True, metadata={
        "description": "who signed and under which grant: signer, capacity (titular | interim | seal), "
                       "delegated_by, delegation_from, delegation_until (dates of the delegation), signed_at"})
