"""Field types and checks that WTForms lacks: an uploaded-file reference, amounts in cents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms import Field, StringField
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


def cents(form: Any, field: Field) -> None:
    """Amounts are yuan with at most two decimals."""
    if isinstance(field.data, Decimal) and int(field.data.as_tuple().exponent) < -2:
        raise ValidationError("金额最多保留两位小数（精确到分）。")
