"""Manual points record the answer they were given for: the submission and a hash of its answer.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: the rows stored before keep applying to whatever answer counts (their old behaviour)
    op.add_column("manual_points", sa.Column("submission_id", sa.Integer))
    op.add_column("manual_points", sa.Column("answer_sha256", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("manual_points") as batch:  # SQLite rebuilds the table
        batch.drop_column("answer_sha256")
        batch.drop_column("submission_id")
