"""Who signed a document and under which grant: the titular president, or an interim by
delegation of the titular president between two dates (as recorded when it was signed)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import RoleGrant, User
from .models import SignedDocument


@dataclass(frozen=True)
class SignedBy:
    signer: str | None  # the person's name; None for the commune's seal or an unrecorded signer
    interim: bool  # True: signed by delegation
    delegated_by: str | None  # the titular president's name
    valid_from: date | None  # the delegation's dates (inclusive)
    valid_until: date | None
    signed_at: datetime
    sealed: bool  # the commune's e-seal, no person

    def out(self) -> dict[str, Any]:
        """JSON-ready, for the API."""
        return {"signer": self.signer, "capacity": "seal" if self.sealed else "interim" if self.interim else "titular",
                "delegated_by": self.delegated_by,
                "delegation_from": self.valid_from.isoformat() if self.valid_from else None,
                "delegation_until": self.valid_until.isoformat() if self.valid_until else None,
                "signed_at": self.signed_at.isoformat()}


def of(session: Session, verification_code: str | None) -> SignedBy | None:
    """The record of the document signed under ``verification_code``; None when none is kept."""
    if not verification_code:
        return None
    record = session.scalar(select(SignedDocument).where(SignedDocument.verification_code == verification_code))
    if record is None:
        return None
    names = {u.id: u.full_name for u in session.scalars(
        select(User).where(User.id.in_([i for i in (record.user_id, record.delegated_by) if i])))}
    grant = session.get(RoleGrant, record.grant_id) if record.grant_id is not None else None
    interim = record.delegated_by is not None
    return SignedBy(names.get(record.user_id) if record.user_id else None, interim,
                    names.get(record.delegated_by) if record.delegated_by else None,
                    grant.valid_from if grant is not None and interim else None,
                    grant.valid_until if grant is not None and interim else None,
                    record.signed_at, record.user_id is None and record.signer_key_id is not None)
