"""Public status of a dossier, closing it, and tacit approval on a breached deadline."""
from __future__ import annotations

from typing import Any

from engine import ServiceCall

from .common import DomainError, dossier_of, param, set_status
from .ports import Ports


def set_public_status(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Move the dossier to the public status ``code`` (a status of the catalog)."""
    code = param(call, "code")
    dossier = dossier_of(call)
    if code not in ports.catalog(call.session, dossier.catalog_id).statuses:  # its labels are the dossier's
        raise DomainError(f"'{code}' is not a public status of the catalog")
    set_status(call.session, dossier, code, call.now)
    return {"status": code}


def close(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """Close the dossier (no answer within the deadline); nothing more will happen to it."""
    dossier = dossier_of(call)
    set_status(call.session, dossier, "closed", call.now, param(call, "reason"))
    dossier.outcome = "clos"
    dossier.closed_at = call.now
    return {"dossier_closed": True, "outcome": "clos"}


def tacit_approval(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """The administration stayed silent past the legal deadline: silence is consent."""
    set_status(call.session, dossier_of(call), "tacit_approval", call.now)
    return {"outcome": "accord_tacite", "conditions": [], "motive": None}
