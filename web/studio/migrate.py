"""Migration of running dossiers to a process's newest version: instances per version, a
dry run saying who can move and why the others cannot, then the move of those chosen."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import Conflict, NotFound, observe
from engine.migration import MigrationRefused, Reason, dry_run, migrate
from engine.models import ProcessDefinition

from ..bootstrap import get_engine
from ..extensions import db
from . import analyst_only, bp
from .cockpit import element_names

ATTRIBUTES = {  # what Spiff says changed on an element, in words
    "outputs": lambda: _("flux sortants"), "inputs": lambda: _("flux entrants"),
    "typename": lambda: _("type d'élément"), "cond_task_specs": lambda: _("conditions"),
    "default_task_spec": lambda: _("flux par défaut"),
}


def _attributes(detail: str) -> str:
    names = [a.strip() for a in detail.split(",") if a.strip()]
    return ", ".join(ATTRIBUTES[a]() if a in ATTRIBUTES else a for a in names)


REASONS = {
    "removed_active": lambda r, n: _("attend à « %(el)s », que la nouvelle version supprime", el=n),
    "removed_done": lambda r, n: _("est passé par « %(el)s », que la nouvelle version supprime", el=n),
    "changed_done": lambda r, n: _("est passé par « %(el)s », que la nouvelle version relie autrement (%(detail)s)",
                                   el=n, detail=_attributes(r.detail)),
    "changed_active": lambda r, n: _("est en cours dans « %(el)s », que la nouvelle version relie autrement", el=n),
    "process_removed": lambda r, n: _("se trouve dans le sous-processus « %(el)s », absent de la nouvelle version",
                                      el=n),
    "state_rejected": lambda r, n: _("son état ne se charge pas sur la nouvelle version (%(detail)s)", detail=r.detail),
}


def _versions(key: str) -> list[observe.VersionCount]:
    counts = observe.versions(db.session(), key)
    if not counts:
        abort(404)
    return counts


def _names_of(key: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for row in db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == key)
                                  .order_by(ProcessDefinition.version)):
        names.update(element_names(row))
    return names


def explain(reasons: list[Reason], names: dict[str, str]) -> list[str]:
    """The reasons, in the page's language."""
    return [REASONS[r.code](r, names.get(r.element or "", r.element or "?")) for r in reasons]


@bp.get("/migration/<key>")
@login_required
def migration(key: str) -> Any:
    analyst_only()
    return render_template("studio/migrate.html", key=key, versions=_versions(key), run=None, results=None)


@bp.post("/migration/<key>/dry-run")
@login_required
def migration_dry_run(key: str) -> Any:
    """Try every running dossier on an older version against the newest; nothing is written."""
    analyst_only()
    counts = _versions(key)
    run = dry_run(get_engine(current_app), key)
    names = _names_of(key)
    return render_template("studio/migrate.html", key=key, versions=counts, run=run, results=None,
                           explained={v.instance_id: explain(v.reasons, names) for v in run.verdicts}, names=names)


def _chosen() -> list[tuple[int, int]]:
    """``instance`` fields as (instance id, version the dry run saw); 400 on anything else."""
    chosen = []
    for raw in request.form.getlist("instance"):
        try:
            iid, version = (int(part) for part in raw.split(":", 1))
        except ValueError:
            abort(400, _("Choix de dossier illisible : %(value)s", value=raw[:40]))
        if not 0 < iid < 2**31:
            abort(400, _("Choix de dossier illisible : %(value)s", value=raw[:40]))
        chosen.append((iid, version))
    if not chosen:
        abort(400, _("Cochez au moins un dossier à migrer (lancez d'abord la simulation)."))
    return chosen


@bp.post("/migration/<key>")
@login_required
def migration_run(key: str) -> Any:
    """Move the chosen dossiers, each under its lock and re-checked; report each outcome."""
    user = analyst_only()
    _versions(key)
    chosen = _chosen()
    engine = get_engine(current_app)
    names = _names_of(key)
    db.session.rollback()  # each move runs in the engine's own transaction
    results = []
    for iid, version in chosen:
        try:
            migrate(engine, iid, user.actor, expected_version=version, process_key=key)
            results.append((iid, True, [_("migré vers la dernière version")]))
        except MigrationRefused as exc:
            results.append((iid, False, explain(exc.reasons, names)))
        except (Conflict, NotFound) as exc:
            results.append((iid, False, [str(exc)]))
    return render_template("studio/migrate.html", key=key, versions=_versions(key), run=None, results=results)
