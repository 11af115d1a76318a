"""The ``guichet`` command: db, processes, demo, audit, serve (a Flask CLI group)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from engine import NotFound, audit, definitions, versions
from engine.clock import utcnow
from engine.sources import read_directory, read_paths
from handlers import catalog_store, catalog_usage, demo
from handlers.catalog import CatalogError
from signing.cli import pki

from .bootstrap import get_engine
from .cli_ops import backup_command, restore_command, users_group
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
    catalog_problems = []
    for directory in {p if p.is_dir() else p.parent for p in paths}:
        if (directory / "catalog.yaml").exists():
            catalog_problems += _catalog_problems(directory, sources, {p.key for p in result.processes})
    for message in catalog_problems:
        click.echo(message)
    if not catalog_problems and any((p if p.is_dir() else p.parent).joinpath("catalog.yaml").exists() for p in paths):
        click.echo("catalog.yaml: ok")
    if not result.ok or unreadable or catalog_problems:
        sys.exit(1)


def _catalog_problems(directory: Path, sources: dict[str, bytes], keys: set[str]) -> list[str]:
    """The catalog of ``directory`` checked alone, then against the diagrams and deployed keys."""
    try:
        catalog = catalog_store.read_files(directory)
    except CatalogError as exc:
        return [f"{directory / 'catalog.yaml'}: error: {p}" for p in exc.problems]
    try:  # validating needs no database; when there is one, deployed processes count too
        deployed = {row.process_key for row in definitions.latest_versions(db.session())}
    except SQLAlchemyError:
        db.session.rollback()
        deployed = set()
    texts = {name: raw.decode("utf-8", "replace") for name, raw in sources.items()}
    return [f"{directory / 'catalog.yaml'}: error: {p}"
            for p in catalog_usage.problems(catalog, texts, keys | deployed)]


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
    has_catalog = (directory / "catalog.yaml").exists()
    catalog_problems = _catalog_problems(directory, files, {p.key for p in result.processes}) if has_catalog else []
    if catalog_problems:
        for message in catalog_problems:
            click.echo(message, err=True)
        sys.exit(1)
    with engine.transaction() as session, click.progressbar(result.processes, label="deploying",
                                                             file=sys.stderr) as bar:
        outcomes = [o for proc in bar
                    for o in definitions.deploy(session, [proc], by=author, comment=comment, now=utcnow())]
        catalog = (catalog_store.deploy_files(session, directory, by=author, comment=comment, now=utcnow())
                   if has_catalog else None)
    for o in outcomes:
        state = "deployed" if o.created else "unchanged"
        click.echo(f"{o.process_key} v{o.version} {state} ({o.content_hash[:12]})")
    if catalog is not None:
        click.echo(f"catalog v{catalog[0]} {'deployed' if catalog[1] else 'unchanged'}")


@processes.command("export")
@click.argument("dest", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--key", "process_key", default=None, help="only this process (default: every file, newest content)")
@click.option("--version", "number", default=None, type=int, help="that version of --key (default: its newest)")
@with_appcontext
def export(dest: Path | None, process_key: str | None, number: int | None) -> None:
    """Write deployed BPMN/DMN files and forms back to DEST (default: the processes directory)."""
    if number is not None and process_key is None:
        click.echo("--version needs --key", err=True)
        sys.exit(2)
    try:
        written = versions.export(db.session(), dest or _processes_dir(), process_key, number)
    except NotFound as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if process_key is None and catalog_store.newest_id(db.session()) is not None:
        written += catalog_store.write_files(catalog_store.current(db.session()), dest or _processes_dir())
    for path in written:
        click.echo(str(path))


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
    from handlers.signatures import demo as signature_demo
    sealed = signature_demo.seals(get_engine(current_app), current_app.extensions["guichet.ports"], utcnow())
    if sealed:
        click.echo(f"E-seal keys (demo CA) for the receipts of: {', '.join(sealed)}")
    from handlers.visio import demo as visio_demo
    room = visio_demo.seed(get_engine(current_app), current_app.extensions["guichet.ports"], utcnow())
    if room is not None:
        click.echo(f"Commission room with two dossiers on the agenda: /commission/sessions/{room}")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every instance's hash chain against the signed checkpoints, and every stored
    file against its recorded sha256; print and exit 1 on the first broken link of each."""
    from handlers.audit_seal import verify_stored
    ports = current_app.extensions["guichet.ports"]
    key = ports.audit_key()
    if key is None:
        click.echo(f"BROKEN no readable audit key at {current_app.config['GUICHET_AUDIT_KEY']}: "
                   "the signed checkpoints cannot be checked")
    checked, broken = audit.verify(db.session(), key=key, mirror=ports.audit_mirror)
    for link in broken:
        click.echo(f"BROKEN {link}")
    click.echo(f"{checked} instance(s) checked, {len(broken)} broken chain(s)")
    files, bad_files = verify_stored(db.session(), ports.files)
    for problem in bad_files:
        click.echo(f"BROKEN {problem}")
    click.echo(f"{files} stored file(s) checked, {len(bad_files)} altered or missing")
    if broken or bad_files or key is None:
        sys.exit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=2, type=click.IntRange(1, 64), envvar="GUICHET_SERVE_WORKERS", show_default=True,
              help="worker processes (each holds one core at most); an in-memory database takes one")
@click.option("--threads", default=32, type=click.IntRange(2, 1000), envvar="GUICHET_SERVE_THREADS", show_default=True,
              help="threads of each worker: each request in progress and each open visio room socket takes one")
@with_appcontext
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the application: gunicorn, worker processes with a pool of threads each (as in
    production, where several workers and nodes share PostgreSQL and a Redis queue). The
    workers of one machine share the visio rooms through local sockets when no queue is set.

    With GUICHET_JOBS=inprocess a ticker thread wakes timers, relays the outbox and watches
    deadlines in one worker at a time, so the embedded default needs no broker and no beat."""
    from .commission.sockets import share_rooms_locally
    from .config import in_memory_sqlite
    from .server import serve as run
    from .ticker import start_ticker
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if in_memory_sqlite(str(app.config["SQLALCHEMY_DATABASE_URI"])):
        workers = 1  # each process would have a database of its own
    share_rooms_locally(app)
    ticker = (lambda: start_ticker(app)) if app.config["GUICHET_JOBS"] == "inprocess" else None
    run(app, host, port, threads, on_start=ticker, workers=workers)


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker(celery_args: tuple[str, ...]) -> None:
    """A Celery worker on the configured queue (extra arguments go to celery)."""
    celery_app = current_app.extensions["celery"]
    celery_app.worker_main(["worker", "-Q", current_app.config["GUICHET_CELERY_QUEUE"], "-l", "INFO",
                            *celery_args])


@click.command("beat", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat(celery_args: tuple[str, ...]) -> None:
    """Celery beat: timers, outbox relay and deadline watch on their schedule."""
    celery_app = current_app.extensions["celery"]
    celery_app.start(["beat", "-l", "INFO", *celery_args])


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs: incidents (jobs that kept failing) and their retry."""


@jobs_group.command("failed")
@with_appcontext
def jobs_failed() -> None:
    """List failed jobs with their last error."""
    from engine import jobs
    for job in jobs.incidents(db.session()):
        click.echo(f"{job.id}\t{job.kind}\t{job.operator or job.ref or ''}\tinstance {job.instance_id}\t"
                   f"{job.attempts} attempts\t{job.last_error}")


@jobs_group.command("retry")
@click.argument("job_id", type=int)
@with_appcontext
def jobs_retry(job_id: int) -> None:
    """Put a failed job back in the queue."""
    from engine import jobs
    jobs.retry(get_engine(current_app), job_id)
    click.echo(f"job {job_id} queued again")


COMMANDS = [users_group, backup_command, restore_command, processes, demo_group, audit_group, serve, pki, worker, beat, jobs_group]
