"""The composition root: wires the engine to its ports (sessions, handlers, roles, jobs)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from engine import Engine
from engine.outbox import InProcessRunner
from handlers.files import FileStore
from handlers.ports import Ports
from handlers.registry import build_registry
from handlers.roles import lane_roles

from .extensions import db


def build_engine(app: Flask) -> Engine:
    # Tests may hand in their own registry, as a worker would register another function
    # under the same operator name; production always uses the domain's registry.
    registry = app.config.get("GUICHET_HANDLER_REGISTRY") or build_registry(build_ports(app))
    engine = Engine(lambda: db.session(), registry, lane_roles=lane_roles())
    mode = app.config["GUICHET_JOBS"]
    if mode == "inprocess":
        engine.dispatcher = InProcessRunner(engine.run_outbox_message)
    elif mode != "celery":
        raise ValueError(f"GUICHET_JOBS must be 'inprocess' or 'celery', not {mode!r}")
    return engine


def build_ports(app: Flask) -> Ports:
    return Ports(processes_dir=Path(app.config["GUICHET_PROCESSES_DIR"]),
                 files=FileStore(app.config["GUICHET_STORAGE_DIR"]),
                 verify_base_url=app.config["GUICHET_BASE_URL"])


def get_engine(app: Flask) -> Engine:
    return app.extensions["guichet.engine"]
