"""SpiffWorkflow 3.2.0 behind a small interface: parse, run, persist, timers.

Knows SpiffWorkflow, not Flask or the database. A definition's spec is parsed or
restored once per version and shared by every workflow of that version; instance state
is the serializer's JSON without the spec.
"""

from __future__ import annotations

import contextvars
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow as _BpmnWorkflow
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from workflows.linter import parse_xml_safely

# --- a clock the timer code reads, so `timers fire --at` and tests can move time -------------

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("engine_now", default=None)


class _ClockDatetime(datetime):
    """`datetime` whose now() honours `engine_clock()`; installed into Spiff's timer module."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        fixed = _NOW.get()
        if fixed is None:
            return datetime.now(tz)
        return fixed.astimezone(tz) if tz else fixed.astimezone(UTC).replace(tzinfo=None)


spiff_timer.datetime = _ClockDatetime


@contextmanager
def engine_clock(now: datetime | None) -> Iterator[None]:
    """Run engine code as if the time were `now` (aware); None means the real clock."""
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)


def engine_now() -> datetime:
    """The engine's current time (aware UTC)."""
    return _NOW.get() or datetime.now(UTC)


# --- parsing ------------------------------------------------------------------------------------


@dataclass
class ProcessModel:
    """A parsed process version: the spec objects every instance of it shares."""

    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    start_lanes: list[str] = field(default_factory=list)
    start_form: str | None = None  # the start event's formKey: start data is validated with it


class ProcessParseError(ValueError):
    """The BPMN could not be parsed into an executable process."""


def parse_process(xml: bytes) -> ProcessModel:
    """Parse BPMN bytes (already linted) into the single executable process it holds."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(parse_xml_safely(xml))
        executable = parser.get_process_ids()
        if len(executable) != 1:
            raise ProcessParseError(f"expected one executable process, found {len(executable)}")
        key = executable[0]
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ProcessParseError:
        raise
    except Exception as exc:  # the parser raises many kinds; all mean "not deployable"
        raise ProcessParseError(str(exc)) from exc
    return ProcessModel(
        key, spec.description or key, spec, subprocess_specs, _start_lanes(spec), _start_form(spec)
    )


def _start_lanes(spec: Any) -> list[str]:
    """Roles that may start the process: the start event's lane, plus its `startRoles` property."""
    roles: list[str] = []
    for task_spec in spec.task_specs.values():
        if type(task_spec).__name__ != "StartEvent":
            continue
        if task_spec.lane:
            roles.append(task_spec.lane)
        extra = spec_property(task_spec, "startRoles") or ""
        roles += [role.strip() for role in extra.split(",") if role.strip()]
    return sorted(set(roles))


def _start_form(spec: Any) -> str | None:
    for task_spec in spec.task_specs.values():
        if type(task_spec).__name__ == "StartEvent":
            form = spec_property(task_spec, "formKey")
            if form:
                return form
    return None


# --- serialization ------------------------------------------------------------------------------


class _SharedSpecConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Leaves the spec out of the state and restores workflows onto a cached spec."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        model: ProcessModel = dct.pop("model")
        workflow = self.target_class(model.spec, model.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializers() -> tuple[BpmnWorkflowSerializer, BpmnWorkflowSerializer]:
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    config = deepcopy(DEFAULT_CONFIG)
    config[_BpmnWorkflow] = _SharedSpecConverter
    return full, BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_FULL, _STATE = _make_serializers()
SERIALIZER_VERSION = _STATE.VERSION
# Converts task specs to dicts, which is how SpiffWorkflow compares two versions of a spec.
SPEC_REGISTRY = _FULL.registry


def spec_to_json(model: ProcessModel) -> str:
    """The spec and subprocess specs as JSON, stored once per definition version."""
    dct = _FULL.to_dict(BpmnWorkflow(model.spec, model.subprocess_specs))
    return json.dumps({"spec": dct["spec"], "subprocess_specs": dct["subprocess_specs"]})


def model_from_json(key: str, name: str, spec_json: str) -> ProcessModel:
    """Restore a ProcessModel from the stored spec JSON."""
    dct = json.loads(spec_json)
    spec = _FULL.registry.restore(dct["spec"])
    subs = {k: _FULL.registry.restore(v) for k, v in dct.get("subprocess_specs", {}).items()}
    return ProcessModel(key, name, spec, subs, _start_lanes(spec), _start_form(spec))


def state_to_json(workflow: BpmnWorkflow) -> str:
    """The serializer's JSON of a workflow, without the spec."""
    _STATE.registry._encoder_mode = True
    try:
        dct = _STATE.to_dict(workflow)
        dct[_STATE.VERSION_KEY] = _STATE.VERSION
        return json.dumps(dct, cls=_STATE._encoder_cls, separators=(",", ":"))
    finally:
        _STATE.registry._encoder_mode = False


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """Instance state as stored: `state_to_json`, zlib-compressed.

    The JSON repeats task ids and keys; compressed it is a fifth of its size (a completed
    registration: 14.6 KB of JSON, 2.9 KB stored), which also spares PostgreSQL's own
    compression on every save.
    """
    return zlib.compress(state_to_json(workflow).encode())


def state_json(state: bytes) -> str:
    """The JSON text of a stored state."""
    return zlib.decompress(state).decode() if state else "{}"


def load_state(state: bytes, model: ProcessModel, script_engine: PythonScriptEngine) -> BpmnWorkflow:
    """Restore a workflow from its stored state onto the shared spec of its version."""
    return state_from_json(state_json(state), model, script_engine)


def state_from_json(text: str, model: ProcessModel, script_engine: PythonScriptEngine) -> BpmnWorkflow:
    """Restore a workflow from `state_to_json` text onto the shared spec of its version."""
    dct = json.loads(text, cls=_STATE.json_decoder_cls)
    _STATE.migrate(dct)
    dct["model"] = model
    workflow: BpmnWorkflow = _STATE.from_dict(dct)
    workflow.script_engine = script_engine
    return workflow


def new_workflow(
    model: ProcessModel, data: dict[str, Any], script_engine: PythonScriptEngine
) -> BpmnWorkflow:
    """A new workflow of `model`, seeded with start data, not yet run."""
    workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=script_engine)
    workflow.task_tree.data.update(data)
    return workflow


# --- inspecting a running workflow --------------------------------------------------------------


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """READY manual (user) tasks."""
    return list(workflow.get_tasks(state=TaskState.READY, manual=True))


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest pending timer's due time (aware UTC), for the indexed column."""
    times = []
    for event in workflow.waiting_events():
        if "Time" in event.event_type and isinstance(event.value, str):
            try:
                times.append(spiff_timer.TimerEventDefinition.get_datetime(event.value))
            except ValueError:
                continue
    return min(times) if times else None


def spec_property(task_spec: Any, name: str) -> str | None:
    """A `spiffworkflow:property` of a task spec."""
    value = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get(name)
    return str(value) if value is not None else None


def task_property(task: Task, name: str) -> str | None:
    """A `spiffworkflow:property` of the task's spec."""
    return spec_property(task.task_spec, name)


def run_engine(workflow: BpmnWorkflow, now: datetime | None = None) -> None:
    """Refresh timers, then run every engine step that needs no person."""
    with engine_clock(now):
        workflow.refresh_timers()
        workflow.do_engine_steps()


def mi_output_name(task: Task) -> str | None:
    """For a child of a multi-instance task: the name of its output data item."""
    parent_spec = task.parent.task_spec if task.parent else None
    item = getattr(parent_spec, "output_item", None)
    if item is None or getattr(parent_spec, "data_output", None) is None:
        return None
    return str(item.bpmn_id)


def _ancestry(task: Task) -> list[Task]:
    """The task and its ancestors, leaf first."""
    path = []
    node: Task | None = task
    while node is not None:
        path.append(node)
        node = node.parent
    return path


def compact_history(workflow: BpmnWorkflow, keep: int = 12) -> int:
    """Drop finished tasks more than `keep` levels above everything still running.

    SpiffWorkflow keeps every task ever run: each correction loop lengthens the task tree, and
    every load, engine step and save walks all of it. The case's history lives in our own
    tables (audit trail, submissions), so the engine only needs the recent part of the tree.
    Everything between the root and the ancestor `keep` levels above the deepest common
    ancestor of the unfinished tasks is removed, and that ancestor hangs from the root. Does
    nothing (returns 0) when the tree is short, has subprocesses, or anything to be dropped is
    unfinished. Returns the number of tasks dropped.
    """
    unfinished = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished or workflow.subprocesses:
        return 0
    common = _ancestry(unfinished[0])
    for task in unfinished[1:]:
        ids = {t.id for t in _ancestry(task)}
        common = [t for t in common if t.id in ids]
    if len(common) <= keep + 2:
        return 0
    root, cut = workflow.task_tree, common[keep]
    doomed: list[Task] = []
    pending = [c for c in root.children if c.id != cut.id]
    pending += [c for c in _ancestry(cut)[1:-1]]
    seen = {cut.id, root.id}
    while pending:
        task = pending.pop()
        if task.id in seen:
            continue
        seen.add(task.id)
        if not task.has_state(TaskState.FINISHED_MASK):
            return 0
        doomed.append(task)
        pending += [c for c in task.children if c.id not in seen]
    for task in doomed:
        del workflow.tasks[task.id]
    root._children = [cut.id]
    cut._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = cut
    return len(doomed)
