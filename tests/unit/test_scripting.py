"""Tests for the sandboxed script engine: escapes refused, time limit, data write-back, Spiff run."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from workflows.scripting import (
    RestrictedEnvironment,
    ScriptLimitExceeded,
    ScriptRejected,
    ScriptTimeout,
    check_source,
    evaluate_expression,
    make_script_engine,
)

ESCAPES = [
    "__import__('os').system('true')",
    "open('/etc/passwd').read()",
    "().__class__.__base__.__subclasses__()",
    "import random; random._os",
    "'{0.__class__}'.format(1)",
    "(lambda: 0).__globals__",
    "getattr(__builtins__, 'open')",
    "10**10**10",
    "'x' * 10**10",
]
SIDE_EFFECTS = ["__import__('os').system('touch {marker}')", "open('{marker}', 'w').write('x')"]

HELPERS: dict[str, Callable[..., Any]] = {"today": lambda: date(2026, 11, 24), "double": lambda n: 2 * n}


@pytest.fixture
def env() -> RestrictedEnvironment:
    """A sandbox environment with two helpers and a small budget."""
    return RestrictedEnvironment(HELPERS, line_budget=5_000)


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_is_refused_by_check_source(source: str) -> None:
    assert check_source(source, "exec")
    if not source.startswith("import"):
        assert check_source(source, "eval")


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_forced_through_the_environment_does_not_escape(
    source: str, env: RestrictedEnvironment
) -> None:
    data: dict[str, Any] = {"a": 1}
    started = time.monotonic()
    with pytest.raises(ScriptRejected):
        env.execute(source, data)
    if not source.startswith("import"):
        with pytest.raises(ScriptRejected):
            env.evaluate(source, data)
    assert time.monotonic() - started < 2
    assert data == {"a": 1}


@pytest.mark.parametrize("template", SIDE_EFFECTS)
def test_escape_leaves_no_trace_on_disk(template: str, tmp_path: Path, env: RestrictedEnvironment) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ScriptRejected):
        env.execute(template.format(marker=marker), {})
    assert not marker.exists()


@pytest.mark.parametrize(
    "source",
    [
        "s = 'x'\nn = 10 ** 10\nt = s * n",
        "z = [0]\nn = 10 ** 6\nt = z * n * n",
        "s = 'ab'\nt = s.ljust(10 ** 10)",
        "x = 10\nx **= 60\nx **= 60",
        "x = 1\nwhile True:\n    x = x << 64",
        "s = 'ab' * 1000\nwhile True:\n    s += s",
        "x = 10 ** 60\ny = x * x * x * x * x * x * x * x * x * x * x * x * x * x * x * x * x * x * x * x * x",
    ],
)
def test_runtime_guards_bound_values_that_the_static_check_cannot_see(
    source: str, env: RestrictedEnvironment
) -> None:
    assert check_source(source, "exec") == []
    with pytest.raises(ScriptLimitExceeded):
        env.execute(source, {})


@pytest.mark.parametrize(
    "source",
    [
        "try:\n    x = 1\nexcept Exception:\n    pass",
        "class A:\n    pass",
        "x = f'{1:>{99}}'",
        "x = '%*d' % (5, 1)",
        "x = f'{1:>100000}'",
    ],
)
def test_policy_refuses_constructs_that_could_defeat_the_limits(source: str) -> None:
    assert check_source(source, "exec")


def test_endless_loop_is_stopped_by_the_budget(env: RestrictedEnvironment) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptTimeout):
        env.execute("while True: pass", {})
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "source", ["while True:\n    x = 1", "x = sum(a * b for a in range(999) for b in range(999))"]
)
def test_long_loops_are_stopped_in_a_worker_thread(source: str, env: RestrictedEnvironment) -> None:
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            env.execute(source, {})
            outcome.append(None)
        except BaseException as err:  # the assertion below names what happened
            outcome.append(err)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert isinstance(outcome[0], ScriptTimeout)


def test_previous_trace_function_is_restored(env: RestrictedEnvironment) -> None:
    def tracer(frame: FrameType, event: str, arg: Any) -> None:
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        env.execute("x = 1", {})
        with pytest.raises(ScriptTimeout):
            env.execute("while True: pass", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_ordinary_script_writes_plain_data_back(env: RestrictedEnvironment) -> None:
    data: dict[str, Any] = {"amounts": [3, 4], "unused": "keep", "old": 1}
    env.execute(
        "total = sum(amounts) * 2 + 1\n"
        "rows = [{'n': n, 'sq': n * n} for n in amounts]\n"
        "doubled = double(total)\n"
        "when = today()\n"
        "first, second = amounts\n"
        "label = f'{total:>5}'\n"
        "fn = today\n"
        "def helper(x):\n    return x + 1\n"
        "seen = set(amounts)\n"
        "del old\n",
        data,
    )
    assert data == {
        "amounts": [3, 4],
        "unused": "keep",
        "total": 15,
        "rows": [{"n": 3, "sq": 9}, {"n": 4, "sq": 16}],
        "doubled": 30,
        "when": date(2026, 11, 24),
        "first": 3,
        "second": 4,
        "label": "   15",
    }


class _Uncopyable:
    """Task data a run must not copy: copying it fails the test."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        raise AssertionError("data the code does not name was copied")


def test_only_the_data_a_script_names_is_copied_and_the_rest_stays(env: RestrictedEnvironment) -> None:
    big = _Uncopyable()
    data: dict[str, Any] = {"amounts": [3, 4], "extra": [0], "gone": 1, "big": big}
    env.execute(
        "def total():\n    return sum(amounts)\n"  # a name read inside a function
        "rows = [n + bonus for n in amounts for bonus in extra]\n"  # and inside a comprehension
        "t = total()\n"
        "del gone\n",
        data,
    )
    assert data == {"amounts": [3, 4], "extra": [0], "big": big, "rows": [3, 4], "t": 7}
    assert env.evaluate("[n for n in amounts if n > limit]", {**data, "limit": 3}) == [4]
    with pytest.raises(AssertionError, match="copied"):
        env.evaluate("big", data)  # named: copied, as before


def test_script_cannot_put_non_data_into_existing_values(env: RestrictedEnvironment) -> None:
    data: dict[str, Any] = {"items": [1]}
    env.execute("items.append(today)", data)
    assert data == {"items": [1]}


@pytest.mark.parametrize("source", ["typename = 1", "x = {'typename': 'A'}", "x = [{'_private': 1}]"])
def test_reserved_data_keys_are_rejected(source: str, env: RestrictedEnvironment) -> None:
    data: dict[str, Any] = {}
    with pytest.raises(ScriptRejected):
        env.execute(source, data)
    assert data == {}


def test_assigning_to_a_helper_name_is_rejected(env: RestrictedEnvironment) -> None:
    with pytest.raises(ScriptRejected):
        env.execute("today = 3", {})


def test_expressions_and_helpers() -> None:
    data = {"decision": "approve", "units": ["140702001", "140702002"]}
    assert evaluate_expression("decision in ('approve', 'accept')", data, HELPERS) is True
    assert evaluate_expression("units[0][:6]", data, HELPERS) == "140702"
    assert evaluate_expression("today().year", data, HELPERS) == 2026
    with pytest.raises(ScriptRejected):
        evaluate_expression("today", data, HELPERS)
    with pytest.raises(ScriptRejected):
        evaluate_expression("decision.__class__", data, HELPERS)


BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="tiny_flow" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="计算金额">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>total = sum(amounts)
big = total &gt; limit()</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:serviceTask id="issue" name="生成代码">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="generate_credit_code" resultVariable="code">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="county" type="str" value="county"/>
            <spiffworkflow:parameter id="amount" type="int" value="total * 2"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:exclusiveGateway id="gw" name="金额大?">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>to_big</bpmn:outgoing><bpmn:outgoing>to_small</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="issue"/>
    <bpmn:sequenceFlow id="f3" sourceRef="issue" targetRef="gw"/>
    <bpmn:sequenceFlow id="to_big" sourceRef="gw" targetRef="end_big">
      <bpmn:conditionExpression>big</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_small" sourceRef="gw" targetRef="end_small">
      <bpmn:conditionExpression>not big</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end_big"><bpmn:incoming>to_big</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_small"><bpmn:incoming>to_small</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _run(amounts: list[int], script: str | None = None) -> tuple[BpmnWorkflow, list[tuple[Any, ...]]]:
    """Run the tiny process with a recording service callback."""
    bpmn = BPMN if script is None else BPMN.replace("total = sum(amounts)", script)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(bpmn.encode())
    calls: list[tuple[Any, ...]] = []

    def call_service(name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        calls.append((name, params, dict(data)))
        return {"code": "91140702MA0X", "issued": date(2026, 11, 24)}

    engine = make_script_engine({"limit": lambda: 10}, call_service, line_budget=5_000)
    workflow = BpmnWorkflow(parser.get_spec("tiny_flow"), script_engine=engine)
    workflow.task_tree.data.update({"amounts": amounts, "county": "140702"})
    workflow.do_engine_steps()
    return workflow, calls


@pytest.mark.parametrize(("amounts", "end"), [([5, 7], "end_big"), ([1, 2], "end_small")])
def test_workflow_takes_the_branch_the_script_decided(amounts: list[int], end: str) -> None:
    workflow, _ = _run(amounts)
    assert workflow.is_completed()
    done = {task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.COMPLETED)}
    assert end in done
    assert ({"end_big", "end_small"} - {end}).isdisjoint(done)


def test_service_task_calls_the_callback_and_stores_json() -> None:
    workflow, calls = _run([5, 7])
    assert calls == [
        ("generate_credit_code", {"county": "140702", "amount": 24}, calls[0][2]),
    ]
    assert calls[0][2]["total"] == 12
    assert workflow.data["code"] == {"code": "91140702MA0X", "issued": "2026-11-24"}


@pytest.mark.parametrize(
    ("script", "error_type"),
    [("import os", "ScriptRejected"), ("while True:\n    pass", "ScriptTimeout"), ("x = {}[5]", "KeyError")],
)
def test_script_errors_surface_as_workflow_task_exceptions(script: str, error_type: str) -> None:
    with pytest.raises(WorkflowTaskException) as caught:
        _run([1], script)
    assert caught.value.error_type == error_type
    assert caught.value.task.task_spec.bpmn_id == "compute"
