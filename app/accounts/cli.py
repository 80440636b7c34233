"""`flask users create`: bootstrap the first admin from a shell."""

import click
from flask.cli import AppGroup

from app.accounts.models import ROLES
from app.accounts.service import create_user
from app.core.errors import DomainError
from app.extensions import db

users_cli = AppGroup("users", help="Manage staff users.")


@users_cli.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--area", "areas", multiple=True, help="area code the user works in (repeatable)")
@click.option("--unit", "unit_code", default=None, help="unit code (responders)")
@click.option("--display-name", default="")
def create(username, password, roles, areas, unit_code, display_name):
    """Create a user."""
    try:
        user = create_user(username, password, list(roles), list(areas), unit_code, display_name)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"created user {user.username} ({', '.join(user.roles)})")
