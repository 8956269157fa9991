"""index for city-lane inbox matching by org path prefix

Revision ID: 0008
Revises: 0003
"""

from alembic import op

revision = "0008"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_human_tasks_org_path",
        "human_tasks",
        ["status", "lane", "org_path"],
        postgresql_ops={"org_path": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_human_tasks_org_path", table_name="human_tasks")
