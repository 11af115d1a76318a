"""The raw-body pre-check of JSON input (web/inputs._MAYBE_FORBIDDEN) may skip the parse
only when no string of the body can hold a forbidden character: whatever ``bad_strings``
finds after parsing, the pre-check must have seen first."""
from __future__ import annotations

import json

import pytest

from web.inputs import _MAYBE_FORBIDDEN, bad_strings

_CODE_POINTS = [*range(0, 0x100), *range(0xD7F0, 0xE010), 0x2028, 0xFEFF, 0x1F600]


def _bodies(ch: str) -> list[bytes]:
    """``ch`` in a value and in a key, escaped and raw, in lower and upper case escapes."""
    texts = [json.dumps({"k": f"a{ch}b"}), json.dumps({"k": f"a{ch}b"}, ensure_ascii=False),
             json.dumps({f"a{ch}": 1}, ensure_ascii=False), json.dumps({f"a{ch}": 1}), json.dumps([ch]).upper()]
    return [t.encode("utf-8", "surrogatepass") for t in texts]


def test_every_forbidden_character_is_seen_before_parsing() -> None:
    missed = []
    for cp in _CODE_POINTS:
        for body in _bodies(chr(cp)):
            try:
                parsed = json.loads(body)
            except ValueError:
                continue  # not JSON: the route answers 400
            if list(bad_strings(parsed)) and not _MAYBE_FORBIDDEN.search(body):
                missed.append(body)
    assert missed == []


@pytest.mark.parametrize("escape", ["\\b", "\\f", "\\u0000", "\\u001F", "\\u007f", "\\uD800", "\\udfff"])
def test_short_and_unicode_escapes_of_forbidden_characters(escape: str) -> None:
    body = ('{"k": "x' + escape + '"}').encode()
    assert list(bad_strings(json.loads(body)))
    assert _MAYBE_FORBIDDEN.search(body)


def test_an_ordinary_body_is_not_parsed_for_characters() -> None:
    body = json.dumps({"data": {"avis": "favorable", "motif": "Parcelle n° 12 — رخصة\n\tligne"}},
                      ensure_ascii=False).encode()
    assert _MAYBE_FORBIDDEN.search(body) is None
    assert _MAYBE_FORBIDDEN.search(json.dumps({"motif": "رخصة"}).encode()) is None  # \u06xx escapes
