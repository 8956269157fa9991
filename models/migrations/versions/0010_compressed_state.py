"""instance state stored zlib-compressed

Revision ID: 0010
Revises: 0009
"""

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    op.add_column("process_instances", sa.Column("state_z", sa.LargeBinary(), nullable=False, server_default=""))
    _copy("state", "state_z", lambda text: zlib.compress(text.encode()) if text else b"")
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_column("state")
        batch.alter_column("state_z", new_column_name="state", server_default=None)


def downgrade() -> None:
    op.add_column("process_instances", sa.Column("state_text", sa.Text(), nullable=False, server_default=""))
    _copy("state", "state_text", lambda data: zlib.decompress(data).decode() if data else "")
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_column("state")
        batch.alter_column("state_text", new_column_name="state", server_default=None)


def _copy(source: str, target: str, convert) -> None:  # type: ignore[no-untyped-def]
    """Convert every row's `source` into `target`, a batch at a time."""
    connection = op.get_bind()
    table = sa.table("process_instances", sa.column("id"), sa.column(source), sa.column(target))
    last = 0
    while rows := connection.execute(
        sa.select(table.c.id, table.c[source]).where(table.c.id > last).order_by(table.c.id).limit(_BATCH)
    ).all():
        for row_id, value in rows:
            connection.execute(
                table.update().where(table.c.id == row_id).values({target: convert(value)})
            )
        last = rows[-1][0]
