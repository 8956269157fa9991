"""The joint-meeting cycle (联席会议, issue #5) through the API: topics, agenda, notice, minutes,
supervision of the decided items, and who sees what."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, DecidedItem, HumanTask, Notification, User
from tests.conftest import DEMO_PASSWORD, ApiClient
from workflows.accounts import create_user
from workflows.instances import fire_due_timers
from workflows.meetings import views
from workflows.reminders import remind_and_escalate
from workflows.working_days import CST

POLICE, JUSTICE, FINANCE, HEALTH, HR = "140700D03", "140700D04", "140700D05", "140700D06", "140700D07"
CITY_UNITS = [POLICE, JUSTICE, FINANCE, HEALTH, HR]
LIAISON = {
    POLICE: "unit_police",
    JUSTICE: "unit_justice",
    FINANCE: "unit_finance",
    HEALTH: "unit_health",
    HR: "unit_hr",
}


def today() -> date:
    return datetime.now(UTC).astimezone(CST).date()


def at_cst(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


@pytest.fixture(autouse=True)
def _fresh_pdf_cache(app: Flask) -> None:
    """Rendered PDFs are cached by document id and number, which repeat once the cases are cleared."""
    shutil.rmtree(Path(app.config["UPLOAD_DIR"]) / "documents", ignore_errors=True)


@pytest.fixture
def liaisons(db_session: Session) -> dict[str, str]:
    """A liaison officer for each of the five city member units of the test (two are demo users)."""
    for code, username in LIAISON.items():
        create_user(db_session, username, DEMO_PASSWORD, ["member_unit"], code, f"{username} 联络员")
    db_session.commit()
    return LIAISON


def complete(client: ApiClient, task_id: int, data: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post(f"/tasks/{task_id}/complete", json={"data": data})
    assert response.status_code == status, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def tasks_of(client: ApiClient, instance_id: int) -> list[dict[str, Any]]:
    items = client.get("/tasks").get_json()["items"]
    return [t for t in items if t["instance_id"] == instance_id]


def only(tasks: list[dict[str, Any]], form_key: str) -> dict[str, Any]:
    found = [t for t in tasks if t["form_key"] == form_key]
    assert len(found) == 1, tasks
    return found[0]


def upload(client: ApiClient, instance_id: int) -> str:
    response = client.post(
        f"/instances/{instance_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4\n% evidence\n"), "佐证材料.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def notifications(db_session: Session, username: str, kind: str | None = None) -> list[Notification]:
    db_session.expire_all()
    user = db_session.scalar(select(User).where(User.username == username))
    assert user is not None
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db_session.scalars(query.order_by(Notification.id)))


def open_cycle(api: ApiClient, units: list[str] | None = None, convener: str = "plac") -> tuple[int, int]:
    """The convener starts a cycle and calls for topics; (instance id, meeting id)."""
    plac = api.as_user(convener)
    started = plac.post("/processes/joint_meeting/instances", json={"data": {}})
    assert started.status_code == 201, started.get_json()
    first = only(started.get_json()["tasks"], "meeting.open")
    data = {
        "meeting_title": "2026年第一季度社会组织参与基层社会治理联席会议",
        "meeting_kind": "regular",
        "invited_units": units or [],
        "topic_deadline": (today() + timedelta(days=10)).isoformat(),
        "meeting_note": "请围绕社区社会组织参与基层治理报送议题。",
    }
    body = complete(plac, first["id"], data)
    meeting = plac.get("/meetings").get_json()["items"][0]
    assert meeting["instance_id"] == body["id"]
    return body["id"], meeting["id"]


TOPIC = {"description": "说明", "field": "mediation", "urgency": "normal"}


def topic(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, **TOPIC, **extra}


def collect_topics(api: ApiClient, db_session: Session, instance_id: int) -> dict[str, ApiClient]:
    """Four units answer (police two topics, justice none, finance and health one each); the
    personnel bureau never does and is closed at the deadline. The liaisons' clients."""
    clients = {code: api.as_user(name) for code, name in LIAISON.items()}
    answers = {
        POLICE: {"decision": "submit", "topics": [topic("社区矫正对象帮扶"), topic("平安巡防志愿队建设")]},
        JUSTICE: {"decision": "none", "topics_note": "本季度无议题"},
        FINANCE: {"decision": "submit", "topics": [topic("孵化基地运营补贴", field="funding")]},
        HEALTH: {"decision": "submit", "topics": [topic("心理健康服务进社区", field="mental_health")]},
    }
    for code, data in answers.items():
        complete(clients[code], tasks_of(clients[code], instance_id)[0]["id"], data)
    return clients


def hr_topic_task(db_session: Session, instance_id: int) -> HumanTask:
    db_session.expire_all()
    task = db_session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.org_unit_code == HR)
    )
    assert task is not None and task.due_at is not None
    return task


def close_collection(db_session: Session, instance_id: int) -> None:
    """Time passes to just after the topic deadline; the timer closes the call."""
    due = hr_topic_task(db_session, instance_id).due_at
    assert due is not None
    assert fire_due_timers(db_session, due + timedelta(minutes=1)) == 1


AGENDA_ROUND_ONE = [
    {"topic_no": 1, "action": "accept", "agenda_title": "社区矫正对象帮扶工作"},
    {"topic_no": 2, "action": "merge", "merge_into": 1},
    {"topic_no": 3, "action": "reject", "reason": "属于财政预算事项，请按部门预算程序申报"},
    {"topic_no": 4, "action": "defer", "reason": "待卫健部门调研后再议"},
]


def agree_agenda(api: ApiClient, instance_id: int, meeting_id: int) -> None:
    """The office drafts the agenda, the convener returns it once, then approves the second draft."""
    office, plac = api.as_user("city_ca"), api.as_user("plac")
    draft = only(tasks_of(office, instance_id), "meeting.agenda")
    seeded = office.post(f"/meetings/{meeting_id}/tasks/{draft['id']}/prefill").get_json()
    assert [row["topic_no"] for row in seeded["data"]["agenda_rows"]] == [1, 2, 3, 4]
    complete(office, draft["id"], {"agenda_rows": AGENDA_ROUND_ONE})
    review = only(tasks_of(plac, instance_id), "meeting.agenda_review")
    complete(plac, review["id"], {"decision": "return"}, status=422)  # a return needs a comment
    complete(plac, review["id"], {"decision": "return", "comment": "心理健康议题请列入本次会议"})
    again = only(tasks_of(office, instance_id), "meeting.agenda")
    detail = office.get(f"/tasks/{again['id']}").get_json()
    assert detail["draft"]["source"] == "previous_submission"
    assert office.get(f"/meetings/{meeting_id}").get_json()["review_comment"] == "心理健康议题请列入本次会议"
    rows = [*AGENDA_ROUND_ONE[:3], {"topic_no": 4, "action": "accept"}]
    complete(
        office, again["id"], {"agenda_rows": rows, "extra_items": [{"title": "通报上季度议定事项落实情况"}]}
    )
    complete(plac, only(tasks_of(plac, instance_id), "meeting.agenda_review")["id"], {"decision": "approve"})


def pdf_text(client: ApiClient, meeting_id: int, document_id: int) -> str:
    response = client.get(f"/meetings/{meeting_id}/documents/{document_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).replace(
        "\n", ""
    )


def hold_meeting(api: ApiClient, db_session: Session, instance_id: int, meeting_id: int) -> dict[str, Any]:
    """The notice goes out; three units answer, two do not before the deadline. The meeting."""
    office = api.as_user("city_ca")
    meeting_day = today() + timedelta(days=14)
    notice = {
        "meeting_at": f"{meeting_day.isoformat()}T09:30",
        "meeting_place": "市委政法委第一会议室",
        "meeting_chair": "市委政法委副书记",
        "meeting_attendees": "各成员单位分管负责同志及联络员",
        "confirm_deadline": (today() + timedelta(days=12)).isoformat(),
    }
    complete(office, only(tasks_of(office, instance_id), "meeting.notice")["id"], notice)
    replies = {
        POLICE: {"decision": "attend", "attendee_names": "张伟 副局长"},
        JUSTICE: {"decision": "absent", "absence_reason": "参加省厅培训"},
        FINANCE: {"decision": "attend", "attendee_names": "李娜 科长"},
    }
    for code, data in replies.items():
        client = api.as_user(LIAISON[code])
        complete(client, only(tasks_of(client, instance_id), "meeting.confirm")["id"], data)
    db_session.expire_all()
    confirm_task = db_session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.bpmn_id == "confirm_attendance",
            HumanTask.status == "open",
        )
    )
    assert confirm_task is not None and confirm_task.due_at is not None
    assert fire_due_timers(db_session, confirm_task.due_at + timedelta(minutes=1)) == 1
    body: dict[str, Any] = office.get(f"/meetings/{meeting_id}").get_json()
    return body


DECIDED = [
    {"content": "建立社区矫正对象帮扶转介机制", "owner": POLICE, "co_units": [JUSTICE], "days": 30},
    {"content": "组建平安巡防志愿服务队", "owner": POLICE, "co_units": [], "days": 40},
    {"content": "落实孵化基地运营补贴资金", "owner": FINANCE, "co_units": [HEALTH, HR], "days": 30},
    {"content": "开展心理健康服务进社区活动", "owner": HEALTH, "co_units": [], "days": 20},
]


def sign_minutes(api: ApiClient, instance_id: int, meeting_id: int) -> list[dict[str, Any]]:
    """The office records the minutes with four decided items; the convener signs. The board."""
    office, plac = api.as_user("city_ca"), api.as_user("plac")
    task = only(tasks_of(office, instance_id), "meeting.minutes")
    seeded = office.post(f"/meetings/{meeting_id}/tasks/{task['id']}/prefill").get_json()["data"]
    presence = {row["unit"]: row["presence"] for row in seeded["attendance"]}
    assert presence == {POLICE: "present", JUSTICE: "leave", FINANCE: "present", HEALTH: None, HR: None}
    assert [row["agenda_no"] for row in seeded["discussions"]] == [1, 2, 3]
    data = {
        **seeded,
        "held_chair": "市委政法委副书记",
        "minutes_summary": "会议听取了各成员单位工作情况汇报，研究了社区社会组织参与基层治理有关事项。",
        "attendance": [{**row, "presence": row["presence"] or "absent"} for row in seeded["attendance"]],
        "discussions": [
            {**row, "discussion": f"与会单位就第{row['agenda_no']}项进行了讨论。"}
            for row in seeded["discussions"]
        ],
        "decided": [
            {
                "content": d["content"],
                "owner": d["owner"],
                "co_units": d["co_units"],
                "deadline": (today() + timedelta(days=d["days"])).isoformat(),
            }
            for d in DECIDED
        ],
    }
    complete(office, task["id"], data)
    complete(plac, only(tasks_of(plac, instance_id), "meeting.minutes_review")["id"], {"decision": "approve"})
    board = plac.get(f"/meeting-items?meeting={meeting_id}").get_json()
    assert board["total"] == 4
    items: list[dict[str, Any]] = sorted(board["items"], key=lambda i: i["no"])
    return items


def item_task(client: ApiClient, item_id: int) -> dict[str, Any]:
    body = client.get(f"/meeting-items/{item_id}").get_json()
    assert body["can_act"], body
    task: dict[str, Any] = body["task"]
    return task


def test_city_cycle_from_topics_to_the_last_verified_item(
    api: ApiClient, liaisons: dict[str, str], db_session: Session
) -> None:
    instance_id, meeting_id = open_cycle(api, CITY_UNITS)
    plac, office = api.as_user("plac"), api.as_user("city_ca")

    # topics: one task per invited unit, each liaison sees only their own unit's
    for code, username in LIAISON.items():
        assert [t["scope"] for t in tasks_of(api.as_user(username), instance_id)] == [code]
    police = api.as_user("unit_police")
    justice_task = tasks_of(api.as_user("unit_justice"), instance_id)[0]
    complete(police, justice_task["id"], {"decision": "none"}, status=403)
    collect_topics(api, db_session, instance_id)
    hr_task = hr_topic_task(db_session, instance_id)
    assert hr_task.due_at is not None
    remind_and_escalate(db_session, hr_task.created_at + (hr_task.due_at - hr_task.created_at) * 0.85)
    assert [n.title for n in notifications(db_session, "unit_hr", "due_soon")] == ["即将到期：报送议题"]
    assert notifications(db_session, "unit_police", "due_soon") == []  # police had answered

    # at the deadline only the unit that never answered is closed, as "no response"
    close_collection(db_session, instance_id)
    meeting = office.get(f"/meetings/{meeting_id}").get_json()
    assert {u["code"]: u["topic_status"] for u in meeting["units"]} == {
        POLICE: "submitted",
        JUSTICE: "none",
        FINANCE: "submitted",
        HEALTH: "submitted",
        HR: "no_response",
    }
    assert [(t["no"], t["unit"]["code"]) for t in meeting["topics"]] == [
        (1, POLICE),
        (2, POLICE),
        (3, FINANCE),
        (4, HEALTH),
    ]
    assert hr_topic_task(db_session, instance_id).status == "cancelled"
    no_response = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == "topic_no_response"
        )
    ).all()
    assert [e.details["unit"] for e in no_response] == [HR]

    # agenda: a topic rejected with a reason, the agenda returned once, then approved
    agree_agenda(api, instance_id, meeting_id)
    finance_view = api.as_user("unit_finance").get(f"/meetings/{meeting_id}").get_json()
    assert [(t["no"], t["status"], t["reason"]) for t in finance_view["topics"]] == [
        (3, "rejected", "属于财政预算事项，请按部门预算程序申报")
    ]
    assert "属于财政预算事项" in notifications(db_session, "unit_finance", "meeting")[-1].body
    assert [t["no"] for t in police.get(f"/meetings/{meeting_id}").get_json()["topics"]] == [1, 2]
    agenda = office.get(f"/meetings/{meeting_id}").get_json()["agenda"]
    assert [(a["no"], a["title"], a["topics"]) for a in agenda] == [
        (1, "社区矫正对象帮扶工作", [1, 2]),
        (2, "心理健康服务进社区", [4]),
        (3, "通报上季度议定事项落实情况", []),
    ]

    # the numbered notice (time, place, attendees, agenda) and the answers
    meeting = hold_meeting(api, db_session, instance_id, meeting_id)
    notice = next(d for d in meeting["documents"] if d["kind"] == "meeting_notice")
    assert notice["number"] == f"晋民会〔{today().year}〕1号"
    text = pdf_text(api.as_user("unit_hr"), meeting_id, notice["id"])
    for expected in (
        notice["number"],
        "市委政法委第一会议室",
        "9:30",
        "各成员单位分管负责同志及联络员",
        "心理健康服务进社区",
    ):
        assert expected in text, expected
    assert {u["code"]: u["attendance"] for u in meeting["units"]} == {
        POLICE: "attend",
        JUSTICE: "absent",
        FINANCE: "attend",
        HEALTH: "no_reply",
        HR: "no_reply",
    }

    # minutes with four decided items, signed by the convener and sent to every unit
    items = sign_minutes(api, instance_id, meeting_id)
    assert [(i["no"], i["owner"]["code"], i["status"]) for i in items] == [
        (1, POLICE, "open"),
        (2, POLICE, "open"),
        (3, FINANCE, "open"),
        (4, HEALTH, "open"),
    ]
    minutes = next(
        d for d in office.get(f"/meetings/{meeting_id}").get_json()["documents"] if d["kind"] == "minutes"
    )
    assert minutes["number"] == f"晋民纪〔{today().year}〕1号"
    text = pdf_text(office, meeting_id, minutes["id"])
    assert minutes["number"] in text and "组建平安巡防志愿服务队" in text and "市财政局" in text
    for username in LIAISON.values():
        assert any(
            n.title.startswith("会议纪要已印发") for n in notifications(db_session, username, "meeting")
        )

    # supervision: a progress report, a completion returned once and then accepted
    assert {t["scope"] for t in tasks_of(police, instance_id)} == {POLICE}
    first = items[0]["id"]
    complete(police, item_task(police, first)["id"], {"decision": "progress", "report": "已完成转介流程设计"})
    complete(
        police, item_task(police, first)["id"], {"decision": "complete", "report": "机制已建立"}, status=422
    )
    evidence = upload(police, instance_id)
    complete(
        police,
        item_task(police, first)["id"],
        {"decision": "complete", "report": "机制已建立", "evidence": evidence},
    )
    verify = item_task(office, first)
    assert verify["form_key"] == "meeting.item_verify"
    complete(office, verify["id"], {"decision": "return", "comment": "请补充转介台账"})
    returned = police.get(f"/meeting-items/{first}").get_json()
    assert returned["status"] == "returned" and returned["return_reason"] == "请补充转介台账"
    assert [r["kind"] for r in returned["reports"]] == ["progress", "completion", "returned"]
    complete(
        police,
        item_task(police, first)["id"],
        {"decision": "complete", "report": "已补充台账", "evidence": evidence},
    )
    complete(office, item_task(office, first)["id"], {"decision": "accept", "comment": "同意办结"})
    for item, client in ((items[1], police), (items[2], api.as_user("unit_finance"))):
        complete(
            client,
            item_task(client, item["id"])["id"],
            {"decision": "complete", "report": "已落实", "evidence": upload(client, instance_id)},
        )
        complete(office, item_task(office, item["id"])["id"], {"decision": "accept"})

    # the last item goes overdue: its unit is reminded and the convener hears of it
    late = items[3]
    report = db_session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.org_unit_code == HEALTH,
            HumanTask.bpmn_id == "report_item",
        )
    )
    assert report is not None and report.due_at == datetime.fromisoformat(late["due_at"])
    remind_and_escalate(db_session, report.created_at + (report.due_at - report.created_at) * 0.9)
    assert [n.title for n in notifications(db_session, "unit_health", "due_soon")] == [
        "即将到期：报告落实情况"
    ]
    assert notifications(db_session, "plac", "overdue") == []
    later = datetime.fromisoformat(late["due_at"]) + timedelta(hours=1)
    remind_and_escalate(db_session, later)
    assert any(n.title == "已逾期：报告落实情况" for n in notifications(db_session, "plac", "overdue"))
    assert any(n.title == "已逾期：报告落实情况" for n in notifications(db_session, "unit_health", "overdue"))
    board = {i["no"]: i for i in plac.get(f"/meeting-items?meeting={meeting_id}").get_json()["items"]}
    assert [no for no, i in board.items() if i["escalated"]] == [4]
    convener = db_session.scalar(select(User).where(User.username == "plac"))
    assert convener is not None
    overdue = db_session.scalars(views.items_query(convener, meeting_id=meeting_id, overdue=True, now=later))
    assert [i.no for i in overdue] == [4]
    health = api.as_user("unit_health")
    complete(
        health,
        item_task(health, late["id"])["id"],
        {"decision": "complete", "report": "活动已开展", "evidence": upload(health, instance_id)},
    )
    assert plac.get(f"/instances/{instance_id}").get_json()["status"] == "running"
    complete(office, item_task(office, late["id"])["id"], {"decision": "accept"})

    # every item verified: the cycle is closed
    assert plac.get(f"/instances/{instance_id}").get_json()["status"] == "completed"
    closed = plac.get(f"/meetings/{meeting_id}").get_json()
    assert closed["status"] == "closed" and {i["status"] for i in closed["items"]} == {"verified"}


@pytest.fixture
def jiexiu(db_session: Session) -> Iterator[dict[str, str]]:
    """People of 介休市's own joint meeting: its convener, office and a member unit's liaison."""
    people = {
        "plac_jx": ("plac_officer", "140781"),
        "office_jx": ("city_civil_affairs", "140781"),
        "unit_jx_police": ("member_unit", "140781D03"),
    }
    for username, (role, unit) in people.items():
        create_user(db_session, username, DEMO_PASSWORD, [role], unit)
    db_session.commit()
    yield {username: unit for username, (_role, unit) in people.items()}


def test_another_countys_meeting_people_see_nothing_of_a_city_meeting(
    api: ApiClient, liaisons: dict[str, str], db_session: Session, jiexiu: dict[str, str]
) -> None:
    city_instance, city_meeting = open_cycle(api, CITY_UNITS)
    collect_topics(api, db_session, city_instance)
    county_instance, county_meeting = open_cycle(api, convener="plac_jx")
    for username in ("plac_jx", "office_jx", "unit_jx_police", "unit_women"):
        if username == "unit_women":  # a city member unit that was not invited
            create_user(db_session, username, DEMO_PASSWORD, ["member_unit"], "140700D08")
            db_session.commit()
        client = api.as_user(username)
        assert client.get(f"/meetings/{city_meeting}").status_code == 404, username
        assert client.get(f"/instances/{city_instance}").status_code == 404, username
        assert city_meeting not in [m["id"] for m in client.get("/meetings").get_json()["items"]]
        assert client.get(f"/meeting-items?meeting={city_meeting}").get_json()["total"] == 0
        assert tasks_of(client, city_instance) == []
    jx = api.as_user("unit_jx_police")
    assert [m["id"] for m in jx.get("/meetings").get_json()["items"]] == [county_meeting]
    assert [t["scope"] for t in tasks_of(jx, county_instance)] == ["140781D03"]
    assert tasks_of(api.as_user("unit_police"), county_instance) == []


def test_a_county_meeting_invites_its_own_member_units_and_its_own_office_acts(
    api: ApiClient, db_session: Session, jiexiu: dict[str, str]
) -> None:
    instance_id, meeting_id = open_cycle(api, convener="plac_jx")  # no units chosen: all of the county's
    meeting = api.as_user("plac_jx").get(f"/meetings/{meeting_id}").get_json()
    assert meeting["level"]["code"] == "140781"
    assert [u["code"] for u in meeting["units"]] == [f"140781D0{n}" for n in range(1, 7)]
    jx = api.as_user("unit_jx_police")
    complete(jx, tasks_of(jx, instance_id)[0]["id"], {"decision": "submit", "topics": [topic("调解室建设")]})
    db_session.expire_all()
    due = max(
        t.due_at
        for t in db_session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id))
        if t.due_at
    )
    fire_due_timers(db_session, due + timedelta(minutes=1))
    assert tasks_of(api.as_user("city_ca"), instance_id) == []  # the city office does not do a county's work
    draft = only(tasks_of(api.as_user("office_jx"), instance_id), "meeting.agenda")
    assert draft["scope"] == "140781"
    assert api.as_user("city_ca").get(f"/meetings/{meeting_id}").status_code == 200  # but the city sees it


def test_an_agenda_that_leaves_topics_unhandled_goes_back_to_the_office(
    api: ApiClient, liaisons: dict[str, str], db_session: Session
) -> None:
    instance_id, meeting_id = open_cycle(api, CITY_UNITS)
    collect_topics(api, db_session, instance_id)
    close_collection(db_session, instance_id)
    office = api.as_user("city_ca")
    draft = only(tasks_of(office, instance_id), "meeting.agenda")
    rows = [{"topic_no": 1, "action": "accept"}, {"topic_no": 9, "action": "defer"}]
    complete(office, draft["id"], {"agenda_rows": rows})
    again = only(tasks_of(office, instance_id), "meeting.agenda")
    assert again["id"] != draft["id"]
    assert tasks_of(api.as_user("plac"), instance_id) == []
    problems = office.get(f"/meetings/{meeting_id}").get_json()["agenda_problems"]
    assert problems == ["议题编号 9 不存在。", "议题 2、3、4 尚未处理，每个议题都应给出处理意见。"]
    assert notifications(db_session, "city_ca", "meeting")[-1].title == "议程需要修改后重新提交"
    late = db_session.get(HumanTask, again["id"])
    assert late is not None and late.due_at is not None
    remind_and_escalate(
        db_session, late.due_at + timedelta(hours=1)
    )  # the office's own steps go to the convener
    assert [n.title for n in notifications(db_session, "plac", "overdue")] == ["已逾期：整理议程"]


def short_cycle(api: ApiClient, db_session: Session) -> tuple[int, int]:
    """Police and justice are invited and have no topics; the agenda is the office's own item; the
    notice goes out and the answer deadline passes. The minutes are next."""
    instance_id, meeting_id = open_cycle(api, [POLICE, JUSTICE])
    for username in ("unit_police", "unit_justice"):
        client = api.as_user(username)
        complete(client, tasks_of(client, instance_id)[0]["id"], {"decision": "none"})
    office, plac = api.as_user("city_ca"), api.as_user("plac")
    draft = only(tasks_of(office, instance_id), "meeting.agenda")
    complete(office, draft["id"], {"agenda_rows": [], "extra_items": [{"title": "研究年度工作要点"}]})
    complete(plac, only(tasks_of(plac, instance_id), "meeting.agenda_review")["id"], {"decision": "approve"})
    day = today() + timedelta(days=3)
    notice = {
        "meeting_at": f"{day.isoformat()}T15:00",
        "meeting_place": "市民政局三楼会议室",
        "meeting_attendees": "各成员单位联络员",
        "confirm_deadline": day.isoformat(),
    }
    complete(office, only(tasks_of(office, instance_id), "meeting.notice")["id"], notice)
    fire_due_timers(db_session, at_cst(day, 23) + timedelta(hours=1))
    return instance_id, meeting_id


def minutes_data(owner: str, co_units: list[str]) -> dict[str, Any]:
    day = today() + timedelta(days=3)
    return {
        "held_at": f"{day.isoformat()}T15:00",
        "held_place": "市民政局三楼会议室",
        "held_chair": "市民政局局长",
        "minutes_summary": "会议研究了年度工作要点。",
        "attendance": [{"unit": POLICE, "presence": "present"}],
        "discussions": [{"agenda_no": 1, "discussion": "同意年度工作要点。"}],
        "decided": [
            {
                "content": "制定年度工作要点",
                "owner": owner,
                "co_units": co_units,
                "deadline": (day + timedelta(days=30)).isoformat(),
            }
        ],
    }


def test_minutes_naming_a_unit_of_another_level_go_back_to_the_office(
    api: ApiClient, liaisons: dict[str, str], db_session: Session
) -> None:
    instance_id, meeting_id = short_cycle(api, db_session)
    office = api.as_user("city_ca")
    task = only(tasks_of(office, instance_id), "meeting.minutes")
    wrong = minutes_data("140702D03", [])
    complete(
        office, task["id"], {**wrong, "decided": [{**wrong["decided"][0], "co_units": [POLICE]}]}, status=422
    )
    complete(office, task["id"], wrong)  # one level, but not the meeting's
    again = only(tasks_of(office, instance_id), "meeting.minutes")
    problems = office.get(f"/meetings/{meeting_id}").get_json()["minutes_problems"]
    assert problems == ["以下单位不是本级联席会议成员单位：140702D03。"]
    assert (
        office.get(f"/tasks/{again['id']}").get_json()["draft"]["data"]["decided"][0]["owner"] == "140702D03"
    )


def test_a_co_unit_that_was_not_invited_sees_the_meeting_and_reads_the_minutes(
    api: ApiClient, liaisons: dict[str, str], db_session: Session
) -> None:
    create_user(db_session, "unit_women", DEMO_PASSWORD, ["member_unit"], "140700D08")
    db_session.commit()
    instance_id, meeting_id = short_cycle(api, db_session)
    women = api.as_user("unit_women")
    assert women.get(f"/meetings/{meeting_id}").status_code == 404
    office, plac = api.as_user("city_ca"), api.as_user("plac")
    complete(
        office,
        only(tasks_of(office, instance_id), "meeting.minutes")["id"],
        minutes_data(POLICE, ["140700D08"]),
    )
    assert women.get(f"/meetings/{meeting_id}").status_code == 404  # not before the convener signs
    complete(plac, only(tasks_of(plac, instance_id), "meeting.minutes_review")["id"], {"decision": "approve"})
    seen = women.get(f"/meetings/{meeting_id}").get_json()
    minutes = next(d for d in seen["documents"] if d["kind"] == "minutes")
    assert "制定年度工作要点" in pdf_text(women, meeting_id, minutes["id"])
    assert [i["no"] for i in women.get("/meeting-items?mine=1").get_json()["items"]] == [1]
    assert women.get(f"/instances/{instance_id}").status_code == 404  # the case file stays with the parties
    assert tasks_of(women, instance_id) == []


TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def page_login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    found = TOKEN.search(client.get("/login").get_data(as_text=True))
    assert found
    response = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": found[1]}
    )
    assert response.status_code == 302
    return client


def html(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_meeting_page_and_the_items_board(
    app: Flask, api: ApiClient, liaisons: dict[str, str], db_session: Session
) -> None:
    instance_id, meeting_id = open_cycle(api, CITY_UNITS)
    collect_topics(api, db_session, instance_id)
    close_collection(db_session, instance_id)
    agree_agenda(api, instance_id, meeting_id)
    hold_meeting(api, db_session, instance_id, meeting_id)
    items = sign_minutes(api, instance_id, meeting_id)
    late = db_session.get(DecidedItem, items[3]["id"])  # time passes: the health item's deadline is behind us
    assert late is not None
    late.due_at = datetime.now(UTC) - timedelta(days=2)
    db_session.commit()

    convener = page_login(app, "plac")
    assert "2026年第一季度社会组织参与基层社会治理联席会议" in html(convener, "/meetings")
    page = html(convener, f"/meetings/{meeting_id}")
    for expected in (
        "心理健康服务进社区",
        f"晋民会〔{today().year}〕1号",
        "市人力资源和社会保障局",
        "逾期未报送",
        "开展心理健康服务进社区活动",
    ):
        assert expected in page, expected
    board = html(convener, f"/meetings/items?meeting={meeting_id}&mine=0")
    assert len(re.findall(r'data-item-id="\d+"', board)) == 4
    assert re.findall(r'data-overdue="true"', board) == ['data-overdue="true"']
    assert re.search(rf'<tr class="table-danger" data-item-id="{late.id}"', board)

    finance = html(page_login(app, "unit_finance"), f"/meetings/{meeting_id}")
    assert "属于财政预算事项，请按部门预算程序申报" in finance
    assert "平安巡防志愿队建设" not in finance  # another unit's topic
    police = page_login(app, "unit_police")
    own = html(police, "/meetings/items")  # a liaison starts on the unit's own items
    assert sorted(int(i) for i in re.findall(r'data-item-id="(\d+)"', own)) == [
        items[0]["id"],
        items[1]["id"],
    ]
    task = item_task(api.as_user("unit_police"), items[0]["id"])
    assert f'href="/tasks/{task["id"]}"' in html(police, f"/meetings/items/{items[0]['id']}")
    assert html(page_login(app, "unit_finance"), f"/meetings/items/{items[0]['id']}").count("/tasks/") == 0


def test_a_level_without_member_units_goes_straight_to_the_agenda(
    api: ApiClient, db_session: Session
) -> None:
    create_user(
        db_session, "plac_tg", DEMO_PASSWORD, ["plac_officer"], "140703"
    )  # 太谷区 has no departments yet
    db_session.commit()
    instance_id, meeting_id = open_cycle(api, convener="plac_tg")
    meeting = api.as_user("plac_tg").get(f"/meetings/{meeting_id}").get_json()
    assert meeting["units"] == [] and meeting["status"] == "agenda"
    opened = api.as_user("plac_tg").get(f"/instances/{instance_id}").get_json()["tasks"]
    assert [(t["name"], t["scope"]) for t in opened] == [("整理议程", "140703")]


def test_meeting_lists_refuse_unknown_filters(api: ApiClient) -> None:
    plac = api.as_user("plac")
    assert plac.get("/meetings?status=nonsense").status_code == 422
    assert plac.get("/meeting-items?status=nonsense").status_code == 422
    assert plac.get("/meeting-items?meeting=abc").status_code == 422
    assert plac.get("/meetings/999").status_code == 404
    assert plac.get("/meeting-items/999").status_code == 404
    assert api.get("/meetings").status_code == 401


def test_the_convener_starts_a_cycle_from_the_meetings_page(app: Flask) -> None:
    convener = page_login(app, "plac")
    page = html(convener, "/meetings")
    assert "发起联席会议" in page
    found = TOKEN.search(page)
    assert found
    response = convener.post("/meetings/start", data={"csrf_token": found[1]})
    assert response.status_code == 302 and re.search(r"/tasks/\d+$", response.headers["Location"])
    form = html(convener, response.headers["Location"])
    assert "议题报送截止日期" in form and "参会成员单位" in form
    assert "发起联席会议" not in html(page_login(app, "unit_police"), "/meetings")


def test_the_civil_affairs_office_may_open_a_cycle_too(api: ApiClient) -> None:
    office = api.as_user("city_ca")
    started = office.post("/processes/joint_meeting/instances", json={"data": {}})
    assert started.status_code == 201, started.get_json()
    first = only(started.get_json()["tasks"], "meeting.open")
    assert first["assignee"] == office.get("/me").get_json()["id"]
    other = api.as_user("plac")
    assert other.post(f"/tasks/{first['id']}/complete", json={"data": {}}).status_code == 403
    police = api.as_user("unit_police")
    assert police.post("/processes/joint_meeting/instances", json={"data": {}}).status_code == 403
    instance_id, _meeting_id = open_cycle(api, convener="city_ca")
    assert instance_id != started.get_json()["id"]
