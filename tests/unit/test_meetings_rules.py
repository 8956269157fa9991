"""Joint-meeting rules without a database: the forms' checks, the agenda and minutes checks the
service tasks make, and the wording of dates in the documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from forms import get_form
from forms.binding import validate_form
from forms.meetings import level_of, today
from models import MeetingTopic
from workflows.meetings.agenda import agenda_from, agenda_problems, topic_outcome
from workflows.meetings.common import chinese_datetime, end_of_day, ordinal
from workflows.meetings.minutes import minutes_problems
from workflows.working_days import CST

POLICE, JUSTICE, YUCI_POLICE = "140700D03", "140700D04", "140702D03"


def errors(form_key: str, data: dict[str, Any]) -> dict[str, list[str]]:
    return validate_form(get_form(form_key), data).errors


def later(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


# --- forms ------------------------------------------------------------------------------------------


def test_the_call_for_topics_needs_a_future_deadline_and_units_of_one_level() -> None:
    base = {"meeting_title": "第一季度联席会议", "meeting_kind": "regular", "topic_deadline": later(10)}
    assert errors("meeting.open", base) == {}
    assert errors("meeting.open", {**base, "topic_deadline": today().isoformat()}) == {
        "topic_deadline": ["截止日期应晚于今天。"]
    }
    assert "topic_deadline" in errors("meeting.open", {**base, "topic_deadline": later(120)})
    mixed = errors("meeting.open", {**base, "invited_units": [POLICE, YUCI_POLICE]})
    assert mixed == {"invited_units": ["只能邀请同一级（市级或同一县区）的成员单位。"]}
    assert "invited_units" in errors("meeting.open", {**base, "invited_units": ["140700D99"]})


def test_a_unit_answers_with_topics_or_with_none_but_not_both() -> None:
    topic = {"title": "调解室建设", "description": "说明", "field": "mediation", "urgency": "urgent"}
    assert errors("meeting.topics", {"decision": "submit", "topics": [topic]}) == {}
    assert errors("meeting.topics", {"decision": "none"}) == {}
    assert "topics" in errors("meeting.topics", {"decision": "submit", "topics": []})
    assert "topics" in errors("meeting.topics", {"decision": "none", "topics": [topic]})
    assert "topics[0].title" in errors(
        "meeting.topics", {"decision": "submit", "topics": [{**topic, "title": ""}]}
    )


def test_agenda_decisions_give_reasons_for_rejections_and_merge_into_accepted_topics() -> None:
    accept = {"topic_no": 1, "action": "accept"}
    assert (
        errors(
            "meeting.agenda", {"agenda_rows": [accept, {"topic_no": 2, "action": "merge", "merge_into": 1}]}
        )
        == {}
    )
    rejected = errors("meeting.agenda", {"agenda_rows": [accept, {"topic_no": 2, "action": "reject"}]})
    assert rejected == {"agenda_rows[1].reason": ["不予采纳时必须填写理由。"]}
    no_target = errors("meeting.agenda", {"agenda_rows": [accept, {"topic_no": 2, "action": "merge"}]})
    assert no_target == {"agenda_rows[1].merge_into": ["合并时请填写并入的议题编号。"]}
    into_deferred = [
        accept,
        {"topic_no": 2, "action": "defer"},
        {"topic_no": 3, "action": "merge", "merge_into": 2},
    ]
    assert errors("meeting.agenda", {"agenda_rows": into_deferred}) == {
        "agenda_rows": ["只能并入列入议程的议题，议题 2 未列入议程。"]
    }
    twice = errors("meeting.agenda", {"agenda_rows": [accept, accept]})
    assert twice == {"agenda_rows": ["每个议题只能处理一次，议题编号不能重复。"]}
    nothing = errors("meeting.agenda", {"agenda_rows": [{"topic_no": 1, "action": "defer"}]})
    assert nothing == {"agenda_rows": ["议程至少应有一项：请将议题列入议程，或填写其他议程事项。"]}
    assert errors("meeting.agenda", {"agenda_rows": [], "extra_items": [{"title": "通报工作"}]}) == {}


def test_a_return_always_says_why() -> None:
    assert errors("meeting.agenda_review", {"decision": "approve"}) == {}
    assert errors("meeting.minutes_review", {"decision": "return"}) == {
        "comment": ["退回时必须填写修改意见。"]
    }
    assert errors("meeting.item_verify", {"decision": "return"}) == {"comment": ["退回重办时必须说明理由。"]}


def test_the_notice_announces_a_future_meeting_with_an_answer_deadline_before_it() -> None:
    day = today() + timedelta(days=7)
    notice = {
        "meeting_at": f"{day.isoformat()}T09:30",
        "meeting_place": "第一会议室",
        "meeting_attendees": "各成员单位联络员",
        "confirm_deadline": later(5),
    }
    assert errors("meeting.notice", notice) == {}
    late_answer = errors("meeting.notice", {**notice, "confirm_deadline": later(8)})
    assert late_answer == {"confirm_deadline": ["回执截止日期不能晚于会议日期。"]}
    past = errors("meeting.notice", {**notice, "meeting_at": f"{later(-1)}T09:30"})
    assert past["meeting_at"] == ["会议时间应晚于当前时间。"]


def test_an_answer_to_the_notice_names_who_comes_or_why_not() -> None:
    assert errors("meeting.confirm", {"decision": "attend", "attendee_names": "张伟 副局长"}) == {}
    assert errors("meeting.confirm", {"decision": "attend"}) == {"attendee_names": ["请填写参会人员。"]}
    assert errors("meeting.confirm", {"decision": "absent"}) == {"absence_reason": ["请填写请假事由。"]}


def test_decided_items_have_an_owner_other_co_units_of_its_level_and_a_deadline_after_the_meeting() -> None:
    day = today() + timedelta(days=3)
    row = {"content": "制定工作要点", "owner": POLICE, "co_units": [JUSTICE], "deadline": later(30)}
    minutes = {
        "held_at": f"{day.isoformat()}T09:30",
        "held_place": "第一会议室",
        "held_chair": "副书记",
        "minutes_summary": "概况",
        "decided": [row],
    }
    assert errors("meeting.minutes", minutes) == {}
    bad = [{**row, "co_units": [POLICE]}, {**row, "co_units": [YUCI_POLICE]}, {**row, "deadline": later(1)}]
    assert errors("meeting.minutes", {**minutes, "decided": bad}) == {
        "decided": [
            "第1项：牵头单位不能同时是配合单位。",
            "第2项：牵头单位和配合单位应是同一级的成员单位。",
            "第3项：完成时限不能早于会议日期。",
        ]
    }


def test_a_completion_report_carries_evidence() -> None:
    assert errors("meeting.item_report", {"decision": "progress", "report": "正在推进"}) == {}
    assert errors("meeting.item_report", {"decision": "complete", "report": "已完成"}) == {
        "evidence": ["报告办结时请上传佐证材料。"]
    }
    assert errors("meeting.item_report", {"decision": "complete", "report": "已完成", "evidence": "12"}) == {}


def test_member_units_belong_to_the_level_their_code_starts_with() -> None:
    assert level_of(POLICE) == "140700" and level_of(YUCI_POLICE) == "140702"


# --- the service tasks' checks ----------------------------------------------------------------------


def test_agenda_problems_name_unknown_unhandled_topics_and_wrong_merges() -> None:
    rows = [
        {"topic_no": 1, "action": "accept"},
        {"topic_no": 2, "action": "merge", "merge_into": 3},
        {"topic_no": 7, "action": "defer"},
    ]
    assert agenda_problems(rows, [1, 2, 3, 4]) == [
        "议题编号 7 不存在。",
        "议题 3、4 尚未处理，每个议题都应给出处理意见。",
        "议题只能并入列入议程的议题，议题 3 未列入议程。",
    ]
    assert agenda_problems([{"topic_no": 1, "action": "reject"}], [1]) == []


def _topic(no: int, unit: str, title: str) -> MeetingTopic:
    return MeetingTopic(meeting_id=1, no=no, unit_code=unit, title=title, status="submitted")


def test_the_agenda_lists_accepted_topics_with_those_merged_into_them() -> None:
    topics = {
        1: _topic(1, POLICE, "矫正帮扶"),
        2: _topic(2, POLICE, "巡防队"),
        3: _topic(3, JUSTICE, "法律援助"),
    }
    rows = [
        {"topic_no": 3, "action": "accept", "agenda_title": "法律援助进社区"},
        {"topic_no": 1, "action": "accept"},
        {"topic_no": 2, "action": "merge", "merge_into": 1},
    ]
    meeting: Any = type("M", (), {"id": 1})()
    items = agenda_from(meeting, topics, rows)
    assert [(i.no, i.title, i.unit_code, i.topic_nos) for i in items] == [
        (1, "法律援助进社区", JUSTICE, [3]),
        (2, "矫正帮扶", POLICE, [1, 2]),
    ]
    assert (topics[2].status, topics[2].merged_into, topics[2].agenda_no) == ("merged", 1, 2)
    rejected = _topic(4, JUSTICE, "专项经费")
    agenda_from(meeting, {4: rejected}, [{"topic_no": 4, "action": "reject", "reason": "不属于议事范围"}])
    assert topic_outcome(rejected) == "“专项经费”不予采纳，理由：不属于议事范围"
    assert topic_outcome(topics[2]) == "“巡防队”已并入议题1一并审议"


def test_minutes_problems_name_units_of_other_levels_and_unknown_agenda_items() -> None:
    data = {
        "attendance": [{"unit": POLICE}],
        "discussions": [{"agenda_no": 1}, {"agenda_no": 5}],
        "decided": [{"owner": POLICE, "co_units": [YUCI_POLICE]}],
    }
    assert minutes_problems(data, [POLICE, JUSTICE], [1, 2]) == [
        "以下单位不是本级联席会议成员单位：140702D03。",
        "议程序号 5 不存在。",
    ]
    assert minutes_problems({**data, "discussions": [], "decided": []}, [POLICE], [1]) == []


# --- dates in documents -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "text"),
    [
        (datetime(2026, 3, 20, 9, 30, tzinfo=CST), "2026年3月20日（星期五）上午9:30"),
        (datetime(2026, 3, 22, 14, 5, tzinfo=CST), "2026年3月22日（星期日）下午2:05"),
        (datetime(2026, 3, 22, 17, 0, tzinfo=UTC), "2026年3月23日（星期一）上午1:00"),  # shown in China time
    ],
)
def test_meeting_times_are_written_the_chinese_way(at: datetime, text: str) -> None:
    assert chinese_datetime(at) == text


def test_a_deadline_date_means_the_end_of_that_day_in_china() -> None:
    due = end_of_day(date(2026, 12, 31))
    assert due.isoformat() == "2026-12-31T23:59:59+08:00"
    assert [ordinal(n) for n in (1, 10, 11)] == ["一", "十", "11"]
