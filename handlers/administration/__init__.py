"""Administration of the reference data from the browser: communes, people and their role
grants, organisms, commissions and their members, bulk import, the admin audit trail, and
the tasks left to people who can no longer do them.

Every change goes through one use case here (the pages, the API and ``guichet demo seed``
alike) and leaves an :class:`~.models.AdminEvent`. Nothing is cached: every request reads
the rows afresh, so a change holds on every node at once.
"""
from collections.abc import Callable
from typing import Any, TypeVar

from engine import Engine

from . import models  # noqa: F401 - registers the tables
from .errors import AdminProblem
from .scope import Admin

__all__ = ["Admin", "AdminProblem", "run"]
T = TypeVar("T")


def run(engine: Engine, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one administration use case in its own transaction (committed when it returns,
    rolled back when it raises): what the pages and the API call."""
    with engine.transaction() as session:
        return use_case(session, *args, **kwargs)
