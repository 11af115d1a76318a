"""What a rendered document says: the inputs of :mod:`signing.render`.

Plain frozen dataclasses, checked on creation so that a bad value fails here, with its
name, rather than as a wrong-looking PDF. Texts may be French or Arabic (Arabic is
detected and set right to left); the commune and the procedure are given in both.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from decimal import Decimal, InvalidOperation
from typing import Literal
from urllib.parse import quote

from .errors import RenderError

DecisionKind = Literal["autorisation", "refus"]
DECISION_KINDS: tuple[str, ...] = ("autorisation", "refus")
_CODE = re.compile(r"^[A-Za-z0-9_-]{4,128}$")


class InvalidDocument(RenderError, ValueError):
    """A document's inputs are incomplete or malformed."""


@dataclass(frozen=True)
class Fee:
    """One fee line: what is paid, and how much, in dirhams (MAD)."""

    label: str
    amount: Decimal

    @classmethod
    def of(cls, value: Fee | tuple[str, Decimal | int | str]) -> Fee:
        """A :class:`Fee` from a ``Fee`` or a ``(label, amount)`` pair."""
        if isinstance(value, Fee):
            return value
        label, amount = value
        try:
            parsed = Decimal(str(amount))
        except InvalidOperation:
            raise InvalidDocument(f"fee {label!r}: amount {amount!r} is not a number") from None
        if not parsed.is_finite() or parsed < 0:
            raise InvalidDocument(f"fee {label!r}: amount {amount!r} must be zero or more")
        return cls(label, parsed)


@dataclass(frozen=True, kw_only=True)
class _Common:
    commune_fr: str
    commune_ar: str
    procedure_fr: str
    procedure_ar: str
    dossier_number: str
    applicant: str
    parcel: str
    verification_code: str
    verify_base_url: str
    date: Date
    fees: Sequence[Fee | tuple[str, Decimal | int | str]] = ()
    logo: bytes | None = None  # the commune's letterhead logo (PNG or JPEG), else a neutral seal

    def __post_init__(self) -> None:
        for name in ("commune_fr", "commune_ar", "procedure_fr", "procedure_ar",
                     "dossier_number", "applicant", "parcel"):
            if not str(getattr(self, name)).strip():
                raise InvalidDocument(f"{name} is empty: every document names it")
        if not _CODE.match(self.verification_code):
            raise InvalidDocument(
                f"verification_code {self.verification_code!r} must be 4 to 128 letters, digits, "
                "'-' or '_' (it is printed in a URL and a QR code)")
        if not self.verify_base_url.startswith(("https://", "http://")):
            raise InvalidDocument(
                f"verify_base_url {self.verify_base_url!r} must start with https:// (or http://)")
        if not isinstance(self.date, Date):
            raise InvalidDocument(f"date must be a datetime.date, not {type(self.date).__name__}")
        object.__setattr__(self, "fees", tuple(Fee.of(f) for f in self.fees))

    @property
    def verify_url(self) -> str:
        """The URL the QR code points at: ``<verify_base_url>/verify/<code>``."""
        return f"{self.verify_base_url.rstrip('/')}/verify/{quote(self.verification_code)}"

    @property
    def fee_lines(self) -> tuple[Fee, ...]:
        """The fees, each as a :class:`Fee`."""
        return tuple(Fee.of(f) for f in self.fees)


@dataclass(frozen=True, kw_only=True)
class DecisionDocument(_Common):
    """The president's decision on a dossier: an authorization or a refusal.

    ``reserves`` are the conditions attached to an authorization, or the grounds of a
    refusal (printed as a numbered list); ``legal_references`` are the texts the decision is
    taken under ("Vu …"); ``particulars`` what exactly is authorized (address, use, surface,
    works window…): rows of a French/Arabic label and a value, itself bilingual or not.
    """

    kind: DecisionKind
    reserves: Sequence[str] = ()
    reserves_ar: Sequence[str] = ()  # the same reserves in Arabic, when the text has them
    legal_references: Sequence[str] = ()
    particulars: Sequence[tuple[tuple[str, str], tuple[str, str] | str]] = ()
    signatory_fr: str = "Le Président du Conseil communal"
    signatory_ar: str = "رئيس المجلس الجماعي"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kind not in DECISION_KINDS:
            raise InvalidDocument(f"kind {self.kind!r} must be one of {', '.join(DECISION_KINDS)}")
        if self.kind == "refus" and not self.reserves:
            raise InvalidDocument("a refusal must give its grounds (reserves is empty)")
        object.__setattr__(self, "reserves", tuple(self.reserves))
        object.__setattr__(self, "reserves_ar", tuple(self.reserves_ar))
        object.__setattr__(self, "legal_references", tuple(self.legal_references))
        for label, value in self.particulars:
            if len(label) != 2 or not all(str(x).strip() for x in label):
                raise InvalidDocument(f"particulars: label {label!r} needs a French and an Arabic text")
            if not (value if isinstance(value, str) else all(str(x).strip() for x in value)):
                raise InvalidDocument(f"particulars: {label[0]!r} has no value")
        object.__setattr__(self, "particulars", tuple((tuple(lb), v if isinstance(v, str) else tuple(v))
                                                      for lb, v in self.particulars))


@dataclass(frozen=True, kw_only=True)
class ReceiptDocument(_Common):
    """The receipt given to the applicant when a dossier is filed (``date``: filing date);
    ``sealed``: it will carry the commune's e-seal, and says so (otherwise it claims none)."""

    documents: Sequence[str] = field(default=())
    sealed: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "documents", tuple(self.documents))
