"""The cockpit: each diagram overlaid with what waits where, for how long, and what failed;
an element's dossiers; one dossier's path, tasks, audit trail and incidents (with retry)."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import definitions, jobs, observe, versions
from engine.clock import utcnow
from engine.models import OutboxMessage, ProcessDefinition
from handlers import cockpit as queries

from ..bootstrap import get_engine
from ..extensions import db
from . import analyst_only, bp


def _definition(key: str, version: int | None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.process_key == key)
    query = query.where(ProcessDefinition.version == version) if version else query.order_by(
        ProcessDefinition.version.desc()).limit(1)
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    return row


def _sources(definition: ProcessDefinition) -> dict[str, str]:
    """The definition's files with those of the processes it calls (as a call would run them now)."""
    return versions.bundle_of(definition, {}, definitions.called_rows(db.session(), definition)).files


def _diagram(definition: ProcessDefinition, wanted: str | None, prefer: str | None = None) -> tuple[str, list[str]]:
    """The BPMN file to show (asked for, else the one defining ``prefer``, else the
    process's own) and every BPMN file of the definition and of the processes it calls."""
    files = sorted(name for name in _sources(definition) if name.endswith(".bpmn"))
    if not files:
        abort(404)
    if wanted in files:
        return str(wanted), files
    loaded = definitions.with_calls(db.session(), definition)
    if prefer:
        for spec in loaded.subprocess_specs.values():
            if prefer in spec.task_specs and spec.file in files:
                return str(spec.file), files
    own = getattr(loaded.spec, "file", None)
    return (own if own in files else files[0]), files


def element_names(definition: ProcessDefinition) -> dict[str, str]:
    """BPMN element id → its name, over the process and the processes it calls."""
    loaded = definitions.with_calls(db.session(), definition)
    names: dict[str, str] = {}
    for spec in [loaded.spec, *loaded.subprocess_specs.values()]:
        for ts in spec.task_specs.values():
            if ts.bpmn_id:
                names[ts.bpmn_id] = ts.bpmn_name or ts.bpmn_id
    return names


@bp.get("/cockpit")
@login_required
def cockpit_index() -> Any:
    analyst_only()
    session = db.session()
    processes = [(row, observe.versions(session, row.process_key)) for row in definitions.latest_versions(session)]
    return render_template("studio/cockpit_index.html", processes=processes)


@bp.get("/cockpit/<key>")
@login_required
def cockpit(key: str) -> Any:
    """One version's diagram (``?version=``, default the newest) with per-element figures;
    ``?element=`` lists the dossiers waiting there."""
    analyst_only()
    session = db.session()
    definition = _definition(key, request.args.get("version", type=int))
    loaded = definitions.with_calls(session, definition)
    stats = observe.with_rollup(observe.element_stats(session, definition.id, utcnow()),
                                loaded.spec, loaded.subprocess_specs)
    element = (request.args.get("element") or "").strip()[:255] or None
    shown, files = _diagram(definition, request.args.get("file"))
    waiting: list[Any] = []
    if element:
        members = observe.call_activity_members(loaded.spec, loaded.subprocess_specs).get(element, set())
        waiting = queries.waiting_dossiers(session, definition.id, {element} | members)
    names = element_names(definition)
    data = {"xml": _sources(definition)[shown], "selected": element, "process": definition.process_key,
            "stats": {k: {"waiting": s.waiting, "overdue": s.overdue, "median": s.median_dwell,
                          "incidents": s.incidents} for k, s in stats.items()},
            "link": url_for("studio.cockpit", key=key, version=definition.version, file=shown)}
    return render_template("studio/cockpit.html", definition=definition, versions=observe.versions(session, key),
                           files=files, shown=shown, data=data, table=queries.stats_table(stats, names),
                           element=element, element_name=names.get(element or "", element), waiting=waiting,
                           now_utc=utcnow())


@bp.get("/cockpit/instances/<int:instance_id>")
@login_required
def cockpit_instance(instance_id: int) -> Any:
    """One dossier: the path it took, where it waits, its audit trail and its incidents."""
    analyst_only()
    session = db.session()
    path = observe.instance_path(session, instance_id) if 0 < instance_id < 2**31 else None
    if path is None:
        abort(404)
    current = [t.bpmn_id for t in path.current]
    shown, files = _diagram(path.definition, request.args.get("file"), current[0] if current else None)
    failed = [e for e in path.incident_elements.values() if e]
    data = {"xml": _sources(path.definition)[shown], "completed": path.completed, "current": current,
            "process": path.definition.process_key,
            "failed": failed, "link": None}
    return render_template("studio/cockpit_instance.html", path=path, files=files, shown=shown, data=data,
                           dossier=queries.dossier_of_instance(session, instance_id),
                           names=element_names(path.definition),
                           people=queries.people(session, [e.actor for e in path.audit]
                                                 + [t.claimed_by for t in path.current]))


@bp.post("/cockpit/jobs/<int:job_id>/retry")
@login_required
def cockpit_retry(job_id: int) -> Any:
    """Retry a failed job from the dossier's page (an incident of a broken step cannot be
    retried: the procedure must be fixed first, the page says so)."""
    analyst_only()
    if not 0 < job_id < 2**31:
        abort(404)
    instance_id = db.session.scalar(select(OutboxMessage.instance_id).where(OutboxMessage.id == job_id))
    db.session.rollback()  # the retry runs in the engine's own transaction
    jobs.retry(get_engine(current_app), job_id)  # 409 when the job is missing or not failed
    flash(_("La tâche de fond %(id)s est relancée.", id=job_id), "success")
    if instance_id is None:
        return redirect(url_for("studio.cockpit_index"))
    return redirect(url_for("studio.cockpit_instance", instance_id=instance_id))
