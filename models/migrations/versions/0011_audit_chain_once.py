"""audit events keep only their own hash (the previous one is the previous event's)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("prev_hash")


def downgrade() -> None:
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(64), nullable=False, server_default=GENESIS))
    connection = op.get_bind()
    events = sa.table("audit_events", sa.column("id"), sa.column("chain"), sa.column("seq"), sa.column("hash"))
    previous: dict[str, str] = {}
    for event_id, chain, event_hash in connection.execute(
        sa.select(events.c.id, events.c.chain, events.c.hash).order_by(events.c.chain, events.c.seq)
    ):
        connection.execute(
            sa.text("UPDATE audit_events SET prev_hash = :prev WHERE id = :id"),
            {"prev": previous.get(chain, GENESIS), "id": event_id},
        )
        previous[chain] = event_hash
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("prev_hash", server_default=None)
