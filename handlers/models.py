"""Reference data: communes, organisms, users, role grants, commissions and their members.

All of it is admin data (seeded for the demo), never hard-coded in procedures.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models import Base


class Commune(Base):
    __tablename__ = "commune"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(120), default=None)
    province: Mapped[str | None] = mapped_column(String(120), default=None)
    timezone: Mapped[str] = mapped_column(String(60), default="Africa/Casablanca", server_default="Africa/Casablanca")
    # "unique": the commune has its own guichet unique; "provincial": it depends on the
    # province's committee (small communes)
    guichet: Mapped[str] = mapped_column(String(20), default="unique", server_default="unique")
    logo_sha256: Mapped[str | None] = mapped_column(String(64), default=None)  # in the file store


class Organism(Base):
    """A body seated on commissions. ``binding``: the seeded note that its opinion is usually
    an *avis conforme*; nothing reads it to decide — which opinions bind a dossier is what its
    procedure's decision table ``avis_conformes`` answers (handlers/commission.py, the room)."""

    __tablename__ = "organism"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    binding: Mapped[bool] = mapped_column(default=False)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column()
    # bumped by sign-out, a password change or an administrator's revocation: every session
    # cookie and Bearer token carrying an older value stops working at its next request
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # a deactivated account signs in no more, holds no task and is told nothing
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", lazy="selectin",
                                                   cascade="all, delete-orphan",
                                                   foreign_keys="RoleGrant.user_id")


class RoleGrant(Base):
    """A role held by a user, scoped to a commune (None = every commune) and, for commission
    members, to the organism they sit for; ``valid_from``/``valid_until`` (inclusive dates, None
    = open) bound a grant in time — an interim president by delegation holds ``president`` for
    the dates of the delegation, with ``delegated_by`` naming the titular president."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "commune_code", "organism_code"),
                      Index("ix_role_grant_role_commune", "role", "commune_code"))  # a task's holders

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(50))
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"))
    organism_code: Mapped[str | None] = mapped_column(ForeignKey("organism.code"))
    valid_from: Mapped[date | None] = mapped_column(default=None)
    valid_until: Mapped[date | None] = mapped_column(default=None)
    delegated_by: Mapped[str | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and \
            (self.valid_until is None or day <= self.valid_until)


class Commission(Base):
    """The competent commission of a commune for one kind of dossier (petits projets, …)."""

    __tablename__ = "commission"
    __table_args__ = (UniqueConstraint("commune_code", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    kind: Mapped[str] = mapped_column(String(50))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    members: Mapped[list[CommissionMember]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                           order_by="CommissionMember.id")


class CommissionMember(Base):
    """A named person seated on a commission for an organism: a permanent member
    (``project_type`` None) or an occasional one, called only for dossiers of that project
    type (a procedure key). ``valid_from``/``valid_until`` (inclusive, None = open) keep the
    composition of past sessions: leaving a commission ends the seat, it is not deleted."""

    __tablename__ = "commission_member"
    __table_args__ = (UniqueConstraint("commission_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commission.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    organism_code: Mapped[str] = mapped_column(ForeignKey("organism.code"))
    project_type: Mapped[str | None] = mapped_column(String(80), default=None)
    valid_from: Mapped[date | None] = mapped_column(default=None)
    valid_until: Mapped[date | None] = mapped_column(default=None)
    organism: Mapped[Organism] = relationship(lazy="joined")

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and \
            (self.valid_until is None or day <= self.valid_until)

    def sits_for(self, day: date, project_type: str | None) -> bool:
        """Seated on ``day`` for a dossier of ``project_type`` (permanent members always)."""
        return self.active_on(day) and (self.project_type is None or self.project_type == project_type)


class LoginAttempt(Base):
    """Sign-in attempts, to slow down password guessing (per account and per address)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_at", "email", "at"), Index("ix_login_attempt_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()
    success: Mapped[bool] = mapped_column()


class LoginThrottle(Base):
    """One counter per ``account:<email>`` or ``address:<ip>``: attempts in the current window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    attempts: Mapped[int] = mapped_column()
    window_start: Mapped[datetime] = mapped_column()
