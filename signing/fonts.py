"""Find the fonts documents are set in, on disk, once per process.

Two faces are needed: a Latin one for French and an Arabic one whose ``cmap`` maps the
Arabic *presentation forms* (U+FB50–U+FDFF, U+FE70–U+FEFF), because reportlab draws the
glyphs of the code points it is given and does no shaping itself (see ``arabic.py``).

Fonts come from Debian packages (``fonts-hosny-amiri`` for Amiri, ``fonts-dejavu-core``
for DejaVu) or any directory named in ``GUICHET_SIGNING_FONT_DIRS`` (``:``-separated),
searched first. Nothing is downloaded. Every face is embedded (subset) in the PDF, which
PDF/A requires.
"""
from __future__ import annotations

import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import FontNotFound

FONT_DIRS_ENV = "GUICHET_SIGNING_FONT_DIRS"
SYSTEM_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")

# (file name, Debian package) in order of preference.
ARABIC_REGULAR = (("Amiri-Regular.ttf", "fonts-hosny-amiri"),
                  ("NotoNaskhArabic-Regular.ttf", "fonts-noto-core"),
                  ("DejaVuSans.ttf", "fonts-dejavu-core"))
ARABIC_BOLD = (("Amiri-Bold.ttf", "fonts-hosny-amiri"),
               ("NotoNaskhArabic-Bold.ttf", "fonts-noto-core"),
               ("DejaVuSans-Bold.ttf", "fonts-dejavu-core"))
LATIN_REGULAR = (("DejaVuSerif.ttf", "fonts-dejavu-core"),
                 ("LiberationSerif-Regular.ttf", "fonts-liberation2"),
                 ("Amiri-Regular.ttf", "fonts-hosny-amiri"))
LATIN_BOLD = (("DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
              ("LiberationSerif-Bold.ttf", "fonts-liberation2"),
              ("Amiri-Bold.ttf", "fonts-hosny-amiri"))

# A few letters each face must have: "é" and "ç" for French; an initial, a medial and a
# final form and the lam-alef ligature for Arabic.
LATIN_PROBE = "Ééèàçô«»"
ARABIC_PROBE = "\ufe91\ufe92\ufeea\ufefb"


@dataclass(frozen=True)
class FontSet:
    """The registered reportlab font names documents use."""

    latin: str
    latin_bold: str
    arabic: str
    arabic_bold: str


_lock = threading.Lock()
_cache: dict[tuple[str, ...], FontSet] = {}


def search_dirs() -> list[Path]:
    """Directories searched for font files, in order."""
    extra = [Path(p) for p in os.environ.get(FONT_DIRS_ENV, "").split(":") if p]
    return extra + [Path(p) for p in SYSTEM_DIRS]


def _find(candidates: tuple[tuple[str, str], ...], probe: str, dirs: list[Path]) -> str:
    """Register the first candidate found that has the probe's glyphs; return its name."""
    index: dict[str, Path] = {}
    wanted = {name for name, _ in candidates}
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in directory.rglob("*.ttf"):
            if path.name in wanted:
                index.setdefault(path.name, path)
    for name, _package in candidates:
        found = index.get(name)
        if found is not None:
            registered = _register(found, probe)
            if registered:
                return registered
    packages = " or ".join(sorted({pkg for _, pkg in candidates}))
    names = ", ".join(name for name, _ in candidates)
    raise FontNotFound(
        f"no usable font found ({names}) in {', '.join(str(d) for d in dirs)}: install the "
        f"Debian package {packages}, or put one of these files in a directory listed in "
        f"{FONT_DIRS_ENV}")


def _register(path: Path, probe: str) -> str | None:
    # reportlab keeps one global registry: the name carries a digest of the path so that
    # two search paths never give one name to two files (crc32: stable across processes).
    name = f"guichet-{path.stem}-{zlib.crc32(str(path).encode()):08x}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    font = TTFont(name, str(path))
    if not all(ord(ch) in font.face.charToGlyph for ch in probe):
        return None
    pdfmetrics.registerFont(font)
    return name


def fonts() -> FontSet:
    """Register (once per process and search path) and return the document fonts.

    Raises :class:`~signing.errors.FontNotFound` naming the Debian package to install.
    """
    dirs = search_dirs()
    key = tuple(str(d) for d in dirs)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            return found
        found = FontSet(_find(LATIN_REGULAR, LATIN_PROBE, dirs), _find(LATIN_BOLD, LATIN_PROBE, dirs),
                        _find(ARABIC_REGULAR, ARABIC_PROBE, dirs), _find(ARABIC_BOLD, ARABIC_PROBE, dirs))
        _cache[key] = found
        return found
