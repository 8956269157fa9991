"""The paths the benchmark drives: who completes which form with what data, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.integration.test_registration import FILE_FIELDS, application

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Step:
    """One user task: who completes it, its form key, and the data (given the case number)."""

    username: str
    form_key: str
    data: Callable[[int, dict[str, str]], dict[str, Any]]


@dataclass(frozen=True)
class Journey:
    """A happy path through one process, and the pair of steps of one correction loop."""

    process_key: str
    bpmn: Path
    starter: str
    file_fields: tuple[str, ...]
    steps: list[Step]
    loop: list[Step]


def _application(case: int, files: dict[str, str]) -> dict[str, Any]:
    return application(name=f"榆次区锦纶街道锦纶社区第{case}邻里互助协会", **files)


REGISTRATION = Journey(
    process_key="registration_review",
    bpmn=ROOT / "workflows" / "bpmn" / "registration_review.bpmn",
    starter="applicant_yc",
    file_fields=tuple(FILE_FIELDS),
    steps=[
        Step("applicant_yc", "registration.application", _application),
        Step("registrar_yc", "registration.acceptance", lambda c, f: {"decision": "accept"}),
        Step(
            "registrar_yc", "registration.review", lambda c, f: {"decision": "approve", "comment": "符合条件"}
        ),
        Step(
            "registrar2_yc",
            "registration.second_review",
            lambda c, f: {"decision": "agree", "comment": "同意"},
        ),
        Step(
            "leader_yc", "registration.decision", lambda c, f: {"decision": "approve", "comment": "准予登记"}
        ),
    ],
    loop=[
        Step(
            "registrar_yc",
            "registration.acceptance",
            lambda c, f: {"decision": "correction", "correction_items": ["charter"]},
        ),
        Step("applicant_yc", "registration.application", _application),
    ],
)
