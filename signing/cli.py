"""``pki`` command group: ``pki demo TARGET_DIR`` creates the DEMO PKI.

A plain click group with no application context, for the app's CLI to register::

    from signing.cli import pki
    cli.add_command(pki)          # guichet pki demo instance/pki
"""
from __future__ import annotations

from pathlib import Path

import click

from . import demo_pki
from .errors import SigningError


@click.group("pki")
def pki() -> None:
    """Signing keys and certificates."""


@pki.command("demo")
@click.argument("target_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--passphrase", envvar="GUICHET_SIGNING_PASSPHRASE", prompt=True, hide_input=True,
              confirmation_prompt=True,
              help="Encrypts the .p12 files (default: $GUICHET_SIGNING_PASSPHRASE, else asked).")
@click.option("--overwrite", is_flag=True, help="Replace an existing demo PKI.")
@click.option("--ocsp-url", default=None, help="OCSP responder URL to write in the president's certificate.")
def demo(target_dir: Path, passphrase: str, overwrite: bool, ocsp_url: str | None) -> None:
    """Create a DEMO root CA and a DEMO president certificate in TARGET_DIR."""
    try:
        paths = demo_pki.create(target_dir, passphrase, overwrite=overwrite, ocsp_url=ocsp_url)
    except SigningError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"DEMO PKI created in {paths.directory} (not for real decisions):")
    click.echo(f"  trust anchor        {paths.ca_certificate}")
    click.echo(f"  president key+cert  {paths.president_pkcs12}  (passphrase protected)")
    click.echo(f"  CA key+cert         {paths.ca_pkcs12}  (passphrase protected)")
