"""Small real input files made on the fly: PDFs (text and scanned), images, DOCX, PPTX,
spoken recordings (espeak-ng), and broken files of each kind.

Used by the tests and by ``examples/build_example.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import pymupdf
import yaml

PAGE_W, PAGE_H = 612, 792  # US Letter, points


def make_text_pdf(path: Path, pages: list[str], unicode_font: bool = False) -> Path:
    """A PDF with a real text layer, one string per page.

    ``unicode_font`` embeds a font with glyphs beyond Latin-1 (ligatures such as 'ﬁ'),
    which the standard Helvetica cannot encode.
    """
    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        font = "helv"
        if unicode_font:
            font = "uni"
            page.insert_font(fontname=font, fontbuffer=pymupdf.Font("cjk").buffer)
        # Paragraphs (separated by blank lines) become separate text blocks, as in real PDFs.
        y = 72.0
        for paragraph in text.split("\n\n"):
            rect = pymupdf.Rect(72, y, PAGE_W - 72, PAGE_H - 72)
            spare = page.insert_textbox(rect, paragraph, fontsize=12, fontname=font)
            y += rect.height - max(spare, 0) + 12
    doc.save(path, deflate=True, garbage=3)
    doc.close()
    return path


def _render_text_png(text: str, dpi: int = 200) -> bytes:
    tmp = pymupdf.open()
    page = tmp.new_page(width=PAGE_W, height=PAGE_H)
    page.insert_textbox(pymupdf.Rect(72, 72, PAGE_W - 72, PAGE_H - 72), text, fontsize=14)
    png = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY).tobytes("png")
    tmp.close()
    return png


def make_scanned_pdf(path: Path, pages: list[str | None]) -> Path:
    """A PDF whose pages are images of text (no text layer), like a scan.

    A ``None`` entry instead makes a normal text page, for mixed documents.
    """
    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        if text is None:
            page.insert_textbox(
                pymupdf.Rect(72, 72, PAGE_W - 72, PAGE_H - 72), "A typed page.", fontsize=12
            )
        else:
            page.insert_image(page.rect, stream=_render_text_png(text))
    doc.save(path, deflate=True, garbage=3)
    doc.close()
    return path


def make_mixed_pdf(path: Path, pages: list[tuple[str, bool]]) -> Path:
    """A PDF of (text, scanned) pages: scanned ones are images only."""
    doc = pymupdf.open()
    for text, scanned in pages:
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        if scanned:
            page.insert_image(page.rect, stream=_render_text_png(text))
        else:
            page.insert_textbox(pymupdf.Rect(72, 72, PAGE_W - 72, PAGE_H - 72), text, fontsize=12)
    doc.save(path, deflate=True, garbage=3)
    doc.close()
    return path


def make_png(path: Path, text: str) -> Path:
    """A PNG photo-like image of typed text."""
    path.write_bytes(_render_text_png(text, dpi=150))
    return path


def make_protected_pdf(path: Path, text: str = "Secret plan.") -> Path:
    """A PDF that needs a password to open."""
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="owner")
    doc.close()
    return path


def make_docx(path: Path, pages: list[list[str]]) -> Path:
    """A DOCX whose pages (lists of paragraphs) are separated by explicit page breaks."""
    import docx

    document = docx.Document()
    for i, paragraphs in enumerate(pages):
        if i:
            document.add_page_break()
        for text in paragraphs:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def make_pptx(path: Path, slides: list[tuple[str, str]]) -> Path:
    """A PPTX with one (title, body) per slide."""
    from pptx import Presentation

    prs = Presentation()
    layout = prs.slide_layouts[1]  # title and content
    for title, body in slides:
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    prs.save(str(path))
    return path


@dataclass(frozen=True)
class SpokenSentence:
    """Where a sentence lies in a made recording, in seconds."""

    text: str
    start_s: float
    end_s: float


def espeak_available() -> bool:
    """Whether espeak-ng and ffmpeg are installed."""
    return shutil.which("espeak-ng") is not None and shutil.which("ffmpeg") is not None


def make_speech(path: Path, sentences: list[str], gap_s: float = 1.0) -> list[SpokenSentence]:
    """Speak sentences with espeak-ng into ``path`` (.wav, .mp3, .m4a, .mp4 ...).

    Returns each sentence's exact time range. A video container gets a black
    picture track, so it is a real video.
    """
    work = path.parent / f".{path.stem}-parts"
    work.mkdir(exist_ok=True)
    frames = b""
    rate = width = 0
    placed = []
    t = 0.5
    for i, text in enumerate(sentences):
        part = work / f"{i}.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(part), text], check=True)
        with wave.open(str(part)) as w:
            rate, width = w.getframerate(), w.getsampwidth()
            data = w.readframes(w.getnframes())
        if not frames:
            frames = b"\x00" * int(rate * 0.5) * width
        frames += data
        dur = len(data) / width / rate
        placed.append(SpokenSentence(text, round(t, 3), round(t + dur, 3)))
        frames += b"\x00" * int(rate * gap_s) * width
        t += dur + gap_s
    wav = work / "all.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    ext = path.suffix.lower()
    if ext == ".wav":
        shutil.copy(wav, path)
    elif ext in {".mp4", ".mov", ".mkv", ".webm"}:
        vcodec = ["-c:v", "libvpx", "-c:a", "libvorbis"] if ext == ".webm" else ["-c:a", "aac"]
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-t",
                f"{t:.3f}",
                "-i",
                "color=c=black:s=160x120:r=5",
                "-i",
                str(wav),
                "-shortest",
                *vcodec,
                str(path),
            ],
            check=True,
        )
    else:
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), str(path)], check=True
        )
    shutil.rmtree(work)
    return placed


def write_manifest(folder: Path, manifest: dict) -> Path:
    """Write ``submission.yaml`` into a folder."""
    path = folder / "submission.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path
