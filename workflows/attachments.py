"""Uploaded files: checked for size and type, stored outside the web root under their sha256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Attachment, User
from workflows.errors import Invalid

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Type by content, not by the name the client chose.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
}


class Upload(Protocol):
    """What werkzeug's FileStorage offers."""

    filename: str | None
    stream: BinaryIO


def _sniff(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def store(
    session: Session, upload_dir: str, user: User, upload: Upload, instance_id: int | None
) -> Attachment:
    """Check and store an upload; Invalid (422) for a wrong type or a file too large."""
    content = upload.stream.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise Invalid("文件过大", fields={"file": ["单个文件不能超过 10MB"]})
    if not content:
        raise Invalid("文件为空", fields={"file": ["文件内容为空"]})
    content_type = _sniff(content[:16])
    if content_type is None:
        raise Invalid("文件类型不支持", fields={"file": ["仅支持 PDF、PNG、JPEG 或 DOCX 文件"]})
    digest = hashlib.sha256(content).hexdigest()
    path = Path(upload_dir) / "files" / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    name = os.path.basename(upload.filename or "file")[:200] or "file"
    row = Attachment(
        instance_id=instance_id,
        uploaded_by=user.id,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=digest,
    )
    session.add(row)
    session.flush()
    return row


def attachment_json(row: Attachment) -> dict[str, Any]:
    """An attachment as the API shows it."""
    return {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
    }


def file_path(upload_dir: str, row: Attachment) -> Path:
    """Where the attachment's bytes are."""
    return Path(upload_dir) / "files" / row.sha256[:2] / row.sha256


def check_owned(session: Session, ids: list[int], user_id: int, instance_id: int) -> list[str]:
    """Problems with attachment ids given in form data (must be the user's or the instance's)."""
    rows = {row.id: row for row in session.scalars(select(Attachment).where(Attachment.id.in_(ids)))}
    problems = []
    for attachment_id in ids:
        row = rows.get(attachment_id)
        if row is None or (row.uploaded_by != user_id and row.instance_id != instance_id):
            problems.append(f"附件 {attachment_id} 不存在或无权使用")
    return problems
