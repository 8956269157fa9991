"""Field types that WTForms lacks: an uploaded-file reference."""

from __future__ import annotations

from typing import Any

from wtforms import StringField
from wtforms.validators import ValidationError


class AttachmentField(StringField):
    """Holds the id of an uploaded attachment (the HTML view uploads the file first)."""

    widget_type = "file"

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Accept an attachment id (string or int); anything else is a clear error."""
        self.data = None
        if valuelist and valuelist[0] not in ("", None):
            raw = str(valuelist[0]).strip()
            if not raw.isdigit():
                self.data = raw
                raise ValueError("附件编号无效，请重新上传文件。")
            self.data = raw


def attachment_ids(value: Any) -> list[int]:
    """The attachment ids held by a cleaned field value (None, an id, or a list)."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [int(v) for v in value if str(v).isdigit()]
    if str(value).isdigit():
        return [int(value)]
    raise ValidationError("附件编号无效")
