"""What a decision says it authorizes: the dossier's filing form, read with the form's own
labels and value names, plus what the process fixed later (a trench's works window, its
deposit), and the legal texts it is taken under.

The rows are ``((label_fr, label_ar), value)``; a value is one text (a parcel, an address,
a number) or a French/Arabic pair (a choice of a list, a date, yes/no).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from signing import labels as L

from .catalog import Catalog, Procedure

Row = tuple[tuple[str, str], "tuple[str, str] | str"]

# Shown on the decision's identity block already, not repeated among the particulars.
_IN_IDENTITY = frozenset({"parcelle"})

LEGAL: dict[str, tuple[tuple[str, str], ...]] = {
    "guu": (
        ("Loi n° 12-90 relative à l'urbanisme", "القانون رقم 12.90 المتعلق بالتعمير"),
        ("Loi n° 25-90 relative aux lotissements, groupes d'habitations et morcellements",
         "القانون رقم 25.90 المتعلق بالتجزئات العقارية والمجموعات السكنية وتقسيم العقارات"),
        ("Décret n° 2-18-577 approuvant le règlement général de construction",
         "المرسوم رقم 2.18.577 بالموافقة على ضابط البناء العام"),
    ),
    "economic": (
        ("Loi organique n° 113-14 relative aux communes", "القانون التنظيمي رقم 113.14 المتعلق بالجماعات"),
        ("Loi n° 47-06 relative à la fiscalité des collectivités locales et l'arrêté communal fixant "
         "les taxes et redevances", "القانون رقم 47.06 المتعلق بجبايات الجماعات المحلية والقرار الجبائي الجماعي"),
    ),
}
# Occupying the public domain (a terrace, a trench) rests on the law of the communes' property too.
PUBLIC_DOMAIN = (("Loi n° 57-19 relative au régime des biens immeubles des collectivités territoriales",
                  "القانون رقم 57.19 المتعلق بنظام الأملاك العقارية للجماعات الترابية"),)
PUBLIC_DOMAIN_PROCEDURES = frozenset({"occupation_domaine_public", "ouverture_tranchee"})


def legal_references(procedure: Procedure) -> list[str]:
    """The "Vu …" texts, French ones then Arabic ones, for the procedure's domain."""
    texts = LEGAL.get(procedure.domain, ())
    if procedure.key in PUBLIC_DOMAIN_PROCEDURES:
        texts = (*texts, *PUBLIC_DOMAIN)
    return [fr for fr, _ in texts] + [ar for _, ar in texts]


def number(value: Any) -> str:
    """``120.0`` → ``120``, ``1250.5`` → ``1 250,5`` (French grouping and decimal comma)."""
    d = Decimal(str(value))
    text = f"{d:,f}" if d != d.to_integral_value() else f"{int(d):,d}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",")


def _day(value: Any) -> tuple[str, str] | None:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return L.long_date(day)


def _value(prop: Mapping[str, Any], hint: Mapping[str, Any], value: Any) -> tuple[str, str] | str | None:
    if value is None or value == "":
        return None
    if "enum" in prop:
        names = hint.get("options", {}).get(str(value), {})
        return (str(names.get("fr") or value), str(names.get("ar") or names.get("fr") or value))
    if prop.get("type") == "boolean":
        return L.YES if value else L.NO
    if prop.get("format") == "date":
        return _day(value) or str(value)
    if prop.get("type") in ("number", "integer") and not isinstance(value, bool):
        try:
            return number(value)
        except (ArithmeticError, ValueError):
            return str(value)
    return str(value)


def form_rows(schema: Mapping[str, Any], ui: Mapping[str, Any], fields: Mapping[str, Any]) -> list[Row]:
    """One row per filled field of the filing form, in the form's order, with its labels."""
    rows: list[Row] = []
    for name, prop in (schema.get("properties") or {}).items():
        if name in _IN_IDENTITY:
            continue
        hint = ui.get(name) if isinstance(ui.get(name), Mapping) else {}
        value = _value(prop, hint or {}, fields.get(name))
        if value is None:
            continue
        label = (hint or {}).get("label", {})
        fr = str(label.get("fr") or prop.get("title") or name)
        rows.append(((fr, str(label.get("ar") or fr)), value))
    return rows


def works_rows(data: Mapping[str, Any], fees: Iterable[tuple[str, Decimal]]) -> list[Row]:
    """A trench's works window (fixed by the voirie) and its deposit (a fee called caution)."""
    rows: list[Row] = []
    start, end = _day(data.get("works_start")), _day(data.get("works_end"))
    if start and end:
        rows.append((L.WORKS_WINDOW, (L.WORKS_RANGE.fr.format(start=start[0], end=end[0]),
                                      L.WORKS_RANGE.ar.format(start=start[1], end=end[1]))))
    deposit = sum((amount for label, amount in fees if "caution" in label.lower()), Decimal(0))
    if deposit:
        rows.append((L.DEPOSIT, (f"{L.amount(deposit)} {L.CURRENCY.fr}", f"{L.amount(deposit)} {L.CURRENCY.ar}")))
    return rows


def particulars(catalog: Catalog, procedure: Procedure, fields: Mapping[str, Any],
                data: Mapping[str, Any], fees: Sequence[tuple[str, Decimal]]) -> list[Row]:
    """Everything the decision says is authorized: the filing form's fields, then the works."""
    schema, ui = catalog.form(procedure.form) if procedure.form and procedure.form in catalog.forms else ({}, {})
    return form_rows(schema, ui, fields) + works_rows(data, fees)
