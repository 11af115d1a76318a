"""The one explicit registry of handlers that BPMN service tasks name.

Each handler is a plain function ``(call, ports) -> dict``; the composition root hands in
the ports. A diagram naming an operator missing here does not validate.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Any

from engine import HandlerRegistry, HandlerSpec, ServiceCall

from . import commission, decision, fees, filing, notify, status
from .ports import Ports

HandlerFn = Callable[[ServiceCall, Ports], dict[str, Any]]

# operator → (function, runs asynchronously?)
HANDLERS: dict[str, tuple[HandlerFn, bool]] = {
    "filing.checklist": (filing.checklist, False),
    "filing.receipt": (filing.receipt, False),
    "dossier.status": (status.set_public_status, False),
    "dossier.close": (status.close, False),
    "decision.tacit": (status.tacit_approval, False),
    "commission.resolve": (commission.resolve, False),
    "commission.convene": (commission.convene, False),
    "opinions.compile": (commission.compile_opinions, False),
    "fees.record": (fees.record, False),
    "fees.mark_paid": (fees.mark_paid, False),
    "decision.record": (decision.record, False),
    "decision.render": (decision.render, False),
    "decision.sign": (decision.sign, True),
    "notify.send": (notify.send, False),
}


def build_registry(ports: Ports) -> HandlerRegistry:
    """The registry handed to the engine by the composition root, bound to ``ports``."""
    specs = {}
    for name, (func, is_async) in HANDLERS.items():
        bound = update_wrapper(partial(func, ports=ports), func)  # type: ignore[call-arg]
        specs[name] = HandlerSpec(bound, is_async, (func.__doc__ or "").strip())
    return HandlerRegistry.of(specs)
