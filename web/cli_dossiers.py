"""``guichet dossiers repair``: start the procedure of submitted dossiers left without one."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from handlers import repair

from .bootstrap import get_engine


@click.group("dossiers")
def dossiers_group() -> None:
    """Dossiers: repairs."""


@dossiers_group.command("repair")
@with_appcontext
def repair_command() -> None:
    """Start the procedure of every submitted dossier that has none (the periodic round
    does the same)."""
    started = repair.repair(get_engine(current_app), current_app.extensions["guichet.ports"], limit=10_000)
    for number in started:
        click.echo(f"started the procedure of {number}")
    click.echo(f"{len(started)} dossier(s) repaired")
