"""Who administers what: the national administrator (role ``admin`` for every commune) and
each commune's administrator (role ``admin`` for that commune), who sees only it."""
from __future__ import annotations

from dataclasses import dataclass

from engine import Actor

from .errors import AdminProblem


@dataclass(frozen=True)
class Admin:
    """The administrator acting; ``communes`` is empty for the national administrator."""

    user_id: str
    national: bool
    communes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, actor: Actor) -> Admin:
        """The administrator ``actor`` is (its grants as of today), or ``not_admin``."""
        if "admin" not in actor.roles:
            raise AdminProblem("not_admin")
        scopes = actor.scopes.get("admin", frozenset())
        if "*" in scopes:
            return cls(actor.user_id, True)
        return cls(actor.user_id, False, frozenset(scopes))

    @classmethod
    def system(cls) -> Admin:
        """The platform itself (``guichet demo seed``, the command line)."""
        return cls("system", True)

    def covers(self, commune: str | None) -> bool:
        return self.national or (commune is not None and commune in self.communes)

    def check(self, commune: str | None) -> None:
        """Refuse (403) a commune that is not this administrator's."""
        if not self.covers(commune):
            raise AdminProblem("out_of_scope")

    def national_only(self) -> None:
        if not self.national:
            raise AdminProblem("national_only")
