"""New reports fill new pages at the table's end (issue 19, migration 0032).

The old versions a report's lifecycle leaves behind are vacuumed into one-row gaps all over the
table; a report filed into such a gap dirties an old page (a full-page image in the WAL after a
checkpoint) and scatters its index entries. With the reserve of app.reports.models'
REPORTS_FILLFACTOR an insert passes those gaps by; the updates still use them.
"""

import pytest
from sqlalchemy import text

from app.extensions import db
from app.reports.models import REPORTS_FILLFACTOR

# About the width of a real report's row (600 bytes at 1M): a dozen to a page.
ROW = (
    "INSERT INTO reports (tracking_no, tracking_key_hash, status, channel, description,"
    " in_coverage, card, return_count, reopen_count, created_at, updated_at, version)"
    " SELECT 'T' || n, 'h', 'received', 'grid_worker', repeat('楼上漏水', 40), false, 'none',"
    " 0, 0, now(), now(), 1 FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n"
)


def _page(connection, tracking_no: str) -> int:
    ctid = connection.execute(
        text("SELECT ctid::text FROM reports WHERE tracking_no = :t"), {"t": tracking_no}
    ).scalar_one()
    return int(ctid.strip("()").split(",")[0])


@pytest.mark.dialects("postgresql")
@pytest.mark.commits
def test_a_report_updated_keeps_its_page_and_a_new_one_goes_to_the_end(app):
    engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        options = connection.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'reports'")
        ).scalar_one()
        assert f"fillfactor={REPORTS_FILLFACTOR}" in options
        connection.execute(text(ROW), {"first": 1, "last": 60})
        first_page = connection.scalars(
            text("SELECT tracking_no FROM reports WHERE ctid < '(1,0)' ORDER BY ctid")
        ).all()
        assert len(first_page) > 5
        # A case moving on: its new version stays on its page, in the reserve (at 100 it
        # went elsewhere, and VACUUM left a one-row gap here).
        connection.execute(
            text("UPDATE reports SET status = 'dispatched' WHERE tracking_no = :t"),
            {"t": first_page[2]},
        )
        assert _page(connection, first_page[2]) == 0
        connection.execute(text("VACUUM reports"))
        last_page = connection.execute(
            text("SELECT max((ctid::text::point)[0]) FROM reports")
        ).scalar_one()
    engine.dispose()  # a new connection: no page remembered from the inserts above
    with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(ROW), {"first": 61, "last": 61})
        assert _page(connection, "T61") >= last_page
