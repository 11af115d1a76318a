"""People: invite (a one-time link by e-mail), deactivate, reactivate, reset, and their roles."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from handlers.administration import checks, grants, people
from handlers.administration.errors import AdminProblem
from handlers.administration.grants import ASSIGNABLE, GrantInput
from handlers.models import Commune, Organism

from ..extensions import db, reads_only
from . import act, bp, lang, now, ports, refused, who


def _grant(commune: str | None) -> GrantInput:
    form = request.form
    return GrantInput(form.get("role", ""), form.get("commune") or commune, form.get("organism") or None,
                      checks.day(form.get("valid_from")), checks.day(form.get("valid_until")),
                      form.get("delegated_by") or None)


def _back(user_id: str | None = None, commune: str | None = None) -> str:
    target = request.form.get("back") or ""
    if target.startswith("/admin/") and "//" not in target:
        return target
    if user_id:
        return url_for("admin.person", user_id=user_id)
    return url_for("admin.commune", code=commune) if commune else url_for("admin.index")


@bp.post("/communes/<code>/people")
@login_required
def invite(code: str) -> Any:
    """Invite a person with a first role in the commune: they get an e-mail with a one-time link."""
    admin = who()
    admin.check(code)
    back = url_for("admin.commune", code=code)
    try:
        grant = _grant(code)
    except AdminProblem as problem:
        return refused(problem, back)
    data = people.PersonInput(request.form.get("email", ""), request.form.get("full_name", ""),
                              request.form.get("locale", "fr"), [grant])
    return act(people.create, admin, ports(), data, now(),
               done=_("Invitation envoyée : la personne reçoit un lien pour choisir son mot de passe."), back=back)


@bp.get("/people/<user_id>")
@login_required
@reads_only
def person(user_id: str) -> Any:
    admin = who()
    session = db.session()
    user = people.manageable(session, admin, user_id[:36])
    communes = [c for c in session.query(Commune).order_by(Commune.code) if admin.covers(c.code)]
    return render_template("admin/person.html", person=user, roles=ASSIGNABLE, communes=communes, admin=admin,
                           organisms=list(session.query(Organism).order_by(Organism.code)), today=now().date(),
                           lang=lang())


@bp.post("/people/<user_id>/deactivate")
@login_required
def deactivate(user_id: str) -> Any:
    return act(people.set_active, who(), ports(), user_id[:36], False, now(),
               done=_("Compte désactivé : ses sessions sont fermées."), back=_back(user_id))


@bp.post("/people/<user_id>/activate")
@login_required
def activate(user_id: str) -> Any:
    return act(people.set_active, who(), ports(), user_id[:36], True, now(), done=_("Compte réactivé."),
               back=_back(user_id))


@bp.post("/people/<user_id>/reset")
@login_required
def reset(user_id: str) -> Any:
    return act(people.reset, who(), ports(), user_id[:36], now(),
               done=_("Mot de passe réinitialisé : un nouveau lien est envoyé par courriel."), back=_back(user_id))


@bp.post("/people/<user_id>/grants")
@login_required
def grant_add(user_id: str) -> Any:
    admin = who()
    back = _back(user_id)
    try:
        data = _grant(None)
    except AdminProblem as problem:
        return refused(problem, back)
    return act(people.give_role, admin, user_id[:36], data, now(), done=_("Rôle attribué."), back=back)


@bp.post("/grants/<int:grant_id>/remove")
@login_required
def grant_remove(grant_id: str) -> Any:
    return act(grants.remove, who(), grant_id, now(), done=_("Rôle retiré."), back=_back())
