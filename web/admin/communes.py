"""Communes (the national administrator creates them), bulk import, the audit trail and
stranded tasks."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from handlers import administration
from handlers.administration import audit, commissions, communes, importing, people, problems
from handlers.administration.communes import GUICHETS, CommuneInput
from handlers.administration.errors import AdminProblem
from handlers.administration.grants import ASSIGNABLE
from handlers.models import Organism

from ..bootstrap import get_engine
from ..extensions import db, reads_only
from . import act, bp, lang, now, ports, who


def _commune_input(code: str) -> CommuneInput:
    form = request.form
    return CommuneInput(code, form.get("name_fr", ""), form.get("name_ar", ""), form.get("region"),
                        form.get("province"), form.get("timezone", ""), form.get("guichet", "unique"))


@bp.get("/")
@login_required
@reads_only
def index() -> Any:
    admin = who()
    session = db.session()
    return render_template("admin/index.html", admin=admin, communes=communes.visible(session, admin),
                           stranded=len(problems.stranded(session, admin, now().date())), guichets=GUICHETS)


@bp.post("/communes")
@login_required
def commune_create() -> Any:
    admin = who()
    code = (request.form.get("code") or "").strip().lower()
    return act(communes.create, admin, _commune_input(code), now(), done=_("Commune créée."),
               back=url_for("admin.commune", code=code) if code else url_for("admin.index"))


@bp.get("/communes/<code>")
@login_required
@reads_only
def commune(code: str) -> Any:
    admin = who()
    session = db.session()
    row = communes.get(session, admin, code)
    organisms = list(session.query(Organism).order_by(Organism.code))
    return render_template("admin/commune.html", admin=admin, commune=row, guichets=GUICHETS,
                           holders=people.holders(session, admin, code), roles=ASSIGNABLE, organisms=organisms,
                           commissions=commissions.of_commune(session, admin, code), today=now().date())


@bp.post("/communes/<code>")
@login_required
def commune_update(code: str) -> Any:
    admin = who()
    return act(communes.update, admin, code, _commune_input(code), now(), done=_("Commune enregistrée."),
               back=url_for("admin.commune", code=code))


@bp.post("/communes/<code>/logo")
@login_required
def commune_logo(code: str) -> Any:
    """The commune's letterhead logo (PNG or JPEG), printed on its receipts and decisions."""
    admin = who()
    upload = request.files.get("logo")
    content = upload.read(communes.MAX_LOGO + 1) if upload else b""
    return act(communes.set_logo, admin, ports(), code[:50], content, now(), done=_("Logo enregistré."),
               back=url_for("admin.commune", code=code[:50]))


@bp.route("/communes/<code>/import", methods=["GET", "POST"])
@login_required
def import_csv(code: str) -> Any:
    """A CSV of people and memberships: "Vérifier" lists every problem by line and writes
    nothing; "Importer" writes everything, or nothing when a line has a problem."""
    admin = who()
    communes.get(db.session(), admin, code)
    if request.method == "GET":
        return render_template("admin/import.html", code=code, report=None, columns=importing.COLUMNS,
                               optional=importing.OPTIONAL)
    upload = request.files.get("file")
    content = upload.read(2_000_001) if upload else b""
    dry_run = request.form.get("action") != "import"
    db.session.rollback()  # the import runs in the engine's own transaction
    status = 200
    try:
        if len(content) > 2_000_000:
            raise AdminProblem("csv_too_big", limit=importing.MAX_LINES)
        report = administration.run(get_engine(current_app), importing.run, admin, ports(), content, now(),
                                    dry_run=dry_run)
    except AdminProblem as problem:
        report, status = importing.ImportReport(problems=[(1, problem)]), 422
    if report.problems:
        status = 422
    return render_template("admin/import.html", code=code, report=report, dry_run=dry_run, lang=lang(),
                           columns=importing.COLUMNS, optional=importing.OPTIONAL), status


@bp.get("/audit")
@login_required
@reads_only
def audit_trail() -> Any:
    admin = who()
    commune_code = (request.args.get("commune") or "").strip()[:50] or None
    return render_template("admin/audit.html", events=audit.events(db.session(), admin, commune=commune_code))


@bp.get("/problems")
@login_required
@reads_only
def stranded() -> Any:
    """Tasks waiting on someone deactivated or no longer seated, with who may take them over."""
    admin = who()
    session = db.session()
    today = now().date()
    rows = problems.stranded(session, admin, today)
    return render_template("admin/problems.html", rows=rows,
                           candidates={r.task_id: problems.candidates(session, admin, r.task_id, today)
                                       for r in rows})


@bp.post("/problems/<task_id>/reassign")
@login_required
def reassign(task_id: str) -> Any:
    admin = who()
    if len(task_id) > 36:
        abort(404)
    return act(problems.reassign, admin, ports(), task_id, (request.form.get("user") or "")[:36], now(),
               done=_("La tâche est confiée à la personne choisie."), back=url_for("admin.stranded"))
