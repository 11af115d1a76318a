"""``POST /api/v1/tokens`` and the procedure catalog."""
from __future__ import annotations

from typing import Any

from apiflask import abort
from flask import request
from flask_babel import gettext as _

from handlers import verification
from handlers.accounts import TooManyAttempts, authenticate, revoke_sessions

from .. import verify_labels
from ..extensions import csrf, db
from ..security import TOKEN_MAX_AGE, issue_token, token_auth
from . import bp
from .common import caller, ports
from .schemas import Credentials, ProcedureOut, TokenOut, VerificationOut


@bp.post("/tokens")
@bp.input(Credentials, arg_name="body")
@bp.output(TokenOut, status_code=201)
@bp.doc(summary="Get a Bearer token", responses={400: "malformed request body", 401: "wrong e-mail or password",
                                                  429: "too many failed attempts: retry later"})
def create_token(body: dict[str, Any]) -> Any:
    try:
        user = authenticate(db.session(), body["email"], body["password"], ip=request.remote_addr or "-")
    except TooManyAttempts as exc:
        abort(429, _("Trop de tentatives : réessayez dans %(minutes)s minutes.", minutes=exc.seconds // 60 + 1),
              headers={"Retry-After": str(exc.seconds)})
    if user is None:
        abort(401, _("Adresse ou mot de passe incorrect."))
    return {"token": issue_token(user.id, user.session_version or 0), "expires_in": TOKEN_MAX_AGE}


@bp.delete("/tokens")
@bp.auth_required(token_auth)
@bp.output({}, status_code=204)
@bp.doc(summary="Sign out everywhere: revoke every token and session of the caller's account",
        responses={401: "no valid Bearer token"})
def revoke_tokens() -> Any:
    revoke_sessions(db.session(), caller().user_id)
    return ""


@bp.get("/procedures")
@bp.output(ProcedureOut(many=True))
@bp.doc(summary="Procedures with their legal document checklist and filing form")
def procedures() -> Any:
    out = []
    catalog = ports().catalog(db.session())
    for p in catalog.procedures.values():
        out.append({"key": p.key, "code": p.code, "domain": p.domain, "name_fr": p.fr, "name_ar": p.ar,
                    "checklist": [{"kind": i.kind, "required": i.required, "label_fr": i.fr, "label_ar": i.ar,
                                   "types": list(i.types)} for i in p.checklist],
                    "form": catalog.form(p.form)[0] if p.form else {}})
    return out


csrf.exempt(bp)  # the API authenticates with Bearer tokens, not cookies


@bp.get("/verify/<code>")
@bp.output(VerificationOut)
@bp.doc(summary="Public: verify a signed decision by the code of its QR code",
        responses={404: "no signed decision has this code"})
def verify(code: str) -> Any:
    result = verification.by_code(db.session(), ports(), code)
    v, s = result.verification, result.summary
    return {"number": s.number, "procedure": s.procedure_fr, "commune": s.commune_fr, "outcome": s.outcome,
            "outcome_label": verify_labels.outcome(s.outcome), "issues": list(v.issues),
            "issue_labels": verify_labels.issues(v.issues),
            "signed_at": s.signed_at, "valid": bool(v.valid and v.trusted), "intact": v.intact,
            "trusted": v.trusted, "signer": v.signer_common_name, "signing_time": v.signing_time,
            "timestamp": v.timestamp, "problems": list(v.problems),
            "signed_by": result.signed_by.out() if result.signed_by is not None else None}
