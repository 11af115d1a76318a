"""Demo set-up: each demo commune gets its e-seal key, certified by the demo CA, its secret
written beside the keys (generated here, never in the repository)."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from engine import Engine

from ..demo import COMMUNES
from ..ports import Ports
from . import enrol
from .keystore import key_of


def seals(engine: Engine, ports: Ports, now: datetime) -> list[str]:
    """Create the missing seal keys (one transaction); returns the communes that got one."""
    store = ports.keystore
    if store is None or store.seal_secrets is None or store.demo_ca() is None:
        return []
    with engine.transaction() as session:
        return _seals(session, ports, now)


def _seals(session: Any, ports: Ports, now: datetime) -> list[str]:
    store = ports.keystore
    made = []
    for code, _fr, _ar in COMMUNES:
        if key_of(session, code, "seal", None, now) is not None:
            continue
        secret = secrets.token_urlsafe(18)
        key = enrol.request(session, store, commune_code=code, purpose="seal", user_id=None, secret=secret, now=now)
        enrol.issue_with_demo_ca(session, store, key.id, store.demo_ca)
        enrol.install(session, store, key.id, secret, now)
        store.seal_secrets.mkdir(parents=True, exist_ok=True)
        path = store.seal_secrets / f"{code}.secret"
        path.touch(mode=0o600)
        path.write_text(secret)
        made.append(code)
    return made
