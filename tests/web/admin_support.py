"""Helpers of the administration tests: the link an invitation e-mail carries, the CSV."""
from __future__ import annotations

import re

from tests.conftest import Site

ADMIN = "admin@guichet.demo"  # the national administrator of the demo


def link_sent_to(site: Site, email: str) -> str:
    """The one-time link of the newest e-mail recorded for ``email`` (path only)."""
    from sqlalchemy import select

    from handlers.dossier_models import Notification
    from handlers.models import User
    from web.extensions import db
    with site.app.app_context():
        bodies = db.session.scalars(select(Notification.body).join(User, User.id == Notification.recipient_id)
                                    .where(User.email == email, Notification.template.in_(("invitation", "reset")))
                                    .order_by(Notification.id.desc())).all()
    assert bodies, f"no invitation e-mail for {email}"
    found = re.search(r"https?://[^/\s]+(/auth/welcome/[A-Za-z0-9_-]+)", bodies[0])
    assert found, bodies[0]
    return found.group(1)


def people_csv(commune: str, *, bad: bool) -> bytes:
    """An agent, a president, and the members of two commissions (one occasional, for one
    project type); with ``bad``, line 5 names an organism that does not exist."""
    rows = ["email,full_name,role,commune,organism,commission,project_type,locale",
            f"agent@{commune}.ma,Salma Agent,guichet_agent,{commune},,,,fr",
            f"president@{commune}.ma,Omar Président,president,{commune},,,,ar",
            f"au@{commune}.ma,Rachid Agence,commission_member,{commune},agence_urbaine,petits_projets,,fr",
            f"urba@{commune}.ma,Hind Urbanisme,commission_member,{commune},"
            f"{'nowhere' if bad else 'urbanisme'},petits_projets,,fr",
            f"pc@{commune}.ma,Karim Civile,commission_member,{commune},protection_civile,grands_projets,,fr",
            f"regie@{commune}.ma,Samira Régie,commission_member,{commune},regie,grands_projets,lotissement,fr"]
    return ("\n".join(rows) + "\n").encode()
