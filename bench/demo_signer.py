"""The installation's signer for benches that drive the shipped procedures to their end (the
commission's minutes and the decision are sealed): a DEMO PKI made in a throw-away folder,
its key loaded once, as a worker loads it."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any


def demo_signer(directory: Path) -> Callable[[], Any]:
    from signing.demo_pki import create
    from signing.sign import Signer
    passphrase = secrets.token_urlsafe(12)
    pki = create(directory, passphrase)
    made: list[Any] = []

    def get() -> Any:
        if not made:
            made.append(Signer.from_pkcs12(pki.president_pkcs12, passphrase))
        return made[0]
    return get
