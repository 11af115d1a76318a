"""Append the messages the code uses but a catalog lacks to web/translations/*/messages.po,
without rewrapping the existing entries (``pybabel update`` would rewrite the whole file).

Usage: python scripts/po_append.py TRANSLATIONS.json — a JSON object msgid → Arabic text;
French entries are added with an empty msgstr (French is the source language).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main(path: str) -> None:
    arabic = json.loads(Path(path).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(pot),
                        "--ignore-dirs=.venv node_modules .git", "."], cwd=ROOT, check=True, capture_output=True)
        template = read_po(pot.open("rb"))
    for lang in ("fr", "ar"):
        po_path = ROOT / "web" / "translations" / lang / "LC_MESSAGES" / "messages.po"
        have = {m.id for m in read_po(po_path.open("rb")) if m.id}
        entries = []
        for message in template:
            if not message.id or message.id in have:
                continue
            text = arabic.get(message.id, "") if lang == "ar" else ""
            if lang == "ar" and not text:
                raise SystemExit(f"no Arabic for {message.id!r}")
            flags = "#, python-format\n" if "python-format" in message.flags else ""
            entries.append(f"{flags}msgid {_quoted(message.id)}\nmsgstr {_quoted(text)}\n")
        if entries:
            with po_path.open("a", encoding="utf-8") as out:
                out.write("\n" + "\n".join(entries))
        print(f"{lang}: {len(entries)} added")


if __name__ == "__main__":
    main(sys.argv[1])
