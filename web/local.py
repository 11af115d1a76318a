"""What the processes serving one database on this machine share: a directory reachable by
this account only, named after the database (``guichet serve``'s workers, or several
``guichet serve`` on one database). It holds their visio room sockets
(``web.commission.relay``) and the ticker's lock (``web.ticker``)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def shared_dir(database_url: str) -> Path:
    """The directory of the processes serving ``database_url`` here (the URL is hashed: its
    password, if any, is written nowhere). Created when first used (:func:`opened`)."""
    key = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"guichet-{os.getuid()}-{key}"


def opened(path: Path) -> Path:
    """``path``, created if need be, owned by this account and closed to others (its
    sockets accept room events: no other account may connect to them)."""
    path.mkdir(mode=0o700, exist_ok=True)
    found = path.stat()
    if found.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another account")
    if found.st_mode & 0o077:
        path.chmod(0o700)
    return path
