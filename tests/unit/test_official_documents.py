"""Tests for numbered official documents rendered as PDFs."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from workflows import official_documents
from workflows.official_documents import (
    CJK_FONT_CANDIDATES,
    EMBEDDED_FONT,
    FALLBACK_FONT,
    Certificate,
    OfficialLetter,
    cjk_font_name,
    render_certificate,
    render_letter,
)
from workflows.official_text import chinese_date, format_document_number

ORG_NAME = "晋中市榆次区阳光社区志愿服务协会"
CREDIT_CODE = "52140702MJY00001X5"
NUMBER = "榆民登〔2026〕3号"


def _letter(paragraphs: list[str]) -> OfficialLetter:
    """A 受理通知书 for the test organization."""
    return OfficialLetter(
        title="受理通知书",
        number=format_document_number("榆民登", 2026, 3),
        recipient=ORG_NAME,
        paragraphs=paragraphs,
        items=[("组织名称", ORG_NAME), ("统一社会信用代码", CREDIT_CODE), ("办结时限", "20个工作日")],
        issuer="榆次区民政局",
        issued_on=date(2026, 11, 24),
        footnote="本通知书一式两份，一份交申请人，一份存档。",
    )


def _certificate() -> Certificate:
    """A 社会团体法人登记证书 for the test organization."""
    return Certificate(
        title="社会团体法人登记证书",
        number="晋榆社证字第0003号",
        credit_code=CREDIT_CODE,
        fields=[
            ("名称", ORG_NAME),
            ("住所", "山西省晋中市榆次区顺城街道阳光社区服务中心"),
            ("法定代表人", "张三"),
            ("业务范围", "组织志愿服务活动；开展社区养老助残、邻里互助；承接政府购买服务项目。"),
            ("业务主管单位", "榆次区顺城街道办事处"),
            ("登记管理机关", "榆次区民政局"),
            ("有效期", "2026年11月24日至2031年11月23日"),
        ],
        issuer="榆次区民政局",
        issued_on=date(2026, 11, 24),
    )


def _text(pdf: bytes) -> str:
    """All extracted text of a PDF, whitespace removed so wrapped lines join up."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


def test_format_document_number() -> None:
    assert format_document_number("榆民登", 2026, 3) == NUMBER


def test_chinese_date() -> None:
    assert chinese_date(date(2026, 11, 24)) == "2026年11月24日"
    assert chinese_date(date(2027, 1, 5)) == "2027年1月5日"


def test_installed_font_is_embedded() -> None:
    installed = any(path.exists() for path in CJK_FONT_CANDIDATES)
    assert (cjk_font_name() == EMBEDDED_FONT) == installed


def test_fallback_cid_font_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(official_documents, "CJK_FONT_CANDIDATES", ())
    cjk_font_name.cache_clear()
    try:
        assert cjk_font_name() == FALLBACK_FONT
        pdf = render_letter(_letter(["经审查，决定予以受理。"]))
    finally:
        cjk_font_name.cache_clear()
    assert b"STSong-Light" in pdf
    # pypdf 7 extracts text set in the CID font as well (via its UniGB-UCS2-H encoding).
    assert NUMBER in _text(pdf)
    assert CREDIT_CODE in _text(pdf)


def test_letter_is_a_pdf_with_metadata() -> None:
    pdf = render_letter(_letter(["经审查，申请材料齐全，决定予以受理。"]))
    assert pdf.startswith(b"%PDF")
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.title == f"受理通知书 {NUMBER}"


def test_letter_text_contains_number_name_and_code() -> None:
    text = _text(render_letter(_letter(["经审查，申请材料齐全、符合法定形式，决定予以受理。"])))
    for expected in ("受理通知书", NUMBER, ORG_NAME, CREDIT_CODE, "2026年11月24日", "一式两份"):
        assert expected in text


def test_long_letter_flows_onto_more_pages() -> None:
    paragraphs = [f"第{i}条：申请材料中的章程草案与会员名册不一致，请核对后重新提交。" for i in range(1, 61)]
    pdf = render_letter(_letter(paragraphs))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2


def test_long_letter_keeps_every_paragraph() -> None:
    paragraphs = [f"第{i}条：请补正材料。" for i in range(1, 61)]
    text = _text(render_letter(_letter(paragraphs)))
    assert all(f"第{i}条" in text for i in range(1, 61))


def test_markup_characters_are_escaped() -> None:
    pdf = render_letter(_letter(["金额<10万元 & 会员数>50人"]))
    assert pdf.startswith(b"%PDF")


def test_certificate_is_one_landscape_page() -> None:
    reader = PdfReader(io.BytesIO(render_certificate(_certificate())))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    assert reader.metadata is not None
    assert reader.metadata.title == "社会团体法人登记证书 晋榆社证字第0003号"


def test_certificate_text_contains_number_name_and_code() -> None:
    text = _text(render_certificate(_certificate()))
    for expected in ("社会团体法人登记证书", "晋榆社证字第0003号", ORG_NAME, CREDIT_CODE, "法定代表人"):
        assert expected in text
