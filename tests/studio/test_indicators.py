"""Public indicators on controlled data: counts, median and 90th percentile by the database."""
from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.dossier_models import Decision, Dossier
from handlers.indicators import InvalidPeriod, indicators
from handlers.models import Commune, User

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def seed(s, rows: list[tuple[str, str, datetime, float | None]]) -> None:
    """(commune, procedure, filed at, days to decision or None)."""
    s.add_all([Commune(code="casablanca", name_fr="Casablanca", name_ar="الدار البيضاء"),
               Commune(code="rabat", name_fr="Rabat", name_ar="الرباط"),
               User(id="u1", email="u1@x.ma", full_name="U", password_hash="x", created_at=T0)])
    s.flush()
    for i, (commune, procedure, filed, days) in enumerate(rows):
        d = Dossier(number=f"N-{i}", procedure=procedure, commune_code=commune, applicant_id="u1", fields={},
                    status="decided" if days is not None else "filed", created_at=filed, submitted_at=filed)
        s.add(d)
        s.flush()
        if days is not None:
            s.add(Decision(dossier_id=d.id, outcome="accord", conditions=[], verification_code=f"V{i}",
                           decided_at=filed + timedelta(days=days)))
    s.commit()


def test_counts_median_and_p90_per_commune_and_procedure(sessions) -> None:
    durations = [3, 10, 12, 15, 30, 45.5]
    rows = [("casablanca", "permis_construire", T0 + timedelta(days=i), d) for i, d in enumerate(durations)]
    rows += [("casablanca", "permis_construire", T0 + timedelta(days=20), None),   # filed, not decided
             ("rabat", "permis_construire", T0, 7),
             ("casablanca", "activite", T0, 2), ("casablanca", "activite", T0, 4),
             ("rabat", "activite", T0 - timedelta(days=200), 1)]                      # filed and decided before
    with sessions() as s:
        seed(s, rows)
        result = {(i.commune, i.procedure): i for i in indicators(s, date(2026, 3, 1), date(2026, 5, 31))}
    permis = result[("casablanca", "permis_construire")]
    assert (permis.filed, permis.decided) == (7, 6)
    assert permis.median_days == pytest.approx(statistics.median(durations), abs=1e-6)  # 13.5
    p90 = statistics.quantiles(durations, n=10, method="inclusive")[8]
    assert permis.p90_days == pytest.approx(p90, abs=1e-6)  # 37.75, interpolated between ranks 5 and 6
    assert permis.p90_days == pytest.approx(37.75, abs=1e-6)
    rabat = result[("rabat", "permis_construire")]
    assert (rabat.filed, rabat.decided, rabat.median_days, rabat.p90_days) == (1, 1, pytest.approx(7), pytest.approx(7))
    activite = result[("casablanca", "activite")]
    assert (activite.decided, activite.median_days) == (2, pytest.approx(3))
    assert activite.p90_days == pytest.approx(3.8)
    assert ("rabat", "activite") not in result  # nothing in the period


def test_period_bounds_include_both_days_and_refuse_nonsense(sessions) -> None:
    with sessions() as s:
        seed(s, [("rabat", "activite", datetime(2026, 4, 30, 23, 59, tzinfo=UTC), None),
                 ("rabat", "activite", datetime(2026, 5, 1, 0, 0, tzinfo=UTC), None)])
        [april] = indicators(s, date(2026, 4, 1), date(2026, 4, 30))
        assert april.filed == 1 and april.decided == 0 and april.median_days is None
        with pytest.raises(InvalidPeriod):
            indicators(s, date(2026, 5, 1), date(2026, 4, 1))
        with pytest.raises(InvalidPeriod):
            indicators(s, date(2000, 1, 1), date(2026, 4, 1))
