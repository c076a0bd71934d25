"""DOCX into pages of paragraphs, numbered as the candidate sees them.

A DOCX file has no fixed pages; Word lays them out. We honour what the file
states: explicit page breaks, "page break before" paragraphs and next-page
section breaks. Only when a file has none of those do we fall back to the page
breaks Word recorded when it last laid the document out
(``w:lastRenderedPageBreak``), which match what the author saw.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml.ns import qn

from models.records import ExtractedArtifact, Page, TextBlock
from pipelines.extract.errors import ExtractionError
from pipelines.text import normalize_text

NAME = "docx"
VERSION = "1"
_P, _TBL, _R, _T, _TAB, _BR = qn("w:p"), qn("w:tbl"), qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br")
_RENDERED = qn("w:lastRenderedPageBreak")
_NEW_PAGE_SECTIONS = {None, "nextPage", "oddPage", "evenPage"}


class _PageWriter:
    """Collects blocks page by page while walking the document body."""

    def __init__(self, rendered_breaks: bool):
        self.rendered_breaks = rendered_breaks
        self.pages: list[list[TextBlock]] = [[]]
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = normalize_text("".join(self.buffer))
        if text:
            self.pages[-1].append(TextBlock(text=text))
        self.buffer.clear()

    def new_page(self) -> None:
        self.flush()
        self.pages.append([])

    def paragraph(self, p) -> None:
        ppr = p.find(qn("w:pPr"))
        breaks_before = ppr is not None and ppr.find(qn("w:pageBreakBefore")) is not None
        if breaks_before and (self.pages[-1] or self.buffer):
            self.new_page()
        for el in p.iter():
            if el.tag == _T and el.text:
                self.buffer.append(el.text)
            elif el.tag == _TAB:
                self.buffer.append(" ")
            elif el.tag == _BR:
                if el.get(qn("w:type")) == "page":
                    self.new_page()
                else:
                    self.buffer.append(" ")
            elif el.tag == _RENDERED and self.rendered_breaks and (self.pages[-1] or self.buffer):
                self.new_page()
        self.flush()
        sect = ppr.find(qn("w:sectPr")) if ppr is not None else None
        if sect is not None:
            kind = sect.find(qn("w:type"))
            if (kind.get(qn("w:val")) if kind is not None else None) in _NEW_PAGE_SECTIONS:
                self.new_page()

    def table(self, tbl) -> None:
        for row in tbl.iter(qn("w:tr")):
            cells = []
            for cell in row.iter(qn("w:tc")):
                cells.append(normalize_text(" ".join(t.text or "" for t in cell.iter(_T))))
            text = " | ".join(c for c in cells if c)
            if text:
                self.pages[-1].append(TextBlock(text=text))


def extract_docx(path: Path) -> ExtractedArtifact:
    """Read paragraphs and tables of the body, in order, split into pages."""
    try:
        document = docx.Document(str(path))
    except Exception as e:
        raise ExtractionError(f"corrupt DOCX ({str(e).splitlines()[0]})") from None
    body = document.element.body
    explicit = any(br.get(qn("w:type")) == "page" for br in body.iter(_BR)) or any(
        True for _ in body.iter(qn("w:pageBreakBefore"))
    )
    writer = _PageWriter(rendered_breaks=not explicit)
    for child in body.iterchildren():
        if child.tag == _P:
            writer.paragraph(child)
        elif child.tag == _TBL:
            writer.table(child)
    pages = writer.pages
    while len(pages) > 1 and not pages[-1]:
        pages.pop()  # a trailing break or section end does not make a page of its own
    warnings = [] if any(pages) else ["no text found in the document"]
    return ExtractedArtifact(
        kind="docx",
        extractor=f"{NAME}@{VERSION}",
        pages=[Page(number=i, blocks=blocks) for i, blocks in enumerate(pages, start=1)],
        warnings=warnings,
    )
