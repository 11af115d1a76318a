"""Public indicators of delays: per commune and procedure, over a period, dossiers filed,
dossiers decided, and the median and 90th-percentile processing time in days (from filing
to decision). Aggregates only; computed by the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.sqlstats import percentile_query, seconds_between

from .dossier_models import Decision, Dossier

MAX_PERIOD_DAYS = 3660  # ten years: longer asks say nothing more and cost more


class InvalidPeriod(ValueError):
    """The period asked for does not make sense (``code`` says why, for the page)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass
class Indicator:
    commune: str
    procedure: str
    filed: int = 0
    decided: int = 0
    median_days: float | None = None
    p90_days: float | None = None


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants bounding the days ``start`` to ``end``, both included."""
    if end < start:
        raise InvalidPeriod("reversed")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidPeriod("too_long")
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def indicators(session: Session, start: date, end: date) -> list[Indicator]:
    """One line per commune and procedure that had a dossier filed or decided in the period."""
    lo, hi = period(start, end)
    out: dict[tuple[str, str], Indicator] = {}

    def line(commune: str, procedure: str) -> Indicator:
        return out.setdefault((commune, procedure), Indicator(commune, procedure))

    filed = (select(Dossier.commune_code, Dossier.procedure, func.count(Dossier.id))
             .where(Dossier.submitted_at >= lo, Dossier.submitted_at < hi)
             .group_by(Dossier.commune_code, Dossier.procedure))
    for commune, procedure, count in session.execute(filed):
        line(commune, procedure).filed = count
    days = (select(Dossier.commune_code, Dossier.procedure,
                   (seconds_between(Dossier.submitted_at, Decision.decided_at) / 86400.0).label("days"))
            .join(Decision, Decision.dossier_id == Dossier.id)
            .where(Decision.decided_at >= lo, Decision.decided_at < hi, Dossier.submitted_at.isnot(None))
            .subquery())
    for row in session.execute(percentile_query(days, ["commune_code", "procedure"], "days", (50, 90))):
        item = line(row.commune_code, row.procedure)
        item.decided, item.median_days, item.p90_days = row.n, row.p50, row.p90
    return [out[k] for k in sorted(out)]
