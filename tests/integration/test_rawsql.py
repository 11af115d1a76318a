"""engine.rawsql.Hot: a statement run on the driver's cursor reads and writes as SQLAlchemy's
own execution would, on SQLite and on PostgreSQL — the types' conversions both ways, the
constants of the statement, the session's pending changes, the cursor listeners, and the
driver's errors wrapped by SQLAlchemy."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from engine.rawsql import Hot
from handlers.dossier_models import Dossier
from handlers.models import Commune, RoleGrant, User

NOW = datetime(2026, 3, 1, 8, 30, 15, 250000, tzinfo=UTC)
U, G, D = User.__table__, RoleGrant.__table__, Dossier.__table__
GRANTS = (select(U.c.id, U.c.active, U.c.created_at, G.c.role, G.c.commune_code, G.c.valid_from, G.c.valid_until)
          .outerjoin(G, G.c.user_id == U.c.id).where(U.c.id == bindparam("uid"), G.c.role.in_(["agent", "president"]))
          .order_by(G.c.role))


def _seed(session: Any) -> None:
    session.add(Commune(code="casa", name_fr="Casablanca", name_ar="الدار البيضاء"))
    session.add(User(id="u1", email="u1@x.ma", full_name="Un", password_hash="-", created_at=NOW, active=False))
    session.flush()
    session.add_all([RoleGrant(user_id="u1", role="agent", commune_code="casa", valid_from=date(2026, 1, 1)),
                     RoleGrant(user_id="u1", role="president", commune_code=None, valid_until=date(2026, 12, 31)),
                     RoleGrant(user_id="u1", role="applicant", commune_code=None)])
    session.add(Dossier(procedure="p", commune_code="casa", applicant_id="u1", status="draft",
                        fields={"surface": 120, "nom": "عين السبع"}, created_at=NOW))
    session.commit()


def test_rows_read_as_sqlalchemy_reads_them(sessions: Any) -> None:
    with sessions() as s:
        _seed(s)
        expected = s.execute(GRANTS, {"uid": "u1"}).all()
        got = Hot(GRANTS).all(s, {"uid": "u1"})
        assert [tuple(r) for r in got] == [tuple(r) for r in expected] and len(got) == 2  # the IN's constants
        first = got[0]
        assert first.active is False and first.valid_from == date(2026, 1, 1) and first.role == "agent"
        assert first._asdict()["commune_code"] == "casa"
        assert isinstance(first.created_at, datetime)  # SQLite's text read back as a datetime
        fields = Hot(select(D.c.fields, D.c.created_at)).one_or_none(s, {})
        assert fields.fields == {"surface": 120, "nom": "عين السبع"}  # JSON decoded
        assert Hot(GRANTS).one_or_none(s, {"uid": "nobody"}) is None
        assert Hot(select(D.c.status)).scalar(s, {}) == "draft"
        assert Hot(select(U.c.email).where(U.c.id == bindparam("uid"))).scalar(s, {"uid": "nobody"}) is None


def test_parameters_go_through_the_types(sessions: Any) -> None:
    with sessions() as s:
        _seed(s)
        later = Hot(select(D.c.id).where(D.c.created_at >= bindparam("t", type_=D.c.created_at.type)))
        assert len(later.all(s, {"t": NOW})) == 1  # a datetime parameter, as SQLite stores it
        assert later.all(s, {"t": datetime(2026, 3, 2, tzinfo=UTC)}) == []
        move = Hot(update(D).where(D.c.applicant_id == bindparam("uid")).values(
            fields=bindparam("f", type_=D.c.fields.type), created_at=bindparam("at", type_=D.c.created_at.type)))
        assert move.execute(s, {"uid": "u1", "f": {"a": [1, 2]}, "at": datetime(2027, 1, 1, tzinfo=UTC)}) == 1
        assert move.execute(s, {"uid": "nobody", "f": {}, "at": NOW}) == 0
        s.commit()
        row = s.execute(select(D.c.fields, D.c.created_at)).one()
        assert row.fields == {"a": [1, 2]} and row.created_at.year == 2027


def test_pending_orm_changes_are_flushed_first_unless_autoflush_is_off(sessions: Any) -> None:
    count = Hot(select(sa.func.count()).select_from(U))
    with sessions() as s:
        _seed(s)
        s.add(User(id="u2", email="u2@x.ma", full_name="Deux", password_hash="-", created_at=NOW))
        with s.no_autoflush:
            assert count.all(s, {})[0][0] == 1
        assert count.all(s, {})[0][0] == 2


def test_listeners_hear_the_statement(sessions: Any, db_engine: sa.Engine) -> None:
    heard: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        heard.append(statement)
    event.listen(db_engine, "before_cursor_execute", listener)
    try:
        with sessions() as s:
            Hot(select(U.c.id)).all(s, {})
    finally:
        event.remove(db_engine, "before_cursor_execute", listener)
    assert [h.split()[:2] for h in heard if h != "BEGIN"] == [["SELECT", "app_user.id"]]  # SQLite's BEGIN: ours


def test_driver_errors_are_sqlalchemys_and_the_session_can_roll_back(sessions: Any) -> None:
    with sessions() as s:
        _seed(s)
        clash = Hot(update(U).where(U.c.id == "u1").values(email=bindparam("email")))
        s.add(User(id="u2", email="u2@x.ma", full_name="Deux", password_hash="-", created_at=NOW))
        s.flush()
        with pytest.raises(IntegrityError):
            clash.execute(s, {"email": "u2@x.ma"})
        s.rollback()
        with pytest.raises((OperationalError, ProgrammingError)):
            Hot(sa.text("SELECT no_such_column FROM app_user")).all(s, {})
        s.rollback()
        assert Hot(select(U.c.email)).all(s, {}) == [("u1@x.ma",)]


def test_a_connection_keeps_one_cursor_until_it_fails_or_is_replaced(sessions: Any, db_engine: sa.Engine) -> None:
    from engine.rawsql import _CURSOR
    cursors: list[Any] = []

    def listener(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement != "BEGIN":
            cursors.append(cursor)
    event.listen(db_engine, "before_cursor_execute", listener)
    try:
        with sessions() as s:
            _seed(s)
            cursors.clear()  # the ORM's own statements, each on a cursor of its own
            emails = Hot(select(U.c.email))
            assert emails.all(s, {}) == [("u1@x.ma",)]
            assert Hot(select(D.c.status)).scalar(s, {}) == "draft"
            assert cursors[0] is cursors[1]  # one cursor for the connection's Hot statements
            with pytest.raises((OperationalError, ProgrammingError)):
                Hot(sa.text("SELECT no_such_column FROM app_user")).all(s, {})
            s.rollback()
            assert emails.all(s, {}) == [("u1@x.ma",)]
            assert cursors[3] is not cursors[0]  # the cursor that failed was dropped, not reused
            s.connection().invalidate()  # the DBAPI connection is replaced: so is its cursor
            s.rollback()
            assert emails.all(s, {}) == [("u1@x.ma",)]
            assert cursors[4] is not cursors[3] and s.connection().connection.info[_CURSOR] is cursors[4]
    finally:
        event.remove(db_engine, "before_cursor_execute", listener)


def test_a_parameter_bound_per_call_in_an_in_is_refused() -> None:
    from sqlalchemy.dialects import sqlite
    with pytest.raises(ValueError, match="expanding"):
        Hot(select(U.c.id).where(U.c.id.in_(bindparam("ids", expanding=True))))._for(sqlite.dialect())
