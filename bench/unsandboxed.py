"""The app with the environment from before the sandbox — Spiff's ``eval``/``exec`` with the
real builtins, every helper and lookup bound (bench/sandbox.py's (u)) — for one purpose:
``bench/workload.py --only floor,pg,open`` measures the sandbox's cost on the whole dossier
against it, in the same run. It lives in bench/ and is served only by that bench: the
application itself has no switch that turns the sandbox off.
"""
from __future__ import annotations

from bench.sandbox import Unrestricted, _with_lookups
from engine import loop

loop.HelperEnvironment = _with_lookups(Unrestricted)

from web import create_app  # noqa: E402 - after the environment is swapped

app = create_app()
