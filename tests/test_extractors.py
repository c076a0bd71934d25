"""Each extractor on small real files: the known sentence on its known page, with a box."""

from pathlib import Path

import pytest

from models.options import OcrOptions
from pipelines.extract.docx_extractor import extract_docx
from pipelines.extract.image_extractor import extract_image
from pipelines.extract.ocr import tesseract_available
from pipelines.extract.pdf_extractor import extract_pdf
from pipelines.extract.pptx_extractor import extract_pptx
from pipelines.extract.text_extractor import extract_text
from tests.factories import make_docx, make_mixed_pdf, make_png, make_pptx, make_text_pdf

needs_tesseract = pytest.mark.skipif(not tesseract_available(), reason="tesseract not installed")
OCR = OcrOptions(dpi=200, workers=2)


def page_text(extracted, number: int) -> str:
    return " ".join(b.text for b in extracted.pages[number - 1].blocks)


def assert_boxes_inside_pages(extracted):
    for page in extracted.pages:
        for block in page.blocks:
            if block.box is None:
                continue
            assert 0 <= block.box.x0 <= block.box.x1 <= page.width + 0.5
            assert 0 <= block.box.y0 <= block.box.y1 <= page.height + 0.5


def test_pdf_text_pages_and_boxes(tmp_path: Path):
    pdf = make_text_pdf(
        tmp_path / "plan.pdf",
        ["Cover page.", "Staff norms were drafted by the whole faculty.", "Budget and timeline."],
    )
    out = extract_pdf(pdf, OCR)
    assert out.kind == "pdf" and len(out.pages) == 3
    assert "drafted by the whole faculty" in page_text(out, 2)
    assert "drafted" not in page_text(out, 1) + page_text(out, 3)
    assert out.ocr_pages == []
    block = out.pages[1].blocks[0]
    assert block.box is not None and block.box.y0 >= 60  # the text box starts at y=72
    assert_boxes_inside_pages(out)


def test_pdf_ligatures_are_expanded(tmp_path: Path):
    text = "The o\ufb03ce veri\ufb01ed the \ufb01nal plan."
    pdf = make_text_pdf(tmp_path / "lig.pdf", [text], unicode_font=True)
    assert "The office verified the final plan." in page_text(extract_pdf(pdf, OCR), 1)


@needs_tesseract
def test_scanned_page_is_ocred_and_recorded(tmp_path: Path):
    pdf = make_mixed_pdf(
        tmp_path / "mixed.pdf",
        [
            ("A typed introduction page.", False),
            ("Walkthrough form. Teachers asked for feedback on questioning.", True),
        ],
    )
    out = extract_pdf(pdf, OCR)
    assert out.ocr_pages == [2]
    assert not out.pages[0].ocr
    text = page_text(out, 2).lower()
    assert "walkthrough form" in text and "questioning" in text
    assert_boxes_inside_pages(out)


@needs_tesseract
def test_image_is_one_ocred_page(tmp_path: Path):
    png = make_png(tmp_path / "photo.png", "Sign-in sheet for the book study.")
    out = extract_image(png, OCR)
    assert out.kind == "image" and out.ocr_pages == [1]
    assert "book study" in page_text(out, 1).lower()
    assert_boxes_inside_pages(out)


def test_docx_pages_follow_explicit_breaks(tmp_path: Path):
    doc = make_docx(
        tmp_path / "plans.docx",
        [
            ["Growth plans"],
            ["Goal-setting conference with the principal.", "Pathway: coaching."],
            ["Coaching notes: modelled the routine."],
        ],
    )
    out = extract_docx(doc)
    assert [p.number for p in out.pages] == [1, 2, 3]
    assert "Goal-setting conference" in page_text(out, 2)
    assert "modelled the routine" in page_text(out, 3)


def test_pptx_slide_is_page_with_shape_boxes(tmp_path: Path):
    deck = make_pptx(
        tmp_path / "deck.pptx",
        [("Welcome", "Agenda for the day"), ("Design team", "Five teachers designed our PD.")],
    )
    out = extract_pptx(deck)
    assert len(out.pages) == 2
    assert "Five teachers designed our PD." in page_text(out, 2)
    assert all(b.box is not None for b in out.pages[1].blocks)
    assert_boxes_inside_pages(out)


@pytest.mark.skipif(not tesseract_available(), reason="tesseract not installed")
def test_a_picture_only_slide_is_read_by_ocr(tmp_path: Path):
    import io

    from pptx import Presentation
    from pptx.util import Inches

    from tests.factories import _render_text_png

    prs = Presentation()
    titled = prs.slides.add_slide(prs.slide_layouts[5])
    titled.shapes.title.text = "Photos from the workshop"
    titled.shapes.add_picture(io.BytesIO(_render_text_png("A caption we do not need.")), 0, 0)
    photo = prs.slides.add_slide(prs.slide_layouts[6])  # blank: the picture is all there is
    photo.shapes.add_picture(
        io.BytesIO(_render_text_png("Flip chart: ask before you assume.")),
        Inches(1),
        Inches(1),
        width=Inches(6),
    )
    prs.slides.add_slide(prs.slide_layouts[6]).shapes.add_picture(
        io.BytesIO(_render_text_png(" ")), 0, 0
    )
    deck = tmp_path / "photos.pptx"
    prs.save(str(deck))

    out = extract_pptx(deck, OcrOptions())
    assert out.ocr_pages == [2]  # slide 1 has its own text, slide 3 no text at all
    assert "ask before you assume" in page_text(out, 2).lower()
    assert "caption" not in page_text(out, 1).lower()
    assert_boxes_inside_pages(out)
    left, top = Inches(1) / 12700, Inches(1) / 12700  # points
    assert all(b.box.x0 >= left - 1 and b.box.y0 >= top - 1 for b in out.pages[1].blocks)
    assert out.warnings == ["slide 3 holds only pictures and OCR found no text"]
    # Without OCR settings the slide is named in a warning, never dropped silently.
    assert "slide 2 holds only pictures" in " ".join(extract_pptx(deck).warnings)


def test_markdown_part_as_plain_text(tmp_path: Path):
    md = tmp_path / "overview.md"
    md.write_text("# Part 1\n\nFirst paragraph\nwraps here.\n\nSecond one.\n", encoding="utf-8")
    out = extract_text(md)
    assert [b.text for b in out.pages[0].blocks] == [
        "# Part 1",
        "First paragraph wraps here.",
        "Second one.",
    ]
