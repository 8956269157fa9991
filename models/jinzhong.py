"""Seed data: the Jinzhong org tree (GB/T 2260 county codes, DOMAIN.md §6) and member units.

County codes are official. Street/township and community codes below a county are
illustrative 9- and 12-digit codes in the GB/T 10114 pattern; replace them with the
statistical division codes when the bureau provides its list.
"""

from __future__ import annotations

from datetime import UTC, datetime

CITY = ("140700", "晋中市", "晋")

# code, name, short name (used in document numbers), streets/townships
COUNTIES: list[tuple[str, str, str, list[str]]] = [
    ("140702", "榆次区", "榆", ["锦纶街道", "北关街道", "西南街道"]),
    ("140703", "太谷区", "太", ["明星镇", "胡村镇"]),
    ("140721", "榆社县", "榆社", ["箕城镇", "云竹镇"]),
    ("140722", "左权县", "左", ["辽阳镇", "桐峪镇"]),
    ("140723", "和顺县", "和", ["义兴镇", "李阳镇"]),
    ("140724", "昔阳县", "昔", ["乐平镇", "大寨镇"]),
    ("140725", "寿阳县", "寿", ["朝阳镇", "宗艾镇"]),
    ("140727", "祁县", "祁", ["昭馀镇", "东观镇"]),
    ("140728", "平遥县", "平", ["古陶镇", "段村镇"]),
    ("140729", "灵石县", "灵", ["翠峰镇", "静升镇"]),
    ("140781", "介休市", "介", ["北关街道", "西关街道"]),
]

# 太谷县 became 太谷区 (State Council approval 2019-12-09, district set up 2020-04-26).
HISTORICAL = [("140726", "太谷县", "太", datetime(2020, 4, 26, tzinfo=UTC))]

COMMUNITIES: dict[str, list[str]] = {
    "140702001": ["锦纶社区", "新华社区"],
    "140702002": ["北关社区", "顺城社区"],
    "140781001": ["北坛社区", "东南社区"],
}

# Joint-meeting member units at city level (联席会议成员单位).
DEPARTMENTS = [
    ("D01", "市委政法委", "政法"),
    ("D02", "市民政局", "民政"),
    ("D03", "市公安局", "公安"),
    ("D04", "市司法局", "司法"),
    ("D05", "市财政局", "财政"),
    ("D06", "市卫生健康委员会", "卫健"),
    ("D07", "市人力资源和社会保障局", "人社"),
    ("D08", "市妇联", "妇联"),
    ("D09", "团市委", "团委"),
    ("D10", "市教育局", "教育"),
]

# Joint-meeting member units of the two demo counties (illustrative: each county seeds its own).
# suffix, name, short name
COUNTY_DEPARTMENTS: dict[str, list[tuple[str, str, str]]] = {
    "140702": [
        ("D01", "榆次区委政法委", "政法"),
        ("D02", "榆次区民政局", "民政"),
        ("D03", "晋中市公安局榆次分局", "公安"),
        ("D04", "榆次区司法局", "司法"),
        ("D05", "榆次区财政局", "财政"),
        ("D06", "榆次区卫生健康局", "卫健"),
        ("D07", "榆次区妇联", "妇联"),
        ("D08", "共青团榆次区委", "团委"),
    ],
    "140781": [
        ("D01", "介休市委政法委", "政法"),
        ("D02", "介休市民政局", "民政"),
        ("D03", "介休市公安局", "公安"),
        ("D04", "介休市司法局", "司法"),
        ("D05", "介休市财政局", "财政"),
        ("D06", "介休市妇联", "妇联"),
    ],
}


def org_rows() -> list[dict[str, object]]:
    """Every org unit of the seed tree as column values, parents first."""
    city_code, city_name, city_short = CITY
    rows: list[dict[str, object]] = [
        dict(
            code=city_code,
            name=city_name,
            short_name=city_short,
            kind="city",
            parent_code=None,
            path=city_code,
        )
    ]
    for suffix, name, short in DEPARTMENTS:
        code = city_code + suffix
        rows.append(
            dict(
                code=code,
                name=name,
                short_name=short,
                kind="department",
                parent_code=city_code,
                path=f"{city_code}/{code}",
            )
        )
    for code, name, short, streets in COUNTIES:
        county_path = f"{city_code}/{code}"
        rows.append(
            dict(
                code=code, name=name, short_name=short, kind="county", parent_code=city_code, path=county_path
            )
        )
        for index, street in enumerate(streets, start=1):
            street_code = f"{code}{index:03d}"
            street_path = f"{county_path}/{street_code}"
            rows.append(
                dict(
                    code=street_code,
                    name=f"{name}{street}",
                    short_name=street[:2],
                    kind="street",
                    parent_code=code,
                    path=street_path,
                )
            )
            for c_index, community in enumerate(COMMUNITIES.get(street_code, []), start=1):
                c_code = f"{street_code}{c_index:03d}"
                rows.append(
                    dict(
                        code=c_code,
                        name=f"{name}{street}{community}",
                        short_name=community[:2],
                        kind="community",
                        parent_code=street_code,
                        path=f"{street_path}/{c_code}",
                    )
                )
    for county, departments in COUNTY_DEPARTMENTS.items():
        for suffix, name, short in departments:
            rows.append(
                dict(
                    code=county + suffix,
                    name=name,
                    short_name=short,
                    kind="department",
                    parent_code=county,
                    path=f"{city_code}/{county}/{county}{suffix}",
                )
            )
    for code, name, short, valid_to in HISTORICAL:
        rows.append(
            dict(
                code=code,
                name=name,
                short_name=short,
                kind="county",
                parent_code=city_code,
                path=f"{city_code}/{code}",
                valid_to=valid_to,
            )
        )
    return rows
