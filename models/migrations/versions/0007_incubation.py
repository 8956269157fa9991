"""Incubation (issue #9): federations and members, incubation bases and their staff, incubations,
services delivered, growth evaluations and the custody ledger.

Revision ID: 0007
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "federations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("area_code", sa.String(length=32), nullable=False),
        sa.Column("designated_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["org_units.code"], name=op.f("fk_federations_area_code_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_federations_created_by_users")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_federations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federations")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_federations_organization_id")),
    )
    op.create_index(op.f("ix_federations_area_code"), "federations", ["area_code"], unique=False)
    op.create_table(
        "incubation_bases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("county_code", sa.String(length=32), nullable=False),
        sa.Column("street_code", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("premises_source", sa.String(length=30), nullable=False),
        sa.Column("premises_terms", sa.String(length=20), nullable=False),
        sa.Column("premises_note", sa.String(length=200), nullable=False),
        sa.Column("area_sqm", sa.Integer(), nullable=True),
        sa.Column("operator_org_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False),
        sa.Column("evaluation_months", sa.Integer(), nullable=False),
        sa.Column("weak_below", sa.Integer(), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["org_units.code"], name=op.f("fk_incubation_bases_county_code_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_incubation_bases_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["operator_org_id"],
            ["organizations.id"],
            name=op.f("fk_incubation_bases_operator_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["street_code"], ["org_units.code"], name=op.f("fk_incubation_bases_street_code_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incubation_bases")),
    )
    op.create_index(
        op.f("ix_incubation_bases_county_code"), "incubation_bases", ["county_code"], unique=False
    )
    op.create_index(
        op.f("ix_incubation_bases_operator_org_id"), "incubation_bases", ["operator_org_id"], unique=False
    )
    op.create_table(
        "federation_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("federation_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("leave_reason", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_federation_members_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_federation_members_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_federation_members_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_members")),
    )
    op.create_index(
        op.f("ix_federation_members_federation_id"), "federation_members", ["federation_id"], unique=False
    )
    op.create_index(
        op.f("ix_federation_members_organization_id"), "federation_members", ["organization_id"], unique=False
    )
    op.create_table(
        "incubation_base_staff",
        sa.Column("base_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("since", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_id"],
            ["incubation_bases.id"],
            name=op.f("fk_incubation_base_staff_base_id_incubation_bases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_incubation_base_staff_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("base_id", "user_id", "kind", name=op.f("pk_incubation_base_staff")),
    )
    op.create_index(
        op.f("ix_incubation_base_staff_user_id"), "incubation_base_staff", ["user_id"], unique=False
    )
    op.create_table(
        "incubations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("representative_id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=False),
        sa.Column("group_stage", sa.String(length=20), nullable=False),
        sa.Column("service_field", sa.String(length=30), nullable=False),
        sa.Column("groups_served", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("services_promised", sa.JSON(), nullable=False),
        sa.Column("agreement_number", sa.String(length=60), nullable=False),
        sa.Column("agreement_document_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("certificate_number", sa.String(length=60), nullable=False),
        sa.Column("certificate_document_id", sa.Integer(), nullable=True),
        sa.Column("registration_offer", sa.String(length=10), nullable=False),
        sa.Column("registration_claimed_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("registration_instance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_document_id"],
            ["documents.id"],
            name=op.f("fk_incubations_agreement_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["base_id"], ["incubation_bases.id"], name=op.f("fk_incubations_base_id_incubation_bases")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_document_id"],
            ["documents.id"],
            name=op.f("fk_incubations_certificate_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_incubations_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_incubations_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_incubations_registration_instance_id_process_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["representative_id"], ["users.id"], name=op.f("fk_incubations_representative_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incubations")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_incubations_instance_id")),
    )
    op.create_index("ix_incubations_base_status", "incubations", ["base_id", "status"], unique=False)
    op.create_index(op.f("ix_incubations_organization_id"), "incubations", ["organization_id"], unique=False)
    op.create_index(
        op.f("ix_incubations_representative_id"), "incubations", ["representative_id"], unique=False
    )
    op.create_table(
        "incubation_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incubation_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("weak", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=True),
        sa.Column("evaluated_by", sa.Integer(), nullable=True),
        sa.Column("support_plan", sa.JSON(), nullable=False),
        sa.Column("support_plan_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("completed_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluated_by"], ["users.id"], name=op.f("fk_incubation_evaluations_evaluated_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["incubation_id"],
            ["incubations.id"],
            name=op.f("fk_incubation_evaluations_incubation_id_incubations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["support_plan_by"], ["users.id"], name=op.f("fk_incubation_evaluations_support_plan_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incubation_evaluations")),
        sa.UniqueConstraint("incubation_id", "round", name=op.f("uq_incubation_evaluations_incubation_id")),
    )
    op.create_table(
        "incubation_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incubation_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("counterparty", sa.String(length=100), nullable=False),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incubation_id"],
            ["incubations.id"],
            name=op.f("fk_incubation_ledger_incubation_id_incubations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_incubation_ledger_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["incubation_ledger.id"],
            name=op.f("fk_incubation_ledger_reverses_id_incubation_ledger"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incubation_ledger")),
        sa.UniqueConstraint("incubation_id", "seq", name=op.f("uq_incubation_ledger_incubation_id")),
    )
    op.create_index(
        op.f("ix_incubation_ledger_incubation_id"), "incubation_ledger", ["incubation_id"], unique=False
    )
    op.create_table(
        "incubation_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incubation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("staff_names", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incubation_id"],
            ["incubations.id"],
            name=op.f("fk_incubation_services_incubation_id_incubations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_incubation_services_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incubation_services")),
    )
    op.create_index(
        op.f("ix_incubation_services_delivered_on"), "incubation_services", ["delivered_on"], unique=False
    )
    op.create_index(
        op.f("ix_incubation_services_incubation_id"), "incubation_services", ["incubation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incubation_services_incubation_id"), table_name="incubation_services")
    op.drop_index(op.f("ix_incubation_services_delivered_on"), table_name="incubation_services")
    op.drop_table("incubation_services")
    op.drop_index(op.f("ix_incubation_ledger_incubation_id"), table_name="incubation_ledger")
    op.drop_table("incubation_ledger")
    op.drop_table("incubation_evaluations")
    op.drop_index(op.f("ix_incubations_representative_id"), table_name="incubations")
    op.drop_index(op.f("ix_incubations_organization_id"), table_name="incubations")
    op.drop_index("ix_incubations_base_status", table_name="incubations")
    op.drop_table("incubations")
    op.drop_index(op.f("ix_incubation_base_staff_user_id"), table_name="incubation_base_staff")
    op.drop_table("incubation_base_staff")
    op.drop_index(op.f("ix_federation_members_organization_id"), table_name="federation_members")
    op.drop_index(op.f("ix_federation_members_federation_id"), table_name="federation_members")
    op.drop_table("federation_members")
    op.drop_index(op.f("ix_incubation_bases_operator_org_id"), table_name="incubation_bases")
    op.drop_index(op.f("ix_incubation_bases_county_code"), table_name="incubation_bases")
    op.drop_table("incubation_bases")
    op.drop_index(op.f("ix_federations_area_code"), table_name="federations")
    op.drop_table("federations")
