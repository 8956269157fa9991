"""Tests for the BPMN linter: a clean process, then one failing case per rule."""

from __future__ import annotations

import pytest

from workflows.linter import Finding, UnsafeXML, decision_values, lint, parse_xml_safely

FORMS: dict[str, frozenset[str] | None] = {
    "filing.application": None,
    "filing.review": frozenset({"approve", "return", "reject"}),
}
ROLES = frozenset({"applicant", "street_officer"})
SERVICES = frozenset({"render_document"})

VALID = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs" targetNamespace="http://example.org/bpmn">
  <bpmn:process id="filing_review" name="备案审核" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_applicant" name="applicant">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>apply</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_street" name="street_officer">
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review_timer</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>record</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>notice</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_ok</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_no</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end_late</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="提出备案"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="apply" name="填写备案申请">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="filing.application"/>
          <spiffworkflow:property name="dueIn" value="P10WD"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_return</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="review" name="街道审核">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="filing.review"/>
          <spiffworkflow:property name="dueIn" value="P5WD"/>
          <spiffworkflow:property name="excludeActorsOf" value="apply"/>
          <spiffworkflow:property name="assignTo" value="scope_code"/>
        </spiffworkflow:properties>
        <spiffworkflow:preScript>reviewed_before = len(history) if history else 0</spiffworkflow:preScript>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="review_timer" name="审核超时" attachedToRef="review">
      <bpmn:outgoing>f_late</bpmn:outgoing>
      <bpmn:timerEventDefinition id="review_timer_def">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P15D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="gw" name="审核结论" default="f_no">
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f_ok</bpmn:outgoing><bpmn:outgoing>f_return</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:scriptTask id="record" name="登记结果">
      <bpmn:incoming>f_ok</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>filed_on = today()
filing_number = f"备{county}-{sequence:04d}"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:serviceTask id="notice" name="出具备案通知">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="render_document" resultVariable="document">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="kind" type="str" value="'filing_notice'"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end_ok" name="备案完成"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no" name="不予备案"><bpmn:incoming>f_no</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_late" name="超时"><bpmn:incoming>f_late</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="apply"/>
    <bpmn:sequenceFlow id="f2" sourceRef="apply" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_ok" name="同意" sourceRef="gw" targetRef="record">
      <bpmn:conditionExpression>decision == 'approve'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_return" name="退回" sourceRef="gw" targetRef="apply">
      <bpmn:conditionExpression>decision == 'return'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" name="不予备案" sourceRef="gw" targetRef="end_no"/>
    <bpmn:sequenceFlow id="f4" sourceRef="record" targetRef="notice"/>
    <bpmn:sequenceFlow id="f5" sourceRef="notice" targetRef="end_ok"/>
    <bpmn:sequenceFlow id="f_late" sourceRef="review_timer" targetRef="end_late"/>
  </bpmn:process>
</bpmn:definitions>
"""


def variant(*replacements: tuple[str, str]) -> bytes:
    """VALID with each (old, new) replacement applied; every old text must occur."""
    text = VALID
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


def run(xml: bytes) -> list[Finding]:
    """Lint against the test registries."""
    return lint(xml, form_keys=FORMS, role_keys=ROLES, service_names=SERVICES)


def errors(xml: bytes) -> list[Finding]:
    """Only the error findings."""
    return [finding for finding in run(xml) if finding.severity == "error"]


def the_error(xml: bytes, element: str | None, *words: str) -> Finding:
    """The single error finding, which must be about ``element`` and mention ``words``."""
    found = errors(xml)
    assert len(found) == 1, found
    assert found[0].element == element, found
    for word in words:
        assert word in found[0].message, found
    return found[0]


def test_valid_process_has_no_findings() -> None:
    assert run(VALID.encode()) == []


def test_missing_form_key() -> None:
    xml = variant(('<spiffworkflow:property name="formKey" value="filing.application"/>', ""))
    the_error(xml, "apply", "formKey", "填写备案申请")


def test_unknown_form_key() -> None:
    xml = variant(('value="filing.application"', 'value="filing.unknown"'))
    the_error(xml, "apply", "filing.unknown")


def test_user_task_outside_any_lane() -> None:
    xml = variant(("<bpmn:flowNodeRef>apply</bpmn:flowNodeRef>", ""))
    the_error(xml, "apply", "泳道")


def test_lane_that_is_not_a_role() -> None:
    xml = variant(('name="street_officer"', 'name="街道"'))
    found = errors(xml)
    assert {f.element for f in found} == {"review"}
    assert "街道" in found[0].message


def test_bad_due_in_is_an_error_and_missing_due_in_a_warning() -> None:
    the_error(variant(('value="P5WD"', 'value="five days"')), "review", "dueIn")
    findings = run(variant(('<spiffworkflow:property name="dueIn" value="P5WD"/>', "")))
    assert [(f.element, f.severity) for f in findings] == [("review", "warning")]


def test_exclude_actors_of_must_name_another_user_task() -> None:
    the_error(variant(('value="apply"/>', 'value="record"/>')), "review", "excludeActorsOf")
    the_error(variant(('value="apply"/>', 'value="review"/>')), "review", "excludeActorsOf")


def test_assign_to_must_pass_the_sandbox() -> None:
    the_error(variant(('value="scope_code"', 'value="scope_code.__class__"')), "review", "assignTo")


def test_sandbox_escaping_script_names_the_element() -> None:
    escape = "().__class__.__base__.__subclasses__()"
    finding = the_error(variant(("filed_on = today()", escape)), "record", "登记结果", "record", "__class__")
    assert finding.message.startswith("脚本任务")
    the_error(variant(("len(history) if history else 0", "__import__('os')")), "review", "preScript")


def test_script_assigning_the_reserved_key() -> None:
    the_error(variant(("filed_on = today()", "typename = 'x'")), "record", "typename")
    the_error(variant(("filed_on = today()", "info = {'typename': 1}")), "record", "typename")


def test_bad_condition_names_the_flow() -> None:
    the_error(variant(("decision == 'return'", "open('/etc/passwd')")), "f_return", "条件表达式")
    the_error(variant(("decision == 'return'", "decision ==")), "f_return", "条件表达式")


NO_CONDITION = '<bpmn:sequenceFlow id="f_no" name="不予备案" sourceRef="gw" targetRef="end_no"/>'


def with_condition(condition: str) -> str:
    """The f_no flow with a condition."""
    return (
        '<bpmn:sequenceFlow id="f_no" name="不予备案" sourceRef="gw" targetRef="end_no">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def test_non_exhaustive_gateway_without_default() -> None:
    xml = variant((' default="f_no"', ""), (NO_CONDITION, with_condition("decision == 'withdraw'")))
    the_error(xml, "gw", "排他网关", "审核结论", "缺少默认分支且条件不完备", "reject")


def test_gateway_without_default_and_an_unconditional_flow() -> None:
    found = errors(variant((' default="f_no"', "")))
    assert "gw" in {f.element for f in found}


def test_exhaustive_gateway_without_default_is_fine() -> None:
    xml = variant((' default="f_no"', ""), (NO_CONDITION, with_condition("decision in ('reject',)")))
    assert errors(xml) == []


@pytest.mark.parametrize(
    ("condition", "values"),
    [
        ("decision == 'approve'", {"approve"}),
        ("'return' == decision", {"return"}),
        ("decision in ('return', 'reject')", {"return", "reject"}),
        ("decision in ['a']", {"a"}),
        ("decision != 'approve'", None),
        ("other == 'approve'", None),
        ("decision == x", None),
    ],
)
def test_decision_values(condition: str, values: set[str] | None) -> None:
    assert decision_values(condition) == (None if values is None else frozenset(values))


@pytest.mark.parametrize(
    ("expression", "word"),
    [
        ('"15 days"', "ISO 8601"),
        ("P15D", "引号"),
        ("'2026-13-40T00:00'", "ISO 8601"),
        ("__import__('os')", "安全"),
    ],
)
def test_bad_timer_expression_names_the_event(expression: str, word: str) -> None:
    the_error(variant(('"P15D"', expression)), "review_timer", "审核超时", word)


def test_unknown_service() -> None:
    the_error(variant(('id="render_document"', 'id="launch_missiles"')), "notice", "launch_missiles")


def test_process_key_and_count() -> None:
    the_error(variant(('id="filing_review"', 'id="FilingReview"')), "FilingReview", "snake_case")
    found = errors(variant(('isExecutable="true"', 'isExecutable="false"')))
    assert any(f.element is None and "可执行流程" in f.message for f in found)


def test_invalid_xsd_is_reported_with_its_line() -> None:
    end = '<bpmn:endEvent id="end_late"'
    xml = variant((end, '<bpmn:notAnElement id="odd"/>' + end))
    found = errors(xml)
    assert found and all(f.severity == "error" for f in found)
    assert any("结构校验失败" in f.message and "notAnElement" in f.message for f in found)


def test_spiff_parse_errors_are_findings() -> None:
    xml = variant(('targetRef="end_late"', 'targetRef="nowhere"'))
    assert any("解析失败" in f.message for f in errors(xml))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol4;</bpmn:definitions>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</bpmn:definitions>
"""
UTF16_TEXT = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d SYSTEM "http://example.org/d.dtd"><d/>'
UTF16_DOCTYPE = UTF16_TEXT.encode("utf-16")
XINCLUDE = b"""<d xmlns:xi="http://www.w3.org/2001/XInclude">
<xi:include href="/etc/passwd" parse="text"/></d>"""
UNDEFINED_ENTITY = b"<d>&xxe;</d>"


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE, UTF16_DOCTYPE, XINCLUDE])
def test_unsafe_xml_is_refused(xml: bytes) -> None:
    with pytest.raises(UnsafeXML):
        parse_xml_safely(xml)
    found = run(xml)
    assert len(found) == 1
    assert found[0].element is None and found[0].severity == "error"
    assert "passwd" not in found[0].message and "lollol" not in found[0].message


def test_undefined_entity_reference_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_xml_safely(UNDEFINED_ENTITY)
    assert len(errors(UNDEFINED_ENTITY)) == 1


def test_oversized_input_is_refused() -> None:
    with pytest.raises(UnsafeXML):
        parse_xml_safely(VALID.encode(), max_bytes=100)
    padded = VALID.replace("</bpmn:definitions>", "<!--" + "x" * (5 * 1024 * 1024) + "--></bpmn:definitions>")
    found = run(padded.encode())
    assert len(found) == 1 and "上限" in found[0].message


@pytest.mark.parametrize(
    "xml", [b"", b"not xml", b"\xff\xfe\x00", b"<a/>", b"<a><b></a>", VALID[:400].encode()]
)
def test_garbage_never_raises(xml: bytes) -> None:
    assert errors(xml)


def test_text_instead_of_bytes_is_a_finding() -> None:
    found = lint(VALID, form_keys=FORMS, role_keys=ROLES)  # type: ignore[arg-type]
    assert len(found) == 1 and "bytes" in found[0].message
