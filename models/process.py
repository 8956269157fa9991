"""Process definitions, instances, the human-task inbox, drafts and dossier versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import OrgUnit

INSTANCE_STATUSES = ("running", "waiting", "completed", "terminated", "error", "suspended")
ACTIVE_INSTANCE_STATUSES = ("running", "waiting")  # the engine may run the instance on (tasks, timers)


class ProcessDefinition(Base):
    """One version of a BPMN process: its XML, and its serialized spec stored once."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200), default="")
    # The two large columns load only when read: every instance joins its definition.
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft, deployed, retired
    start_roles: Mapped[list[Any]] = mapped_column(default=list)
    findings: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_at: Mapped[datetime | None]


class ProcessInstance(Base):
    """A running case. `state` is the serializer's JSON without the spec, zlib-compressed."""

    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_process_instances_scope_status", "scope_path", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int]
    scope_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    scope_path: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="running")
    business_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    serializer_version: Mapped[str] = mapped_column(String(10), default="")
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined", innerjoin=True)
    scope: Mapped[OrgUnit] = relationship(lazy="joined", innerjoin=True)  # every engine run needs it


class HumanTask(Base):
    """A READY user task, denormalized so the inbox never loads a workflow."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_inbox", "status", "lane", "org_unit_code"),
        Index("ix_human_tasks_assignee", "status", "assignee_id"),
        # City lanes match tasks by org_path prefix (LIKE '140700/140702/%').
        Index(
            "ix_human_tasks_org_path",
            "status",
            "lane",
            "org_path",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
        # The sweep that re-sends announcements a lost follow-up job did not make.
        Index(
            "ix_human_tasks_unannounced",
            "created_at",
            postgresql_where=text("announced_at IS NULL"),
            sqlite_where=text("announced_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    process_key: Mapped[str] = mapped_column(String(80))
    spiff_task_id: Mapped[str] = mapped_column(String(36), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    form_key: Mapped[str] = mapped_column(String(120))
    lane: Mapped[str] = mapped_column(String(40))
    # Candidates hold `lane` and sit in `org_unit_code` ("exact"), or above it ("ancestor").
    org_unit_code: Mapped[str] = mapped_column(String(32))
    org_path: Mapped[str] = mapped_column(String(255))
    org_match: Mapped[str] = mapped_column(String(10), default="exact")
    # Four-eyes: ",12,34," — users who did the task named by excludeActorsOf.
    excluded_users: Mapped[str] = mapped_column(String(255), default="")
    mi_output: Mapped[str] = mapped_column(String(80), default="")  # multi-instance output item
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None]
    due_estimated: Mapped[bool] = mapped_column(default=False)
    announced_at: Mapped[datetime | None]  # when the candidates were notified of the new task
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, completed, cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    instance: Mapped[ProcessInstance] = relationship()


class Draft(Base):
    """Partial form data a user saved for a task; survives logout."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stage: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Submission(Base):
    """Data submitted on completing a user task: one version per completion (the dossier)."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_instance_bpmn", "instance_id", "bpmn_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    task_name: Mapped[str] = mapped_column(String(200))
    form_key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
