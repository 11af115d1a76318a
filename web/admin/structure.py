"""Organisms and their members; commissions per commune and kind, and their seats."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from handlers.administration import checks, commissions, organisms
from handlers.administration.errors import AdminProblem
from handlers.models import Organism

from ..extensions import db, reads_only
from . import act, bp, now, refused, who


def _organism(code: str) -> organisms.OrganismInput:
    form = request.form
    return organisms.OrganismInput(code, form.get("kind", ""), form.get("name_fr", ""), form.get("name_ar", ""),
                                   form.get("binding") == "on")


@bp.get("/organisms")
@login_required
@reads_only
def organism_list() -> Any:
    return render_template("admin/organisms.html", admin=who(), organisms=organisms.listed(db.session()))


@bp.post("/organisms")
@login_required
def organism_create() -> Any:
    code = (request.form.get("code") or "").strip().lower()
    return act(organisms.save, who(), _organism(code), now(), new=True, done=_("Organisme créé."),
               back=url_for("admin.organism_list"))


@bp.get("/organisms/<code>")
@login_required
@reads_only
def organism(code: str) -> Any:
    admin = who()
    session = db.session()
    return render_template("admin/organism.html", admin=admin, seats=organisms.members(session, admin, code[:50]),
                           organism=session.get(Organism, code[:50]))


@bp.post("/organisms/<code>")
@login_required
def organism_update(code: str) -> Any:
    return act(organisms.save, who(), _organism(code[:50]), now(), new=False, done=_("Organisme enregistré."),
               back=url_for("admin.organism", code=code[:50]))


@bp.post("/communes/<code>/commissions")
@login_required
def commission_create(code: str) -> Any:
    form = request.form
    admin = who()
    admin.check(code[:50])
    return act(commissions.create, admin, code[:50], form.get("kind", ""), form.get("name_fr", ""),
               form.get("name_ar", ""), now(), done=_("Commission créée."), back=url_for("admin.commune", code=code))


@bp.get("/commissions/<int:commission_id>")
@login_required
@reads_only
def commission(commission_id: int) -> Any:
    admin = who()
    session = db.session()
    row = commissions.get(session, admin, commission_id)
    return render_template("admin/commission.html", commission=row, today=now().date(),
                           organisms=list(session.query(Organism).order_by(Organism.code)))


@bp.post("/commissions/<int:commission_id>/seats")
@login_required
def seat_add(commission_id: int) -> Any:
    admin = who()
    back = url_for("admin.commission", commission_id=commission_id)
    form = request.form
    try:
        data = commissions.SeatInput(form.get("email", ""), form.get("organism", ""),
                                     form.get("project_type") or None, checks.day(form.get("valid_from")),
                                     checks.day(form.get("valid_until")))
    except AdminProblem as problem:
        return refused(problem, back)
    return act(commissions.seat_in, admin, commission_id, data, now(), done=_("Membre ajouté."), back=back)


@bp.post("/seats/<int:member_id>/end")
@login_required
def seat_end(member_id: int) -> Any:
    admin = who()
    back = request.form.get("back") or ""
    back = back if back.startswith("/admin/") and "//" not in back else url_for("admin.index")
    try:
        last = checks.day(request.form.get("last_day"))
    except AdminProblem as problem:
        return refused(problem, back)
    return act(commissions.end_seat, admin, member_id, last, now(), done=_("Le membre quitte la commission."),
               back=back)
