"""The ``guichet`` commands an operator runs around the data: backup, restore, accounts."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Back up the database and the file store into DEST (signing keys are not included)."""
    from .backup import BackupError, backup
    try:
        target = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(current_app.config["GUICHET_STORAGE_DIR"]),
                        dest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {target}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore a backup into the (empty) configured database and file store."""
    from .backup import BackupError, restore
    try:
        manifest = restore(source, current_app.config["SQLALCHEMY_DATABASE_URI"],
                           Path(current_app.config["GUICHET_STORAGE_DIR"]))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored the backup of {manifest['created_at']}: {manifest['counts']}")


@click.group("users")
def users_group() -> None:
    """Accounts."""


@users_group.command("revoke")
@click.argument("email")
@with_appcontext
def users_revoke(email: str) -> None:
    """End every session and Bearer token of the account EMAIL (an administrator's revocation)."""
    from handlers.accounts import find_by_email, revoke_sessions
    user = find_by_email(db.session(), email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    revoke_sessions(db.session(), user.id)
    click.echo(f"every session and token of {user.email} is revoked")
