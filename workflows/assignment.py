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
    """Open tasks `user` could take: their role, their org unit (or below it for city lanes).

    Written as a flat OR of two conjunctions so that each can use its own index.
    """
    if not user.roles:
        return false()
    free = (
        HumanTask.status == "open",
        HumanTask.assignee_id.is_(None),
        HumanTask.lane.in_(sorted(user.roles)),
        HumanTask.excluded_users.not_like(f"%,{user.id},%"),
    )
    exact = and_(*free, HumanTask.org_match == "exact", HumanTask.org_unit_code == user.org_unit_code)
    above = and_(*free, HumanTask.org_match == "ancestor", _within(HumanTask.org_path, user))
    return or_(exact, above)


def actionable_clause(user: User) -> ColumnElement[bool]:
    """Open tasks assigned to `user` or offered to them as a candidate."""
    mine = and_(HumanTask.status == "open", HumanTask.assignee_id == user.id)
    return or_(mine, candidate_clause(user))


def is_candidate(user: User, task: HumanTask) -> bool:
    """Role and org unit fit the task (ignoring who claimed it and four-eyes)."""
    if task.lane not in user.roles:
        return False
    if task.org_match == "user":
        return False  # assigned by the process to one person (assignUser)
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


def instance_visible(session: Session, user: User, instance_id: int) -> bool:
    """True when `user` may see the instance with this id."""
    query = select(ProcessInstance.id).where(
        ProcessInstance.id == instance_id, visible_instances_clause(user)
    )
    return session.scalar(query) is not None


def can_view_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """True when `user` may see the instance."""
    return instance_visible(session, user, instance.id)
