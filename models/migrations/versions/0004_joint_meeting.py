"""The joint meeting (联席会议, issue #5): meetings, invited units, topics, agenda, decided items
and their reports.

Revision ID: 0004
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import models.base


revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("level_code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("topic_due_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("agenda_round", sa.Integer(), nullable=False),
        sa.Column("agenda_problems", sa.JSON(), nullable=False),
        sa.Column("minutes_problems", sa.JSON(), nullable=False),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("scheduled_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("chair", sa.String(length=100), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("confirm_due_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("notice_document_id", sa.Integer(), nullable=True),
        sa.Column("held_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("held_place", sa.String(length=200), nullable=False),
        sa.Column("held_chair", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("minutes_document_id", sa.Integer(), nullable=True),
        sa.Column("convened_by", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["convened_by"], ["users.id"], name=op.f("fk_meetings_convened_by_users")),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_meetings_instance_id_process_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["level_code"], ["org_units.code"], name=op.f("fk_meetings_level_code_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["minutes_document_id"],
            ["documents.id"],
            name=op.f("fk_meetings_minutes_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["notice_document_id"],
            ["documents.id"],
            name=op.f("fk_meetings_notice_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_meetings_instance_id")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_level_code"), ["level_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_status"), ["status"], unique=False)

    op.create_table(
        "meeting_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=True),
        sa.Column("topic_nos", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_agenda_items_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_units.code"], name=op.f("fk_meeting_agenda_items_unit_code_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_agenda_items")),
        sa.UniqueConstraint("meeting_id", "no", name=op.f("uq_meeting_agenda_items_meeting_id")),
    )
    with op.batch_alter_table("meeting_agenda_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_agenda_items_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "meeting_decided_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("owner_code", sa.String(length=32), nullable=False),
        sa.Column("co_units", sa.String(length=400), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=False),
        sa.Column("last_report", sa.Text(), nullable=False),
        sa.Column("reported_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("verified_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_decided_items_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_code"], ["org_units.code"], name=op.f("fk_meeting_decided_items_owner_code_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_decided_items")),
        sa.UniqueConstraint("meeting_id", "no", name=op.f("uq_meeting_decided_items_meeting_id")),
    )
    with op.batch_alter_table("meeting_decided_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_decided_items_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index("ix_meeting_decided_items_owner_status", ["owner_code", "status"], unique=False)

    op.create_table(
        "meeting_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("agenda_no", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_meeting_topics_attachment_id_attachments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_topics_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_meeting_topics_submitted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_units.code"], name=op.f("fk_meeting_topics_unit_code_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_topics")),
        sa.UniqueConstraint("meeting_id", "no", name=op.f("uq_meeting_topics_meeting_id")),
    )
    with op.batch_alter_table("meeting_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_topics_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "meeting_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("topic_status", sa.String(length=20), nullable=False),
        sa.Column("topic_note", sa.Text(), nullable=False),
        sa.Column("responded_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("responded_by", sa.Integer(), nullable=True),
        sa.Column("attendance", sa.String(length=20), nullable=False),
        sa.Column("attendance_names", sa.String(length=300), nullable=False),
        sa.Column("attendance_note", sa.String(length=500), nullable=False),
        sa.Column("presence", sa.String(length=20), nullable=False),
        sa.Column("presence_names", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_units_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responded_by"], ["users.id"], name=op.f("fk_meeting_units_responded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_units.code"], name=op.f("fk_meeting_units_unit_code_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_units")),
        sa.UniqueConstraint("meeting_id", "unit_code", name=op.f("uq_meeting_units_meeting_id")),
    )
    with op.batch_alter_table("meeting_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_units_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_units_unit_code"), ["unit_code"], unique=False)

    op.create_table(
        "meeting_item_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_meeting_item_reports_attachment_id_attachments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["by"], ["users.id"], name=op.f("fk_meeting_item_reports_by_users")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["meeting_decided_items.id"],
            name=op.f("fk_meeting_item_reports_item_id_meeting_decided_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["org_units.code"], name=op.f("fk_meeting_item_reports_unit_code_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_item_reports")),
    )
    with op.batch_alter_table("meeting_item_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_item_reports_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting_item_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_item_reports_item_id"))

    op.drop_table("meeting_item_reports")
    with op.batch_alter_table("meeting_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_units_unit_code"))
        batch_op.drop_index(batch_op.f("ix_meeting_units_meeting_id"))

    op.drop_table("meeting_units")
    with op.batch_alter_table("meeting_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_topics_meeting_id"))

    op.drop_table("meeting_topics")
    with op.batch_alter_table("meeting_decided_items", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_decided_items_owner_status")
        batch_op.drop_index(batch_op.f("ix_meeting_decided_items_meeting_id"))

    op.drop_table("meeting_decided_items")
    with op.batch_alter_table("meeting_agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_agenda_items_meeting_id"))

    op.drop_table("meeting_agenda_items")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_status"))
        batch_op.drop_index(batch_op.f("ix_meetings_level_code"))

    op.drop_table("meetings")
