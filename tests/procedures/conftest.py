"""A whole platform on the test database: the real procedures, handlers, demo reference
data, a file store and a demo PKI — driven through the engine API, not the web."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import Actor, Engine
from engine.definitions import deploy
from engine.models import AuditEvent, HumanTask
from engine.outbox import InProcessRunner
from handlers import demo
from handlers.accounts import actor_for, find_by_email
from handlers.dossier_models import Decision, Dossier, Notification, Opinion, StatusChange
from handlers.files import FileStore
from handlers.ports import Ports
from handlers.registry import build_registry
from handlers.roles import lane_roles
from tests.conftest import (
    PROCESSES,  # noqa: E402,F401
    FakeClock,
    deploy_catalog,
)
from tests.filing import file_complete


@dataclass
class Platform:
    engine: Engine
    sessions: sessionmaker[Session]
    ports: Ports
    clock: FakeClock
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, email: str) -> Actor:
        if email not in self.actors:
            with self.sessions() as s:
                user = find_by_email(s, email)
                assert user is not None, email
                # the roles held on the test clock's day (a platform without a clock: today)
                self.actors[email] = actor_for(user, self.clock().date() if self.clock else None)
        return self.actors[email]

    def file(self, email: str, procedure: str, fields: dict[str, Any], commune: str = "casablanca",
             skip: tuple[str, ...] = ()) -> int:
        """Create a draft with every checklist document (but ``skip``) and submit it."""
        return file_complete(self.engine, self.ports, self.actor(email), procedure, fields, commune, skip)

    def dossier(self, dossier_id: int) -> Dossier:
        with self.sessions() as s:
            return s.get_one(Dossier, dossier_id)

    def tasks(self, dossier_id: int) -> list[HumanTask]:
        with self.sessions() as s:
            iid = s.get_one(Dossier, dossier_id).instance_id
            return list(s.scalars(select(HumanTask).where(HumanTask.instance_id == iid,
                                                          HumanTask.state == "READY")
                                  .order_by(HumanTask.bpmn_id, HumanTask.assignee)))

    def open_steps(self, dossier_id: int) -> list[str]:
        return [t.bpmn_id for t in self.tasks(dossier_id)]

    def do(self, dossier_id: int, bpmn_id: str, data: dict[str, Any], email: str) -> None:
        """Complete the one READY task ``bpmn_id`` of the dossier as ``email``."""
        [task] = [t for t in self.tasks(dossier_id) if t.bpmn_id == bpmn_id]
        self.engine.complete(task.id, data, self.actor(email))

    def opinions(self, dossier_id: int, avis: dict[str, dict[str, Any]], commune: str = "casablanca") -> None:
        """Each member gives the opinion of their organism (keys: organism codes)."""
        tasks = [t for t in self.tasks(dossier_id) if t.bpmn_id == "cm_opinion"]
        by_user = {t.assignee: t for t in tasks}
        assert len(by_user) == len(tasks) == len(avis), (sorted(by_user), sorted(avis))
        for org, opinion in avis.items():
            member = self.actor(f"{org.replace('_', '-')}@{commune}.demo")
            self.engine.complete(by_user[member.user_id].id, {"opinion": opinion}, member)

    def statuses(self, dossier_id: int) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(StatusChange.status).where(StatusChange.dossier_id == dossier_id)
                                  .order_by(StatusChange.id)))

    def audit(self, dossier_id: int) -> list[tuple[str, str | None]]:
        with self.sessions() as s:
            iid = s.get_one(Dossier, dossier_id).instance_id
            return [(a, b) for a, b in s.execute(select(AuditEvent.action, AuditEvent.bpmn_id)
                                                 .where(AuditEvent.instance_id == iid).order_by(AuditEvent.seq))]

    def decision(self, dossier_id: int) -> Decision | None:
        with self.sessions() as s:
            return s.scalar(select(Decision).where(Decision.dossier_id == dossier_id))

    def messages(self, dossier_id: int) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(Notification.template).where(Notification.dossier_id == dossier_id)
                                  .order_by(Notification.id)))

    def pay(self, dossier_id: int, agent: str = "guichet@casablanca.demo") -> None:
        """The applicant declares a quittance, the guichet confirms it."""
        from handlers.models import User
        from handlers.payments.declare import declare
        from tests.pdfs import tiny_pdf
        with self.sessions() as s:
            applicant = actor_for(s.get_one(User, s.get_one(Dossier, dossier_id).applicant_id))
        declare(self.engine, self.ports, applicant, dossier_id, method="quittance", content=tiny_pdf("quittance"))
        [step] = [b for b in self.open_steps(dossier_id) if b.endswith("_payment")]
        self.do(dossier_id, step, {"payment_confirmed": True}, agent)

    def recorded_opinions(self, dossier_id: int) -> list[Opinion]:
        with self.sessions() as s:
            return list(s.scalars(select(Opinion).where(Opinion.dossier_id == dossier_id).order_by(Opinion.id)))


@pytest.fixture
def platform(sessions: sessionmaker[Session], clock: FakeClock, tmp_path: Path, signer_factory,  # noqa: ANN001
             compiled_processes) -> Platform:  # noqa: ANN001
    ports = Ports(files=FileStore(tmp_path / "files"),
                  verify_base_url="https://guichet.example.ma", signer=signer_factory)
    engine = Engine(sessions, build_registry(ports), lane_roles=lane_roles(), clock=clock)
    engine.dispatcher = InProcessRunner(engine.run_outbox_message)
    with engine.transaction() as s:
        deploy(s, compiled_processes, by="tests", comment=None, now=clock())
        deploy_catalog(s, clock())
        demo.seed(s, "demo-password", clock())
    return Platform(engine, sessions, ports, clock)
