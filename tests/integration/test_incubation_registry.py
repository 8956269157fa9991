"""Incubation bases and federations as records (issue #9): who may register them, what is checked,
what the public and the city see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import DEMO_PASSWORD, ApiClient
from tests.integration.test_incubation import base_body, organization
from webapp.db import session_factory
from workflows.accounts import create_user


@pytest.fixture(autouse=True)
def _operators(app: Flask) -> Iterator[None]:
    with session_factory(app)() as session:
        create_user(session, "op_yc", DEMO_PASSWORD, ["applicant"], "140702001", "运营人员甲")
        create_user(session, "op2_yc", DEMO_PASSWORD, ["applicant"], "140702001", "运营人员乙")
        session.commit()
    yield


def test_only_the_county_head_or_the_city_registers_a_base(api: ApiClient, app: Flask) -> None:
    hub = organization(app, "榆次区社区社会组织联合会")
    body = base_body(hub)
    for username in ("registrar_yc", "leader_jx", "applicant_yc", "admin"):
        assert api.as_user(username).post("/incubation/bases", json=body).status_code == 403, username
    created = api.as_user("city_ca").post("/incubation/bases", json=body)
    assert created.status_code == 201, created.get_json()
    base = created.get_json()
    assert base["operator"] == {"id": hub, "name": "榆次区社区社会组织联合会"}
    assert base["services"][0] == {"key": "office_space", "label": "办公场所"}
    assert (base["period_months"], base["evaluation_months"], base["weak_below"]) == (12, 6, 60)
    changed = api.as_user("leader_yc").put(
        f"/incubation/bases/{base['id']}", json={**body, "capacity": 20, "operator_usernames": "op2_yc"}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["capacity"] == 20
    assert [s["name"] for s in changed.get_json()["staff"] if s["kind"] == "operator"] == ["运营人员乙"]
    assert api.as_user("op_yc").get(f"/incubation/bases/{base['id']}/overview").status_code == 404
    assert api.as_user("op2_yc").get(f"/incubation/bases/{base['id']}/overview").status_code == 200
    assert api.as_user("leader_jx").put(f"/incubation/bases/{base['id']}", json=body).status_code == 403


def test_base_record_is_validated(api: ApiClient, app: Flask) -> None:
    leader = api.as_user("leader_yc")
    hub = organization(app, "榆次区社区社会组织联合会")
    bad = leader.post(
        "/incubation/bases",
        json=base_body(hub, services=[], capacity=0, premises_source="castle", operator_usernames="nobody"),
    )
    assert bad.status_code == 422
    fields = bad.get_json()["fields"]
    assert {"services", "capacity", "premises_source"} <= set(fields)
    cases = [
        ({"operator_usernames": "nobody"}, "operator_usernames", "不存在"),
        ({"operator_usernames": "registrar_yc"}, "operator_usernames", "政府工作人员"),
        ({"guide_usernames": "registrar_jx"}, "guide_usernames", "不是榆次区"),
        ({"street_code": "140781001"}, "street_code", "不是榆次区"),
        (
            {"operator_org_id": organization(app, "介休市社区社会组织联合会", county="140781")},
            "operator_org_id",
            "榆次区",
        ),
        (
            {"operator_org_id": organization(app, "榆次区已注销协会", status="deregistered")},
            "operator_org_id",
            "已登记",
        ),
    ]
    for changes, field, words in cases:
        response = leader.post("/incubation/bases", json=base_body(hub, **changes))
        assert response.status_code == 422, changes
        assert words in response.get_json()["fields"][field][0], response.get_json()
    assert api.get("/incubation/bases").get_json()["total"] == 0


def test_public_list_and_county_figures(api: ApiClient, app: Flask) -> None:
    hub = organization(app, "榆次区社区社会组织联合会")
    leader = api.as_user("leader_yc")
    first = leader.post("/incubation/bases", json=base_body(hub)).get_json()
    second = leader.post(
        "/incubation/bases", json=base_body(hub, name="榆次区北关街道孵化基地", street_code="140702002")
    )
    assert second.status_code == 201
    public = api.get("/incubation/bases", query_string={"county": "140702"}).get_json()
    assert public["total"] == 2 and public["items"][0]["vacancies"] == 10
    assert api.get("/incubation/bases", query_string={"county": "140781"}).get_json()["total"] == 0
    assert (
        api.get(f"/incubation/bases/{first['id']}").get_json()["address"] == "榆次区锦纶街道综合服务中心三楼"
    )
    assert api.get("/incubation/bases/999").status_code == 404
    counties = api.as_user("city_ca").get("/incubation/counties").get_json()["items"]
    yuci = next(c for c in counties if c["county"]["code"] == "140702")
    assert (yuci["bases"], yuci["required"], yuci["recommended"], yuci["shortfall"]) == (2, 1, 2, 0)
    assert sum(1 for c in counties if not c["meets_requirement"]) == 10
    assert leader.post(f"/incubation/bases/{second.get_json()['id']}/close").status_code == 200
    assert api.get("/incubation/bases").get_json()["total"] == 1
    assert api.get("/incubation/bases", query_string={"all": "1"}).get_json()["total"] == 2
    assert leader.post(f"/incubation/bases/{second.get_json()['id']}/close").status_code == 409
    [own] = leader.get("/incubation/counties").get_json()["items"]
    assert own["bases"] == 1 and own["county"]["name"] == "榆次区"
    assert (
        api.as_user("street_yc").get("/incubation/counties").get_json()["items"][0]["county"]["code"]
        == "140702"
    )


def test_federation_members_join_and_leave_with_dates(api: ApiClient, app: Flask) -> None:
    hub = organization(app, "榆次区锦纶街道社区社会组织联合会")
    members = [
        organization(app, f"榆次区锦纶社区{name}", status=status)
        for name, status in (("邻里互助协会", "registered"), ("文艺队", "filed"), ("旧协会", "deregistered"))
    ]
    body = {
        "organization_id": hub,
        "level": "street",
        "area_code": "140702001",
        "designated_on": "2026-01-15",
    }
    assert api.as_user("applicant_yc").post("/incubation/federations", json=body).status_code == 403
    assert api.as_user("registrar_jx").post("/incubation/federations", json=body).status_code == 403
    wrong = api.as_user("registrar_yc").post("/incubation/federations", json={**body, "area_code": "140702"})
    assert wrong.status_code == 422 and "area_code" in wrong.get_json()["fields"]
    created = api.as_user("registrar_yc").post("/incubation/federations", json=body)
    assert created.status_code == 201, created.get_json()
    federation = created.get_json()
    assert federation["level_label"] == "街道（乡镇）" and federation["area"]["name"].endswith("锦纶街道")
    assert api.as_user("registrar_yc").post("/incubation/federations", json=body).status_code == 409
    url = f"/incubation/federations/{federation['id']}/members"
    clerk = api.as_user("registrar_yc")
    for org_id in members[:2]:
        assert clerk.post(url, json={"organization_id": org_id, "joined_on": "2026-02-01"}).status_code == 201
    refused = clerk.post(url, json={"organization_id": members[2], "joined_on": "2026-02-01"})
    assert (
        refused.status_code == 422 and "已登记或已备案" in refused.get_json()["fields"]["organization_id"][0]
    )
    assert clerk.post(url, json={"organization_id": members[0], "joined_on": "2026-03-01"}).status_code == 409
    assert clerk.post(url, json={"organization_id": hub, "joined_on": "2026-03-01"}).status_code == 422
    detail = api.get(f"/incubation/federations/{federation['id']}").get_json()
    assert detail["member_count"] == 2
    leaving = next(m for m in detail["members"] if m["organization"]["id"] == members[1])
    early = clerk.post(f"{url}/{leaving['id']}/leave", json={"left_on": "2026-01-01"})
    assert early.status_code == 422 and "left_on" in early.get_json()["fields"]
    left = clerk.post(
        f"{url}/{leaving['id']}/leave", json={"left_on": "2026-06-30", "leave_reason": "活动停止"}
    )
    assert left.status_code == 200
    detail = left.get_json()
    assert detail["member_count"] == 1 and detail["members"][-1]["left_on"] == "2026-06-30"
    assert clerk.post(f"{url}/{leaving['id']}/leave", json={"left_on": "2026-07-01"}).status_code == 409
    rejoined = clerk.post(url, json={"organization_id": members[1], "joined_on": "2026-09-01"})
    assert rejoined.status_code == 201 and rejoined.get_json()["member_count"] == 2
    assert len(rejoined.get_json()["members"]) == 3
    listed = api.get("/incubation/federations", query_string={"county": "140702"}).get_json()
    assert listed["total"] == 1 and listed["items"][0]["member_count"] == 2
    assert api.get("/incubation/federations", query_string={"county": "140781"}).get_json()["total"] == 0
