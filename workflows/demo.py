"""Demo data: a user for every role in two counties, and a few cases in flight."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ProcessInstance, User
from workflows import definitions
from workflows.accounts import create_user
from workflows.instances import complete_task, open_tasks, start_instance

DEMO_PROCESS = Path(__file__).resolve().parent.parent / "tests" / "bpmn" / "core_review.bpmn"


@dataclass(frozen=True)
class DemoUser:
    """A demo login."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    org_unit: str


DEMO_USERS = [
    DemoUser("admin", "系统管理员", ("admin",), "140700"),
    DemoUser("city_ca", "市民政局 王科长", ("city_civil_affairs",), "140700"),
    DemoUser("plac", "市委政法委 李主任", ("plac_officer",), "140700"),
    DemoUser("expert1", "评审专家 赵教授", ("expert",), "140700"),
    DemoUser("unit_police", "市公安局 联络员", ("member_unit",), "140700D03"),
    DemoUser("unit_justice", "市司法局 联络员", ("member_unit",), "140700D04"),
]
for county, tag, street, community in (
    ("140702", "yc", "140702001", "140702001001"),
    ("140781", "jx", "140781001", "140781001001"),
):
    DEMO_USERS += [
        DemoUser(f"applicant_{tag}", f"申请人（{tag}）", ("applicant",), community),
        DemoUser(f"community_{tag}", f"社区工作人员（{tag}）", ("community_committee",), community),
        DemoUser(f"street_{tag}", f"街道工作人员（{tag}）", ("street_officer",), street),
        DemoUser(f"registrar_{tag}", f"登记员甲（{tag}）", ("county_registrar",), county),
        DemoUser(f"registrar2_{tag}", f"登记员乙（{tag}）", ("county_registrar",), county),
        DemoUser(f"leader_{tag}", f"民政局负责人（{tag}）", ("county_leader",), county),
    ]


def seed_demo_users(session: Session, password: str) -> list[DemoUser]:
    """Create or refresh the demo users and deploy the demo process."""
    for demo in DEMO_USERS:
        create_user(session, demo.username, password, list(demo.roles), demo.org_unit, demo.display_name)
    definitions.deploy_file(session, DEMO_PROCESS.read_bytes())
    session.commit()
    return DEMO_USERS


def seed_demo(session: Session, password: str) -> list[DemoUser]:
    """Demo users (idempotent) and, while there are no cases at all, three demo cases."""
    accounts = seed_demo_users(session, password)
    if session.scalar(select(ProcessInstance.id).limit(1)) is None:
        _demo_cases(session)
    return accounts


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def _demo_cases(session: Session) -> None:
    """One case waiting for the applicant, one for the registrar, one for the member units."""
    applicant = _user(session, "applicant_yc")
    start_instance(session, "core_review", applicant)
    application = {
        "title": "锦纶社区邻里互助队活动场地申请",
        "summary": "每周组织老年人互助活动。",
        "start_date": "2026-12-01",
        "members": 12,
        "contacts": [{"name": "张敏", "phone": "13803540001"}],
    }
    for title in ("北关社区调解志愿队备案咨询", application["title"]):
        instance = start_instance(session, "core_review", applicant)
        task = open_tasks(session, instance.id)[0]
        complete_task(session, task.id, applicant, {**application, "title": title})
    review = open_tasks(session, instance.id)[0]
    complete_task(
        session, review.id, _user(session, "registrar_yc"), {"decision": "approve", "comment": "材料齐全"}
    )
