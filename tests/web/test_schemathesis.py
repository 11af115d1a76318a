"""Property-based tests of the JSON API from its own OpenAPI document (schemathesis, in-process).

Schemathesis reads ``/api/v1/openapi.json`` from the WSGI app and, for every operation,
generates requests from the document (valid ones, and invalid ones on purpose), sends them as
the demo applicant, as the demo guichet agent and with no or a forged token, and checks each
answer: never a 5xx, a documented status code, the documented content type, a body that
matches the documented schema. The database holds a filed dossier with its task open, a draft
and, for the operations that read decisions, a signed dossier: path parameters hit real,
visible resources too, not only 404s. Besides the generated requests, a few edge cases the
generator seldom draws are always sent (NUL in strings, integers beyond 32 and 64 bits, a body
that is not JSON). Examples are bounded and derandomized (the same requests on every run);
each operation runs once per database backend.

Bugs the checks found and the app has not fixed yet are listed in KNOWN_BUGS, by operation
and check, with the reason: such an operation is reported as xfailed with the failing
requests (as curl commands), and still fails on any other check.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from tests.pdfs import tiny_pdf
from tests.web.conftest import Site

CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
MEMBERS = ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo")
PRESIDENT = "president@casablanca.demo"
MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FIELDS = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 120, "niveaux": 2}
CHECKLIST = ("demande", "certificat_propriete", "plan_situation", "plan_masse", "plans_architecte")

# Every operation of the document, by label; test_every_operation_is_covered keeps this list whole.
OPERATIONS = [
    "POST /api/v1/tokens",
    "DELETE /api/v1/tokens",
    "GET /api/v1/procedures",
    "GET /api/v1/verify/{code}",
    "GET /api/v1/dossiers",
    "POST /api/v1/dossiers",
    "GET /api/v1/dossiers/{dossier_id}",
    "PATCH /api/v1/dossiers/{dossier_id}",
    "POST /api/v1/dossiers/{dossier_id}/documents",
    "POST /api/v1/dossiers/{dossier_id}/submit",
    "GET /api/v1/dossiers/{dossier_id}/authorization.pdf",
    "GET /api/v1/dossiers/{dossier_id}/payment-order.pdf",
    "POST /api/v1/dossiers/{dossier_id}/payments",
    "GET /api/v1/dossiers/{dossier_id}/payments/{payment_id}/quittance",
    "GET /api/v1/payment-orders/{code}",
    "GET /api/v1/dossiers/{dossier_id}/receipt.pdf",
    "GET /api/v1/tasks",
    "GET /api/v1/tasks/{task_id}",
    "POST /api/v1/tasks/{task_id}/claim",
    "POST /api/v1/tasks/{task_id}/complete",
    "GET /api/v1/processes",
    "GET /api/v1/processes/{key}/versions",
    "GET /api/v1/processes/{key}/versions/{number}",
    "GET /api/v1/processes/{key}/versions/{number}/files/{name}",
    "POST /api/v1/processes/validate",
    "POST /api/v1/processes/{key}/deploy",
    "GET /api/v1/catalog",
    "GET /api/v1/catalog/versions",
    "POST /api/v1/catalog/validate",
    "POST /api/v1/catalog",
    "GET /api/v1/admin/communes",
    "POST /api/v1/admin/communes",
    "PATCH /api/v1/admin/communes/{code}",
    "GET /api/v1/admin/communes/{code}/people",
    "POST /api/v1/admin/communes/{code}/people",
    "POST /api/v1/admin/people/{user_id}/{action}",
    "POST /api/v1/admin/people/{user_id}/grants",
    "DELETE /api/v1/admin/grants/{grant_id}",
    "GET /api/v1/admin/organisms",
    "POST /api/v1/admin/organisms",
    "GET /api/v1/admin/communes/{code}/commissions",
    "POST /api/v1/admin/communes/{code}/commissions",
    "POST /api/v1/admin/commissions/{commission_id}/seats",
    "POST /api/v1/admin/seats/{member_id}/end",
    "POST /api/v1/admin/communes/{code}/import",
    "GET /api/v1/admin/audit",
    "GET /api/v1/admin/problems",
    "POST /api/v1/admin/problems/{task_id}/reassign",
    "GET /api/v1/commissions/{commission_id}/sessions",
    "POST /api/v1/commissions/{commission_id}/sessions",
    "GET /api/v1/commissions/{commission_id}/sessions/{session_id}",
    "POST /api/v1/commissions/{commission_id}/sessions/{session_id}/agenda",
    "DELETE /api/v1/commissions/{commission_id}/sessions/{session_id}/agenda/{dossier_id}",
    "POST /api/v1/commissions/{commission_id}/sessions/{session_id}/convocation",
    "POST /api/v1/commissions/{commission_id}/sessions/{session_id}/agenda/{dossier_id}/opinion",
    "POST /api/v1/commissions/{commission_id}/sessions/{session_id}/agenda/{dossier_id}/followup",
    "POST /api/v1/commissions/{commission_id}/sessions/{session_id}/close",
    "GET /api/v1/commissions/{commission_id}/sessions/{session_id}/minutes.pdf",
]
PUBLIC = {"POST /api/v1/tokens", "GET /api/v1/procedures", "GET /api/v1/verify/{code}",
          "GET /api/v1/payment-orders/{code}"}
WITH_BODY = {"POST /api/v1/tokens", "POST /api/v1/dossiers", "PATCH /api/v1/dossiers/{dossier_id}",
             "POST /api/v1/dossiers/{dossier_id}/documents", "POST /api/v1/tasks/{task_id}/complete",
             "POST /api/v1/processes/validate", "POST /api/v1/processes/{key}/deploy",
             "POST /api/v1/catalog/validate", "POST /api/v1/catalog",
             "POST /api/v1/admin/communes",
             "PATCH /api/v1/admin/communes/{code}",
             "POST /api/v1/admin/communes/{code}/people",
             "POST /api/v1/admin/people/{user_id}/grants",
             "POST /api/v1/admin/organisms",
             "POST /api/v1/admin/communes/{code}/commissions",
             "POST /api/v1/admin/commissions/{commission_id}/seats",
             "POST /api/v1/admin/seats/{member_id}/end",
             "POST /api/v1/admin/communes/{code}/import",
             "POST /api/v1/admin/problems/{task_id}/reassign",
             "POST /api/v1/dossiers/{dossier_id}/payments",
             *(label for label in OPERATIONS if label.startswith("POST /api/v1/commissions/")
               and not label.endswith("/convocation"))}

BY_DOSSIER_ID = {label for label in OPERATIONS if "{dossier_id}" in label}
# Operations that also get a dossier carried to its signed decision (and its verification code).
NEED_SIGNED = {"GET /api/v1/verify/{code}", "GET /api/v1/dossiers/{dossier_id}",
               "GET /api/v1/dossiers/{dossier_id}/authorization.pdf"}


@dataclass(frozen=True)
class Bug:
    """A known bug of the API: a short name, why a check fails, and on which database backends."""

    name: str
    reason: str
    backends: tuple[str, ...] = ("sqlite", "postgresql")


KNOWN_BUGS: dict[tuple[str, str], Bug] = {}  # none known: add (operation, check) → Bug when one shows


@dataclass
class Api:
    """The API under test: its schema, the callers' headers, and real resource ids."""

    site: Site
    schema: Any
    callers: dict[str, dict[str, str]]
    known: dict[str, list[Any]]

    def who(self, headers: Any) -> str:
        """Which caller sent a request with these headers."""
        sent = headers.get("Authorization")
        names = [name for name, h in self.callers.items() if h and h.get("Authorization") == sent]
        return names[0] if names else ("forged token" if sent else "no token")


def _call(site: Site, method: str, url: str, who: dict[str, str], status: int = 200, **kwargs: Any) -> Any:
    """One API request that must answer ``status``; its JSON."""
    response = site.app.test_client().open(url, method=method, headers=who, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.json


def file_dossier(site: Site, citizen: dict[str, str]) -> int:
    """A permis de construire filed by the demo applicant through the API: its id."""
    dossier = _call(site, "POST", "/api/v1/dossiers", citizen, 201,
                    json={"procedure": "permis_construire", "commune": "casablanca", "fields": FIELDS})
    for kind in CHECKLIST:
        _call(site, "POST", f"/api/v1/dossiers/{dossier['id']}/documents", citizen, 201,
              data={"kind": kind, "file": (io.BytesIO(tiny_pdf(kind)), f"{kind}.pdf")})
    _call(site, "POST", f"/api/v1/dossiers/{dossier['id']}/submit", citizen)
    return int(dossier["id"])


def complete_own_task(site: Site, email: str, number: str, data: dict[str, Any]) -> None:
    """``email`` completes their one open task on dossier ``number``."""
    who = site.token(email)
    [task] = [t for t in _call(site, "GET", "/api/v1/tasks", who)["items"] if t["dossier_number"] == number]
    _call(site, "POST", f"/api/v1/tasks/{task['id']}/complete", who, json={"data": data})


def sign_dossier(site: Site, citizen: dict[str, str]) -> tuple[int, str]:
    """A dossier carried through every office to its signed decision: (id, verification code)."""
    dossier_id = file_dossier(site, citizen)
    number = _call(site, "GET", f"/api/v1/dossiers/{dossier_id}", citizen)["number"]
    complete_own_task(site, AGENT, number, {"complete": True})
    for member in MEMBERS:
        complete_own_task(site, member, number, {"opinion": {"avis": "favorable"}})
    close_sessions_of(site, dossier_id)  # the decision waits for the minutes of the session that examined it
    _call(site, "POST", f"/api/v1/dossiers/{dossier_id}/payments", citizen, 201,
          data={"method": "provider", "provider": "regie"})
    complete_own_task(site, AGENT, number, {"payment_confirmed": True})
    complete_own_task(site, PRESIDENT, number, {"approve": True})
    detail = _call(site, "GET", f"/api/v1/dossiers/{dossier_id}", citizen)
    assert detail["status"]["code"] == "authorized" and detail["decision"]["signed"], detail
    return dossier_id, detail["decision"]["verification_code"]


def close_sessions_of(site: Site, dossier_id: int) -> None:
    """The guichet agent closes the scheduled session whose agenda holds the dossier."""
    from sqlalchemy import select

    from handlers.dossier_models import AgendaItem, CommissionSession
    from web.extensions import db
    with site.app.app_context():
        rows = db.session.execute(select(CommissionSession.commission_id, CommissionSession.id)
                                  .join(AgendaItem, AgendaItem.session_id == CommissionSession.id)
                                  .where(AgendaItem.dossier_id == dossier_id,
                                         CommissionSession.status == "scheduled")).all()
    for commission, session in rows:
        _call(site, "POST", f"/api/v1/commissions/{commission}/sessions/{session}/close", site.token(AGENT),
              json={"confirm": True, "before_date": True})


def load_schema(site: Site) -> Any:
    """The OpenAPI document as the app serves it, loaded by schemathesis over WSGI."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site.app)


@pytest.fixture
def api(site: Site) -> Api:
    """The site with a filed dossier (its recevabilité task open for the agent) and a draft."""
    citizen, agent = site.token(CITIZEN), site.token(AGENT)
    filed = file_dossier(site, citizen)
    draft = _call(site, "POST", "/api/v1/dossiers", citizen, 201,
                  json={"procedure": "permis_construire", "commune": "casablanca"})["id"]
    [task] = _call(site, "GET", "/api/v1/tasks", agent)["items"]
    commission, session = commission_session(site, agent, filed)
    return Api(site, load_schema(site), {"applicant": citizen, "agent": agent, "anonymous": {},
                                         "analyst": site.token("analyste@guichet.demo"),
                                         "admin": site.token("admin@guichet.demo")},
               {"dossier_id": [filed, draft], "task_id": [task["id"]], "code": ["0" * 16, "casablanca"],
                "key": ["guu_autorisation"], "number": [1], "name": ["guu.bpmn"], "payment_id": [1], "session_id": [session],
                **_with_commission(_admin_ids(site), commission)})


def _admin_ids(site: Site) -> dict[str, list[Any]]:
    """Real ids for the administration's operations: a person, a grant, a commission, a seat."""
    from sqlalchemy import select

    from handlers.models import CommissionMember, RoleGrant, User
    from web.extensions import db
    with site.app.app_context():
        user, grant = db.session.execute(select(User.id, RoleGrant.id).join(RoleGrant, RoleGrant.user_id == User.id)
                                         .where(User.email == "voirie@casablanca.demo")).one()
        seat = db.session.scalar(select(CommissionMember).where(CommissionMember.user_id == user))
        return {"user_id": [user], "grant_id": [grant], "commission_id": [seat.commission_id],
                "member_id": [seat.id], "action": ["reset", "deactivate", "activate"]}


def _with_commission(ids: dict[str, list[Any]], commission: int) -> dict[str, list[Any]]:
    """The sessions' commission beside the administration's one (a seat's)."""
    return {**ids, "commission_id": [*ids.get("commission_id", []), commission]}


def commission_session(site: Site, agent: dict[str, str], dossier_id: int) -> tuple[int, int]:
    """Casablanca's petits projets commission and a session the agent schedules with the dossier."""
    from datetime import timedelta

    from sqlalchemy import select

    from handlers.models import Commission
    from web.bootstrap import get_engine
    from web.extensions import db
    with site.app.app_context():
        commission = db.session.scalar(select(Commission.id).where(Commission.commune_code == "casablanca",
                                                                   Commission.kind == "petits_projets"))
        day = (get_engine(site.app).clock() + timedelta(days=1)).date().isoformat()
    made = _call(site, "POST", f"/api/v1/commissions/{commission}/sessions", agent, 201,
                 json={"date": day, "time": "10:00", "dossier_ids": [dossier_id]})
    return int(commission), int(made["id"])


def test_every_operation_is_covered(site: Site) -> None:
    """OPERATIONS names exactly the operations of the OpenAPI document."""
    labels = {result.ok().label for result in load_schema(site).get_all_operations()}
    assert labels == set(OPERATIONS)


def _cases(api: Api, label: str) -> st.SearchStrategy[Any]:
    """Generated cases for one operation: valid and invalid data, on random and on real ids."""
    operation = api.schema.find_operation_by_label(label)
    assert operation is not None, label
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(mode) for mode in modes]
    names = [p.name for p in operation.path_parameters]
    if names:
        real = st.fixed_dictionaries({name: st.sampled_from(api.known[name]) for name in names})
        strategies += [real.flatmap(lambda ids, mode=mode: operation.as_strategy(mode, path_parameters=ids))
                       for mode in modes]
    return st.one_of(strategies)


@dataclass(frozen=True)
class Finding:
    """One distinct failure of one check: what went wrong, and the request that shows it."""

    check: str
    status: int
    title: str
    message: str
    reproducer: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.status} {self.title}: {self.message}\n    {self.reproducer}"


NUL_TEXT = "a\x00b"  # valid for every string of the document; PostgreSQL refuses NUL in text
EDGE_INTEGERS = (2**31, 2**63)  # just beyond 32-bit and 64-bit integer columns


def _edge_value(schema: dict[str, Any], text: str, integer: int) -> Any:
    """A value valid for ``schema`` built from ``text`` and ``integer`` wherever the schema allows."""
    if "enum" in schema:
        return schema["enum"][0]
    kinds = schema.get("type", "string")
    kind = next(k for k in kinds if k != "null") if isinstance(kinds, list) else kinds
    if kind == "string":
        return b"%PDF-1.4 edge" if schema.get("format") == "binary" else text
    if kind == "integer":
        return integer if "minimum" not in schema and "maximum" not in schema else schema.get("minimum", 1)
    if kind == "object":
        properties, required = schema.get("properties", {}), set(schema.get("required", []))
        if properties:
            return {k: _edge_value(v, text, integer) for k, v in properties.items() if k in required}
        return {text: text} if schema.get("additionalProperties", True) is not False else {}
    return {"number": 1, "boolean": True, "array": []}.get(kind)


def edge_cases(api: Api, label: str) -> list[Any]:
    """Requests the generator seldom draws, all valid for the document: NUL in every string, and
    integers beyond 32 and 64 bits wherever an integer is unbounded (real ids elsewhere)."""
    operation = api.schema.find_operation_by_label(label)
    cases = []
    for text, integer in [(NUL_TEXT, 0), *(("x", big) for big in EDGE_INTEGERS)]:
        path = {}
        for p in operation.path_parameters:
            edge = _edge_value(p.definition.get("schema", {}), text, integer)
            path[p.name] = edge if edge not in ("x", 0) else api.known[p.name][0]
        query = {p.name: _edge_value(p.definition.get("schema", {}), text, integer) for p in operation.query}
        bodies = [(b.media_type, _edge_value(b.definition.get("schema", {}), text, integer))
                  for b in operation.body]
        for media_type, body in bodies or [(None, None)]:
            extra = {"body": body, "media_type": media_type} if media_type else {}
            cases.append(operation.Case(path_parameters=path, query=query, **extra))
    real = {p.name: api.known[p.name][0] for p in operation.path_parameters}
    cases += [operation.Case(path_parameters=real, body=b"{", media_type=b.media_type)  # not JSON at all
              for b in operation.body if b.media_type == "application/json"]
    return cases


def fuzz(api: Api, label: str) -> dict[str, list[Finding]]:
    """Send the edge cases and the generated requests of one operation, as every caller; the
    distinct failures of every check, by check."""
    found: dict[str, dict[tuple[int, str, str], Finding]] = {}

    def note(check: str, status: int, title: str, message: str, who: str, curl: str) -> None:
        message = " ".join(message.split())
        where = re.search(r"Schema at (\S+)", message)  # one finding per part of a schema
        finding = Finding(check, status, title, message[:240], f"({who}) {curl}")
        found.setdefault(check, {}).setdefault((status, title, where.group(1) if where else ""), finding)

    def exercise(case: Any, caller: str) -> None:
        headers = api.callers[caller]
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # noqa: BLE001 - schemathesis re-raises the app's crash: a 500 in production
            note("not_a_server_error", 500, type(exc).__name__, str(exc).splitlines()[0], caller,
                 case.as_curl_command(headers=headers))
            return
        sent = dict(response.request.headers)
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    note(check.__name__, response.status_code, failure.title, failure.message, api.who(sent),
                         case.as_curl_command(headers=sent))

    for case in edge_cases(api, label):
        for caller in sorted(api.callers):
            exercise(case, caller)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(case=_cases(api, label), caller=st.sampled_from(sorted(api.callers)))
    def run(case: Any, caller: str) -> None:
        exercise(case, caller)

    run()
    return {check: list(findings.values()) for check, findings in found.items()}


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_answers_as_documented(api: Api, label: str, backend: str) -> None:
    """No 5xx; documented status codes, content types and response bodies, for every caller."""
    if label in NEED_SIGNED:
        signed, code = sign_dossier(api.site, api.callers["applicant"])
        api.known["dossier_id"].insert(0, signed)  # the edge cases use the first known id
        api.known["code"].insert(0, code)
    failures = fuzz(api, label)
    known = {check: bug for (op, check), bug in KNOWN_BUGS.items() if op == label and backend in bug.backends}
    unexpected = [str(f) for check, findings in failures.items() if check not in known for f in findings]
    assert not unexpected, f"{label} on {backend}:\n" + "\n".join(unexpected)
    unseen = sorted(set(known) - set(failures))
    if unseen:
        warnings.warn(f"{label} on {backend}: {unseen} found nothing this run: if the bug is fixed, "
                      "take it out of KNOWN_BUGS", stacklevel=1)
    seen = sorted(set(known) & set(failures))
    if seen:  # the bugs by name (KNOWN_BUGS says why), and one failing request of each check
        names = ", ".join(sorted({known[check].name for check in seen}))
        examples = "".join(f"\n  {f.check} {f.status}: {f.reproducer[:200]}" for f in
                           (failures[check][0] for check in seen))
        pytest.xfail(f"known API bugs: {names}{examples}")
