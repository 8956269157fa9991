"""The assessment (考评) through the JSON API: computed indicators from registry data seeded here and
from an indicator registered in the test, entered values with evidence, scores, ranks, lagging
counties, a case opened from the scorecard, and a veto that survives recomputation."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask

from models import Organization, OrganizationStatus
from tests.conftest import ApiClient
from webapp.db import session_factory
from workflows import indicators
from workflows.assessment_scoring import set_veto

YC, JX, TG = "140702", "140781", "140703"


def at(day: str) -> datetime:
    """Noon UTC of a day."""
    return datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC)


def add_org(
    session: Any,
    county: str,
    status: str,
    registered: str,
    field: str = "other",
    changes: tuple[Any, ...] = (),
) -> None:
    """An organization with a status history: registered/filed on `registered`, then `changes`."""
    first = "filed" if status == "filed" else "registered"
    org = Organization(
        name=f"测试组织{county}{registered}{field}{status}{len(changes)}",
        org_type="association",
        service_field=field,
        county_code=county,
        status=status,
        registered_at=at(registered),
    )
    org.history.append(OrganizationStatus(status=first, previous_status="new", at=at(registered)))
    for day, new_status in changes:
        org.history.append(OrganizationStatus(status=new_status, previous_status=first, at=at(day)))
    session.add(org)


@pytest.fixture
def registry(app: Flask) -> Iterator[None]:
    """Organizations of 榆次区 and 介休市 in and around the first half of 2026."""
    with session_factory(app)() as session:
        add_org(session, YC, "registered", "2026-02-01", "mediation")
        add_org(session, YC, "registered", "2026-03-01", "legal_aid")
        add_org(session, YC, "registered", "2026-04-01", "other")
        add_org(session, YC, "filed", "2026-02-15", "public_safety")
        add_org(session, YC, "filed", "2026-05-15", "other")
        add_org(session, YC, "registered", "2025-10-01", "mental_health")  # before the period: counts
        add_org(session, YC, "registered", "2026-07-10", "mediation")  # after the period: does not
        add_org(session, YC, "deregistered", "2026-02-10", "correction", (("2026-05-20", "deregistered"),))
        add_org(session, YC, "deregistered", "2026-02-20", "other", (("2026-08-20", "deregistered"),))
        add_org(session, JX, "filed", "2026-03-03", "other")
        session.commit()
    yield


@pytest.fixture
def populations(api: ApiClient) -> Iterator[None]:
    """Populations of the two counties set for the test, the configuration restored afterwards."""
    plac = api.as_user("plac")
    saved = [r for r in plac.get("/county-populations").get_json()["items"] if r["population"]]
    rows = [
        {"county_code": YC, "population": 100000, "year": 2025, "source": "测试"},
        {"county_code": JX, "population": 50000, "year": 2025, "source": "测试"},
    ]
    assert plac.put("/county-populations", json={"populations": rows}).status_code == 200
    yield
    plac.put("/county-populations", json={"populations": saved})


@pytest.fixture
def bases_indicator(monkeypatch: pytest.MonkeyPatch) -> None:
    """An indicator registered the way another module would (here: inside the test)."""
    built = {YC: 1.0, JX: 2.0}

    def measure(session: Any, county_code: str, start: date, end: date) -> float:
        return built.get(county_code, 0.0)

    monkeypatch.setitem(
        indicators._INDICATORS,
        "test_bases",
        indicators.Indicator("test_bases", "孵化基地（测试）", "个", measure),
    )


@pytest.fixture(autouse=True)
def _no_stale_pdfs(app: Flask) -> Iterator[None]:
    yield
    shutil.rmtree(f"{app.config['UPLOAD_DIR']}/documents", ignore_errors=True)


PERIOD = {
    "title": "2026年上半年社区社会组织工作考评",
    "starts_on": "2026-01-01",
    "ends_on": "2026-06-30",
    "threshold": 60,
    "indicators": [
        {"key": "community_orgs", "source": "computed", "basis": "per_10k", "weight": 40, "target": 1},
        {"key": "key_field_orgs", "source": "computed", "basis": "absolute", "weight": 20, "target": 0},
        {"key": "test_bases", "source": "computed", "basis": "absolute", "weight": 20, "target": 2},
        {
            "key": "publicity",
            "source": "entered",
            "name": "宣传报道",
            "unit": "篇",
            "weight": 20,
            "target": 0,
        },
    ],
}


def open_period(plac: ApiClient) -> dict[str, Any]:
    """Create the period; the API's answer."""
    response = plac.post("/assessments", json=PERIOD)
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def enter_publicity(plac: ApiClient, period_id: int) -> None:
    """Publicity: 榆次区 4 with a note, 介休市 10 with an uploaded file."""
    upload = plac.post(
        f"/assessments/{period_id}/evidence",
        data={"file": (io.BytesIO(b"%PDF-1.4\n% evidence\n"), "报道.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    values = [
        {"indicator": "publicity", "county_code": YC, "value": 4, "evidence_note": "晋中日报4篇"},
        {"indicator": "publicity", "county_code": JX, "value": 10, "evidence": upload.get_json()["id"]},
    ]
    response = plac.put(f"/assessments/{period_id}/values", json={"values": values})
    assert response.status_code == 200, response.get_json()


def rows_by_county(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The scorecard rows by county code."""
    return {row["county"]["code"]: row for row in body["scorecard"]}


@pytest.mark.usefixtures("registry")
def test_registry_indicators_count_organizations_as_at_the_end_of_the_period(api: ApiClient) -> None:
    plac = api.as_user("plac")
    listed = {i["key"] for i in plac.get("/assessment-indicators").get_json()["items"]}
    assert {
        "community_orgs",
        "registered_orgs",
        "filed_orgs",
        "new_community_orgs",
        "key_field_orgs",
    } <= listed
    period = {
        **PERIOD,
        "indicators": [
            {"key": key, "source": "computed", "basis": "absolute", "weight": 1}
            for key in (
                "community_orgs",
                "registered_orgs",
                "filed_orgs",
                "new_community_orgs",
                "key_field_orgs",
            )
        ],
    }
    created = plac.post("/assessments", json=period).get_json()
    values = rows_by_county(plac.post(f"/assessments/{created['id']}/compute").get_json())
    raw = {key: detail["raw"] for key, detail in values[YC]["values"].items()}
    assert raw == {
        "community_orgs": 7,  # 3 registered, 2 filed, 1 from 2025, 1 deregistered only after the period
        "registered_orgs": 5,
        "filed_orgs": 2,
        "new_community_orgs": 6,
        "key_field_orgs": 4,  # mediation, legal aid, public safety, mental health
    }
    assert values[JX]["values"]["community_orgs"]["raw"] == 1
    assert values[TG]["values"]["community_orgs"]["raw"] == 0


@pytest.mark.usefixtures("registry", "populations", "bases_indicator")
def test_scorecard_scores_ranks_and_marks_lagging_counties(app: Flask, api: ApiClient) -> None:
    plac = api.as_user("plac")
    period = open_period(plac)
    pid = period["id"]
    assert [i["name"] for i in period["indicators"]][:3] == [
        "登记和备案的社区社会组织数",
        "五个重点领域的社区社会组织数",
        "孵化基地（测试）",
    ]
    missing = plac.put(
        f"/assessments/{pid}/values",
        json={"values": [{"indicator": "publicity", "county_code": YC, "value": 1}]},
    )
    assert missing.status_code == 422  # evidence is required
    enter_publicity(plac, pid)
    body = plac.post(f"/assessments/{pid}/compute").get_json()
    rows = rows_by_county(body)

    yc, jx = rows[YC], rows[JX]
    assert yc["values"]["community_orgs"] == {
        "raw": 7,
        "value": 0.7,
        "score": 70.0,
        "missing": False,
        "note": "",
    }
    assert jx["values"]["community_orgs"]["value"] == 0.2 and jx["values"]["community_orgs"]["score"] == 20.0
    assert (yc["values"]["key_field_orgs"]["score"], jx["values"]["key_field_orgs"]["score"]) == (100.0, 0.0)
    assert (yc["values"]["test_bases"]["score"], jx["values"]["test_bases"]["score"]) == (50.0, 100.0)
    assert (yc["values"]["publicity"]["score"], jx["values"]["publicity"]["score"]) == (40.0, 100.0)
    assert (yc["total"], jx["total"]) == (66.0, 48.0)
    assert (yc["rank"], jx["rank"], rows[TG]["rank"]) == (1, 2, 3)
    assert not yc["lagging"] and jx["lagging"] and rows[TG]["lagging"]
    assert rows[TG]["values"]["publicity"]["missing"] is True
    assert YC not in body["lagging"] and JX in body["lagging"]

    by_bases = plac.get(f"/assessments/{pid}?sort=test_bases&order=desc").get_json()["scorecard"]
    assert [r["county"]["code"] for r in by_bases[:2]] == [JX, YC]
    assert plac.get(f"/assessments/{pid}?sort=nonsense").status_code == 422
    assert api.as_user("city_ca").get(f"/assessments/{pid}").status_code == 200

    # A case opened from the scorecard: only for a lagging county; the reason is written from the score.
    refused = plac.post("/supervision/cases", json={"county_code": YC, "period_id": pid})
    assert refused.status_code == 422 and "period_id" in refused.get_json()["fields"]
    case = plac.post("/supervision/cases", json={"county_code": JX, "period_id": pid}).get_json()
    assert case["source"] == "assessment" and case["period_id"] == pid
    assert "得分48分，低于达标线60分" in case["reason"] and "排名第2位" in case["reason"]

    # 一票否决 (as a failed listed supervision records it) survives recomputation and ranks last.
    with session_factory(app)() as session:
        set_veto(session, YC, pid, "挂牌督办整改验收不通过")
        session.commit()
    rows = rows_by_county(plac.post(f"/assessments/{pid}/compute").get_json())
    assert rows[YC]["veto"] and rows[YC]["lagging"] and rows[YC]["total"] == 66.0
    assert rows[YC]["rank"] == 11 and rows[JX]["rank"] == 1


@pytest.mark.usefixtures("registry")
def test_who_may_run_and_see_an_assessment(api: ApiClient) -> None:
    plac, leader = api.as_user("plac"), api.as_user("leader_yc")
    assert leader.post("/assessments", json=PERIOD).status_code == 403
    bad = plac.post("/assessments", json={**PERIOD, "indicators": [{"key": "nope", "weight": 1}]})
    assert bad.status_code == 422 and "indicators[0]" in bad.get_json()["fields"]
    period = {
        **PERIOD,
        "indicators": [{"key": "community_orgs", "source": "computed", "weight": 1, "target": 5}],
    }
    pid = plac.post("/assessments", json=period).get_json()["id"]
    assert leader.get(f"/assessments/{pid}").status_code == 404  # not published yet
    assert leader.get("/assessments").get_json()["items"] == []
    assert plac.post(f"/assessments/{pid}/publish").status_code == 409  # not computed yet
    plac.post(f"/assessments/{pid}/compute")
    assert plac.post(f"/assessments/{pid}/publish").status_code == 200
    assert plac.post(f"/assessments/{pid}/compute").status_code == 409  # frozen
    mine = leader.get(f"/assessments/{pid}").get_json()
    assert [r["county"]["code"] for r in mine["scorecard"]] == [YC] and "entries" not in mine
    assert leader.put("/county-populations", json={"populations": []}).status_code == 403


def test_population_configuration_is_checked(api: ApiClient) -> None:
    plac = api.as_user("plac")
    items = plac.get("/county-populations").get_json()["items"]
    assert len(items) == 11 and all(i["population"] for i in items)
    bad = plac.put(
        "/county-populations", json={"populations": [{"county_code": "999999", "population": -1, "year": 1}]}
    )
    assert bad.status_code == 422 and "populations[0]" in bad.get_json()["fields"]
