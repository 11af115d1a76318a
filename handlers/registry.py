"""The one explicit registry of handlers that BPMN service tasks name.

Procedures (GUU, economic authorizations) add their handlers here as they land; a diagram
naming an operator that is not in this registry does not validate.
"""
from __future__ import annotations

from collections.abc import Mapping

from engine import HandlerRegistry, HandlerSpec

HANDLERS: Mapping[str, HandlerSpec] = {}


def build_registry() -> HandlerRegistry:
    """The registry handed to the engine by the composition root."""
    return HandlerRegistry.of(HANDLERS)
