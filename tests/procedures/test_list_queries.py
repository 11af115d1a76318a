"""The dossier list and inbox queries shaped for long histories (handlers/queries.py):
one index-ordered branch per visibility clause, merged newest first, counts capped."""
from __future__ import annotations

import pytest

from engine import Actor
from handlers import queries
from tests.procedures.conftest import Platform
from tests.procedures.test_guu import AGENT, CITIZEN, SMALL


def file_many(p: Platform) -> list[tuple[int, str]]:
    """Five dossiers alternating between Casablanca and Rabat, a minute apart."""
    filed = []
    for k in range(5):
        commune = "casablanca" if k % 2 == 0 else "rabat"
        p.clock.advance(minutes=1)
        filed.append((p.file(CITIZEN, "permis_construire", SMALL, commune=commune), commune))
    return filed


def ids(page: queries.Page) -> list[int]:
    return [d.id for (d,) in page.items]


def test_two_communes_are_merged_newest_first_and_paged(platform: Platform) -> None:
    p = platform
    filed = file_many(p)
    both = Actor("agent-both", frozenset({"guichet_agent"}), {"guichet_agent": frozenset({"casablanca", "rabat"})})
    newest_first = [d for d, _ in reversed(filed)]
    with p.sessions() as s:
        page = queries.dossiers(s, both)
        assert ids(page) == newest_first and (page.total, page.capped) == (5, False)
        assert ids(queries.dossiers(s, both, page=1, per_page=2)) == newest_first[:2]
        assert ids(queries.dossiers(s, both, page=2, per_page=2)) == newest_first[2:4]
        assert ids(queries.dossiers(s, both, page=3, per_page=2)) == newest_first[4:]
        casa = queries.dossiers(s, p.actor(AGENT))
        assert ids(casa) == [d for d, c in reversed(filed) if c == "casablanca"] and casa.total == 3
        assert queries.dossiers(s, both, status="nope").total == 0
        everywhere = Actor("agent-all", frozenset({"guichet_agent"}), {"guichet_agent": frozenset({"*"})})
        assert ids(queries.dossiers(s, everywhere, per_page=3)) == newest_first[:3]
        admin = Actor("admin-1", frozenset({"admin"}))
        assert ids(queries.dossiers(s, admin, page=2, per_page=3)) == newest_first[3:]


def test_a_dossier_matching_two_clauses_is_listed_once(platform: Platform) -> None:
    p = platform
    filed = file_many(p)
    applicant = p.actor(CITIZEN)  # an applicant who is also the agent of Casablanca
    twice = Actor(applicant.user_id, frozenset({"applicant", "guichet_agent"}),
                  {"guichet_agent": frozenset({"casablanca"})})
    with p.sessions() as s:
        page = queries.dossiers(s, twice)
    assert ids(page) == [d for d, _ in reversed(filed)] and page.total == 5


def test_counts_stop_at_the_cap(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p = platform
    file_many(p)
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    with p.sessions() as s:
        page = queries.dossiers(s, p.actor(CITIZEN))
        assert (page.total, page.capped, len(page.items)) == (3, True, 5)
        inbox = queries.inbox(s, p.actor(AGENT))
        assert (inbox.total, inbox.capped, len(inbox.items)) == (3, False, 3)  # three rc_check in Casablanca
        monkeypatch.setattr(queries, "COUNT_CAP", 2)
        inbox = queries.inbox(s, p.actor(AGENT))
        assert (inbox.total, inbox.capped, len(inbox.items)) == (2, True, 3)
