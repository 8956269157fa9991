"""organization representatives

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organization_representatives",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("since", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_organization_representatives_organization_id_organizations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_organization_representatives_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", "user_id", name=op.f("pk_organization_representatives")),
    )
    op.create_index(op.f("ix_organization_representatives_user_id"), "organization_representatives", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_organization_representatives_user_id"), table_name="organization_representatives")
    op.drop_table("organization_representatives")
