"""The ``guichet`` command: db, processes, demo, audit, serve (a Flask CLI group)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engine import audit, definitions
from engine.clock import utcnow
from engine.sources import read_directory, read_paths
from handlers import demo
from signing.cli import pki

from .bootstrap import get_engine
from .extensions import db


@click.group()
def processes() -> None:
    """Validate, deploy and list procedures (BPMN, DMN, forms)."""


def _processes_dir() -> Path:
    return Path(current_app.config["GUICHET_PROCESSES_DIR"])


@processes.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@with_appcontext
def validate(files: tuple[Path, ...]) -> None:
    """Validate FILES (default: the processes directory); exit 1 on any error."""
    paths = list(files) or [_processes_dir()]
    sources, forms, unreadable = read_paths(paths)
    for message in unreadable:
        click.echo(message, err=True)
    if not sources:
        click.echo("no .bpmn or .dmn file to validate", err=True)
        sys.exit(1)
    result = get_engine(current_app).compile(sources, forms)
    problem_files = {p.file for p in result.problems}
    for name in sorted(sources):
        if name not in problem_files and result.ok:
            click.echo(f"{name}: ok")
    for problem in result.problems:
        click.echo(str(problem))
    if not result.ok or unreadable:
        sys.exit(1)


@processes.command("deploy")
@click.option("--comment", default=None, help="why this version (kept in the history)")
@click.option("--by", "author", default="cli", help="who deploys")
@with_appcontext
def deploy(comment: str | None, author: str) -> None:
    """Deploy the processes directory; unchanged processes are left as they are."""
    engine = get_engine(current_app)
    directory = _processes_dir()
    if not directory.is_dir():
        click.echo(f"{directory}: no such directory (set GUICHET_PROCESSES_DIR)", err=True)
        sys.exit(1)
    files, form_files = read_directory(directory)
    if not files:
        click.echo(f"nothing to deploy: no .bpmn or .dmn file in {directory}")
        return
    result = engine.compile(files, form_files)
    if not result.ok:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    with engine.transaction() as session, click.progressbar(result.processes, label="deploying",
                                                             file=sys.stderr) as bar:
        outcomes = [o for proc in bar
                    for o in definitions.deploy(session, [proc], by=author, comment=comment, now=utcnow())]
    for o in outcomes:
        state = "deployed" if o.created else "unchanged"
        click.echo(f"{o.process_key} v{o.version} {state} ({o.content_hash[:12]})")


@processes.command("list")
@with_appcontext
def list_processes() -> None:
    """Every deployed version, oldest first."""
    for row in definitions.listing(db.session()):
        click.echo(f"{row.process_key}\tv{row.version}\t{row.deployed_at:%Y-%m-%d %H:%M}\t"
                   f"{row.content_hash[:12]}\t{row.deployed_by or ''}\t{row.name}")


@click.group("demo")
def demo_group() -> None:
    """Demo data for the embedded default."""


@demo_group.command("seed")
@click.option("--password", envvar="GUICHET_DEMO_PASSWORD", default=None,
              help="password of new demo accounts (default: generated and saved under instance/)")
@with_appcontext
def demo_seed(password: str | None) -> None:
    """Create demo communes and accounts (idempotent) and print them."""
    saved = Path(current_app.instance_path) / "demo_password"
    if password is None:
        password = saved.read_text().strip() if saved.exists() else demo.new_password()
    with click.progressbar(length=demo.ACCOUNT_COUNT, label="seeding", file=sys.stderr) as bar:
        accounts = demo.seed(db.session(), password, utcnow(), bar.update)
        db.session.commit()
    if any(a.created for a in accounts):
        saved.write_text(password)
        saved.chmod(0o600)
    click.echo(f"Demo accounts (password: {saved.read_text().strip() if saved.exists() else password}):")
    for a in accounts:
        click.echo(f"  {a.email:38} {a.roles}")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every instance's hash chain; print and exit 1 on the first broken link of each."""
    checked, broken = audit.verify(db.session())
    for link in broken:
        click.echo(f"BROKEN {link}")
    click.echo(f"{checked} instance(s) checked, {len(broken)} broken chain(s)")
    if broken:
        sys.exit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the application (threaded development server; use gunicorn in production)."""
    # Flask ignores app.run() inside its own CLI, so we call the server it would have used.
    from werkzeug.serving import run_simple
    run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


COMMANDS = [processes, demo_group, audit_group, serve, pki]
