"""Who may see an instance and who may act on a task (DESIGN.md §2)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import STAFF_ROLES, HumanTask, ProcessInstance, User

# Lanes whose people sit above the instance scope (the city acts on county cases).
ANCESTOR_LANES = frozenset({"city_civil_affairs", "plac_officer"})


def _within(path_column: InstrumentedAttribute[str], user: User) -> ColumnElement[bool]:
    """The materialized path in `path_column` is the user's org unit or below it."""
    base = user.org_unit.path
    return or_(path_column == base, path_column.like(base + "/%"))


def candidate_clause(user: User) -> ColumnElement[bool]:
    """Open tasks `user` could take: their role, their org unit (or below it for city lanes)."""
    if not user.roles:
        return false()
    exact = and_(HumanTask.org_match == "exact", HumanTask.org_unit_code == user.org_unit_code)
    above = and_(HumanTask.org_match == "ancestor", _within(HumanTask.org_path, user))
    return and_(
        HumanTask.assignee_id.is_(None),
        HumanTask.lane.in_(sorted(user.roles)),
        or_(exact, above),
        HumanTask.excluded_users.not_like(f"%,{user.id},%"),
    )


def actionable_clause(user: User) -> ColumnElement[bool]:
    """Open tasks assigned to `user` or offered to them as a candidate."""
    return and_(HumanTask.status == "open", or_(HumanTask.assignee_id == user.id, candidate_clause(user)))


def is_candidate(user: User, task: HumanTask) -> bool:
    """Role and org unit fit the task (ignoring who claimed it and four-eyes)."""
    if task.lane not in user.roles:
        return False
    if task.org_match == "exact":
        return task.org_unit_code == user.org_unit_code
    base = user.org_unit.path
    return task.org_path == base or task.org_path.startswith(base + "/")


def is_excluded(user: User, task: HumanTask) -> bool:
    """Four-eyes: the user did the task this one must be done by someone else than."""
    return f",{user.id}," in task.excluded_users


def visible_instances_clause(user: User) -> ColumnElement[bool]:
    """Instances `user` may see: their own, their scope's (staff), those they had a task in."""
    if user.has_role("admin"):
        return true()
    own = ProcessInstance.started_by == user.id
    involved = exists(
        select(HumanTask.id).where(
            HumanTask.instance_id == ProcessInstance.id,
            or_(
                HumanTask.completed_by == user.id,
                HumanTask.assignee_id == user.id,
                and_(HumanTask.lane.in_(sorted(user.roles)), HumanTask.org_unit_code == user.org_unit_code),
            ),
        )
    )
    if user.roles & STAFF_ROLES:
        return or_(own, _within(ProcessInstance.scope_path, user), involved)
    return or_(own, involved)


def can_view_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """True when `user` may see the instance."""
    query = select(ProcessInstance.id).where(
        ProcessInstance.id == instance.id, visible_instances_clause(user)
    )
    return session.scalar(query) is not None
