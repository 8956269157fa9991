"""The BPMN linter run before a process definition can be deployed.

Each rule is a small function from a :class:`LintContext` to findings; :func:`lint` runs them
all and never raises for bad input. Messages are in Chinese because administrators read them.
"""

from __future__ import annotations

import ast
import copy
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from workflows.scripting import RESERVED_DATA_KEY, check_source
from workflows.working_days import parse_due_in

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
MAX_BPMN_BYTES = 5 * 1024 * 1024
PROCESS_KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_ISO_TIME = re.compile(r"R?\d*P[0-9TYMWDHS.]+", re.IGNORECASE)
_DTD_MARKER = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# The XSD validator keeps its error log on the shared schema object.
_SCHEMA_LOCK = threading.Lock()
_KINDS = {
    "process": "流程", "userTask": "用户任务", "scriptTask": "脚本任务", "serviceTask": "服务任务",
    "exclusiveGateway": "排他网关", "sequenceFlow": "顺序流", "startEvent": "开始事件",
    "boundaryEvent": "边界事件", "intermediateCatchEvent": "中间捕获事件", "endEvent": "结束事件",
}  # fmt: skip

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem: the BPMN id of the element (None for the whole file), severity, message."""

    element: str | None
    severity: Severity
    message: str


class UnsafeXML(ValueError):
    """The XML is too large or uses DTDs, entities or XInclude, which we never process."""


def parse_xml_safely(data: bytes, max_bytes: int = MAX_BPMN_BYTES) -> Any:
    """Parse untrusted XML bytes into an lxml element, refusing anything that could attack us.

    Raises UnsafeXML for oversized input, DOCTYPE/DTD, entity declarations or references and
    XInclude; ValueError for XML that is not well-formed.
    """
    if not isinstance(data, bytes):
        raise TypeError("BPMN 必须以字节（bytes）形式提供")
    if len(data) > max_bytes:
        raise UnsafeXML(f"XML 文件大小为 {len(data)} 字节，超过上限 {max_bytes} 字节")
    if _DTD_MARKER.search(data):
        raise UnsafeXML("XML 含有 DOCTYPE 或实体声明，出于安全原因拒绝处理")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise ValueError(f"XML 格式错误：{err}") from err
    # Encodings such as UTF-16 hide the markers from the byte scan above.
    if root.getroottree().docinfo.doctype or root.getroottree().docinfo.internalDTD is not None:
        raise UnsafeXML("XML 含有 DOCTYPE 或实体声明，出于安全原因拒绝处理")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise UnsafeXML("XML 含有实体引用，出于安全原因拒绝处理")
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{XINCLUDE_NS}}}"):
            raise UnsafeXML("XML 含有 XInclude，出于安全原因拒绝处理")
    return root


@dataclass
class LintContext:
    """The parsed document and the registries it is checked against."""

    root: Any
    form_keys: Mapping[str, frozenset[str] | None]
    role_keys: frozenset[str]
    service_names: frozenset[str]
    by_id: dict[str, Any] = field(default_factory=dict)
    lanes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {el.get("id"): el for el in self.root.iter() if isinstance(el.tag, str) and el.get("id")}
        for lane in self.root.iterfind(".//bpmn:lane", NS):  # document order: inner lanes win
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                self.lanes[(ref.text or "").strip()] = lane.get("name") or ""

    def find(self, tag: str) -> list[Any]:
        """Every element ``bpmn:<tag>`` in the document."""
        return list(self.root.iterfind(f".//bpmn:{tag}", NS))

    def flows(self, end: Literal["sourceRef", "targetRef"], element_id: str) -> list[Any]:
        """Sequence flows whose ``end`` is ``element_id``."""
        return [flow for flow in self.find("sequenceFlow") if flow.get(end) == element_id]


def describe(el: Any) -> str:
    """``用户任务「初审」(first_review)``: the element's kind, name and id."""
    kind = _KINDS.get(etree.QName(el).localname, "元素")
    name = el.get("name")
    return f"{kind}「{name}」({el.get('id')})" if name else f"{kind}({el.get('id')})"


def error(el: Any, message: str) -> Finding:
    """An error finding about ``el`` (None for the file)."""
    return Finding(None if el is None else el.get("id"), "error", message)


def properties(el: Any) -> dict[str, str]:
    """The ``spiffworkflow:property`` name/value pairs of an element."""
    path = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
    return {p.get("name", ""): p.get("value", "") for p in el.iterfind(path, NS)}


def _source_problems(el: Any, what: str, source: str | None, mode: Literal["exec", "eval"]) -> list[Finding]:
    """A finding when ``source`` fails the sandbox check."""
    if not source or not source.strip():
        return []
    problems = check_source(source, mode)
    if not problems:
        return []
    return [error(el, f"{describe(el)} 的{what}未通过安全检查：{'; '.join(problems)}")]


# ---------------------------------------------------------------- rules


def rule_schema(ctx: LintContext) -> list[Finding]:
    """XSD validity (one finding per problem), then SpiffWorkflow's own parse of each process."""
    tree = copy.deepcopy(ctx.root)  # the validator rewrites some tags
    with _SCHEMA_LOCK:
        VALIDATOR.preprocess(tree)
        if not VALIDATOR.validator.validate(tree):
            return [
                Finding(None, "error", f"BPMN 结构校验失败（第 {entry.line} 行）：{entry.message}")
                for entry in VALIDATOR.validator.error_log
            ]
        return _spiff_parse(ctx, tree)


def _spiff_parse(ctx: LintContext, tree: Any) -> list[Finding]:
    """SpiffWorkflow's parse of every executable process, its exceptions as findings."""
    # The already safely parsed tree is handed over: add_bpmn_str would re-parse the bytes
    # with lxml's default (entity-resolving) parser.
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_xml(tree)
        for process in _executable(ctx):
            parser.get_spec(process.get("id"))
    except ValidationException as err:
        element = ctx.by_id.get(err.id)
        line = err.line_number or (element.sourceline if element is not None else None)
        where = f"（第 {line} 行）" if line else ""
        return [Finding(err.id or None, "error", f"BPMN 解析失败{where}：{err}")]
    except Exception as err:  # the parser has many failure modes; report, never crash
        return [Finding(None, "error", f"BPMN 解析失败：{type(err).__name__}: {err}")]
    return []


def _executable(ctx: LintContext) -> list[Any]:
    return [p for p in ctx.find("process") if p.get("isExecutable") == "true"]


def rule_process(ctx: LintContext) -> Iterator[Finding]:
    """Exactly one executable process, whose id (the process key) is snake_case."""
    processes = _executable(ctx)
    if len(processes) != 1:
        yield error(None, f'必须有且只有一个可执行流程（isExecutable="true"），当前有 {len(processes)} 个')
    for process in processes:
        if not PROCESS_KEY.fullmatch(process.get("id", "")):
            yield error(process, f"{describe(process)} 的 id 必须是 snake_case（例如 registration_review）")


def rule_user_task_form(ctx: LintContext) -> Iterator[Finding]:
    """Every user task names a registered form with the formKey property."""
    for task in ctx.find("userTask"):
        key = properties(task).get("formKey")
        if not key:
            yield error(task, f"{describe(task)} 缺少 formKey 属性")
        elif key not in ctx.form_keys:
            yield error(task, f"{describe(task)} 的表单 {key!r} 未注册")


def _lane_of(ctx: LintContext, el: Any) -> str | None:
    """The lane name of an element, or of the sub-process that contains it."""
    while el is not None:
        if el.get("id") in ctx.lanes:
            return ctx.lanes[el.get("id")]
        el = el.getparent()
    return None


def rule_user_task_lane(ctx: LintContext) -> Iterator[Finding]:
    """Every user task lies in a lane named after a known role."""
    for task in ctx.find("userTask"):
        lane = _lane_of(ctx, task)
        if lane is None:
            yield error(task, f"{describe(task)} 不在任何泳道中，无法确定办理角色")
        elif lane not in ctx.role_keys:
            yield error(task, f"{describe(task)} 所在泳道「{lane}」不是已知角色")


def rule_user_task_properties(ctx: LintContext) -> Iterator[Finding]:
    """dueIn parses (warning without a time limit), excludeActorsOf names a user task, code is safe."""
    task_ids = {task.get("id") for task in ctx.find("userTask")}
    for task in ctx.find("userTask"):
        props = properties(task)
        due_in = props.get("dueIn")
        if due_in is None and props.get("dueAt") is None:
            yield Finding(task.get("id"), "warning", f"{describe(task)} 未设置办理时限 dueIn 或 dueAt")
        elif due_in is not None:
            try:
                parse_due_in(due_in)
            except ValueError as err:
                yield error(task, f"{describe(task)} 的办理时限 dueIn={due_in!r} 无效：{err}")
        exclude = props.get("excludeActorsOf")
        if exclude is not None and (exclude not in task_ids or exclude == task.get("id")):
            message = f"{describe(task)} 的 excludeActorsOf={exclude!r} 不是本流程中另一个用户任务的 id"
            yield error(task, message)
        yield from _source_problems(task, " assignTo 表达式", props.get("assignTo"), "eval")
        yield from _source_problems(task, " dueAt 表达式", props.get("dueAt"), "eval")
        yield from _source_problems(task, " assignUser 表达式", props.get("assignUser"), "eval")


def _scripts(ctx: LintContext) -> Iterator[tuple[Any, str, str]]:
    """(element, description, source) for every script task, preScript and postScript."""
    for task in ctx.find("scriptTask"):
        yield task, "脚本", task.findtext("bpmn:script", "", NS)
    for kind, label in (("preScript", "前置脚本 preScript"), ("postScript", "后置脚本 postScript")):
        for node in ctx.root.iterfind(f".//bpmn:extensionElements/spiffworkflow:{kind}", NS):
            yield node.getparent().getparent(), label, node.text or ""


def rule_scripts(ctx: LintContext) -> Iterator[Finding]:
    """Every script compiles under the sandbox rules."""
    for el, label, source in _scripts(ctx):
        yield from _source_problems(el, label, source, "exec")


def _assigns_reserved_key(source: str) -> bool:
    """True when a script assigns to ``typename`` (as a name, an item or a dict-literal key)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False  # rule_scripts reports it
    return any(_writes_reserved_key(node) for node in ast.walk(tree))


def _is_reserved(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value == RESERVED_DATA_KEY


def _writes_reserved_key(node: ast.AST) -> bool:
    """True for ``typename = …``, ``x['typename'] = …`` and ``{'typename': …}``."""
    if isinstance(node, ast.Name):
        return isinstance(node.ctx, ast.Store) and node.id == RESERVED_DATA_KEY
    if isinstance(node, ast.Subscript):
        return isinstance(node.ctx, ast.Store) and _is_reserved(node.slice)
    return isinstance(node, ast.Dict) and any(_is_reserved(key) for key in node.keys)


def rule_reserved_keys(ctx: LintContext) -> Iterator[Finding]:
    """No script writes the data key ``typename``, which breaks the workflow serializer."""
    for el, label, source in _scripts(ctx):
        if source.strip() and _assigns_reserved_key(source):
            reason = f"给保留数据键 {RESERVED_DATA_KEY!r} 赋值，会导致流程状态无法保存"
            yield error(el, f"{describe(el)} 的{label}{reason}")


def rule_conditions(ctx: LintContext) -> Iterator[Finding]:
    """Every sequence-flow condition compiles under the sandbox rules."""
    for flow in ctx.find("sequenceFlow"):
        condition = flow.findtext("bpmn:conditionExpression", "", NS)
        yield from _source_problems(flow, "条件表达式", condition, "eval")


def _check_timer_literal(kind: str, value: Any) -> None:
    """Raise when a literal timer value is not valid ISO 8601 for its kind."""
    if not isinstance(value, str):
        raise ValueError("必须是带引号的 ISO 8601 字符串")
    if kind == "timeDuration":
        if not value.upper().startswith("P"):
            raise ValueError("时长必须以 P 开头")
        TimerEventDefinition.parse_iso_duration(value)
    elif kind == "timeDate":
        if not isinstance(TimerEventDefinition.parse_time_or_duration(value), datetime):
            raise ValueError("需要日期时间而不是时长")
    else:
        TimerEventDefinition.parse_iso_recurring_interval(value)


def _timer_findings(event: Any, kind: str, text: str) -> list[Finding]:
    """Findings for one timer expression of ``event``."""
    source = text.strip()
    if not source:
        return [error(event, f"{describe(event)} 的定时表达式 {kind} 为空")]
    problems = _source_problems(event, f"定时表达式 {kind}", source, "eval")
    expression = None if problems else ast.parse(source, mode="eval").body
    if isinstance(expression, ast.Name) and _ISO_TIME.fullmatch(expression.id):
        hint = f'定时表达式是 Python 表达式，字面量须加引号："{source}"'
        return [error(event, f"{describe(event)} 的{hint}")]
    if not isinstance(expression, ast.Constant):
        return problems
    try:
        _check_timer_literal(kind, expression.value)
    except Exception as err:  # SpiffWorkflow's parsers raise bare Exceptions
        return [error(event, f"{describe(event)} 的定时表达式 {source} 不是有效的 ISO 8601：{err}")]
    return []


def rule_timers(ctx: LintContext) -> Iterator[Finding]:
    """Timer expressions compile; a literal one is a valid ISO 8601 date, duration or cycle."""
    for definition in ctx.find("timerEventDefinition"):
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            text = definition.findtext(f"bpmn:{kind}", None, NS)
            if text is not None:
                yield from _timer_findings(definition.getparent(), kind, text)


def decision_values(condition: str) -> frozenset[str] | None:
    """The values a condition ``decision == 'x'`` or ``decision in ('x', 'y')`` selects, else None."""
    try:
        node = ast.parse(condition.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if isinstance(op, ast.Eq) and isinstance(right, ast.Name):
        left, right = right, left
    if not (isinstance(left, ast.Name) and left.id == "decision"):
        return None
    if isinstance(op, ast.Eq):
        items = [right]
    elif isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        items = right.elts
    else:
        return None
    values = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
    return frozenset(values) if values and len(values) == len(items) else None


def _upstream_decisions(ctx: LintContext, gateway: Any) -> frozenset[str] | None:
    """The decision values of the forms of the user tasks right before a gateway, or None."""
    values: set[str] = set()
    for flow in ctx.flows("targetRef", gateway.get("id")):
        source = ctx.by_id.get(flow.get("sourceRef"))
        if source is None or etree.QName(source).localname != "userTask":
            return None
        choices = ctx.form_keys.get(properties(source).get("formKey", ""))
        if not choices:
            return None
        values |= choices
    return frozenset(values) or None


def rule_gateways(ctx: LintContext) -> Iterator[Finding]:
    """A branching exclusive gateway has a default flow or decision conditions that cover every value."""
    for gateway in ctx.find("exclusiveGateway"):
        outgoing = ctx.flows("sourceRef", gateway.get("id"))
        if len(outgoing) < 2 or gateway.get("default"):
            continue
        selected = [decision_values(f.findtext("bpmn:conditionExpression", "", NS)) for f in outgoing]
        required = _upstream_decisions(ctx, gateway)
        covered: frozenset[str] = frozenset().union(*(s for s in selected if s is not None))
        if required is not None and None not in selected and required <= covered:
            continue
        detail = f"（未覆盖的决定值：{', '.join(sorted(required - covered))}）" if required else ""
        yield error(gateway, f"{describe(gateway)} 缺少默认分支且条件不完备{detail}")


def rule_services(ctx: LintContext) -> Iterator[Finding]:
    """A service task names a registered operator, and its parameter expressions are safe."""
    for task in ctx.find("serviceTask"):
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if operator is None:
            yield error(task, f"{describe(task)} 缺少 serviceTaskOperator")
            continue
        name = operator.get("id", "")
        if ctx.service_names and name not in ctx.service_names:
            yield error(task, f"{describe(task)} 调用的服务 {name!r} 未注册")
        for param in operator.iterfind(".//spiffworkflow:parameter", NS):
            yield from _source_problems(task, f"参数 {param.get('id')} 的表达式", param.get("value"), "eval")


Rule = Callable[[LintContext], Iterable[Finding]]
RULES: tuple[Rule, ...] = (
    rule_schema,
    rule_process,
    rule_user_task_form,
    rule_user_task_lane,
    rule_user_task_properties,
    rule_scripts,
    rule_reserved_keys,
    rule_conditions,
    rule_timers,
    rule_gateways,
    rule_services,
)


def lint(
    xml: bytes,
    *,
    form_keys: Mapping[str, frozenset[str] | None],
    role_keys: frozenset[str],
    service_names: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every finding for a BPMN document; never raises for bad input."""
    try:
        root = parse_xml_safely(xml)
    except UnsafeXML as err:
        return [Finding(None, "error", f"不安全的 XML：{err}")]
    except (ValueError, TypeError) as err:
        return [Finding(None, "error", str(err))]
    ctx = LintContext(root, form_keys, role_keys, service_names)
    findings: list[Finding] = []
    for rule in RULES:
        try:
            findings.extend(rule(ctx))
        except Exception as err:  # a rule tripping over odd input must not hide the others
            message = f"检查 {rule.__name__} 时出错：{type(err).__name__}: {err}"
            findings.append(Finding(None, "error", message))
    return findings
