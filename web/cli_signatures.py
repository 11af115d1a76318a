"""``guichet signatures``: renew archive time stamps, list keys to renew, demo seals."""
from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.clock import utcnow
from handlers.signatures import archives, enrol
from handlers.signatures import demo as signature_demo

from .bootstrap import get_engine
from .extensions import db


@click.group("signatures")
def signatures_group() -> None:
    """Signers' keys and the long-term life of signed documents."""


@signatures_group.command("refresh")
@click.option("--margin-days", default=180, show_default=True,
              help="renew when the newest time stamp's certificate expires within this many days")
@with_appcontext
def refresh(margin_days: int) -> None:
    """Add a new archive time stamp (PAdES B-LTA) to every signed document whose newest time
    stamp's certificate expires soon; exit 1 when one could not be renewed."""
    from signing.errors import SigningError
    try:
        report = archives.refresh_all(get_engine(current_app), current_app.extensions["guichet.ports"], utcnow(),
                                      timedelta(days=margin_days))
    except SigningError as exc:
        raise click.ClickException(str(exc)) from None
    for line in report:
        click.echo(f"{line.outcome:8} {line.code} {line.detail}".rstrip())
    counts = {k: sum(1 for r in report if r.outcome == k) for k in ("renewed", "current", "skipped")}
    click.echo(f"{counts['renewed']} renewed, {counts['current']} current, {counts['skipped']} skipped")
    if counts["skipped"]:
        sys.exit(1)


@signatures_group.command("expiring")
@click.option("--days", default=30, show_default=True)
@with_appcontext
def expiring(days: int) -> None:
    """Active signer keys whose certificate expires within DAYS: renew them."""
    keys = enrol.expiring(db.session(), utcnow(), timedelta(days=days))
    for key in keys:
        click.echo(f"{key.id:5} {key.commune_code:12} {key.purpose:9} {key.subject} expires {key.not_after:%Y-%m-%d}")
    click.echo(f"{len(keys)} key(s) to renew")


@signatures_group.command("demo-seals")
@with_appcontext
def demo_seals() -> None:
    """Give each demo commune an e-seal key certified by the demo CA (receipts are sealed)."""
    made = signature_demo.seals(get_engine(current_app), current_app.extensions["guichet.ports"], utcnow())
    click.echo(f"seal keys created for: {', '.join(made) or 'none (each commune has one)'}")
