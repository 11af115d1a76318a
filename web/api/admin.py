"""Administration through the API (``/api/v1/admin/…``): communes, people and their roles,
organisms. Every call runs one use case of :mod:`handlers.administration`; refusals are
403/404/409/422 with a message in the caller's language."""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from flask import current_app

from engine.clock import utcnow
from handlers import administration
from handlers.administration import Admin, checks, communes, grants, organisms, people
from handlers.administration.communes import CommuneInput

from ..bootstrap import get_engine
from ..extensions import db, reads_only
from ..security import token_auth
from . import bp
from .common import caller, ports

ADMIN_ERRORS = {400: "malformed request body", 403: "not an administrator, or not of this commune", 404: "not found",
                409: "already exists", 422: "invalid data: `message` says what, in the caller's language"}


def admin() -> Admin:
    return Admin.of(caller())


def run(use_case: Any, *args: Any, **kwargs: Any) -> Any:
    return administration.run(get_engine(current_app), use_case, *args, **kwargs)


class CommuneIn(Schema):
    code = String(required=True)
    name_fr = String(required=True)
    name_ar = String(required=True)
    region = String(load_default=None, allow_none=True)
    province = String(load_default=None, allow_none=True)
    timezone = String(load_default="Africa/Casablanca")
    guichet = String(load_default="unique", metadata={"description": "unique | provincial"})


class CommuneOut(Schema):
    code = String()
    name_fr = String()
    name_ar = String()
    region = String(allow_none=True)
    province = String(allow_none=True)
    timezone = String()
    guichet = String()


class GrantIn(Schema):
    role = String(required=True, metadata={"description": "guichet_agent | president | interim_president | "
                                                          "commission_member | analyst | admin"})
    commune = String(load_default=None, allow_none=True)
    organism = String(load_default=None, allow_none=True)
    valid_from = String(load_default=None, allow_none=True, metadata={"description": "YYYY-MM-DD"})
    valid_until = String(load_default=None, allow_none=True, metadata={"description": "YYYY-MM-DD"})
    delegated_by = String(load_default=None, allow_none=True, metadata={"description": "the titular president's "
                                                                                       "e-mail (interim)"})


class GrantOut(Schema):
    id = Integer()
    role = String()
    commune = String(attribute="commune_code", allow_none=True)
    organism = String(attribute="organism_code", allow_none=True)
    valid_from = Date(allow_none=True)
    valid_until = Date(allow_none=True)
    delegated_by = String(allow_none=True)


class PersonIn(GrantIn):
    email = String(required=True)
    full_name = String(required=True)
    locale = String(load_default="fr")


class PersonOut(Schema):
    id = String()
    email = String()
    full_name = String()
    active = Boolean()
    grants = List(Nested(GrantOut))


class OrganismIn(Schema):
    code = String(required=True)
    kind = String(required=True)
    name_fr = String(required=True)
    name_ar = String(required=True)
    binding = Boolean(load_default=False)


class Done(Schema):
    ok = Boolean()


def grant_input(body: dict[str, Any], commune: str | None = None) -> grants.GrantInput:
    return grants.GrantInput(body["role"], body.get("commune") or commune, body.get("organism"),
                             checks.day(body.get("valid_from")), checks.day(body.get("valid_until")),
                             body.get("delegated_by"))


@bp.get("/admin/communes")
@bp.auth_required(token_auth)
@bp.output(CommuneOut(many=True))
@bp.doc(summary="The communes the administrator sees", responses=ADMIN_ERRORS)
def admin_communes() -> Any:
    return communes.visible(db.session(), admin())


@bp.post("/admin/communes")
@reads_only
@bp.auth_required(token_auth)
@bp.input(CommuneIn, arg_name="body")
@bp.output(CommuneOut, status_code=201)
@bp.doc(summary="Create a commune (national administrator)", responses=ADMIN_ERRORS)
def admin_commune_create(body: dict[str, Any]) -> Any:
    code = run(communes.create, admin(), CommuneInput(**body), utcnow())
    return communes.get(db.session(), admin(), code)


@bp.patch("/admin/communes/<code>")
@reads_only
@bp.auth_required(token_auth)
@bp.input(CommuneIn(partial=("code",)), arg_name="body")
@bp.output(CommuneOut)
@bp.doc(summary="Update a commune", responses=ADMIN_ERRORS)
def admin_commune_update(code: str, body: dict[str, Any]) -> Any:
    run(communes.update, admin(), code, CommuneInput(**{**body, "code": code}), utcnow())
    return communes.get(db.session(), admin(), code)


@bp.get("/admin/communes/<code>/people")
@bp.auth_required(token_auth)
@bp.output(PersonOut(many=True))
@bp.doc(summary="Who holds what in a commune", responses=ADMIN_ERRORS)
def admin_people(code: str) -> Any:
    return people.holders(db.session(), admin(), code)


@bp.post("/admin/communes/<code>/people")
@reads_only
@bp.auth_required(token_auth)
@bp.input(PersonIn, arg_name="body")
@bp.output(PersonOut, status_code=201)
@bp.doc(summary="Invite a person with a role in the commune (an e-mail with a one-time link)",
        responses=ADMIN_ERRORS)
def admin_invite(code: str, body: dict[str, Any]) -> Any:
    admin().check(code)
    data = people.PersonInput(body["email"], body["full_name"], body["locale"], [grant_input(body, code)])
    user_id = run(people.create, admin(), ports(), data, utcnow()).id
    return people.manageable(db.session(), admin(), user_id)


@bp.post("/admin/people/<user_id>/<any(deactivate, activate, reset):action>")
@reads_only
@bp.auth_required(token_auth)
@bp.output(Done)
@bp.doc(summary="Deactivate, reactivate or reset a person (a reset sends a new one-time link)",
        responses=ADMIN_ERRORS)
def admin_person_action(user_id: str, action: str) -> Any:
    if action == "reset":
        run(people.reset, admin(), ports(), user_id[:36], utcnow())
    else:
        run(people.set_active, admin(), ports(), user_id[:36], action == "activate", utcnow())
    return {"ok": True}


@bp.post("/admin/people/<user_id>/grants")
@reads_only
@bp.auth_required(token_auth)
@bp.input(GrantIn, arg_name="body")
@bp.output(Done, status_code=201)
@bp.doc(summary="Give a person a role (interim president: dates and the titular required)", responses=ADMIN_ERRORS)
def admin_grant_add(user_id: str, body: dict[str, Any]) -> Any:
    run(people.give_role, admin(), user_id[:36], grant_input(body), utcnow())
    return {"ok": True}


@bp.delete("/admin/grants/<int:grant_id>")
@reads_only
@bp.auth_required(token_auth)
@bp.output(Done)
@bp.doc(summary="Take a role back", responses=ADMIN_ERRORS)
def admin_grant_remove(grant_id: int) -> Any:
    run(grants.remove, admin(), grant_id, utcnow())
    return {"ok": True}


@bp.get("/admin/organisms")
@bp.auth_required(token_auth)
@bp.output(OrganismIn(many=True))
@bp.doc(summary="The organisms seated on commissions", responses=ADMIN_ERRORS)
def admin_organisms() -> Any:
    admin()
    return organisms.listed(db.session())


@bp.post("/admin/organisms")
@reads_only
@bp.auth_required(token_auth)
@bp.input(OrganismIn, arg_name="body")
@bp.output(Done, status_code=201)
@bp.doc(summary="Create an organism (national administrator)", responses=ADMIN_ERRORS)
def admin_organism_create(body: dict[str, Any]) -> Any:
    run(organisms.save, admin(), organisms.OrganismInput(**body), utcnow(), new=True)
    return {"ok": True}
