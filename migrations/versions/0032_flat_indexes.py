"""Intake's cost flat as the data grows (issue 19): new reports fill new pages again.

At fillfactor 100 every report filed at 1M went into a different old page with one row's
gap (left by the lifecycle's updates and VACUUM): a full-page image of it in the WAL after each
checkpoint, and its low-cardinality index entries on random leaves. At 90 an insert needs a
tenth of a page free besides its row, so new reports go to the table's end and the gaps serve
updates (app.reports.models.REPORTS_FILLFACTOR). Only new pages are filled to 90%: nothing
is rewritten, so this takes a moment at any size.

PostgreSQL only; SQLite has no fillfactor.

Revision ID: 0032_flat_indexes
Revises: 0028_change_versions
Create Date: 2026-12-01 10:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_flat_indexes"
down_revision = "0028_change_versions"
branch_labels = None
depends_on = None

# A frozen copy of app.reports.models.REPORTS_FILLFACTOR as of this revision.
FILLFACTOR = 90


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE reports SET (fillfactor = {FILLFACTOR})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE reports RESET (fillfactor)")
