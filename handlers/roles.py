"""The roles of the platform and how BPMN lanes name them."""
from __future__ import annotations

ROLES: dict[str, dict[str, str]] = {
    "applicant": {"fr": "Pétitionnaire", "ar": "صاحب الطلب"},
    "architect": {"fr": "Architecte", "ar": "المهندس المعماري"},
    "guichet_agent": {"fr": "Agent du guichet", "ar": "عون الشباك"},
    "commission_member": {"fr": "Membre de commission", "ar": "عضو اللجنة"},
    "president": {"fr": "Président de la commune", "ar": "رئيس الجماعة"},
    "analyst": {"fr": "Analyste de processus", "ar": "محلل المساطر"},
    "admin": {"fr": "Administrateur", "ar": "المسؤول عن المنصة"},
}


def lane_roles() -> dict[str, str]:
    """Lane name → role key: a lane may be named by the key or by its French label."""
    mapping = {key: key for key in ROLES}
    mapping.update({labels["fr"]: key for key, labels in ROLES.items()})
    return mapping
