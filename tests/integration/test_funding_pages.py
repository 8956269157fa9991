"""Funding pages (call, ledger, proposal, organization history) and the public notice with its
objection form, driven like a browser (cookie session, CSRF tokens)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from tests.conftest import ApiClient
from tests.integration.test_funding import (
    ORGS,
    add_organization,
    apply,
    complete,
    fire,
    funding_world,  # noqa: F401  (autouse: the processes, experts and officials)
    ok,
    open_call,
    prefill,
    tasks_of,
)
from tests.integration.test_pages import login


def noticed_call(app: Flask, api: ApiClient) -> dict[str, Any]:
    """A call with two scored proposals, both on the approved list under public notice."""
    office, call = open_call(api, experts_per_proposal=1)
    for name, county, street, applicant, amount, _base in (ORGS[0], ORGS[1]):
        org_id = add_organization(app, name, county, street, applicant)
        apply(api, call["id"], org_id, applicant, f"{name}服务项目", amount)
    fire(app, datetime.fromisoformat(call["closes_at"]) + timedelta(minutes=1))
    for username in ("street_yc", "street_jx"):
        client = api.as_user(username)
        for task in tasks_of(client, "funding.street_opinion"):
            complete(client, task["id"], {"decision": "recommend", "comment": "推荐。"})
    for expert in ("expert1", "expert2", "expert3", "expert4", "expert5"):
        client = api.as_user(expert)
        for task in tasks_of(client, "funding.review"):
            rows = [
                {**r, "score": 85, "remark": "好"} for r in prefill(client, task["id"])["criterion_scores"]
            ]
            complete(client, task["id"], {"conflict": "none", "criterion_scores": rows})
    rank = tasks_of(office, "funding.ranking")[0]
    complete(office, rank["id"], prefill(office, rank["id"]))
    leader = api.as_user("city_ca2")
    complete(leader, tasks_of(leader, "funding.list_approval")[0]["id"], {"decision": "approve"})
    return call


def test_call_pages_show_proposals_scores_and_money(app: Flask, api: ApiClient) -> None:
    call = noticed_call(app, api)
    office = login(app, "city_ca")
    assert call["title"] in office.text("/funding/calls")
    page = office.text(f"/funding/calls/{call['id']}")
    assert f"{ORGS[0][0]}服务项目" in page and f"{ORGS[1][0]}服务项目" in page
    assert "85.00" in page and "拟资助（公示）" in page and 'data-testid="ledger-summary"' in page
    ledger = office.text(f"/funding/calls/{call['id']}/ledger")
    assert "台账平衡" in ledger
    proposal_id = ok(api.as_user("city_ca").get(f"/funding/calls/{call['id']}"))["proposals"][0]["id"]
    assert "专家评审" in office.text(f"/funding/proposals/{proposal_id}")

    applicant = login(app, "applicant_yc")
    own = applicant.text(f"/funding/calls/{call['id']}")
    assert f"{ORGS[0][0]}服务项目" in own and f"{ORGS[1][0]}服务项目" not in own
    assert applicant.get(f"/funding/calls/{call['id']}/ledger").status_code == 403
    org_id = ok(api.as_user("applicant_yc").get(f"/funding/proposals/{proposal_id}"))["organization_id"]
    assert "资助申请" in applicant.text(f"/funding/organizations/{org_id}")


def test_applying_from_the_call_page(app: Flask, api: ApiClient) -> None:
    _office, call = open_call(api)
    org_id = add_organization(app, *ORGS[0][:4])
    applicant = login(app, "applicant_yc")
    page = applicant.text(f"/funding/calls/{call['id']}")
    assert 'data-testid="apply-card"' in page and ORGS[0][0] in page
    response = applicant.post(f"/funding/calls/{call['id']}/apply", {"organization_id": str(org_id)})
    assert response.status_code == 302 and "/tasks/" in response.headers["Location"]
    form = applicant.text(response.headers["Location"])
    assert "项目资助申请书" in form and f'value="{call["id"]}"' in form


def test_public_notice_and_written_objections(app: Flask, api: ApiClient) -> None:
    call = noticed_call(app, api)
    visitor = login(app, "applicant_jx")  # a page session for the CSRF token; the pages need no login
    anonymous = app.test_client()
    listing = anonymous.get("/funding/notices").get_data(as_text=True)
    assert call["title"] in listing
    page = anonymous.get(f"/funding/notices/{call['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "公示中" in text and f"{ORGS[0][0]}服务项目" in text and "提出书面异议" in text

    visitor.get(f"/funding/notices/{call['id']}")
    entries = ok(ApiClient(api.client).get(f"/funding/notices/{call['id']}"))["entries"]
    unsigned = visitor.post(
        f"/funding/notices/{call['id']}/objections",
        {"proposal_id": str(entries[0]["id"]), "objection_content": "该项目与去年资助项目内容重复。"},
    )
    assert unsigned.status_code == 422 and "此项为必填项" in unsigned.get_data(as_text=True)
    signed = visitor.post(
        f"/funding/notices/{call['id']}/objections",
        {
            "proposal_id": str(entries[0]["id"]),
            "objector_name": "赵敏",
            "objector_contact": "13800000000",
            "objection_content": "该项目与去年资助项目内容重复。",
        },
    )
    assert signed.status_code == 302
    office = ok(api.as_user("city_ca").get(f"/funding/calls/{call['id']}"))
    assert [(o["name"], o["status"]) for o in office["objections"]] == [("赵敏", "open")]
    assert anonymous.get("/funding/notices/999").status_code == 404


def test_an_expert_opens_the_rubric_from_the_call_page(app: Flask, api: ApiClient) -> None:
    _office, call = open_call(api, experts_per_proposal=1)
    org_id = add_organization(app, *ORGS[0][:4])
    apply(api, call["id"], org_id, ORGS[0][3], "心理疏导进社区", 60_000)
    street = api.as_user("street_yc")
    complete(
        street,
        tasks_of(street, "funding.street_opinion")[0]["id"],
        {"decision": "recommend", "comment": "推荐"},
    )
    name = next(e for e in ("expert1", "expert2", "expert3") if tasks_of(api.as_user(e), "funding.review"))
    task_id = tasks_of(api.as_user(name), "funding.review")[0]["id"]
    expert = login(app, name)
    page = expert.text(f"/funding/calls/{call['id']}")
    assert 'data-testid="call-tasks"' in page and "心理疏导进社区" in page
    opened = expert.post(f"/funding/tasks/{task_id}/prefill")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/tasks/{task_id}")
    form = expert.text(f"/tasks/{task_id}")
    assert all(
        f'value="{criterion}"' in form for criterion in ("需求分析", "实施方案", "团队能力", "预算合理性")
    )
    assert login(app, "street_yc").post(f"/funding/tasks/{task_id}/prefill").status_code in (403, 404)
