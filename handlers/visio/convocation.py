"""Convening the members of a session: one message per member in their language, mailed
with the session as an iCalendar invitation (``.ics``, RFC 5545) they can add to their
calendar; recorded and shown in the inbox like every message."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.outbox import enqueue

from ..dossier_models import AgendaItem, CommissionSession, Notification
from ..models import Commission, User
from ..ports import Ports

LOCAL = ZoneInfo("Africa/Casablanca")  # the communes' time: sessions are set in it
LENGTH = timedelta(hours=2)  # the calendar entry's length: a session's usual span
ICS_TYPE = "text/calendar; method=REQUEST; charset=utf-8"

SUBJECT = {"fr": "Guichet — séance de commission", "ar": "الشباك — جلسة اللجنة"}
TEMPLATE = {
    "fr": "Séance de la {commission} le {day} à {time} ({where}) : {count} dossier(s) à l'ordre du jour. "
          "Salle de la commission : {url}",
    "ar": "جلسة {commission} يوم \u2066{day}\u2069 على الساعة \u2066{time}\u2069 ({where}): "
          "\u2066{count}\u2069 ملف(ات) في جدول الأعمال. قاعة اللجنة: \u2066{url}\u2069",
}
VISIO = {"fr": "en visioconférence", "ar": "عن بعد عبر الفيديو"}


def starts_at(sitting: CommissionSession) -> datetime:
    """The session's start as an aware datetime in the commune's time."""
    hours, minutes = (int(x) for x in (sitting.start_time or "09:00").split(":"))
    return datetime(sitting.session_date.year, sitting.session_date.month, sitting.session_date.day,
                    hours, minutes, tzinfo=LOCAL)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with a space."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 75:
            out.append(current.decode())
            current = b" "
        current += encoded
    out.append(current.decode())
    return "\r\n".join(out)


def ics(sitting: CommissionSession, commission: Commission, url: str, organizer: str, now: datetime,
        *, sequence: int = 0) -> bytes:
    """The session as a VEVENT (times in UTC, the UID stable across re-convocations)."""
    start = starts_at(sitting).astimezone(UTC)
    stamp = "%Y%m%dT%H%M%SZ"
    where = sitting.place if not sitting.visio and sitting.place else f"Visio — {url}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Guichet//Commission//FR", "METHOD:REQUEST",
             "CALSCALE:GREGORIAN", "BEGIN:VEVENT",
             f"UID:session-{sitting.id}@{organizer.rsplit('@', 1)[-1] or 'guichet'}",
             f"SEQUENCE:{sequence}", f"DTSTAMP:{now.replace(tzinfo=UTC).strftime(stamp)}",
             f"DTSTART:{start.strftime(stamp)}", f"DTEND:{(start + LENGTH).strftime(stamp)}",
             f"SUMMARY:{_escape(f'{commission.name_fr} / {commission.name_ar}')}",
             f"LOCATION:{_escape(where)}", f"URL:{url}", f"ORGANIZER:mailto:{organizer}",
             "STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def convene(session: Session, ports: Ports, sitting: CommissionSession, commission: Commission,
            now: datetime, *, organizer: str = "guichet@localhost") -> list[Notification]:
    """One message per member in their language, with the ``.ics`` (recorded, shown in the
    inbox, mailed); a later convocation (agenda or time changed) updates the same event."""
    count = session.scalar(select(func.count()).where(AgendaItem.session_id == sitting.id)) or 0
    url = f"{ports.verify_base_url.rstrip('/')}/commission/sessions/{sitting.id}"
    sequence = session.scalar(select(func.count()).where(
        Notification.template == "session_scheduled", Notification.attachment_name == f"seance-{sitting.id}.ics")) or 0
    invitation = ports.files.put(ics(sitting, commission, url, organizer, now, sequence=sequence // max(
        1, len(commission.members))))
    out = []
    for member in commission.members:
        user = session.get_one(User, member.user_id)
        lang = user.locale if user.locale in TEMPLATE else "fr"
        where = VISIO[lang] if sitting.visio or not sitting.place else sitting.place
        body = TEMPLATE[lang].format(commission=commission.name_ar if lang == "ar" else commission.name_fr,
                                     day=sitting.session_date.isoformat(), time=sitting.start_time or "—",
                                     where=where, count=count, url=url)
        note = Notification(dossier_id=None, recipient_id=user.id, channel="email", template="session_scheduled",
                            lang=lang, subject=SUBJECT[lang], body=body, created_at=now,
                            attachment_name=f"seance-{sitting.id}.ics", attachment_type=ICS_TYPE,
                            attachment_sha256=invitation)
        session.add(note)
        session.flush()
        if "email" in ports.channels:
            enqueue(session, "notification", ref=str(note.id), now=now)
        out.append(note)
    sitting.convened_at = now
    return out
