"""The 考评督办 pages: opening a period and scoring it, entering a value with a file, opening a case
from the scorecard, the case page, the configuration and the public list."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import DEMO_PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A logged-in person: the cookie session and the CSRF token of the last page."""

    def __init__(self, app: Flask, username: str) -> None:
        self.client: FlaskClient = app.test_client()
        self.token = ""
        self.get("/login")
        response = self.post("/login", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)

    def get(self, path: str) -> TestResponse:
        response = self.client.get(path)
        found = TOKEN.search(response.get_data(as_text=True))
        self.token = found.group(1) if found else self.token
        return response

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any]) -> TestResponse:
        return self.client.post(path, data={**data, "csrf_token": self.token})


@pytest.fixture(autouse=True)
def _no_stale_pdfs(app: Flask) -> Iterator[None]:
    yield
    shutil.rmtree(f"{app.config['UPLOAD_DIR']}/documents", ignore_errors=True)


def new_period(plac: Browser) -> str:
    """Open a period on the page; the scorecard's path."""
    plac.text("/supervision/assessments")
    form = {
        "title": "2026年上半年考评",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
        "threshold": "60",
        "computed": ["community_orgs", "key_field_orgs"],
        "use_community_orgs": "1",
        "basis_community_orgs": "per_10k",
        "weight_community_orgs": "50",
        "target_community_orgs": "5",
        "entered_key_0": "publicity",
        "entered_name_0": "宣传报道",
        "entered_unit_0": "篇",
        "entered_weight_0": "50",
        "entered_target_0": "10",
    }
    response = plac.post("/supervision/assessments", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_scorecard_page_from_a_new_period_to_a_case(app: Flask) -> None:
    plac = Browser(app, "plac")
    path = new_period(plac)
    page = plac.text(path)
    assert "宣传报道" in page and "尚未计算考评结果" in page
    period_id = path.rstrip("/").split("/")[-1]

    response = plac.client.post(
        f"/supervision/assessments/{period_id}/values",
        data={
            "csrf_token": plac.token,
            "indicator": "publicity",
            "county_code": "140781",
            "value": "12",
            "evidence_note": "",
            "evidence_file": (io.BytesIO(b"%PDF-1.4\n% evidence\n"), "报道.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert plac.post(f"/supervision/assessments/{period_id}/compute", {}).status_code == 302
    page = plac.text(path)
    assert 'data-testid="scorecard"' in page and "介休市" in page and "data-charts=" in page
    assert (
        "echarts.min.js" in page and page.count('class="chart-box"') == 3
    )  # the total and one per indicator
    assert "/evidence/" in page
    # Sorted by the entered indicator, 介休市 (the only one with a value) comes first.
    sorted_page = plac.text(f"{path}?sort=publicity&order=desc")
    first_row = sorted_page.split('data-county="')[1][:6]
    assert first_row == "140781"

    opened = plac.post("/supervision/cases", {"county_code": "140702", "period_id": period_id, "next": path})
    assert opened.status_code == 302 and "/supervision/cases/" in opened.headers["Location"]
    case_page = plac.text(opened.headers["Location"])
    assert "立案督办" in case_page and "拟制通报" in case_page and "榆次区" in case_page
    assert "督办中" in plac.text(path)  # the scorecard links the open case

    leader_jx = Browser(app, "leader_jx")
    assert leader_jx.get(opened.headers["Location"]).status_code == 404
    assert "没有督办案件" in leader_jx.text("/supervision/cases")
    assert "榆次区" in Browser(app, "leader_yc").text("/supervision/cases")


def test_a_refused_case_goes_back_with_the_reason(app: Flask) -> None:
    plac = Browser(app, "plac")
    plac.text("/supervision/cases")
    response = plac.post("/supervision/cases", {"county_code": "140702", "case_reason": ""})
    assert response.status_code == 302
    assert "手动立案时必须写明理由" in plac.text(response.headers["Location"])


def test_configuration_page(app: Flask) -> None:
    plac = Browser(app, "plac")
    page = plac.text("/supervision/settings")
    assert "占位数据" in page and "挂牌督办" in page and 'data-testid="ladder"' in page
    saved = plac.post(
        "/supervision/settings/populations",
        {"county": ["140702"], "population_140702": "904500", "year_140702": "2020", "source_140702": "核实"},
    )
    assert saved.status_code == 302
    assert 'value="核实"' in plac.text("/supervision/settings")
    plac.post(
        "/supervision/settings/populations",
        {"county": ["140702"], "population_140702": "904500", "year_140702": "2020",
         "source_140702": "占位数据：按七普晋中市常住人口3379498人粗略分配，须按统计公报核实后修改"},
    )  # fmt: skip
    leader = Browser(app, "leader_yc")
    assert "disabled" in leader.text("/supervision/settings")
    assert leader.post("/supervision/settings/ladder", {"row": ["0"], "name_0": "x"}).status_code == 403


def test_public_list_needs_no_login(app: Flask) -> None:
    page = app.test_client().get("/supervision/listed")
    assert page.status_code == 200 and "目前没有挂牌督办的县（市、区）" in page.get_data(as_text=True)
    assert app.test_client().get("/supervision/listed/1/documents/1").status_code == 404
