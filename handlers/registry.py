"""The one explicit registry of handlers that BPMN service tasks name.

Each handler is a plain function ``(call, ports) -> dict``; the composition root hands in
the ports. A diagram naming an operator missing here does not validate. Each handler also
declares the JSON Schema of the parameters a service task gives it
(``spiffworkflow:parameter``): validation checks the diagrams against it and the Studio's
properties panel renders it as a form.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from engine import HandlerRegistry, HandlerSpec, ServiceCall

from . import commission, decision, fees, filing, notify, status
from .ports import Ports

HandlerFn = Callable[[ServiceCall, Ports], dict[str, Any]]


def _params(required: dict[str, dict[str, Any]] | None = None,
            optional: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """An object schema: these parameters (required first), no others."""
    return {"type": "object", "properties": {**(required or {}), **(optional or {})},
            "required": sorted(required or {}), "additionalProperties": False}


def _text(fr: str, ar: str, **more: Any) -> dict[str, Any]:
    """A string parameter; ``title``/``x-title-ar`` are its labels in the Studio."""
    return {"type": "string", "title": fr, "x-title-ar": ar, **more}


NONE = _params()
AUDIENCES = "applicant, members, guichet, task_holders"

# operator → (function, runs asynchronously?, JSON Schema of its parameters)
HANDLERS: dict[str, tuple[HandlerFn, bool, dict[str, Any]]] = {
    "filing.checklist": (filing.checklist, False, NONE),
    "filing.receipt": (filing.receipt, False, NONE),
    "dossier.status": (status.set_public_status, False, _params(
        {"code": _text("Code du statut public", "رمز الحالة العامة", description="un statut du catalogue")})),
    "dossier.close": (status.close, False, _params(optional={
        "reason": _text("Motif de la clôture", "سبب الإغلاق")})),
    "decision.tacit": (status.tacit_approval, False, NONE),
    "commission.resolve": (commission.resolve, False, _params(
        {"kind": _text("Type de commission", "نوع اللجنة")})),
    "commission.convene": (commission.convene, False, _params(optional={
        "delay_days": {"type": "integer", "minimum": 0, "default": 2, "title": "Délai minimal de la séance (jours)",
                       "x-title-ar": "الأجل الأدنى للجلسة (أيام)"}})),
    "opinions.compile": (commission.compile_opinions, False, NONE),
    "fees.record": (fees.record, False, _params({
        "base_field": _text("Champ du dossier servant d'assiette", "حقل الملف المعتمد كأساس"),
        "label": _text("Libellé de la taxe", "تسمية الرسم")})),
    "fees.mark_paid": (fees.mark_paid, False, NONE),
    "decision.record": (decision.record, False, NONE),
    "decision.render": (decision.render, False, NONE),
    "decision.sign": (decision.sign, True, NONE),
    "notify.send": (notify.send, False, _params(
        {"to": _text("Destinataires", "المرسل إليهم", description=f"séparés par des virgules : {AUDIENCES}",
                     pattern=r"^\s*(applicant|members|guichet|task_holders)(\s*,\s*(applicant|members|guichet|"
                             r"task_holders))*\s*$"),
         "template": _text("Modèle de message", "نموذج الرسالة")},
        {"channel": _text("Canal", "القناة", enum=["email", "sms"], default="email")})),
}


# names expressions may call that read the domain's data (processes/README.md lists them)
LOOKUPS = {"membre_organisme": commission.organism_member}


def build_registry(ports: Ports) -> HandlerRegistry:
    """The registry handed to the engine by the composition root, bound to ``ports``."""
    specs = {}
    for name, (func, is_async, params) in HANDLERS.items():
        bound = update_wrapper(partial(func, ports=ports), func)  # type: ignore[call-arg]
        specs[name] = HandlerSpec(bound, is_async, (func.__doc__ or "").strip(), params)
    registry = HandlerRegistry.of(specs)
    for name, lookup in LOOKUPS.items():
        registry.register_lookup(name, lookup)
    return registry
