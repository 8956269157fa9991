"""Numbered official documents (notices, certificates) as PDFs with Chinese text.

A CJK TrueType font is embedded when one is installed (Debian: fonts-wqy-microhei),
so the PDF looks the same everywhere and its text can be extracted; otherwise the
built-in CID font STSong-Light is used, which relies on the reader's fonts.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workflows.official_text import chinese_date

SEAL_RED = colors.Color(0.84, 0.05, 0.05)
CERTIFICATE_RED = colors.Color(0.62, 0.12, 0.08)
CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/noto/NotoSerifCJK-Regular.ttc"),
)
FALLBACK_FONT = "STSong-Light"
EMBEDDED_FONT = "CJKEmbedded"


@cache
def cjk_font_name() -> str:
    """Register a CJK font once and return its name: an installed TrueType font or STSong-Light."""
    for path in CJK_FONT_CANDIDATES:
        if path.exists():
            try:
                pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, str(path), subfontIndex=0))
            except (TTFError, OSError):  # e.g. CFF outlines, which reportlab cannot embed
                continue
            return EMBEDDED_FONT
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _style(
    size: float, align: int = TA_LEFT, indent: float = 0, color: colors.Color = colors.black
) -> ParagraphStyle:
    """A paragraph style in the CJK font with Chinese line breaking."""
    return ParagraphStyle(
        f"cjk{size}-{align}-{indent}",
        fontName=cjk_font_name(),
        fontSize=size,
        leading=size * 1.6,
        alignment=align,
        firstLineIndent=indent,
        wordWrap="CJK",
        textColor=color,
    )


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (markup characters are escaped)."""
    return Paragraph(escape(text), style)


def _draw_star(canvas: Canvas, cx: float, cy: float, radius: float) -> None:
    """Fill a five-pointed star centred on (cx, cy), one point up."""
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.radians(90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    path = canvas.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_arc_text(canvas: Canvas, cx: float, cy: float, radius: float, text: str) -> None:
    """Write ``text`` clockwise along the upper arc of a circle, characters facing outward."""
    span = min(250.0, 42.0 * (len(text) - 1))
    step = span / max(len(text) - 1, 1)
    size = min(radius * 0.42, radius * math.radians(step) * 0.92) if len(text) > 1 else radius * 0.42
    canvas.setFont(cjk_font_name(), size)
    for i, char in enumerate(text):
        angle = math.radians(90 + span / 2 - i * step)
        canvas.saveState()
        canvas.translate(cx + radius * math.cos(angle), cy + radius * math.sin(angle))
        canvas.rotate(math.degrees(angle) - 90)
        canvas.drawCentredString(0, -size * 0.4, char)
        canvas.restoreState()


def draw_seal(canvas: Canvas, cx: float, cy: float, radius: float, issuer: str) -> None:
    """Draw a red round official seal: a ring, a star and the issuer's name along the top."""
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setFillAlpha(0.85)
    canvas.setStrokeAlpha(0.85)
    canvas.setLineWidth(radius * 0.06)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    _draw_star(canvas, cx, cy, radius * 0.34)
    _draw_arc_text(canvas, cx, cy, radius * 0.74, issuer)
    canvas.restoreState()


class IssuerBlock(Flowable):  # type: ignore[misc]
    """The issuer's name and the date, right-aligned, with the seal stamped over them."""

    def __init__(self, issuer: str, issued_on: date, font_size: float = 14) -> None:
        super().__init__()
        self.issuer, self.issued_on, self.font_size = issuer, issued_on, font_size
        self.seal_radius = 21 * mm

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Take the full width and room for the seal."""
        self.width = avail_width
        return avail_width, 2 * self.seal_radius + 6 * mm

    def draw(self) -> None:
        """Draw the two text lines and the seal centred on them."""
        canvas, size = self.canv, self.font_size
        right = self.width - 2 * size
        date_text = chinese_date(self.issued_on)
        text_width = max(canvas.stringWidth(t, cjk_font_name(), size) for t in (self.issuer, date_text))
        centre_x = right - text_width / 2
        canvas.setFont(cjk_font_name(), size)
        canvas.drawCentredString(centre_x, self.seal_radius + size * 0.6, self.issuer)
        canvas.drawCentredString(centre_x, self.seal_radius - size * 1.2, date_text)
        draw_seal(canvas, centre_x, self.seal_radius + 2 * mm, self.seal_radius, self.issuer)


@dataclass(kw_only=True)
class OfficialLetter:
    """A numbered notice such as a 受理通知书, addressed to one applicant."""

    title: str
    number: str
    recipient: str
    paragraphs: list[str]
    items: list[tuple[str, str]] = field(default_factory=list)
    issuer: str
    issued_on: date
    footnote: str = ""


def _items_table(items: list[tuple[str, str]], width: float, size: float) -> Table:
    """A two-column label/value table with wrapped Chinese text."""
    label_style, value_style = _style(size, TA_CENTER), _style(size)
    rows = [[_para(label, label_style), _para(value, value_style)] for label, value in items]
    table = Table(rows, colWidths=[width * 0.28, width * 0.72])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.96, 0.96, 0.96)),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


class _RedRule(Flowable):  # type: ignore[misc]
    """The red separator line under the document number."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, 3 * mm

    def draw(self) -> None:
        """Draw a red line across the text width."""
        self.canv.setStrokeColor(SEAL_RED)
        self.canv.setLineWidth(1.2)
        self.canv.line(0, self.height / 2, self.width, self.height / 2)


def _letter_flowables(doc: OfficialLetter, width: float) -> list[Flowable]:
    """The title, number, recipient, body, items, issuer block and footnote of a letter."""
    body = _style(15, indent=30)
    story: list[Flowable] = [
        _para(doc.title, _style(24, TA_CENTER)),
        Spacer(1, 4 * mm),
        _para(doc.number, _style(14, TA_RIGHT)),
        _RedRule(width),
        Spacer(1, 4 * mm),
        _para(f"{doc.recipient}：", _style(15)),
    ]
    story += [_para(text, body) for text in doc.paragraphs]
    if doc.items:
        story += [Spacer(1, 4 * mm), _items_table(doc.items, width, 13)]
    # GB/T 9704: the seal never stands alone on a page, so it keeps the last block with it.
    story.append(KeepTogether([story.pop(), Spacer(1, 10 * mm), IssuerBlock(doc.issuer, doc.issued_on)]))
    if doc.footnote:
        story += [Spacer(1, 6 * mm), _para(doc.footnote, _style(10, color=colors.dimgrey))]
    return story


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    """Print ``— n —`` centred at the foot of the page, as official documents do."""
    canvas.saveState()
    canvas.setFont(cjk_font_name(), 11)
    canvas.drawCentredString(doc.pagesize[0] / 2, 12 * mm, f"— {canvas.getPageNumber()} —")
    canvas.restoreState()


def _build(
    pagesize: tuple[float, float],
    title: str,
    author: str,
    margins: float,
    story: Callable[[float], list[Flowable]],
    on_page: Callable[[Canvas, SimpleDocTemplate], None],
) -> bytes:
    """Lay out a story on pages of ``pagesize`` and return the PDF bytes."""
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=title,
        author=author,
        subject=title,
        creator="jinzhong-shzz",
        leftMargin=margins,
        rightMargin=margins,
        topMargin=margins,
        bottomMargin=margins,
    )
    pdf.build(story(pdf.width), onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def render_letter(doc: OfficialLetter) -> bytes:
    """Render a numbered notice on A4 pages; long content flows onto further pages."""
    return _build(
        A4,
        f"{doc.title} {doc.number}",
        doc.issuer,
        25 * mm,
        lambda width: _letter_flowables(doc, width),
        _page_number,
    )


@dataclass(kw_only=True)
class Certificate:
    """A registration certificate such as a 社会团体法人登记证书."""

    title: str
    number: str
    credit_code: str
    fields: list[tuple[str, str]]
    issuer: str
    issued_on: date


def _double_border(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    """Draw the certificate's double frame: a thick outer and a thin inner line."""
    page_width, page_height = doc.pagesize
    canvas.saveState()
    canvas.setStrokeColor(CERTIFICATE_RED)
    for inset, line_width in ((8 * mm, 3.0), (11 * mm, 0.8)):
        canvas.setLineWidth(line_width)
        canvas.rect(inset, inset, page_width - 2 * inset, page_height - 2 * inset)
    canvas.restoreState()


def _certificate_flowables(cert: Certificate, width: float) -> list[Flowable]:
    """The title, number, credit code, field table and issuer block of a certificate."""
    label_style, value_style = _style(13, TA_RIGHT), _style(13)
    rows = [[_para(f"{label}：", label_style), _para(value, value_style)] for label, value in cert.fields]
    table = Table(rows, colWidths=[width * 0.22, width * 0.62])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return [
        _para(cert.title, _style(30, TA_CENTER, color=CERTIFICATE_RED)),
        Spacer(1, 3 * mm),
        _para(f"证书编号：{cert.number}", _style(11, TA_RIGHT)),
        _para(f"统一社会信用代码：{cert.credit_code}", _style(17, TA_CENTER)),
        Spacer(1, 5 * mm),
        table,
        IssuerBlock(cert.issuer, cert.issued_on, font_size=13),
    ]


def render_certificate(cert: Certificate) -> bytes:
    """Render a registration certificate on a landscape A4 page with a double border and seal."""
    return _build(
        landscape(A4),
        f"{cert.title} {cert.number}",
        cert.issuer,
        18 * mm,
        lambda width: _certificate_flowables(cert, width),
        _double_border,
    )
