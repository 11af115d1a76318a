"""One SoftHSM2 token directory for the whole test process.

SoftHSM2 reads ``SOFTHSM2_CONF`` once per process (when the library is first loaded), so
every test that uses tokens shares one configuration, created on first use under the
system's temporary directory and removed at exit. Tokens are initialised with
``softhsm2-util`` (a separate process, which reads the same file).
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
           "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")
SO_PIN = "12345678"


def module() -> str | None:
    """The SoftHSM2 PKCS#11 module, configured for this process; None when not installed."""
    found = next((m for m in MODULES if Path(m).is_file()), None)
    if found is None or shutil.which("softhsm2-util") is None:
        return None
    if not os.environ.get("GUICHET_TEST_SOFTHSM_DIR"):
        base = Path(tempfile.mkdtemp(prefix="guichet-softhsm-"))
        atexit.register(shutil.rmtree, base, True)
        (base / "tokens").mkdir()
        conf = base / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        os.environ["GUICHET_TEST_SOFTHSM_DIR"] = str(base)
    return found


def init_token(label: str, pin: str) -> None:
    """A fresh token ``label`` with user PIN ``pin`` in the next free slot."""
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN],
                   check=True, capture_output=True)
