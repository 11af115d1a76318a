"""Arabic text for reportlab: shaping, right-to-left ordering and line wrapping.

reportlab draws the code points it is given, left to right, one glyph each. Arabic needs
two more steps, done here before drawing:

1. *shaping* (``arabic-reshaper``): each letter becomes the presentation form for its
   position in the word (isolated, initial, medial, final), and lam-alef pairs become
   their ligature;
2. *reordering* (``python-bidi``, the Unicode bidirectional algorithm): the line is put in
   visual order — Arabic runs right to left, digits and Latin runs (a dossier number, a
   parcel reference) left to right inside them.

Wrapping must happen *before* reordering (a line is reordered on its own), so
:func:`wrap` breaks the logical text into lines by measured width and returns each line
already shaped and reordered, ready for ``drawRightString``.
"""
from __future__ import annotations

import re

from arabic_reshaper import ArabicReshaper
from bidi import get_display
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

# Harakat (short-vowel marks) are dropped: reportlab cannot position combining marks.
_RESHAPER = ArabicReshaper(configuration={"delete_harakat": True})
# Directional isolates (LRI … PDI): a code or number inside Arabic text keeps its own
# left-to-right order ("-1VmZy…" is not drawn as "1VmZy…-"). python-bidi honours them;
# they are then removed, since the fonts have no glyph for them.
LRI, PDI = "\u2066", "\u2069"
_CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def has_arabic(text: str) -> bool:
    """Whether ``text`` contains at least one Arabic letter."""
    return _ARABIC.search(text) is not None


def ltr(text: str) -> str:
    """``text`` as a left-to-right isolate, for a code, a number or a Latin name set inside
    Arabic text."""
    return f"{LRI}{text}{PDI}"


_MIRROR = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "<": ">", ">": "<", "«": "»", "»": "«"}


_OPENERS = "([{<«"


def _pairs(line: str, todo: list[int], first: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Brackets of ``todo`` paired in visual order, the ``first`` kind (openers or closers)
    first; and those left unpaired."""
    stack: list[int] = []
    pairs = []
    for i in todo:
        ch = line[i]
        if (ch in _OPENERS) == (first == "open"):
            stack.append(i)
        elif stack and _MIRROR[line[stack[-1]]] == ch:
            pairs.append((stack.pop(), i))
    paired = {i for pair in pairs for i in pair}
    return pairs, [i for i in todo if i not in paired]


def _mirrored(line: str) -> str:
    """python-bidi reorders but does not mirror: a bracket set right to left must show its
    mirror image ("(م²)", not ")م²("). Reordering leaves a right-to-left pair reversed in the
    line (")…("), a left-to-right one (a code in an isolate) in order ("(…)"): the reversed
    pairs are mirrored; a lone bracket is when its nearest letter is Arabic."""
    chars = list(line)
    todo = [i for i, ch in enumerate(line) if ch in _MIRROR]
    reversed_pairs, todo = _pairs(line, todo, "close")
    _, todo = _pairs(line, todo, "open")
    for a, b in reversed_pairs:
        chars[a], chars[b] = _MIRROR[line[a]], _MIRROR[line[b]]
    for i in todo:
        near = next((c for c in [*reversed(line[:i]), *line[i + 1:]] if c.isalpha()), "")
        if _ARABIC.match(near):
            chars[i] = _MIRROR[line[i]]
    return "".join(chars)


def _drawable(text: str) -> str:
    return text.translate(_CONTROLS)


def visual(text: str) -> str:
    """One line of Arabic (or mixed) text, shaped and in visual order for drawing.

    Text without Arabic letters is returned unchanged.
    """
    if not has_arabic(text):
        return _drawable(text)
    return _drawable(_mirrored(str(get_display(_RESHAPER.reshape(text), base_dir="R"))))


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points, ready to draw.

    Arabic lines are returned shaped and reordered (draw them right-aligned); other text
    is split by reportlab's own splitter.
    """
    if not has_arabic(text):
        return simpleSplit(_drawable(text), font, size, width) or [""]
    # Shaping never joins letters across a space, so the text is shaped once and its
    # words measured one by one; reordering does not change a line's width.
    words = _RESHAPER.reshape(" ".join(text.split())).split(" ")
    space = stringWidth(" ", font, size)
    lines: list[list[str]] = [[]]
    used = 0.0
    for word in words:
        w = stringWidth(_drawable(word), font, size)
        if lines[-1] and used + space + w > width:
            lines.append([])
            used = 0.0
        used += (space if lines[-1] else 0.0) + w
        lines[-1].append(word)
    return [_drawable(_mirrored(str(get_display(" ".join(line), base_dir="R")))) for line in lines]
