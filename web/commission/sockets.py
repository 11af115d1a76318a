"""The room's Socket.IO namespace ``/commission`` (contract: docs/realtime.md).

Every event is authorized again from the socket's open attendance row, so a socket that
never joined (or joined a room it may no longer enter) can do nothing. Broadcasts go to
the room of the session, sender included: clients de-duplicate by id. State lives in the
database (presence = open attendance rows), so several web nodes sharing a message queue
serve one room."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import Namespace, SocketIO, join_room, leave_room
from socketio import PubSubManager
from sqlalchemy.exc import SQLAlchemyError

from engine import EngineError
from handlers.common import DomainError
from handlers.visio import access, room
from handlers.visio import strokes as notes
from handlers.visio.models import Attendance

from ..bootstrap import get_engine
from ..config import in_memory_sqlite
from ..errors import describe
from ..extensions import begin_write, db
from ..local import shared_dir
from .relay import LocalRelay

NAMESPACE = "/commission"
log = logging.getLogger(__name__)


def room_name(session_id: int) -> str:
    return f"session-{session_id}"


def _now() -> Any:
    return get_engine(current_app).clock()


def _failure(exc: Exception) -> dict[str, Any]:
    db.session().rollback()
    if isinstance(exc, SQLAlchemyError):
        log.warning("room event failed on the database: %s", exc)
        return {"ok": False, "error": _("La base de données est occupée : rien n'a été enregistré, réessayez.")}
    return {"ok": False, "error": describe(exc)[1]}


Handler = Callable[..., Any]


def writes(method: Handler) -> Handler:
    """An event that writes takes the write lock first (SQLite: ``BEGIN IMMEDIATE``, as
    ``Engine.transaction`` does): read-then-write in a deferred transaction would be refused
    at once when another write commits in between, and the event lost. A database failure
    is acknowledged, never silent."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        try:
            begin_write()
            return method(self, *args)
        except SQLAlchemyError as exc:
            return _failure(exc)
    return wrapper


class CommissionNamespace(Namespace):
    """One method per client event; each returns the acknowledgement."""

    def on_connect(self, auth: Any = None) -> bool:
        # the Flask-Login session cookie came with the handshake: anonymous sockets are refused
        return bool(current_user.is_authenticated)

    @writes
    def on_disconnect(self, reason: Any = None) -> None:
        row = room.leave(db.session(), request.sid, _now())  # type: ignore[attr-defined]
        db.session().commit()
        if row is not None:
            self._presence(row.session_id)

    def _seat(self) -> tuple[Attendance, access.Seat]:
        row = room.current(db.session(), request.sid)  # type: ignore[attr-defined]
        if row is None:
            if room.closed_for(db.session(), request.sid):  # type: ignore[attr-defined]
                raise DomainError("this session is closed", code="session.closed")
            raise DomainError("join a session first", code="session.join")
        return row, access.seat(db.session(), current_user.actor, row.session_id)

    def _presence(self, session_id: int) -> None:
        self.emit("presence", {"present": room.present(db.session(), session_id)}, room=room_name(session_id))

    @writes
    def on_join(self, payload: Any) -> dict[str, Any]:
        sid = request.sid  # type: ignore[attr-defined]
        session_id = payload.get("session_id") if isinstance(payload, dict) else None
        try:
            seat = access.seat(db.session(), current_user.actor, session_id)  # type: ignore[arg-type]
        except EngineError as exc:
            db.session().rollback()
            # the refusal is said twice, as docs/realtime.md has it: the ``refused`` event, then
            # the acknowledgement every event gets; the socket stays open (a server-side
            # disconnect here would drop that acknowledgement) and joins nothing: the client
            # closes it (the room page does on ``refused``)
            self.emit("refused", {"reason": describe(exc)[1]}, room=sid)
            return {"ok": False, "error": describe(exc)[1]}
        previous = room.current(db.session(), sid)
        row = room.join(db.session(), seat, sid, _now())
        db.session().commit()
        if previous is not None and previous.session_id != seat.session.id:
            leave_room(room_name(previous.session_id))
            self._presence(previous.session_id)
        join_room(room_name(seat.session.id))
        self._presence(seat.session.id)
        return {"ok": True, "present": room.present(db.session(), seat.session.id),
                "chat": room.chat_log(db.session(), seat.session.id),
                "me": {"id": seat.user_id, "name": current_user.full_name, "role": seat.role, "sid": row.sid}}

    def on_open_document(self, payload: Any) -> dict[str, Any]:
        try:
            row, seat = self._seat()
            version_id = payload.get("version_id") if isinstance(payload, dict) else None
            doc = access.document(db.session(), seat, version_id)  # type: ignore[arg-type]
            return {"ok": True, "version_id": doc.id, "pages": doc.pages,
                    "annotations": [notes.as_json(db.session(), a)
                                    for a in notes.live(db.session(), seat.session.id, doc.id)]}
        except (EngineError, DomainError) as exc:
            return _failure(exc)

    @writes
    def on_annotate(self, payload: Any) -> dict[str, Any]:
        try:
            row, seat = self._seat()
            stored = notes.add(db.session(), seat, payload, _now())
            data = notes.as_json(db.session(), stored)
            db.session().commit()
        except (EngineError, DomainError) as exc:
            return _failure(exc)
        self.emit("annotation", data, room=room_name(seat.session.id))
        return {"ok": True, "annotation": data}

    @writes
    def on_undo(self, payload: Any) -> dict[str, Any]:
        try:
            row, seat = self._seat()
            annotation_id = payload.get("annotation_id") if isinstance(payload, dict) else None
            removed = notes.undo(db.session(), seat, annotation_id, _now())
            data = {"id": removed.id, "version_id": removed.version_id}
            db.session().commit()
        except (EngineError, DomainError) as exc:
            return _failure(exc)
        self.emit("annotation_removed", data, room=room_name(seat.session.id))
        return {"ok": True, **data}

    @writes
    def on_chat(self, payload: Any) -> dict[str, Any]:
        try:
            row, seat = self._seat()
            message = room.chat(db.session(), seat, payload.get("text") if isinstance(payload, dict) else None, _now())
            data = room.chat_json(db.session(), message)
            db.session().commit()
        except (EngineError, DomainError) as exc:
            return _failure(exc)
        self.emit("chat", data, room=room_name(seat.session.id))
        return {"ok": True, "chat": data}

    def on_signal(self, payload: Any) -> dict[str, Any]:
        try:
            row, seat = self._seat()
            if not isinstance(payload, dict) or not isinstance(payload.get("to"), str) or "data" not in payload:
                raise DomainError("signal needs {to, data}")
            target = room.current(db.session(), payload["to"])
            if target is None or target.session_id != seat.session.id or target.sid == row.sid:
                raise DomainError("the recipient is not in this room")
        except (EngineError, DomainError) as exc:
            return _failure(exc)
        self.emit("signal", {"from": row.sid, "from_user": row.user_id, "data": payload["data"]}, room=target.sid)
        return {"ok": True}

    @writes
    def on_media(self, payload: Any) -> dict[str, Any]:
        try:
            row, seat = self._seat()
            room.set_media(db.session(), row, payload)
            db.session().commit()
        except (EngineError, DomainError) as exc:
            return _failure(exc)
        self._presence(seat.session.id)
        return {"ok": True}

    def on_focus(self, payload: Any) -> dict[str, Any]:
        try:
            row, seat = self._seat()
            if not isinstance(payload, dict) or not set(payload) <= {"dossier_id", "version_id", "page"}:
                raise DomainError("focus needs {dossier_id, version_id?, page?}")
            dossier_id = payload.get("dossier_id")
            if not isinstance(dossier_id, int) or not access.on_agenda(db.session(), seat.session, dossier_id):
                raise DomainError("that dossier is not on this session's agenda")
            version_id, page = payload.get("version_id"), payload.get("page")
            if version_id is not None:
                doc = access.document(db.session(), seat, version_id)
                if doc.dossier_id != dossier_id:
                    raise DomainError("that document is not of this dossier")
            if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
                raise DomainError("page must be a page number")
        except (EngineError, DomainError) as exc:
            return _failure(exc)
        self.emit("focus", {"dossier_id": dossier_id, "version_id": version_id, "page": page, "by": row.user_id},
                  room=room_name(seat.session.id))
        return {"ok": True}


def init_socketio(app: Flask) -> SocketIO:
    """Socket.IO for ``app`` in threading mode (websockets through simple-websocket); with
    SOCKETIO_MESSAGE_QUEUE every node of the cluster shares rooms through that queue."""
    socketio = SocketIO(app, async_mode="threading", message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE") or None,
                        channel=app.config.get("SOCKETIO_CHANNEL", "guichet-socketio"),
                        logger=False, engineio_logger=False)
    socketio.on_namespace(CommissionNamespace(NAMESPACE))
    return socketio


def share_rooms_locally(app: Flask) -> bool:
    """With no queue configured, the rooms are shared by the processes of this machine
    serving the same database, through local sockets (``relay``): called by ``guichet
    serve`` before it forks its workers, and by a production gunicorn's workers once each
    has loaded the app (``gunicorn.conf.py``). An in-memory database is one process's.
    Whether the relay is now on."""
    server = app.extensions["socketio"].server
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if isinstance(server.manager, PubSubManager) or in_memory_sqlite(url):
        return False
    relay = LocalRelay(shared_dir(url), channel=app.config.get("SOCKETIO_CHANNEL", "guichet-socketio"))
    relay.set_server(server)  # not initialized yet: that happens at a worker's first room socket
    server.manager = relay
    return True


def broadcast(event: str, data: dict[str, Any], session_id: int) -> None:
    """Emit to a session's room from an HTTP route (through the queue when there is one)."""
    current_app.extensions["socketio"].emit(event, data, namespace=NAMESPACE, to=room_name(session_id))
