"""RFC 3161 time stamps of arbitrary data (the audit checkpoints), from the configured TSA."""
from __future__ import annotations

import asyncio
import hashlib


def stamp(data: bytes, url: str, timeout: float = 10.0) -> bytes:
    """The DER time-stamp token the TSA at ``url`` gives for the sha256 of ``data``."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    stamper = HTTPTimeStamper(url, timeout=int(timeout))
    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(data).digest(), "sha256"))
    return bytes(token.dump())
