"""Sign-in throttling: atomic counters per account and per client address.

Each attempt *reserves* its place first — one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
per counter, committed before the password is checked — so however many requests arrive
at once, each gets its own number and only the first ``limit`` of a window are checked; the
rest are refused without a password check.

One attacker never locks other people out:
- the per-address limit blocks that address only (the client's address as the trusted proxy
  reports it: ``GUICHET_TRUSTED_PROXIES``);
- the per-account limit does not apply to an address that signed in to that account
  successfully in the last ``KNOWN_ADDRESS_DAYS`` days: guessing a victim's password from
  elsewhere cannot lock the victim out of the places they use.
A success counts against neither (it is taken back); it does not reset them either.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.db import WRITE

from .models import LoginAttempt, LoginThrottle

MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = timedelta(minutes=15)
KNOWN_ADDRESS_DAYS = 30


class TooManyAttempts(Exception):
    """Sign-in refused for a while after repeated failures (HTTP 429, ``Retry-After``)."""

    def __init__(self, retry_after: timedelta):
        self.retry_after = retry_after
        self.seconds = max(1, int(retry_after.total_seconds()) + 1)
        super().__init__(f"too many failed sign-ins: retry in {self.seconds // 60 + 1} min")


@dataclass(frozen=True)
class Reservation:
    account: str
    address: str


def _bump(session: Session, key: str, now: datetime) -> tuple[int, datetime]:
    """Count one attempt on ``key`` atomically; (its number in the window, the window's start)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table: Any = LoginThrottle.__table__
    stale = table.c.window_start <= now - THROTTLE_WINDOW
    stmt: Any = insert(table).values(key=key, attempts=1, window_start=now)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
        "attempts": case((stale, 1), else_=table.c.attempts + 1),
        "window_start": case((stale, stmt.excluded.window_start), else_=table.c.window_start)},
    ).returning(table.c.attempts, table.c.window_start)
    row = session.execute(stmt).one()
    return int(row.attempts), row.window_start


def writing(session: Session) -> None:
    """Begin ``session``'s next transaction as a writer (SQLite: ``BEGIN IMMEDIATE``, so it
    queues instead of failing when it would upgrade a read); a no-op inside a transaction."""
    if not session.in_transaction():
        session.connection(execution_options={WRITE: True})


def _known_address(session: Session, email: str, ip: str, now: datetime) -> bool:
    return bool(session.scalar(select(exists().where(
        LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.success.is_(True),
        LoginAttempt.at > now - timedelta(days=KNOWN_ADDRESS_DAYS)))))


def reserve(session: Session, email: str, ip: str, now: datetime) -> Reservation:
    """Count this attempt for the account and the address and commit, or raise
    :class:`TooManyAttempts` when one of them is over its limit."""
    reservation = Reservation(f"account:{email}"[:300], f"address:{ip}"[:300])
    writing(session)
    by_address, address_start = _bump(session, reservation.address, now)
    by_account, account_start = _bump(session, reservation.account, now)
    session.commit()  # the counts are visible to every other attempt before any password check
    if by_address > MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts(address_start + THROTTLE_WINDOW - now)
    if by_account > MAX_FAILURES_PER_ACCOUNT and not _known_address(session, email, ip, now):
        raise TooManyAttempts(account_start + THROTTLE_WINDOW - now)
    return reservation


def succeeded(session: Session, reservation: Reservation) -> None:
    """A success is not a failure: take it back from both counts. (Not a reset: the victim
    signing in during an attack must not give the attacker a fresh set of guesses.)"""
    table: Any = LoginThrottle.__table__
    session.execute(update(table).where(table.c.key.in_([reservation.account, reservation.address]),
                                        table.c.attempts > 0).values(attempts=table.c.attempts - 1))
