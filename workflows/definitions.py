"""Process definition versions: upload (lint, parse, store), deploy, and the spec cache."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms import all_forms
from models import ROLE_NAMES, ProcessDefinition, User, utcnow
from workflows import audit
from workflows.engine import ProcessModel, ProcessParseError, model_from_json, parse_process, spec_to_json
from workflows.errors import Conflict, Invalid, NotFound
from workflows.linter import BPMN_NS, PROCESS_KEY, Finding, lint, parse_xml_safely
from workflows.services import service_names

_models: dict[int, ProcessModel] = {}
_models_lock = threading.Lock()


def get_model(definition: ProcessDefinition) -> ProcessModel:
    """The parsed spec of a definition version, restored once per process."""
    model = _models.get(definition.id)
    if model is None:
        with _models_lock:
            model = _models.get(definition.id)
            if model is None:
                model = model_from_json(definition.key, definition.name, definition.spec_json)
                _models[definition.id] = model
    return model


def lint_xml(xml: bytes) -> list[Finding]:
    """The linter's findings for BPMN bytes, against our forms, roles and services."""
    forms = {key: spec.decision_choices for key, spec in all_forms().items()}
    return lint(xml, form_keys=forms, role_keys=frozenset(ROLE_NAMES), service_names=service_names())


def _findings_json(findings: list[Finding]) -> list[dict[str, Any]]:
    return [asdict(f) for f in findings]


def _refuse_errors(findings: list[Finding]) -> None:
    """Invalid (422) carrying the findings when any of them is an error."""
    if any(f.severity == "error" for f in findings):
        raise Invalid(
            "流程定义未通过校验", fields={"findings": [f"{f.element}: {f.message}" for f in findings]}
        ) from _FindingsError(findings)


def upload(session: Session, xml: bytes, user: User | None) -> ProcessDefinition:
    """Store BPMN as a new draft version of its process; Invalid (422) with findings on errors."""
    findings = lint_xml(xml)
    _refuse_errors(findings)
    try:
        model = parse_process(xml)
    except ProcessParseError as exc:
        raise Invalid(f"流程定义无法解析：{exc}") from exc
    return _store(session, xml, model.key, model.name, model, findings, user)


def _store(
    session: Session,
    xml: bytes,
    key: str,
    name: str,
    model: ProcessModel | None,
    findings: list[Finding],
    user: User | None,
    draft_details: dict[str, Any] | None = None,
) -> ProcessDefinition:
    """A new draft version of `key` (without a parsed model: a draft saved with errors)."""
    latest = session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key))
    definition = ProcessDefinition(
        key=key,
        version=(latest or 0) + 1,
        name=model.name if model else name,
        bpmn_xml=xml,
        sha256=hashlib.sha256(xml).hexdigest(),
        spec_json=spec_to_json(model) if model else "",
        start_roles=model.start_lanes if model else [],
        findings=_findings_json(findings),
        created_by=user.id if user else None,
    )
    session.add(definition)
    session.flush()
    audit.record(
        session,
        "definition_uploaded",
        actor_id=user.id if user else None,
        details={
            "key": key,
            "version": definition.version,
            "sha256": definition.sha256,
            **(draft_details or {}),
        },
    )
    return definition


def save_draft(session: Session, xml: bytes, user: User | None) -> ProcessDefinition:
    """Store BPMN as a new draft version even when the linter finds errors (the modeler's save).

    The findings are stored with the draft and `deploy` refuses it while errors remain. Invalid
    (422) only when there is nothing to store: unsafe or malformed XML, or no single process key.
    """
    findings = lint_xml(xml)
    key, name = _process_key(xml, findings)
    try:
        model: ProcessModel | None = parse_process(xml)
    except ProcessParseError:
        model = None  # the findings say why; deploy parses again once they are fixed
    return _store(session, xml, key, name, model, findings, user, {"draft": True})


def _process_key(xml: bytes, findings: list[Finding]) -> tuple[str, str]:
    """The key and name of the one executable process, or Invalid with the findings."""
    try:
        root = parse_xml_safely(xml)
    except ValueError:
        root = None
    processes = [] if root is None else root.iterfind(f"{{{BPMN_NS}}}process[@isExecutable='true']")
    found = [(p.get("id", ""), p.get("name") or p.get("id", "")) for p in processes]
    if len(found) != 1 or not PROCESS_KEY.fullmatch(found[0][0]):
        raise Invalid(
            "无法保存：需要一个安全、格式正确且流程 id 为 snake_case 的可执行流程",
            fields={"findings": [f"{f.element}: {f.message}" for f in findings]},
        ) from _FindingsError(findings)
    return found[0]


class _FindingsError(Exception):
    """Carries the linter's findings to the API layer (as the cause of Invalid)."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} findings")
        self.findings = findings


def findings_of(error: BaseException) -> list[dict[str, Any]]:
    """The linter findings behind an Invalid raised by `upload`, as JSON."""
    cause = error.__cause__
    return _findings_json(cause.findings) if isinstance(cause, _FindingsError) else []


def get_version(session: Session, key: str, version: int) -> ProcessDefinition:
    """One version of a process (NotFound)."""
    definition = session.scalar(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    )
    if definition is None:
        raise NotFound(f"流程 {key} 版本 {version} 不存在")
    return definition


def deploy(session: Session, key: str, version: int, user: User | None) -> ProcessDefinition:
    """Make a draft the version new instances use; running instances stay on theirs."""
    definition = get_version(session, key, version)
    if definition.status != "draft":
        raise Conflict(f"流程 {key} 版本 {version} 不是草稿（当前：{definition.status}）")
    findings = lint_xml(definition.bpmn_xml)  # the rules (forms, services) may have changed since
    _refuse_errors(findings)
    if not definition.spec_json:  # a draft saved with errors that no longer has any
        model = parse_process(definition.bpmn_xml)
        definition.spec_json, definition.start_roles = spec_to_json(model), model.start_lanes
    definition.findings = _findings_json(findings)
    return _publish(session, definition, user)


def _publish(session: Session, definition: ProcessDefinition, user: User | None) -> ProcessDefinition:
    """A checked draft becomes the version new instances use."""
    key, version = definition.key, definition.version
    definition.status = "deployed"
    definition.deployed_at = utcnow()
    audit.record(
        session,
        "definition_deployed",
        actor_id=user.id if user else None,
        details={"key": key, "version": version},
    )
    return definition


def deploy_file(session: Session, xml: bytes, user: User | None = None) -> ProcessDefinition:
    """Upload and deploy, unless this exact XML is already the deployed version (idempotent)."""
    digest = hashlib.sha256(xml).hexdigest()
    existing = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.sha256 == digest)
        .order_by(ProcessDefinition.version.desc())
    )
    if existing is not None and existing.status == "deployed":
        return existing
    if existing is not None:
        return deploy(session, existing.key, existing.version, user)
    return _publish(session, upload(session, xml, user), user)  # just linted and parsed by upload


def current(session: Session, key: str) -> ProcessDefinition:
    """The deployed version new instances of `key` use (the highest deployed)."""
    definition = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key, ProcessDefinition.status == "deployed")
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"流程 {key} 不存在或尚未发布")
    return definition


def may_start(definition: ProcessDefinition, user: User) -> bool:
    """Whether `user` may start `definition`: it names no start roles, or the user holds one."""
    return not definition.start_roles or bool(user.roles.intersection(definition.start_roles))


def deployed(session: Session) -> list[ProcessDefinition]:
    """The current deployed version of every process."""
    rows = session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.status == "deployed")
        .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    )
    latest: dict[str, ProcessDefinition] = {}
    for row in rows:
        latest.setdefault(row.key, row)
    return list(latest.values())
