"""Unified social credit codes (GB 32100-2015) and organization codes (GB 11714).

A code has 18 characters: registering department (1), category (2), division of the
registering office (3–8), organization code body (9–16), its GB 11714 check character
(17) and the GB 32100 check character (18).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
CIVIL_AFFAIRS = "5"
CIVIL_AFFAIRS_CATEGORIES = {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}
CIVIL_AFFAIRS_PREFIX = "MJ"
SERIAL_LENGTH = 6

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_BODY_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _org_value(char: str) -> int:
    """GB 11714 value of a character: digits 0–9, letters A–Z 10–35."""
    if char not in _ORG_BODY_CHARS:
        raise ValueError(f"character {char!r} is not allowed in an organization code")
    return int(char, 36)


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character ("0"–"9" or "X") for an 8-character code body."""
    if len(body8) != len(_ORG_WEIGHTS):
        raise ValueError(f"an organization code body has 8 characters, got {len(body8)}")
    total = sum(_org_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    if len(first17) != len(_USCC_WEIGHTS):
        raise ValueError(f"expected the first 17 characters, got {len(first17)}")
    bad = [c for c in first17 if c not in ALPHABET]
    if bad:
        raise ValueError(f"characters not in the credit code alphabet: {''.join(bad)!r}")
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> list[str]:
    """Return the problems with a credit code, in Chinese; an empty list means it is valid.

    Positions 3–8 are deliberately not checked against current division codes: codes never
    change, so codes issued before a division was renamed keep the old number.
    """
    if len(code) != USCC_LENGTH:
        return [f"统一社会信用代码应为18位，实际为{len(code)}位"]
    problems = [
        f"第{i}位字符“{c}”不在代码字符集中（不使用 I、O、S、V、Z 及小写字母）"
        for i, c in enumerate(code, start=1)
        if c not in ALPHABET
    ]
    if problems:
        return problems
    org_check = org_code_check_char(code[8:16])
    if code[16] != org_check:
        problems.append(f"第17位（组织机构代码校验码）应为“{org_check}”，实际为“{code[16]}”")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        problems.append(f"第18位校验码应为“{expected}”，实际为“{code[17]}”")
    return problems


def encode_serial(serial: int) -> str:
    """Encode a serial number as 6 characters over ALPHABET (base 31, zero-padded)."""
    limit = len(ALPHABET) ** SERIAL_LENGTH
    if not 0 <= serial < limit:
        raise ValueError(f"serial must be between 0 and {limit - 1}, got {serial}")
    chars = []
    for _ in range(SERIAL_LENGTH):
        serial, digit = divmod(serial, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def make_uscc(category: str, division: str, serial: int) -> str:
    """Build a civil-affairs credit code (department "5") with body "MJ" + encoded serial.

    ``category`` is "1" 社会团体, "2" 民办非企业单位（社会服务机构）, "3" 基金会 or "9" 其他;
    ``division`` is the 6-digit code of the registering office, e.g. "140702" 榆次区.
    """
    if category not in CIVIL_AFFAIRS_CATEGORIES:
        raise ValueError(f"category must be one of {sorted(CIVIL_AFFAIRS_CATEGORIES)}, got {category!r}")
    if len(division) != 6 or not division.isascii() or not division.isdigit():
        raise ValueError(f"division must be a 6-digit code, got {division!r}")
    body = CIVIL_AFFAIRS_PREFIX + encode_serial(serial)
    first17 = CIVIL_AFFAIRS + category + division + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)
