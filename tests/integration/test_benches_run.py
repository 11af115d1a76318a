"""The benchmarks still run to their end against today's code (tiny sizes; no figure is
judged here: speed is measured by running them, see the README's Performance section). A
bench that drives the shipped procedures breaks when a procedure starts needing something
new (a seal key for the minutes, say) and nothing else would tell."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, service_missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def postgresql() -> None:
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        service_missing(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}")
    finally:
        engine.dispose()


def run(*args: str, timeout: int = 600) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


def test_the_whole_dossier_bench_runs_on_every_server() -> None:
    out = run("bench/workload.py", "--dossiers", "1", "--rounds", "1", "--clients", "1",
              "--only", "floor,pg,sqlite,floor-pg")
    for server in ("floor", "pg", "sqlite", "floor-pg"):
        line = next(x for x in out.splitlines() if x.startswith(f"{server} "))
        assert "no completion" not in line and line.split()[-1] == "0", line  # every request answered
    assert "ratio pg/floor:" in out and "ratio sqlite/floor:" in out and "stored per finished dossier" in out
    assert "pg against floor-pg: CPU per completion" in out and "floor-pg against floor" in out


def test_the_whole_dossier_bench_measures_a_change_against_another_checkout() -> None:
    """``--baseline DIR`` serves that checkout beside pg and beside sqlite (here this one)."""
    out = run("bench/workload.py", "--dossiers", "1", "--rounds", "1", "--clients", "1",
              "--only", "floor,pg,sqlite", "--baseline", str(ROOT))
    for server in ("base", "base-sq"):
        line = next(x for x in out.splitlines() if x.startswith(f"{server} "))
        assert "no completion" not in line and line.split()[-1] == "0", line
    assert "pg against base: CPU per completion" in out and "sqlite against base-sq: CPU per completion" in out


def test_the_state_and_history_benches_drive_the_procedures_to_their_end(tmp_path: Path) -> None:
    out = run("bench/state.py", "--rounds", "3")
    assert "stored per permis instance" in out and "state after 3 rounds" in out, out
    out = run("bench/history.py", "--sizes", "20,40", "--live", "4", "--runs", "3",
              "--plans", str(tmp_path / "plans.txt"))
    assert "p95 ratio" in out and (tmp_path / "plans.txt").read_text().count("-- inbox") == 1, out
    assert "\nstatus_warm " in out and "\nstatus " in out, out  # the history's dossiers, cold and warm
