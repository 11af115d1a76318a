"""Helpers the service-task handlers share: the dossier a call is about, status changes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import ServiceCall
from engine.errors import CodedError

from .dossier_models import Dossier, StatusChange


class DomainError(CodedError):
    """A handler cannot do its work with the data it was given; the message says why.

    As for the engine's errors, ``code`` (and ``params``) name the sentence people are
    shown, translated by the web layer's catalog of error messages."""


class Refusal(DomainError):
    """A use case refuses, saying why in French and Arabic: 409 when the state forbids it
    now (a closed session), 422 when the request itself is wrong."""

    def __init__(self, fr: str, ar: str, *, status: int = 422):
        self.fr, self.ar, self.status = fr, ar, status
        super().__init__(fr)

    def text(self, lang: str) -> str:
        return self.ar if lang == "ar" else self.fr


def dossier_of(call: ServiceCall) -> Dossier:
    dossier_id = call.data.get("dossier_id")
    dossier = call.session.get(Dossier, dossier_id) if dossier_id is not None else None
    if dossier is None:
        raise DomainError(f"the process has no dossier (dossier_id={dossier_id!r})")
    return dossier


def set_status(session: Session, dossier: Dossier, code: str, at: datetime, note: str | None = None) -> None:
    """Move the dossier to a public status and add it to its timeline (no-op if unchanged)."""
    if dossier.status == code:
        return
    dossier.status = code
    session.add(StatusChange(dossier_id=dossier.id, status=code, at=at, note=note))


def param(call: ServiceCall, name: str, default: Any = None) -> Any:
    return call.params.get(name, default)
