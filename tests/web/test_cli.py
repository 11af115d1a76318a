"""The ``guichet`` command as an operator uses it: validate, deploy, list, seed, audit."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.models import AuditEvent
from tests.conftest import DIAGRAMS

MIWG = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "bpmn-miwg"


def copy_test_processes(app) -> Path:  # noqa: ANN001
    target = Path(app.config["GUICHET_PROCESSES_DIR"])
    for f in DIAGRAMS.glob("*.*"):
        shutil.copy(f, target / f.name)
    for f in (DIAGRAMS / "forms").glob("*.json"):
        shutil.copy(f, target / "forms" / f.name)
    return target


def test_validate_reports_located_errors_and_exit_code(cli, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.bpmn"
    bad.write_text((DIAGRAMS / "approval.bpmn").read_text().replace('id="test.notify"', 'id="nope"'))
    result = cli.invoke(args=["processes", "validate", str(bad)])
    assert result.exit_code == 1
    assert "bad.bpmn:" in result.output and "[notify]" in result.output and "« nope »" in result.output
    good = cli.invoke(args=["processes", "validate", str(DIAGRAMS)])
    assert good.exit_code == 0 and "approval.bpmn: ok" in good.output


def test_validate_the_miwg_suite_never_crashes(cli) -> None:  # noqa: ANN001
    files = sorted(str(p) for p in MIWG.glob("*.bpmn"))
    for f in files:
        result = cli.invoke(args=["processes", "validate", f])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 1)
        assert "Traceback" not in result.output
        if result.exit_code:
            assert f"{Path(f).name}:" in result.output


def test_validate_unreadable_path(cli, tmp_path) -> None:  # noqa: ANN001
    result = cli.invoke(args=["processes", "validate", str(tmp_path / "missing.bpmn")])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_deploy_is_idempotent_and_versions_changes(app, cli) -> None:  # noqa: ANN001
    target = copy_test_processes(app)
    first = cli.invoke(args=["processes", "deploy", "--comment", "first"])
    assert first.exit_code == 0, first.output
    assert "approval v1 deployed" in first.output
    again = cli.invoke(args=["processes", "deploy"])
    assert "approval v1 unchanged" in again.output and "deployed" not in again.output
    approval = target / "approval.bpmn"
    approval.write_text(approval.read_text().replace('"P30D"', '"P45D"'))
    third = cli.invoke(args=["processes", "deploy"])
    assert "approval v2 deployed" in third.output and "commission v1 unchanged" in third.output
    listing = cli.invoke(args=["processes", "list"]).output.splitlines()
    assert [line.split("\t")[:2] for line in listing if line.startswith("approval")] == \
        [["approval", "v1"], ["approval", "v2"]]


def test_deploy_refuses_invalid_processes(app, cli) -> None:  # noqa: ANN001
    target = copy_test_processes(app)
    (target / "forms" / "fix.schema.json").unlink()
    result = cli.invoke(args=["processes", "deploy"])
    assert result.exit_code == 1 and "fix.schema.json" in result.output
    assert cli.invoke(args=["processes", "list"]).output == ""


def test_demo_seed_is_idempotent(cli) -> None:  # noqa: ANN001
    first = cli.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "guichet@casablanca.demo" in first.output and "password:" in first.output
    second = cli.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and second.output.split("\n")[0] == first.output.split("\n")[0]


def test_audit_verify_names_the_altered_row(app, cli, engine, sessions, db_engine) -> None:  # noqa: ANN001
    from tests.bpmn.helpers import ready_tasks
    from tests.conftest import AGENT, APPLICANT
    iid = engine.start("approval", {"applicant_id": APPLICANT.user_id}, APPLICANT, scope="casa")
    [review] = ready_tasks(sessions, iid)
    engine.complete(review.id, {"complete": True}, AGENT)
    ok = cli.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "1 instance(s) checked, 0 broken" in ok.output
    from tests.tamper import as_dba
    with sessions.begin() as s:
        ev = s.scalar(sa.select(AuditEvent).where(AuditEvent.instance_id == iid, AuditEvent.seq == 2))
    with sessions.begin() as s:  # the application's own connection is refused…
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            s.execute(sa.update(AuditEvent).where(AuditEvent.id == ev.id).values(actor="intruder"))
    with db_engine.begin() as conn, as_dba(conn):  # …a database administrator is not
        conn.execute(sa.update(AuditEvent).where(AuditEvent.id == ev.id).values(actor="intruder"))
    bad = cli.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert f"BROKEN instance {iid}, event #2 (id {ev.id}): content was altered" in bad.output
