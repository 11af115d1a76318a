"""The visio-commission room in real headless Chromium pages: two members and the secretary.

The scenario (``tests/web/visio_scenario.py``) runs the application on SQLite behind a real
threaded server with websockets, and three browser pages with fake camera and microphone.
It runs in a network namespace whose only interface is the loopback (``unshare -n``), so
WebRTC's ICE can only pair 127.0.0.1 candidates: what connects there connects without any
outside network. Checked: every pair of peers reaches ``connected``; a rectangle drawn with
the mouse by one member shows on the others within a second, at the same place, survives a
reload and follows the zoom; undo, chat, the speaking indicator; an opinion recorded in the
room completes that member's own task and shows for everyone; the room in Arabic; closing
the session gives everyone the minutes; an applicant and a member of another commission are
refused by HTTP and by the socket. Screenshots go to ``test-output/screenshots/visio-*.png``.

Without Chromium or playwright the test is skipped with the reason (fails under ``CI=true``).
Without ``unshare`` (not root, no user namespaces) it runs on the host's network and says so.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
BUDGET_MS = 1000


def loopback_only_prefix() -> list[str]:
    """The command prefix that runs a program in a fresh network namespace with only ``lo``
    up, or [] (with a warning) when this machine cannot make one."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip") or "/usr/sbin/ip"
    if unshare and Path(ip).exists():
        probe = subprocess.run([unshare, "-n", "--", ip, "link", "set", "lo", "up"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [unshare, "-n", "--", "sh", "-c", f'{ip} link set lo up && exec "$0" "$@"']
        reason = probe.stderr.strip()
    else:
        reason = "unshare or ip is missing"
    warnings.warn(f"no network namespace ({reason}): the visio scenario runs on the host's network", stacklevel=2)
    return []


def test_visio_commission_meets_in_real_browsers(tmp_path: Path) -> None:
    try:
        import playwright  # noqa: F401
    except ImportError as exc:
        service_missing(f"the playwright package is not installed ({exc})")
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} is missing: apt-get install chromium")
    prefix = loopback_only_prefix()
    command = [*prefix, sys.executable, "-m", "tests.web.visio_scenario", "--workdir", str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    result = [line for line in run.stdout.splitlines() if line.startswith("VISIO-RESULT ")]
    assert result, output[-3000:]
    figures = json.loads(result[-1].removeprefix("VISIO-RESULT "))
    print(figures)
    if prefix:
        assert figures["interfaces"] == ["lo"], figures
    assert len(figures["rect_broadcast_ms"]) == 2 and max(figures["rect_broadcast_ms"]) <= BUDGET_MS, figures
    assert figures["peers"] == {"secretary": 2, "member-1": 2, "member-2": 2}, figures
    # the closed session ended every peer connection and track on all three pages within 2 s
    assert figures["media_ended_ms"] <= 2000, figures
