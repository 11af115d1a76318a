"""Dossier numbers ``<PROC>-<COMMUNE>-<year>-<seq>``: unique, gap-free per counter, safe
under concurrent filings (one atomic upsert per number, on SQLite and PostgreSQL)."""
from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .dossier_models import DossierCounter


def next_number(session: Session, procedure_code: str, commune_code: str, year: int) -> str:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, DossierCounter.__table__)
    upsert = insert(table).values(procedure_code=procedure_code, commune_code=commune_code,
                                  year=year, last=1).on_conflict_do_update(
        index_elements=[table.c.procedure_code, table.c.commune_code, table.c.year],
        set_={"last": table.c.last + 1})
    seq = session.execute(upsert.returning(table.c.last)).scalar_one()
    return f"{procedure_code}-{commune_code.upper()}-{year}-{seq:06d}"
