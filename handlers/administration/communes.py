"""Communes: created by the national administrator; a commune's administrator may edit its own."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Commune
from ..ports import Ports
from . import audit, checks
from .errors import AdminProblem
from .scope import Admin

GUICHETS = ("unique", "provincial")  # its own guichet unique, or the province's committee


@dataclass(frozen=True)
class CommuneInput:
    code: str
    name_fr: str
    name_ar: str
    region: str | None = None
    province: str | None = None
    timezone: str = "Africa/Casablanca"
    guichet: str = "unique"


def _checked(data: CommuneInput) -> dict[str, Any]:
    zone = (data.timezone or "").strip() or "Africa/Casablanca"
    if zone not in available_timezones():
        raise AdminProblem("bad_value", field="timezone", value=zone[:40])
    return {"name_fr": checks.text(data.name_fr, "name_fr"), "name_ar": checks.text(data.name_ar, "name_ar"),
            "region": checks.text(data.region, "region", required=False, limit=120),
            "province": checks.text(data.province, "province", required=False, limit=120),
            "timezone": zone, "guichet": checks.choice(data.guichet or "unique", GUICHETS, "guichet")}


def _values(c: Commune) -> dict[str, Any]:
    return {"code": c.code, "name_fr": c.name_fr, "name_ar": c.name_ar, "region": c.region,
            "province": c.province, "timezone": c.timezone, "guichet": c.guichet, "logo_sha256": c.logo_sha256}


def create(session: Session, admin: Admin, data: CommuneInput, now: datetime) -> str:
    admin.national_only()
    code = checks.code(data.code)
    values = _checked(data)
    if session.get(Commune, code) is not None:
        raise AdminProblem("commune_exists", code=code)
    commune = Commune(code=code, **values)
    session.add(commune)
    session.flush()
    audit.record(session, admin, "commune.created", code, code, now, after=_values(commune))
    return code


def update(session: Session, admin: Admin, code: str, data: CommuneInput, now: datetime) -> str:
    commune = get(session, admin, code)
    before = _values(commune)
    for key, value in _checked(data).items():
        setattr(commune, key, value)
    session.flush()
    audit.record(session, admin, "commune.updated", code, code, now, before=before, after=_values(commune))
    return code


MAX_LOGO = 512 * 1024


def set_logo(session: Session, admin: Admin, ports: Ports, code: str, content: bytes, now: datetime) -> None:
    """The commune's letterhead logo (PNG or JPEG, 512 KB at most), printed on its receipts
    and decisions; kept in the file store."""
    commune = get(session, admin, code)
    if not content or len(content) > MAX_LOGO or not content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise AdminProblem("bad_logo")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - whatever Pillow refuses is no logo
        raise AdminProblem("bad_logo") from None
    before = _values(commune)
    commune.logo_sha256 = ports.files.put(content)
    audit.record(session, admin, "commune.logo", code, code, now, before=before, after=_values(commune))


def get(session: Session, admin: Admin, code: str) -> Commune:
    admin.check(code)
    commune = session.get(Commune, code)
    if commune is None:
        raise AdminProblem("unknown_commune", code=code[:50])
    return commune


def visible(session: Session, admin: Admin) -> list[Commune]:
    query = select(Commune).order_by(Commune.code)
    if not admin.national:
        query = query.where(Commune.code.in_(sorted(admin.communes)))
    return list(session.scalars(query))
