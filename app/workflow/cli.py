"""`flask sla sweep` (deadline cards and escalation) and `flask reports anonymise`."""

from datetime import timedelta

import click
from flask.cli import AppGroup

from app.core.repeat import Round, every_option, repeat
from app.extensions import db
from app.workflow.archive import anonymise_archived
from app.workflow.sweep import sweep

sla_cli = AppGroup("sla", help="Deadlines: yellow and red cards, escalation of red cases.")
reports_cli = AppGroup("reports", help="Case records.")


@sla_cli.command("sweep")
@every_option("Repeat")
def sweep_command(every: float):
    """Set open cases' cards, escalate red ones past the grace (safe to run often, anywhere)."""

    def step() -> Round:
        result = sweep()
        return Round(result.summary(), result.changed)

    repeat("sla sweep", step, every)


@reports_cli.command("anonymise")
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    default=None,
    help="Archived longer than this (default: ANONYMISE_AFTER_DAYS).",
)
def anonymise_command(older_than_days: int | None):
    """Remove reporters' names and phones from cases archived longer than the period."""
    period = None if older_than_days is None else timedelta(days=older_than_days)
    ids = anonymise_archived(period)
    db.session.commit()
    click.echo(f"anonymised {len(ids)} archived reports")
