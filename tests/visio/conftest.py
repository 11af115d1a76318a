"""A dossier at the commission, on a session of the Casablanca petits projets commission,
and Socket.IO test clients signed in as the people of the room (and outsiders)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Site

AGENT = "guichet@casablanca.demo"
MEMBER = "agence-urbaine@casablanca.demo"  # petits projets, binding organism
MEMBER2 = "urbanisme@casablanca.demo"  # petits projets
OTHER_MEMBER = "regie@casablanca.demo"  # grands projets only
OTHER_AGENT = "guichet@rabat.demo"
CITIZEN = "citoyen@guichet.demo"
NS = "/commission"


@dataclass
class World:
    site: Site
    session_id: int
    dossier_id: int
    plan_id: int  # a plan's document version (1 page)

    def http(self, email: str | None) -> Any:
        return self.site.client(email)

    def socket(self, email: str | None, *, join: bool = True) -> Any:
        """A Socket.IO test client on /commission as ``email`` (joined to the session)."""
        flask_client = self.site.client(email) if email else self.site.app.test_client()
        client = self.site.app.extensions["socketio"].test_client(
            self.site.app, namespace="/commission", flask_test_client=flask_client)
        if join and client.is_connected("/commission"):
            ack = client.emit("join", {"session_id": self.session_id}, namespace="/commission", callback=True)
            assert ack["ok"], ack
            client.get_received("/commission")
        return client


def at_commission(site: Site) -> int:
    """A permis de construire filed and declared admissible: it waits for the commission."""
    from tests.web.test_portal import file_dossier
    dossier_id, _ = file_dossier(site)
    agent = site.client(AGENT)
    check = re.findall(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True))[0]
    assert agent.post(f"/tasks/{check}", data={"complete": "on"}).status_code == 302
    return dossier_id


@pytest.fixture
def world(site: Site) -> World:
    from handlers.dossier_models import AgendaItem, DocumentVersion, Dossier
    from web.extensions import db
    dossier_id = at_commission(site)
    with site.app.app_context():
        assert db.session.get(Dossier, dossier_id).status == "commission"
        session_id = db.session.scalar(select(AgendaItem.session_id).where(AgendaItem.dossier_id == dossier_id))
        plan = db.session.scalar(select(DocumentVersion.id).where(
            DocumentVersion.dossier_id == dossier_id, DocumentVersion.kind == "plan_masse"))
    return World(site, session_id, dossier_id, plan)


def received(client: Any, event: str) -> list[Any]:
    """The ``event`` messages the client got since last asked (also after a disconnect)."""
    messages = client.get_received("/commission") if client.is_connected("/commission") else client.queue
    return [m["args"][0] for m in messages if m["name"] == event]
