"""The first schema: students, tokens, submissions, regrades, jobs, manual points.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("students", sa.Column("id", sa.String(100), primary_key=True),
                    sa.Column("name", sa.String(300), nullable=False),
                    sa.Column("email", sa.String(300), nullable=False))
    op.create_table("tokens", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("digest", sa.String(64), nullable=False, unique=True),
                    sa.Column("role", sa.String(10), nullable=False),
                    sa.Column("student_id", sa.String(100), sa.ForeignKey("students.id"), index=True),
                    sa.Column("label", sa.String(300), nullable=False),
                    sa.Column("created_at", _TZ, nullable=False), sa.Column("revoked_at", _TZ))
    op.create_table("submissions", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("student_id", sa.String(100), sa.ForeignKey("students.id"),
                              nullable=False, index=True),
                    sa.Column("sheet_id", sa.String(100), nullable=False, index=True),
                    sa.Column("filename", sa.String(300), nullable=False),
                    sa.Column("sha256", sa.String(64), nullable=False),
                    sa.Column("size", sa.Integer, nullable=False),
                    sa.Column("created_at", _TZ, nullable=False),
                    sa.Column("late_seconds", sa.Float, nullable=False),
                    sa.Column("status", sa.String(10), nullable=False),
                    sa.Column("report_json", sa.Text), sa.Column("score", sa.Float),
                    sa.Column("max_score", sa.Float), sa.Column("graded_at", _TZ))
    op.create_table("regrades", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("sheet_id", sa.String(100), nullable=False),
                    sa.Column("created_at", _TZ, nullable=False),
                    sa.Column("before_json", sa.Text, nullable=False))
    op.create_table("jobs", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"),
                              nullable=False, index=True),
                    sa.Column("regrade_id", sa.Integer, sa.ForeignKey("regrades.id"), index=True),
                    sa.Column("state", sa.String(10), nullable=False, index=True),
                    sa.Column("runs", sa.Integer, nullable=False),
                    sa.Column("created_at", _TZ, nullable=False),
                    sa.Column("claimed_at", _TZ), sa.Column("finished_at", _TZ))
    op.create_table("manual_points", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("sheet_id", sa.String(100), nullable=False),
                    sa.Column("student_id", sa.String(100), sa.ForeignKey("students.id"), nullable=False),
                    sa.Column("task", sa.String(100), nullable=False),
                    sa.Column("point", sa.String(100), nullable=False),
                    sa.Column("points", sa.Float, nullable=False),
                    sa.Column("comment", sa.Text, nullable=False),
                    sa.UniqueConstraint("sheet_id", "student_id", "task", "point"))


def downgrade() -> None:
    for table in ("manual_points", "jobs", "regrades", "submissions", "tokens", "students"):
        op.drop_table(table)
