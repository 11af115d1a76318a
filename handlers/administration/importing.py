"""Bulk import of people and memberships from a CSV file.

Each line is one person with one role (and, for a commission member, the commission they
sit on). Every line goes through the same use cases as the pages, each in a savepoint, so
that a dry run finds every problem a real run would meet — line by line — and a file with
any problem writes nothing."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from engine.outbox import QUEUED

from ..ports import Ports
from . import checks, commissions, grants, people
from .errors import AdminProblem
from .scope import Admin

COLUMNS = ("email", "full_name", "role")
OPTIONAL = ("locale", "commune", "organism", "commission", "project_type", "valid_from", "valid_until",
            "delegated_by")
MAX_LINES = 2000  # ~20 s of one request on a loaded SQLite node (1,000 lines: ~9 s)


@dataclass
class ImportReport:
    lines: int = 0
    problems: list[tuple[int, AdminProblem]] = field(default_factory=list)
    people: int = 0  # new accounts (each invited by e-mail)
    grants: int = 0
    seats: int = 0
    written: bool = False


def _rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AdminProblem("csv_encoding") from None
    if not text.strip():
        raise AdminProblem("csv_empty")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    names = [(n or "").strip().lower() for n in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise AdminProblem("csv_columns", columns=", ".join(missing))
    reader.fieldnames = names
    out: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        if len(out) >= MAX_LINES:
            raise AdminProblem("csv_too_big", limit=MAX_LINES)
        values = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if any(values.values()):
            out.append((reader.line_num, values))
    if not out:
        raise AdminProblem("csv_empty")
    return out


def _line(session: Session, admin: Admin, ports: Ports, row: dict[str, str], report: ImportReport,
          now: datetime) -> None:
    commune = row.get("commune") or None
    grant = grants.GrantInput(row.get("role", ""), commune, row.get("organism") or None,
                              checks.day(row.get("valid_from")), checks.day(row.get("valid_until")),
                              row.get("delegated_by") or None)
    kind = row.get("commission") or None
    email = checks.email(row.get("email"))
    try:
        person = people.find(session, email)
    except AdminProblem:
        person = None
    if kind:
        commission = commissions.by_kind(session, admin, commune or "", kind)
        if grant.role != "commission_member":
            raise AdminProblem("bad_value", field="role", value=grant.role)
        if person is None:
            people.create(session, admin, ports, people.PersonInput(email, row.get("full_name", ""),
                                                                    row.get("locale") or "fr", [grant]), now)
            report.people += 1
        seat = commissions.SeatInput(email, grant.organism or "", row.get("project_type") or None,
                                     grant.valid_from, grant.valid_until)
        commissions.seat(session, admin, commission, seat, now)
        report.seats += 1
    elif person is None:
        people.create(session, admin, ports, people.PersonInput(email, row.get("full_name", ""),
                                                                row.get("locale") or "fr", [grant]), now)
        report.people += 1
    else:
        grants.add(session, admin, person, grant, now)
    report.grants += 1


def run(session: Session, admin: Admin, ports: Ports, content: bytes, now: datetime, *,
        dry_run: bool) -> ImportReport:
    """Check (``dry_run``) or import a CSV file; with any problem, nothing is written."""
    report = ImportReport()
    queued = list(session.info.get(QUEUED, []))
    rows = _rows(content)
    report.lines = len(rows)
    seen: dict[tuple[str, ...], int] = {}
    everything = session.begin_nested()
    for number, row in rows:
        key = tuple(row.get(c, "").lower() for c in (*COLUMNS, "commune", "organism", "commission"))
        if key in seen:
            report.problems.append((number, AdminProblem("csv_duplicate", other=seen[key])))
            continue
        seen[key] = number
        line = session.begin_nested()
        try:
            _line(session, admin, ports, row, report, now)
            line.commit()
        except AdminProblem as problem:
            line.rollback()
            report.problems.append((number, problem))
    if dry_run or report.problems:
        everything.rollback()
        session.info[QUEUED] = queued  # no delivery job for a message that was not written
    else:
        everything.commit()
        report.written = True
    return report
