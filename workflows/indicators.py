"""Assessment indicators computed from the system's own data, registered by the modules that own the data.

A process module registers what it can measure for a county over a period:

    @indicator("registered_orgs", "登记的社区社会组织数", unit="个")
    def registered_orgs(session, county_code, start, end) -> float: ...

The assessment (考评) lists `all_indicators()` and calls them; it never reaches into other
modules' tables itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

IndicatorFunction = Callable[[Session, str, date, date], float]


@dataclass(frozen=True)
class Indicator:
    """A computed indicator: key, Chinese name, unit, and the function that measures it."""

    key: str
    name: str
    unit: str
    measure: IndicatorFunction


_INDICATORS: dict[str, Indicator] = {}


def indicator(key: str, name: str, unit: str = "") -> Callable[[IndicatorFunction], IndicatorFunction]:
    """Register `fn(session, county_code, start, end) -> float` as a computed indicator."""

    def register(fn: IndicatorFunction) -> IndicatorFunction:
        _INDICATORS[key] = Indicator(key, name, unit, fn)
        return fn

    return register


def all_indicators() -> dict[str, Indicator]:
    """Every registered computed indicator, by key."""
    return dict(_INDICATORS)
