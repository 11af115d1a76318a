"""Dossier numbers ``<PROC>-<COMMUNE>-<year>-<seq>``: unique, gap-free per counter, safe
under concurrent filings (one atomic upsert per number, on SQLite and PostgreSQL)."""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .dossier_models import DossierCounter


def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, DossierCounter.__table__)
    return insert(table).values(procedure_code=bindparam("p"), commune_code=bindparam("c"), year=bindparam("y"),
                                last=1).on_conflict_do_update(
        index_elements=[table.c.procedure_code, table.c.commune_code, table.c.year],
        set_={"last": table.c.last + 1}).returning(table.c.last)


_UPSERTS = {dialect: _upsert(dialect) for dialect in ("postgresql", "sqlite")}  # built once


def next_number(session: Session, procedure_code: str, commune_code: str, year: int) -> str:
    upsert = _UPSERTS[session.get_bind().dialect.name]
    seq = session.execute(upsert, {"p": procedure_code, "c": commune_code, "y": year}).scalar_one()
    return f"{procedure_code}-{commune_code.upper()}-{year}-{seq:06d}"
