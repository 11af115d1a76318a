"""Plans signed by their authors: an uploaded PDF's own signatures are checked at upload
against the professions' trust anchors (e.g. the order of architects' CA), the result kept
with the document and shown beside it; a checklist item with ``signed_by`` refuses a PDF
without a valid signature of that profession (altered, unsigned, expired or untrusted)."""
from __future__ import annotations

from typing import Any

from ..catalog import PROFESSIONS, ChecklistItem
from ..ports import Ports


class PlanSignatureRefused(Exception):
    """The checklist item asks a valid signature of a profession the PDF does not carry;
    ``reason``: unsigned, altered, untrusted or invalid."""

    def __init__(self, profession: str, reason: str) -> None:
        super().__init__(reason)
        self.profession, self.reason = profession, reason


def check(ports: Ports, content: bytes, item: ChecklistItem) -> dict[str, Any] | None:
    """What the PDF's last signature says (JSON-ready), None when it carries none and none is
    asked; raises :class:`PlanSignatureRefused` when ``item.signed_by`` is not satisfied."""
    from signing.verify import verify

    if b"/ByteRange" not in content and not item.signed_by:
        return None  # no signature dictionary at all: nothing to check
    anchors = ports.professional_trust()
    found: dict[str, Any] | None = None
    for profession in [item.signed_by] if item.signed_by else list(PROFESSIONS):
        roots = anchors.get(profession or "", [])
        result = verify(content, roots)
        if not result.signed:
            break
        found = {"signed": True, "valid": result.valid, "intact": result.intact, "trusted": result.trusted,
                 "profession": profession if result.valid else None, "signer": result.signer_common_name,
                 "valid_until": result.signer_valid_until.isoformat() if result.signer_valid_until else None,
                 "signed_at": result.signing_time.isoformat() if result.signing_time else None,
                 "problems": list(result.problems)}
        if result.valid:
            break
    if item.signed_by and not (found and found["valid"]):
        if found is None:
            reason = "unsigned"  # le document ne porte aucune signature
        elif not found["intact"]:
            reason = "altered"  # le document a été modifié après sa signature
        elif not found["trusted"]:
            reason = "untrusted"  # signataire non reconnu (certificat non émis par l'ordre, expiré ou révoqué)
        else:
            reason = "invalid"
        raise PlanSignatureRefused(item.signed_by, reason)
    return found
