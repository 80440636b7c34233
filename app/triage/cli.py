"""`flask triage presort`, `flask triage recompute`, `flask triage embed` and `flask triage
seed-rules`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.core.repeat import Round, every_option, repeat
from app.extensions import db
from app.lifecycle.states import QUEUED
from app.reports.models import DUPLICATE_CANDIDATE_STATES, Report
from app.triage.models import ReportSuggestion
from app.triage.presort import presort_waiting
from app.triage.rules import RuleSet
from app.triage.seed import seed_rules
from app.triage.suggestions import compute

triage_cli = AppGroup("triage", help="The cleaner's queue: suggestions and rules.")


@triage_cli.command("presort")
@every_option("Look again (at once after a full batch)")
@click.option("--batch", type=click.IntRange(min=1), default=200, show_default=True)
def presort_command(every: float, batch: int):
    """Pre-sort the reports filed without suggestions (PRESORT_AT_INTAKE off); several may run."""

    def step() -> Round:
        count = presort_waiting(limit=batch)
        return Round(f"{count} reports", changed=count > 0, more=count == batch)

    repeat("presorted", step, every)


@triage_cli.command("recompute")
def recompute():
    """Recompute the suggestions of every report waiting for triage (after an import)."""
    rules = RuleSet.load()
    reports = db.session.scalars(
        select(Report).where(Report.status.in_(QUEUED)).order_by(Report.id)
    )
    count = 0
    for report in reports:
        db.session.add(compute(report, rules))
        db.session.flush()
        count += 1
    db.session.commit()
    click.echo(f"suggestions recomputed for {count} reports")


@triage_cli.command("embed")
@click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True)
def embed_command(batch: int):
    """Store the sentence vector of every open report sorted without one (before migration
    0020, or under TRIAGE_MEANING=lexicon), so that with TRIAGE_MEANING=embedding new reports
    nearby compare with it by a dot product. Needs requirements-semantic.txt."""
    from app.triage import semantic

    try:
        semantic.check_engine()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    count = 0
    while True:
        rows = db.session.execute(
            select(ReportSuggestion, Report.description)
            .join(Report, Report.id == ReportSuggestion.report_id)
            .where(
                ReportSuggestion.meaning_vector.is_(None),
                Report.status.in_(DUPLICATE_CANDIDATE_STATES),
            )
            .order_by(ReportSuggestion.report_id)
            .limit(batch)
        ).all()
        if not rows:
            break
        vectors = semantic.embed_many([description for _, description in rows])
        for (suggestion, _), vector in zip(rows, vectors, strict=True):
            suggestion.meaning_vector = semantic.pack(vector)
        db.session.commit()
        count += len(rows)
    click.echo(f"sentence vectors stored for {count} reports")


@triage_cli.command("seed-rules")
def seed():
    """Add the seeded category and risk rules that are missing."""
    added = seed_rules()
    db.session.commit()
    click.echo(f"triage rules: +{added}")
