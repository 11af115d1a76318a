"""The minutes' layout, read back with ``pdftotext -bbox``: no two words overprinted (the
bilingual headings included), times in the commune's time, one line per attendee with every
interval, the annexed plan captioned, "n / N" on every page, the documents examined with
their versions and hashes, and the true creation date."""
from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from signing.annotate import Mark
from signing.minutes import AgendaEntry, GivenOpinion, MinutesDocument, PlanSnapshot, Presence, minutes_pdf
from tests.pdfs import tiny_pdf

from .tools import require_tool

pytestmark = pytest.mark.usefixtures("fonts_installed")
SHA = "a3f1" * 16


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 4, hour, minute, tzinfo=UTC)


def _document() -> MinutesDocument:
    long_number = "PC-CASABLANCA-2026-000123"
    opinions = (GivenOpinion("Youssef Alaoui", "Agence urbaine", "favorable_reserve", "Retrait de 3 m sur rue", None),
                GivenOpinion("Nadia Tazi", "Urbanisme", None))
    plan = PlanSnapshot("Plan de masse v1", tiny_pdf("plan"), (Mark(1, "rect", {"x": 50, "y": 50, "w": 200, "h": 100},
                                                                   {"color": "#ff0000", "width": 2}, "Youssef Alaoui"),))
    entry = AgendaEntry(long_number, "Permis de construire", "رخصة البناء", "Ahmed Benali", opinions, (plan,),
                        (f"Plan de masse v1 — {SHA}", f"Demande v2 — {'0b' * 32}"))
    attendance = (Presence("Youssef Alaoui", "member", _at(9, 2), _at(9, 20)),
                  Presence("Youssef Alaoui", "member", _at(9, 25), _at(10, 40)),  # reconnected
                  Presence("Agent du guichet", "secretary", _at(9, 0), _at(10, 45)))
    return MinutesDocument("Commune de Casablanca", "جماعة الدار البيضاء", "Commission des petits projets",
                           "لجنة المشاريع الصغرى", date(2026, 12, 4), None, attendance, (entry,), _at(10, 45),
                           reference="session-1")


def _words(pdf: Path) -> list[tuple[int, str, float, float, float, float]]:
    exe = require_tool("pdftotext", "poppler-utils")
    out = subprocess.run([exe, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    root = ElementTree.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", out.replace('xmlns="http://www.w3.org/1999/xhtml"', "")))
    words = []
    for number, page in enumerate(root.iter("page"), start=1):
        for w in page.iter("word"):
            words.append((number, w.text or "", float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")),
                          float(w.get("yMax"))))
    return words


def _text(pdf: Path, *options: str) -> str:
    exe = require_tool("pdftotext", "poppler-utils")
    return subprocess.run([exe, *options, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_minutes_layout_has_no_overprint_and_says_what_a_commission_needs(tmp_path: Path) -> None:
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(minutes_pdf(_document()))
    words = _words(pdf)
    overlaps = []  # two words drawn over each other: side by side boxes sharing most of their height
    for i, a in enumerate(words):  # (Naskh's tall line boxes of consecutive lines touch by a quarter)
        for b in words[i + 1:]:
            shared = min(a[5], b[5]) - max(a[3], b[3])
            if a[0] == b[0] and min(a[4], b[4]) - max(a[2], b[2]) > 0.5 and \
                    shared > 0.4 * min(a[5] - a[3], b[5] - b[3]):
                overlaps.append((a, b))
    assert overlaps == []
    text = _text(pdf, "-layout")
    pages = text.count("\f") or 1
    # local time: 09:02 UTC is 10:02 in Casablanca in December
    assert "10:02 – 10:20, 10:25 – 11:40" in text and "09:02" not in text
    assert text.count("Youssef Alaoui (membre)") == 1  # one line, both intervals
    assert "heure de Casablanca" in text and "UTC" not in text
    assert "Heure" in text and "non fixée" in text
    assert SHA in text and "Demande v2" in text
    numbers = re.findall(r"^(\d+) ?/ ?(\d+)$", _text(pdf), re.MULTILINE)
    assert [int(n) for n, _ in numbers] == list(range(1, pages + 1)) and {int(t) for _, t in numbers} == {pages}
    last = text.split("\f")[pages - 1]
    assert "Annexe 1 — PC-CASABLANCA-2026-000123 — Plan de masse v1, annoté en séance" in last
    info = subprocess.run([require_tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"CreationDate:\s+Fri Dec\s+4 10:45:00 2026", info), info
