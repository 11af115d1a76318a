"""Proceeding without the missing opinions, as the procedure's table of binding opinions
(``avis_conformes.dmn``) allows: the secretary's decision reaches the commission process as
the message ``poursuivre_sans_avis_manquants`` (shared.bpmn, the boundary event
``cm_without_missing`` on ``cm_opinion``); the step ``cm_unexpressed`` (operator
``opinions.unexpressed``) closes the round with the opinions given and records each missing
one as « non exprimé »."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import ServiceCall
from engine.expressions import BINDING

from ..common import DomainError, dossier_of
from ..models import CommissionMember
from ..ports import Ports
from .dossier import UNEXPRESSED, current_session_id, record

MESSAGE = "poursuivre_sans_avis_manquants"
PAYLOAD = "poursuite"  # what the message puts in the data (shared.bpmn, msg_sans_avis_manquants)


def unexpressed(call: ServiceCall, ports: Ports) -> dict[str, Any]:
    """``opinions``: the opinions given in the round (what the interrupted opinion task had
    collected, carried by the message); each missing member's opinion is recorded
    « non exprimé » on the session the dossier sits on; ``avis_non_exprimes``: their
    organisms. A missing opinion that is binding stops the step: the table forbids it."""
    dossier = dossier_of(call)
    payload = call.data.get(PAYLOAD)
    if not isinstance(payload, dict):
        raise DomainError("opinions.unexpressed: no decision to proceed in the data (message poursuite)")
    given = payload.get("avis_donnes") or {}
    missing = [str(m) for m in payload.get("non_exprimes") or []]
    members = {m.user_id: m for m in call.session.scalars(select(CommissionMember).where(
        CommissionMember.commission_id == call.data["commission_id"]))}
    binding = set(call.data.get(BINDING) or ())
    session_id = current_session_id(call.session, dossier.id) or call.data.get("session_id")
    organisms = []
    for user_id in missing:
        member = members.get(user_id)
        if member is None:
            raise DomainError(f"opinions.unexpressed: {user_id!r} is not a member of this commission")
        if member.organism_code in binding:
            raise DomainError(f"opinions.unexpressed: the opinion of {member.organism_code!r} is binding "
                              "(avis_conformes): the procedure cannot go on without it")
        record(call.session, dossier.id, session_id, user_id, member.organism_code, False,
               {"avis": UNEXPRESSED}, call.now)
        organisms.append(member.organism_code)
    return {"opinions": dict(given), "avis_non_exprimes": organisms}
