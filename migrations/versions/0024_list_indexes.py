"""Lists (#19): finer statistics on reports.area_path (PostgreSQL), so the planner sees how few
reports a grid worker's grids hold.

A grid worker's scope is ten or so `area_path LIKE '/…/G01/%'` prefixes of ~150 reports each at
1,000,000 reports; with the default 100-bucket histogram the planner guessed one prefix at 7,000
rows and the rest at 1, and ANDed the scope's bitmap with a category bitmap of 120,000 rows
(50 ms) instead of reading the ~1,900 rows of the scope (9–11 ms). 1,000 buckets gave the right
plan (500 did not); ANALYZE of the column takes ~5 s at 1,000,000 rows. SQLite: nothing.

Revision ID: 0024_list_indexes
Revises: 0022_intake_lean
Create Date: 2026-12-01 02:15:00

"""

from alembic import op

revision = "0024_list_indexes"
down_revision = "0022_intake_lean"
branch_labels = None
depends_on = None

AREA_PATH_STATISTICS = 1000


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE reports ALTER COLUMN area_path SET STATISTICS {AREA_PATH_STATISTICS}")
    op.execute("ANALYZE reports (area_path)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE reports ALTER COLUMN area_path SET STATISTICS -1")
    op.execute("ANALYZE reports (area_path)")
