"""Validators we did not write, run as a person would run them.

* ``pyhanko sign validate`` (pyhanko-cli, a PyPI dev dependency) — its summary line reads
  ``<field>:<fingerprint>:INTACT:TRUSTED,…`` or ``…:INVALID``;
* ``pdfsig`` (Debian poppler-utils) — it exits 0 whatever it finds, so its output is
  parsed: "Signature Validation: Signature is Valid." is the verdict we look for.

A missing Debian tool skips the test with the reason, except under ``CI=true`` where it
fails: CI must install what the suite needs.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def missing(reason: str) -> None:
    """Fail under CI (CI must install what the suite needs), skip with the reason elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, package: str) -> str:
    """The path of ``name``; fail (CI) or skip (elsewhere) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (Debian package {package})")
        raise AssertionError("unreachable")
    return path


def pyhanko_validate(pdf: Path, *trust: Path, pretty: bool = False) -> str:
    """``pyhanko sign validate --trust-replace --trust …`` output (stdout and stderr).

    Revocation is checked (hard-fail) for certificates that name an OCSP responder.
    """
    args = [sys.executable, "-m", "pyhanko", "sign", "validate", "--trust-replace"]
    for anchor in trust:
        args += ["--trust", str(anchor)]
    if pretty:
        args.append("--pretty-print")
    done = subprocess.run([*args, str(pdf)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


def pyhanko_summary(pdf: Path, *trust: Path) -> str:
    """The status part of pyHanko's summary line, e.g. ``INTACT:TRUSTED,UNTOUCHED``."""
    out = pyhanko_validate(pdf, *trust)
    lines = [ln for ln in out.splitlines() if ln.startswith("Signature")]
    assert lines, f"pyhanko printed no summary:\n{out}"
    field, _fingerprint, status = lines[-1].split(":", 2)
    return status


def pdfsig(pdf: Path) -> str:
    """``pdfsig`` output for ``pdf``."""
    exe = require_tool("pdfsig", "poppler-utils")
    done = subprocess.run([exe, str(pdf)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


def pdfsig_valid(pdf: Path) -> bool:
    """Whether pdfsig says the (every) signature value is valid."""
    out = pdfsig(pdf)
    verdicts = [ln.split(":", 1)[1].strip() for ln in out.splitlines()
                if ln.strip().startswith("- Signature Validation:")]
    assert verdicts, f"pdfsig found no signature:\n{out}"
    return all(v == "Signature is Valid." for v in verdicts)


def tamper(pdf: bytes, marker: bytes) -> bytes:
    """A copy of ``pdf`` with one byte changed: the first byte of ``marker``, an ASCII text
    of the signed revision (e.g. the verification code in the document's keywords)."""
    at = pdf.index(marker)
    changed = bytearray(pdf)
    changed[at] = ord("X") if changed[at] != ord("X") else ord("Y")
    return bytes(changed)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def pdfsig_verdicts(pdf: Path) -> list[tuple[str, str]]:
    """(signature type, validation verdict) for each signature pdfsig lists, in order."""
    kinds: list[str] = []
    verdicts: list[str] = []
    for line in pdfsig(pdf).splitlines():
        line = line.strip()
        if line.startswith("- Signature Type:"):
            kinds.append(line.split(":", 1)[1].strip())
        elif line.startswith("- Signature Validation:"):
            verdicts.append(line.split(":", 1)[1].strip())
    return list(zip(kinds, verdicts, strict=True))
