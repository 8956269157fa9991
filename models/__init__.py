"""SQLAlchemy models. Import models from here."""

from models.base import Base, utcnow
from models.org import ROLE_NAMES, STAFF_ROLES, ApiToken, OrgUnit, Role, User, UserRole
from models.process import INSTANCE_STATUSES, Draft, HumanTask, ProcessDefinition, ProcessInstance, Submission
from models.records import (
    Attachment,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    Document,
    DocumentCounter,
    Notification,
)

__all__ = [
    "INSTANCE_STATUSES",
    "ROLE_NAMES",
    "STAFF_ROLES",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Document",
    "DocumentCounter",
    "Draft",
    "HumanTask",
    "Notification",
    "OrgUnit",
    "ProcessDefinition",
    "ProcessInstance",
    "Role",
    "Submission",
    "User",
    "UserRole",
    "utcnow",
]
