"""Domain tables of the foundation: communes, users and their role grants."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models import Base


class Commune(Base):
    __tablename__ = "commune"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column()
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", lazy="selectin",
                                                   cascade="all, delete-orphan")


class RoleGrant(Base):
    """A role held by a user, scoped to a commune (None = every commune)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "commune_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(50))
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"))
    user: Mapped[User] = relationship(back_populates="grants")
