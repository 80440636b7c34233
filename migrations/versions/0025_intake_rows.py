"""Intake writes fewer rows (issue 19): a report filed under its client_uuid keeps its retry
fingerprint itself instead of a second row in idempotency_records; the flooding check's index
on report_suggestions gains computed_at, so it reads one sender's last day only; an outbox
event names the subscriptions that follow it and the deliverer makes their deliveries later
(the events already there had theirs made at the time: they are marked fanned out).

The fingerprints of records that belong to such reports are copied onto them, so a retry of a
report filed before this still gets its first answer (the records themselves age out with
`flask idempotency purge` as before).

Revision ID: 0025_intake_rows
Revises: 0027_locate_parts
Create Date: 2026-12-01 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

import app.core.types

# revision identifiers, used by Alembic.
revision = "0025_intake_rows"
down_revision = "0027_locate_parts"
branch_labels = None
depends_on = None

WAITING = "fanned_out_at IS NULL"

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
    _outbox_upgrade()


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


def _outbox_upgrade():
    with op.batch_alter_table("webhook_outbox") as batch:
        batch.add_column(sa.Column("receivers", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("fanned_out_at", app.core.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE webhook_outbox SET receivers = '[]', fanned_out_at = created_at")
    with op.batch_alter_table("webhook_outbox") as batch:
        batch.alter_column("receivers", existing_type=sa.JSON(), nullable=False)
    op.create_index(
        "ix_webhook_outbox_waiting",
        "webhook_outbox",
        ["id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


# Before this, events were fanned out at commit: make the deliveries of those still waiting.
FAN_OUT_WAITING = """
INSERT INTO webhook_deliveries
    (delivery_id, subscription_id, outbox_event_id, status, attempts, next_attempt_at, created_at)
SELECT {uuid}, s.id, o.id, 'pending', 0, o.created_at, o.created_at
FROM webhook_outbox o JOIN webhook_subscriptions s ON {named}
WHERE o.fanned_out_at IS NULL
"""


def _outbox_downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        named = "o.receivers::jsonb @> to_jsonb(s.id)"
        new_id = "gen_random_uuid()::text"
    else:
        named = "s.id IN (SELECT value FROM json_each(o.receivers))"
        new_id = "lower(hex(randomblob(16)))"
    op.execute(FAN_OUT_WAITING.format(uuid=new_id, named=named))
    op.drop_index("ix_webhook_outbox_waiting", table_name="webhook_outbox")
    with op.batch_alter_table("webhook_outbox") as batch:
        batch.drop_column("fanned_out_at")
        batch.drop_column("receivers")


def downgrade():
    _outbox_downgrade()
    op.drop_index("ix_report_suggestions_client_key", table_name="report_suggestions")
    op.create_index("ix_report_suggestions_client_key", "report_suggestions", ["client_key"])
    op.execute(RESTORE_RECORDS)
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("request_fingerprint")
