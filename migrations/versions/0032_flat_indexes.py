"""Intake's cost flat as the data grows (issue 19): new reports fill new pages again.

At fillfactor 100 every report filed at 1M went into a different old page with one row's
gap (left by the lifecycle's updates and VACUUM): a full-page image of it in the WAL after each
checkpoint, and its low-cardinality index entries on random leaves. At 90 an insert needs a
tenth of a page free besides its row, so new reports go to the table's end and the gaps serve
updates (app.reports.models.REPORTS_FILLFACTOR). Only new pages are filled to 90%: nothing
is rewritten, so this takes a moment at any size.

PostgreSQL only; SQLite has no fillfactor.

And the same-text check's key starts with the report's UTC day (app.triage.suggestions.text_key):
a bare md5 put every report on a random leaf of an index over every report ever sorted (0.9
full-page images per report at 1M). The last two days' keys are written anew (the check looks
back one day); older ones keep the bare hash, which no new key can equal.

Revision ID: 0032_flat_indexes
Revises: 0028_change_versions
Create Date: 2026-12-01 10:00:00.000000

"""

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import app.core.types

# revision identifiers, used by Alembic.
revision = "0032_flat_indexes"
down_revision = "0028_change_versions"
branch_labels = None
depends_on = None

# A frozen copy of app.reports.models.REPORTS_FILLFACTOR as of this revision.
FILLFACTOR = 90


REKEY_DAYS = 2


def _text_key(description: str, created_at: datetime) -> str:
    # A frozen copy of app.triage.suggestions.text_key: a migration keeps what it wrote.
    digest = hashlib.md5(description.encode(), usedforsecurity=False).hexdigest()
    return f"{created_at.astimezone(UTC):%y%m%d}{digest[:26]}"


def rekey(bind, days: float = REKEY_DAYS) -> int:
    """Day-first text keys for the suggestions computed in the last `days`; how many."""
    since = datetime.now(UTC) - timedelta(days=days)
    at = app.core.types.UTCDateTime()
    rows = bind.execute(
        sa.text(
            "SELECT s.report_id, r.description, r.created_at FROM report_suggestions s"
            " JOIN reports r ON r.id = s.report_id WHERE s.computed_at >= :since"
        )
        .bindparams(sa.bindparam("since", type_=at))
        .columns(sa.column("report_id"), sa.column("description"), sa.column("created_at", at)),
        {"since": since},
    ).all()
    if rows:
        bind.execute(
            sa.text("UPDATE report_suggestions SET text_key = :key WHERE report_id = :id"),
            [{"key": _text_key(text, created), "id": rid} for rid, text, created in rows],
        )
    return len(rows)


def upgrade():
    rekey(op.get_bind())
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE reports SET (fillfactor = {FILLFACTOR})")


def downgrade():
    # The keys written stay: a day-first key matches nothing the bare hash would, so the
    # same-text check undercounts for a day after going back, as it does after upgrading.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE reports RESET (fillfactor)")
