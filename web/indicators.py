"""Public indicators page: delays per commune and procedure over a chosen period, as a table
and as a bar chart drawn on the server (inline SVG, no JavaScript)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from handlers.indicators import Indicator, InvalidPeriod, indicators
from handlers.models import Commune

from .extensions import db

bp = Blueprint("indicators", __name__)

CHART_WIDTH, MARGIN, BAR, GAP, TOP, LABEL = 720, 8, 12, 14, 30, 18


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    value: float
    text_x: float
    kind: str  # median | p90


@dataclass(frozen=True)
class ChartLine:
    label: str
    label_x: float
    label_y: float
    bars: list[Bar]


def chart(lines: list[tuple[str, Indicator]], rtl: bool) -> dict[str, Any]:
    """Geometry of the chart: per line its label, then a median and a 90th-percentile bar,
    scaled to the largest value; mirrored for right-to-left pages."""
    decided = [(label, i) for label, i in lines if i.p90_days is not None]
    top = max((i.p90_days or 0.0 for _, i in decided), default=0.0) or 1.0
    span = CHART_WIDTH - 2 * MARGIN - 70
    group = LABEL + 2 * BAR + GAP
    out = []
    for n, (label, item) in enumerate(decided):
        y = TOP + n * group
        bars = []
        for k, (kind, value) in enumerate((("median", item.median_days or 0.0), ("p90", item.p90_days or 0.0))):
            width = max(1.0, span * value / top)
            x = CHART_WIDTH - MARGIN - width if rtl else MARGIN
            text_x = x - 4 if rtl else x + width + 4
            bars.append(Bar(round(x, 1), y + LABEL + k * BAR, round(width, 1), round(value, 1),
                            round(text_x, 1), kind))
        out.append(ChartLine(label, CHART_WIDTH - MARGIN if rtl else MARGIN, y + LABEL - 5, bars))
    return {"lines": out, "width": CHART_WIDTH, "height": TOP + len(decided) * group, "rtl": rtl,
            "legend_x": CHART_WIDTH - MARGIN if rtl else MARGIN}


def _parse(name: str, default: date) -> date:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidPeriod("format") from None


PERIOD_ERRORS = {
    "format": lambda: _("Saisissez les dates au format AAAA-MM-JJ."),
    "reversed": lambda: _("La date de début doit précéder la date de fin."),
    "too_long": lambda: _("La période ne peut pas dépasser dix ans."),
}


@bp.get("/indicators")
def page() -> Any:
    """Dossiers filed and decided, and processing days (median, 90th percentile), per
    commune and procedure, between ``from`` and ``to`` (both included)."""
    from flask_babel import get_locale
    lang = str(get_locale() or "fr")
    today = date.today()
    start_raw, end_raw = request.args.get("from", ""), request.args.get("to", "")
    try:
        end = _parse("to", today)
        start = _parse("from", end - timedelta(days=365))
        rows = indicators(db.session(), start, end)
    except InvalidPeriod as exc:
        return render_template("indicators.html", error=PERIOD_ERRORS[exc.code](), lines=[], chart=None,
                               start=start_raw, end=end_raw), 400
    communes = {c.code: (c.name_ar if lang == "ar" else c.name_fr) for c in db.session.scalars(select(Commune))}
    procedures = current_app.extensions["guichet.ports"].catalog(db.session()).procedures
    lines = []
    for item in rows:
        proc = procedures.get(item.procedure)
        proc_label = (proc.ar if lang == "ar" else proc.fr) if proc else item.procedure
        lines.append((f"{communes.get(item.commune, item.commune)} — {proc_label}", item))
    return render_template("indicators.html", error=None, lines=lines, chart=chart(lines, lang == "ar"),
                           start=start.isoformat(), end=end.isoformat())
