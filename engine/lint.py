"""Our rules on top of BPMN validity: what the engine needs to run a diagram safely."""
from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from jsonschema import exceptions as js_exceptions
from jsonschema.validators import validator_for
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.specs.defaults import ServiceTask, UserTask

from .errors import Problem
from .params import check_service_tasks

FORM_PROPERTY = "formJsonSchemaFilename"


def load_forms(forms: Mapping[str, bytes]) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Parse every form file; a broken one is reported here and left out of the result."""
    schemas: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name, content in sorted(forms.items()):
        try:
            schema = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(name, f"le formulaire n'est pas du JSON valide : {exc}", None,
                                    getattr(exc, "lineno", None)))
            continue
        if not isinstance(schema, dict):
            problems.append(Problem(name, "le formulaire doit être un objet JSON (un JSON Schema)"))
            continue
        try:
            validator_for(schema).check_schema(schema)
        except js_exceptions.SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "(root)"
            problems.append(Problem(name, f"le formulaire n'est pas un JSON Schema valide en {where} : {exc.message}"))
            continue
        schemas[name] = schema
    return schemas, problems


def load_ui(hints: Mapping[str, bytes]) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Parse the forms' UI hints (``name.ui.json``): each must be a JSON object."""
    loaded: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name, content in sorted(hints.items()):
        try:
            value = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(name, f"les indications d'affichage (UI) ne sont pas du JSON valide : {exc}", None, getattr(exc, "lineno", None)))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(name, "les indications d'affichage (UI) doivent être un objet JSON"))
            continue
        loaded[name] = value
    return loaded, problems


def is_iso_duration(value: str) -> bool:
    try:
        TimerEventDefinition.parse_iso_duration(value)
    except Exception:  # noqa: BLE001 - Spiff raises assorted errors on bad durations
        return False
    return value.startswith("P")


def _check_user_task(file: str, ts: Any, forms: Mapping[str, dict[str, Any]],
                     lane_roles: Mapping[str, str], used: dict[str, dict[str, Any]],
                     operators: Collection[str] = ()) -> list[Problem]:
    props = ts.extensions.get("properties", {})
    out = []
    form = props.get(FORM_PROPERTY)
    if not form:
        out.append(Problem(file, f"la tâche utilisateur n'a pas de formulaire : renseignez la propriété {FORM_PROPERTY}", ts.bpmn_id))
    elif form not in forms:
        out.append(Problem(file, f"le formulaire « {form} » est introuvable (ou invalide) dans forms/", ts.bpmn_id))
    else:
        used[form] = forms[form]
    if ts.lane is None and "assignee" not in props:
        out.append(Problem(file, "la tâche utilisateur n'est dans aucun couloir et ne nomme aucun responsable (assignee) : "
                                 "personne ne pourrait la faire",
                           ts.bpmn_id))
    elif ts.lane is not None and ts.lane not in lane_roles:
        known = ", ".join(sorted(set(lane_roles)))
        out.append(Problem(file, f"le couloir « {ts.lane} » n'est pas un rôle connu (rôles connus : {known})", ts.bpmn_id))
    if "status_fr" in props or "status_ar" in props:  # one source of truth: the catalog's labels
        out.append(Problem(file, "les libellés de statut sur une tâche ne sont pas lus : placez avant elle une "
                                 "tâche de service « dossier.status » avec le code d'un statut du catalogue "
                                 "(ses libellés fr/ar sont ceux que voit le pétitionnaire)", ts.bpmn_id))
    check = props.get("check")
    if check and check not in operators:
        out.append(Problem(file, f"la vérification « {check} » de la tâche n'est pas un gestionnaire enregistré",
                           ts.bpmn_id))
    # assignee and deadline expressions are compiled with the others (engine/exprcheck.py)
    return out


def check_specs(spec: Any, subs: Mapping[str, Any], forms: Mapping[str, dict[str, Any]],
                rules: Any) -> tuple[list[Problem], dict[str, dict[str, Any]]]:
    """Lint a process and what it calls; return the problems and the forms it uses."""
    problems: list[Problem] = []
    used: dict[str, dict[str, Any]] = {}
    for proc in [spec, *subs.values()]:
        for ts in proc.task_specs.values():
            if isinstance(ts, ServiceTask) and ts.operation_name not in rules.operators:
                known = ", ".join(sorted(rules.operators)) or "aucun"
                problems.append(Problem(proc.file, f"l'opérateur « {ts.operation_name} » de la tâche de "
                                                   f"service n'est pas un gestionnaire enregistré (connus : {known})",
                                        ts.bpmn_id))
            elif isinstance(ts, UserTask):
                problems += _check_user_task(proc.file, ts, forms, rules.lane_roles, used, rules.operators)
        problems += check_service_tasks(proc.file, proc.task_specs.values(),
                                        getattr(rules, "operator_params", {}))
    unique = list(dict.fromkeys(problems))
    return unique, dict(sorted(used.items()))
