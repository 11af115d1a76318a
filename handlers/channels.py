"""Delivery channels behind one interface: e-mail over SMTP, and SMS (recorded only)."""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST; charset=utf-8"
    content: bytes


class Channel(Protocol):
    def new_reference(self) -> str:
        """A fresh reference (message id) for one logical message, stored before sending."""

    def send(self, *, to_address: str, to_name: str, subject: str, body: str, lang: str,
             reference: str, attachments: Sequence[Attachment] = ()) -> str:
        """Deliver one message under ``reference`` (the same on every retry); return the
        reference it went out with. Raise to have it retried."""


@dataclass(frozen=True)
class SmtpChannel:
    """E-mail through an SMTP relay (``GUICHET_SMTP_*``); UTF-8, so Arabic arrives intact."""

    host: str
    port: int = 25
    sender: str = "guichet@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 15.0

    def new_reference(self) -> str:
        return make_msgid(domain=self.sender.rsplit("@", 1)[-1])

    def send(self, *, to_address: str, to_name: str, subject: str, body: str, lang: str,
             reference: str, attachments: Sequence[Attachment] = ()) -> str:
        """Send under the Message-ID ``reference``: a retry is recognisably the same message."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = Address(display_name=to_name, addr_spec=to_address)
        msg["Subject"] = subject
        msg["Content-Language"] = lang
        msg["Message-ID"] = reference
        msg.set_content(body, charset="utf-8")
        for item in attachments:
            kind, _, params = item.content_type.partition(";")
            maintype, _, subtype = kind.strip().partition("/")
            extra = dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p and "charset" not in p)
            msg.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename,
                               params=extra)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)
        return str(msg["Message-ID"])


class SmsRecorder:
    """The SMS channel without a gateway: the message is recorded on the dossier only."""

    def new_reference(self) -> str:
        return "recorded"

    def send(self, *, to_address: str, to_name: str, subject: str, body: str, lang: str,
             reference: str, attachments: Sequence[Attachment] = ()) -> str:
        log.info("SMS to %s recorded (no gateway configured)", to_address)
        return reference
