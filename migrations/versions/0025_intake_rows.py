"""Intake writes fewer rows (issue 19): a report filed under its client_uuid keeps its retry
fingerprint itself instead of a second row in idempotency_records; the flooding check's index
on report_suggestions gains computed_at, so it reads one sender's last day only.

The fingerprints of records that belong to such reports are copied onto them, so a retry of a
report filed before this still gets its first answer (the records themselves age out with
`flask idempotency purge` as before).

Revision ID: 0025_intake_rows
Revises: 0020_semantic_vectors
Create Date: 2026-12-01 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_intake_rows"
down_revision = "0020_semantic_vectors"
branch_labels = None
depends_on = None

# The record of a report filed under its client_uuid: same report, key = its client_uuid, and
# the reporter's scope (staff "user:<id>", residents "public").
COPY_FINGERPRINTS = """
UPDATE reports SET request_fingerprint = (
    SELECT r.fingerprint FROM idempotency_records r
    WHERE r.resource = 'report' AND r.resource_id = reports.id AND r.key = reports.client_uuid
      AND r.scope = CASE WHEN reports.reporter_user_id IS NULL THEN 'public'
                         ELSE 'user:' || CAST(reports.reporter_user_id AS VARCHAR(20)) END
)
WHERE reports.id IN (SELECT resource_id FROM idempotency_records WHERE resource = 'report')
  AND reports.client_uuid IS NOT NULL
"""


def upgrade():
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("request_fingerprint", sa.String(length=64), nullable=True))
    op.execute(COPY_FINGERPRINTS)
    # The flooding check reads one sender's last day, not everything they ever sent.
    op.drop_index("ix_report_suggestions_client_key", table_name="report_suggestions")
    op.create_index(
        "ix_report_suggestions_client_key", "report_suggestions", ["client_key", "computed_at"]
    )


# Back to record rows, for the reports that kept their own (a record already there stays).
RESTORE_RECORDS = """
INSERT INTO idempotency_records (scope, key, fingerprint, status, resource, resource_id, created_at)
SELECT CASE WHEN reports.reporter_user_id IS NULL THEN 'public'
            ELSE 'user:' || CAST(reports.reporter_user_id AS VARCHAR(20)) END,
       reports.client_uuid, reports.request_fingerprint, 201, 'report', reports.id,
       reports.created_at
FROM reports
WHERE reports.request_fingerprint IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM idempotency_records r
    WHERE r.key = reports.client_uuid AND r.scope = CASE WHEN reports.reporter_user_id IS NULL
        THEN 'public' ELSE 'user:' || CAST(reports.reporter_user_id AS VARCHAR(20)) END
)
"""


def downgrade():
    op.drop_index("ix_report_suggestions_client_key", table_name="report_suggestions")
    op.create_index("ix_report_suggestions_client_key", "report_suggestions", ["client_key"])
    op.execute(RESTORE_RECORDS)
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("request_fingerprint")
