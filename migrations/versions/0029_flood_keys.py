"""The flooding check reads its own matches of the day by index (issue 19): a report's
suggestions keep a key of its exact text, indexed with the time it was sorted; a phone's
index goes on with the time. Before, the same-text count compared every report of the day
(3 ms per report at a district's volume, growing as the day filled).

The reports sorted in the last two days get their text key now (the check looks back one
day), computed in Python as the app does, so both databases get the same keys.

Revision ID: 0029_flood_keys
Revises: 0026_read_histograms
Create Date: 2026-12-01 07:40:00.000000

"""

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import app.core.types

# revision identifiers, used by Alembic.
revision = "0029_flood_keys"
down_revision = "0026_read_histograms"
branch_labels = None
depends_on = None

BACKFILL_DAYS = 2


def _text_key(description: str) -> str:
    # A frozen copy of app.triage.suggestions.text_key: a migration keeps what it wrote.
    return hashlib.md5(description.encode(), usedforsecurity=False).hexdigest()


def upgrade():
    with op.batch_alter_table("report_suggestions") as batch:
        batch.add_column(sa.Column("text_key", sa.String(length=32), nullable=True))
    op.create_index(
        "ix_report_suggestions_text_key", "report_suggestions", ["text_key", "computed_at"]
    )
    op.drop_index("ix_reports_reporter_phone", table_name="reports")
    op.create_index("ix_reports_reporter_phone", "reports", ["reporter_phone", "created_at"])
    backfill(op.get_bind())


def backfill(bind, days: float = BACKFILL_DAYS) -> int:
    """Text keys for the suggestions computed in the last `days`; how many were written."""
    since = datetime.now(UTC) - timedelta(days=days)
    rows = bind.execute(
        sa.text(
            "SELECT s.report_id, r.description FROM report_suggestions s"
            " JOIN reports r ON r.id = s.report_id WHERE s.computed_at >= :since"
        ).bindparams(sa.bindparam("since", type_=app.core.types.UTCDateTime())),
        {"since": since},
    ).all()
    if rows:
        bind.execute(
            sa.text("UPDATE report_suggestions SET text_key = :key WHERE report_id = :id"),
            [{"key": _text_key(description), "id": rid} for rid, description in rows],
        )
    return len(rows)


def downgrade():
    op.drop_index("ix_reports_reporter_phone", table_name="reports")
    op.create_index("ix_reports_reporter_phone", "reports", ["reporter_phone"])
    op.drop_index("ix_report_suggestions_text_key", table_name="report_suggestions")
    with op.batch_alter_table("report_suggestions") as batch:
        batch.drop_column("text_key")
