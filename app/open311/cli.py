"""`flask open311 issue-key | revoke-key | keys`: api_keys for Open311 client applications."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.core.errors import DomainError
from app.extensions import db
from app.open311.keys import issue_key, revoke_key
from app.open311.models import Open311Key

open311_cli = AppGroup("open311", help="Open311 GeoReport v2: client keys.")


@open311_cli.command("issue-key")
@click.argument("name")
@click.option("--rate-limit", default=None, help='e.g. "60 per minute;2000 per day"')
@click.option("--area", "area_code", default=None, help="reports only inside this area code")
@click.option("--async", "asynchronous", is_flag=True, help="answer POSTs with a token")
def issue(name, rate_limit, area_code, asynchronous):
    """Issue a key to the client application NAME; the key is printed this once."""
    try:
        key, secret = issue_key(
            name, rate_limit=rate_limit, area_code=area_code, asynchronous=asynchronous
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"key #{key.id} for {key.name} ({key.rate_limit}): {secret}")


@open311_cli.command("revoke-key")
@click.argument("key_id", type=int)
def revoke(key_id):
    """Revoke key KEY_ID: it stops working at once."""
    try:
        key = revoke_key(key_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"revoked key #{key.id} ({key.name})")


@open311_cli.command("keys")
def list_keys():
    """List the keys (never their secrets)."""
    for key in db.session.scalars(select(Open311Key).order_by(Open311Key.id)):
        state = "active" if key.active else "revoked"
        scope = key.area_code or "all areas"
        click.echo(f"#{key.id} {key.name} {key.key_prefix}… {state} {key.rate_limit} {scope}")
