"""human tasks remember when their candidates were notified

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("human_tasks", sa.Column("announced_at", models.base.UTCDateTime(), nullable=True))
    # Tasks created before this revision were announced in their own transaction.
    op.execute("UPDATE human_tasks SET announced_at = created_at")
    op.create_index(
        "ix_human_tasks_unannounced",
        "human_tasks",
        ["created_at"],
        postgresql_where=sa.text("announced_at IS NULL"),
        sqlite_where=sa.text("announced_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_human_tasks_unannounced", table_name="human_tasks")
    op.drop_column("human_tasks", "announced_at")
