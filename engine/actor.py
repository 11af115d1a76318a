"""Who is acting: passed to every engine call, never read from a global."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """A user with role grants; ``scopes[role]`` lists the communes the role holds (``*`` = all)."""

    user_id: str
    roles: frozenset[str] = frozenset()
    scopes: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def system(cls) -> Actor:
        return cls("system", frozenset({"system"}), {"system": frozenset({"*"})})

    def holds(self, role: str | None, scope: str | None) -> bool:
        """True when the actor has ``role`` for ``scope`` (a commune), or for every scope."""
        if role is None or role not in self.roles:
            return False
        granted = self.scopes.get(role, frozenset({"*"}))
        return "*" in granted or scope is None or scope in granted

    def may_complete(self, role: str | None, scope: str | None, assignee: str | None) -> bool:
        """A task with an assignee is that person's alone; otherwise the lane's role decides."""
        if assignee is not None:
            return assignee == self.user_id
        return self.holds(role, scope)
