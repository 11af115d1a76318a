"""Shared plan annotations: strictly validated vectors in PDF page coordinates, attributed
and timestamped, tied to a document version, undone (soft-deleted) by their author only."""
from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Conflict, Forbidden, NotFound

from ..common import DomainError
from ..models import User
from . import access
from .models import Annotation

KINDS = ("pen", "rect", "arrow", "text", "highlight")
MAX_COORD = 100_000.0  # points: a plan page is at most a few thousand
MAX_POINTS = 5000
MAX_TEXT = 500
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_STYLE = {"color": "#e53935", "width": 2.0}


class InvalidAnnotation(DomainError):
    """A malformed annotation; nothing was stored."""


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or abs(value) > MAX_COORD:
        raise InvalidAnnotation(f"{name} must be a finite number of points (|{name}| <= {MAX_COORD:g})")
    return float(value)


def _keys(geometry: dict[str, Any], names: tuple[str, ...]) -> None:
    if set(geometry) != set(names):
        raise InvalidAnnotation(f"geometry must have exactly the keys {', '.join(names)}")


def geometry_of(kind: str, geometry: Any) -> dict[str, Any]:
    """The geometry normalised (floats, positive sizes), or InvalidAnnotation."""
    if not isinstance(geometry, dict):
        raise InvalidAnnotation("geometry must be an object")
    if kind == "pen":
        _keys(geometry, ("points",))
        points = geometry["points"]
        if not isinstance(points, list) or not 1 <= len(points) <= MAX_POINTS:
            raise InvalidAnnotation(f"points must be a list of 1 to {MAX_POINTS} [x, y] pairs")
        out = []
        for point in points:
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise InvalidAnnotation("each point must be an [x, y] pair")
            out.append([_number(point[0], "x"), _number(point[1], "y")])
        return {"points": out}
    if kind in ("rect", "highlight"):
        _keys(geometry, ("x", "y", "w", "h"))
        x, y, w, h = (_number(geometry[k], k) for k in ("x", "y", "w", "h"))
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        return {"x": x, "y": y, "w": w, "h": h}
    if kind == "arrow":
        _keys(geometry, ("x1", "y1", "x2", "y2"))
        return {k: _number(geometry[k], k) for k in ("x1", "y1", "x2", "y2")}
    if kind == "text":
        _keys(geometry, ("x", "y", "text"))
        text = geometry["text"]
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT or "\x00" in text:
            raise InvalidAnnotation(f"text must be 1 to {MAX_TEXT} characters")
        return {"x": _number(geometry["x"], "x"), "y": _number(geometry["y"], "y"), "text": text.strip()}
    raise InvalidAnnotation(f"kind must be one of {', '.join(KINDS)}")


def style_of(style: Any) -> dict[str, Any]:
    if style is None:
        return dict(DEFAULT_STYLE)
    if not isinstance(style, dict) or not set(style) <= {"color", "width"}:
        raise InvalidAnnotation("style must be an object with color and width")
    color = style.get("color", DEFAULT_STYLE["color"])
    if not isinstance(color, str) or not COLOR.match(color):
        raise InvalidAnnotation("style.color must be #rrggbb")
    width = _number(style.get("width", DEFAULT_STYLE["width"]), "width")
    if not 0.1 <= width <= 50:
        raise InvalidAnnotation("style.width must be between 0.1 and 50 points")
    return {"color": color.lower(), "width": width}


def _page(value: Any, pages: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= (pages or 0):
        raise InvalidAnnotation(f"page must be a page number from 1 to {pages or 0}")
    return value


def _open(seat: access.Seat) -> None:
    if seat.session.status != "scheduled":
        raise Conflict("this session is closed: its plans are no longer annotated", code="session.closed")


def add(session: Session, seat: access.Seat, payload: Any, now: datetime) -> Annotation:
    """Store one annotation drawn by the seat's user (payload as the socket event carries it)."""
    _open(seat)
    if not isinstance(payload, dict):
        raise InvalidAnnotation("the annotation must be an object")
    unknown = set(payload) - {"version_id", "page", "kind", "geometry", "style"}
    if unknown:
        raise InvalidAnnotation(f"unexpected keys: {', '.join(sorted(unknown))}")
    kind = payload.get("kind")
    if kind not in KINDS:
        raise InvalidAnnotation(f"kind must be one of {', '.join(KINDS)}")
    doc = access.document(session, seat, payload.get("version_id"))  # type: ignore[arg-type]
    row = Annotation(session_id=seat.session.id, version_id=doc.id, page=_page(payload.get("page"), doc.pages),
                     kind=kind, geometry=geometry_of(kind, payload.get("geometry")),
                     style=style_of(payload.get("style")), author_id=seat.user_id, created_at=now)
    session.add(row)
    session.flush()
    return row


def undo(session: Session, seat: access.Seat, annotation_id: Any, now: datetime) -> Annotation:
    """Soft-delete one of the seat user's own annotations in this session."""
    _open(seat)
    if isinstance(annotation_id, bool) or not isinstance(annotation_id, int):
        raise InvalidAnnotation("annotation_id must be an integer")
    row = session.get(Annotation, annotation_id) if 0 < annotation_id <= 2**31 - 1 else None
    if row is None or row.session_id != seat.session.id or row.deleted_at is not None:
        raise NotFound(f"no annotation {annotation_id} in this session")
    if row.author_id != seat.user_id:
        raise Forbidden("you may only undo your own annotations", code="annotation.own")
    row.deleted_at = now
    return row


def live(session: Session, session_id: int, version_id: int) -> list[Annotation]:
    """The annotations still standing on a document version in a session, oldest first."""
    return list(session.scalars(select(Annotation).where(
        Annotation.session_id == session_id, Annotation.version_id == version_id,
        Annotation.deleted_at.is_(None)).order_by(Annotation.created_at, Annotation.id)))


def as_json(session: Session, row: Annotation) -> dict[str, Any]:
    author = session.get(User, row.author_id)
    return {"id": row.id, "version_id": row.version_id, "page": row.page, "kind": row.kind,
            "geometry": row.geometry, "style": row.style,
            "author": {"id": row.author_id, "name": author.full_name if author else row.author_id},
            "created_at": row.created_at.isoformat()}
