"""Read diagrams, decision tables and forms from disk for validation and deployment."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

DIAGRAM_SUFFIXES = (".bpmn", ".dmn")
FORM_SUFFIX = ".schema.json"
UI_SUFFIX = ".ui.json"  # a form's labels (fr/ar) and widget hints, deployed with it


def read_directory(directory: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """``processes/``-style layout: ``*.bpmn``, ``*.dmn`` and ``forms/*.schema.json``."""
    files = {p.name: p.read_bytes() for p in sorted(directory.iterdir())
             if p.is_file() and p.suffix in DIAGRAM_SUFFIXES}
    return files, read_forms(directory / "forms")


def read_forms(directory: Path) -> dict[str, bytes]:
    if not directory.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.json"))
            if p.name.endswith((FORM_SUFFIX, UI_SUFFIX))}


def read_paths(paths: Iterable[Path]) -> tuple[dict[str, bytes], dict[str, bytes], list[str]]:
    """Named files (and directories); forms come from a ``forms/`` folder beside each file.

    Returns the diagrams, the forms, and a message for each path that cannot be read.
    """
    files: dict[str, bytes] = {}
    forms: dict[str, bytes] = {}
    unreadable: list[str] = []
    for path in paths:
        if path.is_dir():
            more, more_forms = read_directory(path)
            files.update(more)
            forms.update(more_forms)
            continue
        try:
            files[path.name] = path.read_bytes()
        except OSError as exc:
            unreadable.append(f"{path}: cannot read ({exc.strerror})")
            continue
        forms.update(read_forms(path.parent / "forms"))
    return files, forms, unreadable
