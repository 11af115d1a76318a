"""The composition root: wires the engine to its ports (sessions, handlers, roles, jobs)."""
from __future__ import annotations

from flask import Flask

from engine import Engine
from engine.outbox import InProcessRunner
from handlers.registry import build_registry
from handlers.roles import lane_roles

from .extensions import db


def build_engine(app: Flask) -> Engine:
    # Tests may hand in their own registry, as a worker would register another function
    # under the same operator name; production always uses the domain's registry.
    registry = app.config.get("GUICHET_HANDLER_REGISTRY") or build_registry()
    engine = Engine(lambda: db.session(), registry, lane_roles=lane_roles())
    mode = app.config["GUICHET_JOBS"]
    if mode == "inprocess":
        engine.dispatcher = InProcessRunner(engine.run_outbox_message)
    elif mode != "celery":
        raise ValueError(f"GUICHET_JOBS must be 'inprocess' or 'celery', not {mode!r}")
    return engine


def get_engine(app: Flask) -> Engine:
    return app.extensions["guichet.engine"]
