"""Admin screens for users: a reset (or new) password must be changed at the next sign-in.

Revision ID: 0019_admin_users
Revises: 0018_admin_audit
Create Date: 2026-12-01 01:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0019_admin_users"
down_revision = "0018_admin_audit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                server_default=sa.text("false"),
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
