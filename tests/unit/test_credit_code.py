"""Tests for unified social credit codes and organization codes."""

from __future__ import annotations

import pytest

from workflows.credit_code import (
    ALPHABET,
    encode_serial,
    make_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_uscc,
)

DOMAIN_EXAMPLE = "52140702MJY00001X5"

# Codes printed on published licences and in the GB 32100-2015 example; each passes
# both check characters, which a mistyped code does only once in 341 tries.
PUBLISHED_CODES = [
    "91350100M000100Y43",  # the example in GB 32100-2015
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # org check "X" in position 17
    "91330100716105852F",
    "91110000802100433B",
    "91110108551385082Q",
    "53100000500021676K",  # a foundation registered by the Ministry of Civil Affairs
]


def test_domain_worked_example() -> None:
    assert org_code_check_char("MJY00001") == "X"
    assert uscc_check_char("52140702MJY00001X") == "5"
    assert validate_uscc(DOMAIN_EXAMPLE) == []


def test_org_check_by_hand() -> None:
    # 1·3 + 9·7 + 2·9 + 2·10 + 0·5 + 3·8 + 8·4 + 2·2 = 164; 164 mod 11 = 10; 11 − 10 = 1
    assert org_code_check_char("19220382") == "1"


def test_org_check_special_values() -> None:
    assert org_code_check_char("00000006") == "X"  # Σ = 12, mod 11 = 1, 11 − 1 = 10 → X
    assert org_code_check_char("00000000") == "0"  # Σ = 0, 11 − 0 = 11 → 0
    assert org_code_check_char("0000000B") == "0"  # B = 11, Σ = 22 → 0


def test_org_check_uses_letter_values_not_credit_alphabet() -> None:
    # GB 11714: Y = 34 (its index in the credit alphabet would be 30). Σ = 68, mod 11 = 2 → 9.
    assert org_code_check_char("0000000Y") == "9"
    assert org_code_check_char("0000000Z") == "7"  # Z = 35, Σ = 70, mod 11 = 4 → 7


def test_uscc_check_by_hand() -> None:
    assert uscc_check_char("0" * 17) == "0"
    assert uscc_check_char("1" + "0" * 16) == "Y"  # Σ = 1 → 30
    assert uscc_check_char("01" + "0" * 15) == "W"  # Σ = 3 → 28 = W
    assert uscc_check_char("0" * 16 + "1") == "3"  # weight 3^16 mod 31 = 28 → 3


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_codes_validate(code: str) -> None:
    assert validate_uscc(code) == []


def test_wrong_length() -> None:
    assert validate_uscc("52140702MJY00001X") == ["统一社会信用代码应为18位，实际为17位"]
    assert validate_uscc("") != []


def test_characters_outside_alphabet() -> None:
    problems = validate_uscc("52140702MJI00001X5")
    assert len(problems) == 1
    assert "第11位" in problems[0] and "I" in problems[0]
    assert validate_uscc(DOMAIN_EXAMPLE.lower()) != []


def test_wrong_position_18() -> None:
    assert validate_uscc("52140702MJY00001X6") == ["第18位校验码应为“5”，实际为“6”"]


def test_wrong_position_17() -> None:
    problems = validate_uscc("52140702MJY000010" + uscc_check_char("52140702MJY000010"))
    assert problems == ["第17位（组织机构代码校验码）应为“X”，实际为“0”"]


def test_old_division_code_is_accepted() -> None:
    # 太谷县 140726 became 太谷区 140703 in 2020; older codes keep 140726.
    assert validate_uscc(make_uscc("1", "140726", 7)) == []


def test_make_uscc_domain_example_serial() -> None:
    serial = ALPHABET.index("Y") * 31**5 + 1
    assert encode_serial(serial) == "Y00001"
    assert make_uscc("2", "140702", serial) == DOMAIN_EXAMPLE


def test_make_uscc_layout() -> None:
    code = make_uscc("1", "140702", 1)
    assert code.startswith("51140702MJ000001")
    assert len(code) == 18


def test_make_uscc_many_serials_valid_and_unique() -> None:
    codes = {make_uscc(category, "140702", serial) for category in "1239" for serial in range(1, 2001)}
    assert len(codes) == 4 * 2000
    assert all(validate_uscc(code) == [] for code in codes)


@pytest.mark.parametrize(
    ("category", "division", "serial"),
    [("4", "140702", 1), ("1", "14070", 1), ("1", "14070A", 1), ("1", "140702", -1), ("1", "140702", 31**6)],
)
def test_make_uscc_rejects(category: str, division: str, serial: int) -> None:
    with pytest.raises(ValueError):
        make_uscc(category, division, serial)


def test_check_functions_reject_bad_input() -> None:
    with pytest.raises(ValueError):
        org_code_check_char("1234567")
    with pytest.raises(ValueError):
        org_code_check_char("1234567-")
    with pytest.raises(ValueError):
        uscc_check_char("52140702MJY00001")
    with pytest.raises(ValueError):
        uscc_check_char("52140702MJI00001X")
