"""The app with another environment for diagram code than the sandbox, for one purpose:
``bench/workload.py --only floor,pg,open,rp`` measures the sandbox's cost on the whole
dossier against it, in the same run. ``BENCH_ENVIRONMENT`` says which:

* ``unrestricted`` (the default): the environment from before the sandbox — Spiff's
  ``eval``/``exec`` with the real builtins, every helper and lookup bound (bench/sandbox.py's (u));
* ``restricted``: RestrictedPython with its standard guards and no time or size limit
  (bench/sandbox.py's (r)), imported from ``BENCH_RESTRICTED_PATH`` (a ``pip install
  --target`` directory: it is not one of the application's dependencies).

It lives in bench/ and is served only by that bench: the application itself has no switch
that turns the sandbox off.
"""
from __future__ import annotations

import os
import sys

from bench.sandbox import Restricted, Unrestricted, _with_lookups
from engine import loop

if os.environ.get("BENCH_ENVIRONMENT", "unrestricted") == "restricted":
    sys.path.insert(0, os.environ["BENCH_RESTRICTED_PATH"])
    loop.HelperEnvironment = _with_lookups(Restricted)
else:
    loop.HelperEnvironment = _with_lookups(Unrestricted)

from web import create_app  # noqa: E402 - after the environment is swapped

app = create_app()
