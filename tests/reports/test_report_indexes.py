"""The reports table's indexes hold what a read looks up, no more (issue 19, migration 0033).

A report filed leaves its claimant, survivor and (unless scanned) QR site NULL: their indexes
cover only the rows that have one, so filing writes no entry to them, and every lookup by a
value still finds its rows through them.
"""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.reports.models import SELDOM_SET_KEYS


def index_sql(name: str) -> str:
    """The index's definition as the database keeps it."""
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(
            text("SELECT pg_get_indexdef(CAST(:name AS regclass))"), {"name": name}
        ).scalar_one()
    return db.session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
        {"name": name},
    ).scalar_one()


def report_indexes() -> set[str]:
    if db.engine.dialect.name == "postgresql":
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'reports'"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports'"
    return set(db.session.scalars(text(query)))


@pytest.mark.parametrize("column", SELDOM_SET_KEYS)
def test_a_key_a_new_report_leaves_null_is_indexed_only_where_set(app, column):
    assert f"{column} IS NOT NULL" in index_sql(f"ix_reports_{column}")


def test_no_index_on_channel_or_sub_district(app):
    assert not {"ix_reports_channel", "ix_reports_subdistrict_code"} & report_indexes()


# The lookups of app.triage.claims, app.public.duplicate_hint and the foreign keys' checks (a
# parameter, as PostgreSQL's RI triggers send it): each must be able to use the partial index.
LOOKUPS = {
    "claimed_by_user_id": "SELECT id FROM reports WHERE claimed_by_user_id = :v",
    "duplicate_of": "SELECT duplicate_of, count(id) FROM reports WHERE duplicate_of IN (:v, 7)"
    " GROUP BY duplicate_of",
    "qr_site_id": "SELECT 1 FROM ONLY reports x WHERE qr_site_id = :v FOR KEY SHARE OF x",
}


@pytest.mark.dialects("postgresql")
@pytest.mark.parametrize("column", SELDOM_SET_KEYS)
def test_a_lookup_by_value_uses_the_partial_index(app, column):
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    plan = "\n".join(db.session.scalars(text("EXPLAIN " + LOOKUPS[column]), {"v": 5}))
    assert f"ix_reports_{column}" in plan
