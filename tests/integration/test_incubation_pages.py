"""The incubation pages through the test client: the public list, registering a base, applying,
the base page, the file with its services log and ledger, and who may open what."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask

from tests.conftest import DEMO_PASSWORD, ApiClient
from tests.integration.test_incubation import admit, base_body, incubation_of, organization, register_base
from tests.integration.test_pages import login
from webapp.db import session_factory
from workflows.accounts import create_user
from workflows.working_days import CST


@pytest.fixture(autouse=True)
def _people(app: Flask) -> Iterator[None]:
    with session_factory(app)() as session:
        for username, name in (("op_yc", "运营人员甲"), ("op2_yc", "运营人员乙"), ("op3_yc", "运营人员丙")):
            create_user(session, username, DEMO_PASSWORD, ["applicant"], "140702001", name)
        session.commit()
    yield


def test_public_list_shows_bases_and_services_without_login(api: ApiClient, app: Flask) -> None:
    register_base(api, app)
    anonymous = app.test_client()
    html = anonymous.get("/incubation-bases").get_data(as_text=True)
    assert (
        "榆次区锦纶街道社区社会组织孵化基地" in html
        and "财务托管" in html
        and "街道（乡镇）综合服务中心" in html
    )
    assert "运营人员甲" not in html  # staff names are not public
    assert "暂无孵化基地" in anonymous.get("/incubation-bases?county=140781").get_data(as_text=True)
    apply_link = re.search(r'href="(/incubation/bases/\d+/apply)"', html)
    assert apply_link is not None
    assert anonymous.get(apply_link.group(1)).status_code == 302  # to the login page


def test_county_head_registers_a_base_on_the_page(app: Flask) -> None:
    hub = organization(app, "榆次区社区社会组织联合会")
    leader = login(app, "leader_yc")
    page = leader.text("/incubation")
    assert "各县（市、区）孵化基地建设情况" in page and 'data-county="140702"' in page
    assert "登记孵化基地" in page
    form = leader.text("/incubation/bases/new")
    assert 'value="140702"' in form and 'name="services"' in form
    body = {k: v for k, v in base_body(hub).items() if k != "services"}
    bad = leader.post("/incubation/bases/new", {**body, "capacity": "0"})
    assert bad.status_code == 422 and "请至少选择一项服务" in bad.get_data(as_text=True)
    created = leader.client.post(
        "/incubation/bases/new",
        data={
            **{k: str(v) for k, v in body.items()},
            "services": ["office_space", "financial_custody"],
            "csrf_token": leader.token,
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    base_page = leader.text(created.headers["Location"])
    assert "榆次区锦纶街道社区社会组织孵化基地" in base_page and "近12个月服务情况" in base_page
    assert "运营人员甲" in base_page and "负责人" in base_page
    assert login(app, "registrar_yc").get("/incubation/bases/new").status_code == 404


def test_group_applies_from_the_public_list_and_sees_its_file(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app)
    founder = login(app, "applicant_yc")
    confirm = founder.text(f"/incubation/bases/{base['id']}/apply")
    assert "填写入驻申请" in confirm
    started = founder.post(f"/incubation/bases/{base['id']}/apply")
    assert started.status_code == 302 and "/tasks/" in started.headers["Location"]
    task_page = founder.text(started.headers["Location"])
    assert "孵化基地入驻申请" in task_page and f'value="{base["id"]}"' in task_page


def test_operator_keeps_services_and_ledger_on_the_file_page(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app)
    admit(api, base["id"])
    incubation = incubation_of(api)
    url = f"/incubation/files/{incubation['id']}"
    operator = login(app, "op_yc")
    page = operator.text(url)
    assert "记录一次服务" in page and "记一笔收支" in page and "孵化协议" in page
    today = datetime.now(CST).date().isoformat()
    saved = operator.post(
        f"{url}/services",
        {
            "service_kind": "policy_guidance",
            "delivered_on": today,
            "hours": "2",
            "staff_names": "运营人员甲",
            "service_notes": "讲解社区社会组织登记政策。",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    bad = operator.post(
        f"{url}/ledger", {"entry_date": today, "direction": "expense", "amount": "10", "summary": "文具"}
    )
    assert bad.status_code == 422 and "支出金额超过托管余额" in bad.get_data(as_text=True)
    assert (
        operator.post(
            f"{url}/ledger",
            {"entry_date": today, "direction": "income", "amount": "800", "summary": "社区公益金拨付"},
        ).status_code
        == 302
    )
    founder_page = login(app, "applicant_yc").text(url)
    assert "讲解社区社会组织登记政策" in founder_page and "800.00" in founder_page
    assert "记录一次服务" not in founder_page and "记一笔收支" not in founder_page
    assert "榆次区锦纶社区邻里调解队" in login(app, "op_yc").text(f"/incubation/bases/{base['id']}")
    assert login(app, "op3_yc").get(url).status_code == 404
    assert login(app, "op3_yc").get(f"/incubation/bases/{base['id']}").status_code == 404
    summary = login(app, "city_ca").text("/incubation")
    assert 'data-county="140702"' in summary and "未达标，缺1个" in summary


def test_every_operator_of_the_base_opens_the_agreement(api: ApiClient, app: Flask) -> None:
    base = register_base(api, app)
    admit(api, base["id"])
    incubation = incubation_of(api)
    agreement = incubation["agreement"]["id"]
    url = f"/incubation/files/{incubation['id']}/documents/{agreement}"
    second_operator = login(app, "op2_yc")  # not the lead: never had a task in the case
    response = second_operator.client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert (
        second_operator.client.get(f"/documents/{agreement}").status_code == 404
    )  # the case itself stays closed
    assert login(app, "op3_yc").client.get(url).status_code == 404
    api_pdf = api.as_user("op2_yc").get(f"/incubation/incubations/{incubation['id']}/documents/{agreement}")
    assert api_pdf.status_code == 200 and api_pdf.mimetype == "application/pdf"
    assert (
        api.as_user("op2_yc").get(f"/incubation/incubations/{incubation['id']}/documents/999").status_code
        == 404
    )
