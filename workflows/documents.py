"""Official documents: numbering in the official style, and rendering to PDF."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import Document, DocumentCounter, OrgUnit, User
from models.db import insert_loaded, next_value
from workflows.assignment import instance_visible
from workflows.engine import engine_now
from workflows.errors import NotFound
from workflows.official_text import format_document_number
from workflows.working_days import CST


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document: its title and the character in its number (榆民**登**〔2026〕3号)."""

    title: str
    mark: str
    certificate: bool = False


KINDS: dict[str, DocumentKind] = {
    "review_notice": DocumentKind("审核结果通知书", "审"),
    "acceptance_notice": DocumentKind("受理通知书", "受"),
    "non_acceptance_notice": DocumentKind("不予受理通知书", "受"),
    "correction_notice": DocumentKind("一次性补正告知书", "补"),
    "approval_decision": DocumentKind("准予登记决定书", "登"),
    "refusal_decision": DocumentKind("不予登记决定书", "登"),
    "certificate": DocumentKind("登记证书", "证", certificate=True),
    "filing_opinion": DocumentKind("同意备案意见书", "备"),
    "filing_refusal": DocumentKind("不予备案通知书", "备"),
    "meeting_notice": DocumentKind("会议通知", "会"),
    "minutes": DocumentKind("会议纪要", "纪"),
    "criticism_notice": DocumentKind("通报", "通"),
    "interview_notice": DocumentKind("约谈通知书", "谈"),
    "rectification_notice": DocumentKind("整改通知书", "改"),
    "funding_agreement": DocumentKind("项目资助协议", "资"),
    "incubation_agreement": DocumentKind("社区社会组织孵化协议", "孵"),
    "graduation_certificate": DocumentKind("孵化出壳证书", "孵证", certificate=True),
    "interview_record": DocumentKind("约谈记录", "谈"),
    "listing_notice": DocumentKind("挂牌督办通知书", "督"),
    "delisting_notice": DocumentKind("摘牌通知", "督"),
}


def issuer_name(unit: OrgUnit) -> str:
    """How a unit signs a document: 榆次区民政局, 锦纶街道办事处, 明星镇人民政府, 市委政法委."""
    if unit.kind in ("city", "county"):
        return f"{unit.name}民政局"
    if unit.kind == "street":
        local = unit.name.removeprefix(unit.parent.name) if unit.parent else unit.name
        return f"{local}办事处" if local.endswith("街道") else f"{local}人民政府"
    return unit.name


def _prefix(issuer: OrgUnit, kind: DocumentKind) -> str:
    """The number's prefix: 榆民登 (bureau), 榆锦纶备 (street office), 晋政法通 (city department)."""
    short = issuer.short_name or issuer.name[:1]
    if issuer.kind in ("city", "county"):
        return f"{short}民{kind.mark}"
    parent_short = issuer.parent.short_name if issuer.parent else ""
    return f"{parent_short}{short}{kind.mark}"


def next_number(session: Session, issuer: OrgUnit, kind_key: str, year: int) -> str:
    """Allocate the next number of this issuer, kind and year (call under the instance lock)."""
    kind = KINDS[kind_key]
    # Kinds sharing a mark share a sequence, as in a real 发文 register.
    last = next_value(session, DocumentCounter, issuer_code=issuer.code, kind=kind.mark, year=year)
    return format_document_number(_prefix(issuer, kind), year, last)


def issue(
    session: Session,
    *,
    instance_id: int | None,
    issuer: OrgUnit,
    kind_key: str,
    content: dict[str, Any],
    title: str | None = None,
) -> Document:
    """Create a numbered document; its PDF is rendered from `content` when first asked for."""
    issued_on = engine_now().astimezone(CST).date()
    number = next_number(session, issuer, kind_key, issued_on.year)
    content = {**content, "issued_on": issued_on.isoformat(), "issuer": issuer_name(issuer)}
    document = Document(
        instance_id=instance_id,
        kind=kind_key,
        number=number,
        title=title or KINDS[kind_key].title,
        issuer_code=issuer.code,
        content=content,
    )
    insert_loaded(session, document)
    return document


def render(document: Document) -> bytes:
    """The document's PDF (reportlab is imported here: web workers that never render stay ~20 MB lighter)."""
    from workflows import official_documents as pdf

    content = document.content
    issued_on = date.fromisoformat(content["issued_on"])
    if KINDS.get(document.kind, KINDS["review_notice"]).certificate:
        return pdf.render_certificate(
            pdf.Certificate(
                title=document.title,
                number=document.number,
                credit_code=content.get("credit_code", ""),
                fields=[(str(k), str(v)) for k, v in content.get("items", [])],
                issuer=content["issuer"],
                issued_on=issued_on,
            )
        )
    return pdf.render_letter(
        pdf.OfficialLetter(
            title=document.title,
            number=document.number,
            recipient=content.get("recipient", ""),
            paragraphs=[str(p) for p in content.get("paragraphs", [])],
            items=[(str(k), str(v)) for k, v in content.get("items", [])],
            issuer=content["issuer"],
            issued_on=issued_on,
            footnote=content.get("footnote", ""),
        )
    )


_OF_INSTANCE = select(Document).where(Document.instance_id == bindparam("instance_id")).order_by(Document.id)


def documents_of(session: Session, instance_id: int) -> list[Document]:
    """An instance's documents in issue order (a statement built once: every completion runs it)."""
    return list(session.scalars(_OF_INSTANCE, {"instance_id": instance_id}))


def get_document_for(session: Session, document_id: int, user: User) -> Document:
    """A document whose instance the user may see (NotFound otherwise)."""
    doc = session.get(Document, document_id)
    if doc is None or doc.instance_id is None:
        raise NotFound("文书不存在")
    if not instance_visible(session, user, doc.instance_id):
        raise NotFound("文书不存在")
    return doc


def document_pdf(doc: Document, upload_dir: str) -> bytes:
    """The PDF, rendered once and then kept on disk (any machine can re-render it)."""
    path = (
        Path(upload_dir)
        / "documents"
        / f"{doc.id}-{hashlib.sha256(doc.number.encode()).hexdigest()[:12]}.pdf"
    )
    if path.exists():
        return path.read_bytes()
    data = render(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data
