"""What a persisted engine cannot beat: the journey in memory, serialized around every task
(the serializer's own JSON; the application's zlib compression is application cost).

Service tasks replay the results the real operators returned in a recorded run, so the
engine takes exactly the application's path without touching the database.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.bench.journeys import Journey
from workflows import instances
from workflows.engine import (
    ProcessModel,
    mi_output_name,
    model_from_json,
    new_workflow,
    parse_process,
    ready_user_tasks,
    spec_to_json,
    state_from_json,
    state_to_json,
    task_property,
)
from workflows.scripting import make_script_engine

HELPERS: dict[str, Any] = {
    "now": lambda: "2026-11-24T10:00:00+08:00",
    "today": lambda: "2026-11-24",
    "add_working_days": lambda n, start=None: "2027-06-30T23:59:59+08:00",
    "add_calendar_days": lambda n, start=None: "2027-06-30T23:59:59+08:00",
    "add_hours": lambda n: "2026-11-25T10:00:00+08:00",
    "member_units": lambda code=None: [f"140700D{i:02d}" for i in range(1, 11)],
}


@contextmanager
def recording() -> Iterator[dict[str, list[Any]]]:
    """Record every service-task result of the application while the block runs."""
    calls: dict[str, list[Any]] = defaultdict(list)
    real = instances.call_service

    def record(ctx: Any, name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        result = real(ctx, name, params, data)
        calls[name].append(json.loads(json.dumps(result, default=str)))
        return result

    instances.call_service = record
    try:
        yield calls
    finally:
        instances.call_service = real


def _replayer(recorded: dict[str, list[Any]]) -> Any:
    positions: dict[str, int] = defaultdict(int)

    def replay(name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        results = recorded[name]
        result = results[positions[name] % len(results)]
        positions[name] += 1
        return result

    return replay


def run_once(journey: Journey, model: ProcessModel, recorded: dict[str, list[Any]]) -> int:
    """One instance to its end; returns the number of completions."""
    engine = make_script_engine(HELPERS, _replayer(recorded))
    workflow = new_workflow(
        model, {"scope_code": "140702", "started_by": 1, "applicant_org": "140702001001"}, engine
    )
    workflow.do_engine_steps()
    state = state_to_json(workflow)
    files = {name: "1" for name in journey.file_fields}
    for case, step in enumerate(journey.steps):
        workflow = state_from_json(state, model, engine)
        task = next(t for t in ready_user_tasks(workflow) if task_property(t, "formKey") == step.form_key)
        data = json.loads(json.dumps(step.data(case, files)))
        task.data.update(data)
        output = mi_output_name(task)
        if output:
            task.data[output] = data
        task.run()
        workflow.do_engine_steps()
        state = state_to_json(workflow)
    assert state_from_json(state, model, engine).is_completed(), "the replayed journey did not end"
    return len(journey.steps)


def compiled_model(journey: Journey) -> ProcessModel:
    """The journey's process, parsed and compiled as the application keeps it."""
    parsed = parse_process(journey.bpmn.read_bytes())
    return model_from_json(parsed.key, parsed.name, spec_to_json(parsed))


def run_instances(
    journey: Journey, model: ProcessModel, recorded: dict[str, list[Any]], count: int
) -> tuple[float, int]:
    """`count` instances to their end: (seconds, completions)."""
    began = time.perf_counter()
    completions = sum(run_once(journey, model, recorded) for _ in range(count))
    return time.perf_counter() - began, completions


def figures(instances_count: int, elapsed: float, completions: int) -> dict[str, float]:
    """Instances per second and milliseconds per completion."""
    return {"instances_per_s": instances_count / elapsed, "ms_per_completion": elapsed * 1000 / completions}
