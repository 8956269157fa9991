"""The joint meeting (联席会议, issue #5): one meeting cycle per `joint_meeting` instance.

Meeting-specific state lives here, written by the process's service tasks, so that the meeting
page and the items board are plain queries and never load a workflow.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import OrgUnit
from models.process import ProcessInstance

MEETING_KINDS = {"regular": "定期会议（季度例会）", "ad_hoc": "临时会议"}
MEETING_STATUSES = {
    "collecting": "议题征集中",
    "agenda": "议程整理中",
    "agenda_review": "议程待审定",
    "notice": "会议通知拟发中",
    "confirming": "参会回执中",
    "minutes": "会议纪要整理中",
    "minutes_review": "会议纪要待签发",
    "supervising": "议定事项督办中",
    "closed": "已办结",
}
TOPIC_RESPONSES = {
    "pending": "待报送",
    "submitted": "已报送议题",
    "none": "无议题",
    "no_response": "逾期未报送",
}
ATTENDANCE = {"pending": "待回执", "attend": "参加", "absent": "请假", "no_reply": "未回执"}
PRESENCE = {"present": "出席", "leave": "请假", "absent": "缺席"}
TOPIC_STATUSES = {
    "submitted": "待处理",
    "accepted": "列入议程",
    "merged": "合并审议",
    "deferred": "暂缓审议",
    "rejected": "不予采纳",
}
ITEM_STATUSES = {
    "draft": "纪要待签发",
    "open": "待落实",
    "in_progress": "落实中",
    "reported": "待核验",
    "returned": "退回重办",
    "verified": "已办结",
}
REPORT_KINDS = {
    "progress": "进展报告",
    "completion": "办结报告",
    "returned": "退回重办",
    "accepted": "核验办结",
}


class Meeting(Base):
    """A meeting cycle: topics → agenda → notice → meeting → minutes → supervised items."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True
    )
    level_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="collecting", index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    topic_due_at: Mapped[datetime]
    agenda_round: Mapped[int] = mapped_column(default=0)
    # What the office must fix before the agenda / the minutes can go to the convener.
    agenda_problems: Mapped[list[Any]] = mapped_column(default=list)
    minutes_problems: Mapped[list[Any]] = mapped_column(default=list)
    review_comment: Mapped[str] = mapped_column(Text, default="")  # the convener's last return
    scheduled_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(100), default="")
    attendees: Mapped[str] = mapped_column(Text, default="")
    confirm_due_at: Mapped[datetime | None]
    notice_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    held_at: Mapped[datetime | None]
    held_place: Mapped[str] = mapped_column(String(200), default="")
    held_chair: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    minutes_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    convened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    level: Mapped[OrgUnit] = relationship(lazy="joined")
    instance: Mapped[ProcessInstance] = relationship()


class MeetingUnit(Base):
    """An invited member unit: its answer to the topic call, its attendance."""

    __tablename__ = "meeting_units"
    __table_args__ = (UniqueConstraint("meeting_id", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"), index=True)
    topic_status: Mapped[str] = mapped_column(String(20), default="pending")
    topic_note: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None]
    responded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attendance: Mapped[str] = mapped_column(String(20), default="pending")
    attendance_names: Mapped[str] = mapped_column(String(300), default="")
    attendance_note: Mapped[str] = mapped_column(String(500), default="")
    presence: Mapped[str] = mapped_column(String(20), default="")  # from the minutes
    presence_names: Mapped[str] = mapped_column(String(300), default="")

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class MeetingTopic(Base):
    """A topic a member unit proposed (议题), and what the agenda made of it."""

    __tablename__ = "meeting_topics"
    __table_args__ = (UniqueConstraint("meeting_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    no: Mapped[int]
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(String(30), default="")
    urgency: Mapped[str] = mapped_column(String(20), default="normal")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    merged_into: Mapped[int | None]  # the number of the topic it was merged into
    reason: Mapped[str] = mapped_column(Text, default="")
    agenda_no: Mapped[int | None]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class AgendaItem(Base):
    """One item of the approved agenda (议程), with the discussion the minutes record."""

    __tablename__ = "meeting_agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    no: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("org_units.code"))  # who proposed it
    topic_nos: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    discussion: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[OrgUnit | None] = relationship(lazy="joined")


class DecidedItem(Base):
    """A decided item (议定事项) of the minutes, supervised (督办) until the office verifies it."""

    __tablename__ = "meeting_decided_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "no"),
        Index("ix_meeting_decided_items_owner_status", "owner_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    no: Mapped[int]
    content: Mapped[str] = mapped_column(Text)
    owner_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    # Co-units as ",140700D04,140700D05," so that "is this unit a co-unit" is a portable LIKE.
    co_units: Mapped[str] = mapped_column(String(400), default="")
    deadline: Mapped[date]
    due_at: Mapped[datetime]  # the end of the deadline day, China Standard Time
    status: Mapped[str] = mapped_column(String(20), default="draft")
    return_reason: Mapped[str] = mapped_column(Text, default="")
    last_report: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    owner: Mapped[OrgUnit] = relationship(lazy="joined")

    @property
    def co_unit_codes(self) -> list[str]:
        """The co-units' codes, in the order the minutes name them."""
        return [code for code in self.co_units.split(",") if code]


class ItemReport(Base):
    """One entry of a decided item's record: a progress or completion report, or a verification."""

    __tablename__ = "meeting_item_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_decided_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_units.code"))
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
