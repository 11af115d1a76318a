"""The public indicators page: no sign-in, a period form, a table and a server-drawn chart."""
from __future__ import annotations

import html as entities
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.dossier_models import Decision, Dossier
from handlers.models import User
from tests.conftest import Site

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def seed(site: Site) -> None:
    from web.extensions import db
    with site.app.app_context():
        applicant = db.session.scalar(select(User.id).where(User.email == "citoyen@guichet.demo"))
        for i, (commune, procedure, days) in enumerate([
                ("casablanca", "permis_construire", 10), ("casablanca", "permis_construire", 20),
                ("casablanca", "permis_construire", 40), ("rabat", "exercice_activite", 5),
                ("rabat", "exercice_activite", None)]):
            d = Dossier(number=f"IND-{i}", procedure=procedure, commune_code=commune, applicant_id=applicant,
                        fields={}, status="filed", created_at=T0, submitted_at=T0 + timedelta(hours=i))
            db.session.add(d)
            db.session.flush()
            if days is not None:
                db.session.add(Decision(dossier_id=d.id, outcome="accord", conditions=[], verification_code=f"I{i}",
                                        decided_at=d.submitted_at + timedelta(days=days)))
        db.session.commit()


def cells(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[entities.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_indicators_table_and_chart_for_a_period(site: Site) -> None:
    seed(site)
    client = site.client()  # anonymous: the page is public
    response = client.get("/indicators?from=2026-03-01&to=2026-06-30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = {r[0]: r[1:] for r in cells(html)}
    assert rows["Commune de Casablanca — Permis de construire"] == ["3", "3", "20.0", "36.0"]
    assert rows["Commune de Rabat — Autorisation d'exercice d'activité"] == ["2", "1", "5.0", "5.0"]
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="bar-median"') == 2 and svg.count('class="bar-p90"') == 2
    widths = [float(w) for w in re.findall(r'class="bar-p90" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]
    assert max(widths) > 5 * min(widths)  # 36 days against 5 days, to scale
    assert "<script" not in html.split("<main>", 1)[1]  # no JavaScript needed

    empty = client.get("/indicators?from=2020-01-01&to=2020-02-01").get_data(as_text=True)
    assert "<svg" not in empty and "<tbody>" not in empty


def test_indicators_in_arabic_are_mirrored(site: Site) -> None:
    seed(site)
    client = site.client()
    client.get("/lang/ar")
    html = client.get("/indicators?from=2026-03-01&to=2026-06-30").get_data(as_text=True)
    assert 'dir="rtl"' in html and "جماعة الدار البيضاء" in html
    assert 'direction="rtl"' in html
    svg = html.split("<svg", 1)[1]
    label_x = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="start" font-weight="bold">', svg)]
    assert label_x and all(x > 600 for x in label_x)  # labels start from the right edge


def test_a_bad_period_is_a_400_that_keeps_the_form(site: Site) -> None:
    client = site.client()
    for query in ("from=2026-13-01&to=2026-06-30", "from=2026-06-30&to=2026-03-01", "from=1990-01-01&to=2026-01-01"):
        response = client.get(f"/indicators?{query}")
        assert response.status_code == 400, query
        html = response.get_data(as_text=True)
        assert 'role="alert"' in html and 'name="from"' in html
    assert 'value="2026-13-01"' in client.get("/indicators?from=2026-13-01").get_data(as_text=True)
