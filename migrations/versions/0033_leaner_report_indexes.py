"""A report filed writes five fewer index entries that no read looks up (issue 19).

A new report has no claimant, is no one's duplicate, and (unless scanned) names no QR site,
yet the full indexes on claimed_by_user_id, duplicate_of and qr_site_id each took an entry for
its NULL. Every read and foreign-key check that uses them asks for a value (`= :id`, `IN`),
which the planner proves excludes NULL, so the same indexes over the rows that have one serve
them all: at 1M they hold 33,558 rows, not 3,000,000 (21 MB → 0.8 MB).

The indexes on channel and subdistrict_code answered no read at 1M: a channel is a seventh of
the reports (the lists walk the id or status index and filter: 3–5 ms for the rarest), the
queue gauge counts by sub-district from the status index, and the console's area search is an
OR with a substring match that no index serves.

Revision ID: 0033_leaner_report_indexes
Revises: 0031_token_version
Create Date: 2026-12-01 18:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_leaner_report_indexes"
down_revision = "0031_token_version"
branch_labels = None
depends_on = None

# Frozen copies of app.reports.models.SELDOM_SET_KEYS and of the dropped columns' indexes.
SELDOM_SET = ("claimed_by_user_id", "duplicate_of", "qr_site_id")
UNREAD = ("channel", "subdistrict_code")


def _recreate(column: str, **where) -> None:
    name = f"ix_reports_{column}"
    op.drop_index(name, table_name="reports")
    op.create_index(name, "reports", [column], **where)


def upgrade():
    for column in SELDOM_SET:
        present = sa.text(f"{column} IS NOT NULL")
        _recreate(column, postgresql_where=present, sqlite_where=present)
    for column in UNREAD:
        op.drop_index(f"ix_reports_{column}", table_name="reports")


def downgrade():
    for column in UNREAD:
        op.create_index(f"ix_reports_{column}", "reports", [column])
    for column in SELDOM_SET:
        _recreate(column)
