"""Receive an uploaded submission safely into a folder.

Uploads are hostile until proven otherwise: names may climb out of the folder, zips may
lie about their sizes (zip bombs), hold links or millions of entries, and files may not
be what their extension says. Every refusal is an ``UploadRefused`` with an HTTP status
and one line naming the file or zip entry and the problem.

Bytes are streamed in chunks and counted as they are written; nothing is read whole into
memory. Files are only ever written inside ``dest`` (the caller deletes ``dest`` when an
upload is refused); the one temporary file made here (the zip as uploaded) lives in the
system temp folder and is removed on every path.
"""

from __future__ import annotations

import codecs
import copy
import errno
import os
import re
import stat
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from io import BufferedWriter
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.submission import Submission
from pipelines.extract.errors import ExtractionError
from pipelines.extract.formats import detect_kind

CHUNK = 1024 * 1024
MANIFEST_NAME = "submission.yaml"
PART_FORMATS = "MD, TXT, PDF, DOCX"
_JUNK_NAMES = {".DS_Store", "Thumbs.db"}
_JUNK_FOLDERS = {"__MACOSX"}
# Bidirectional controls make a shown name lie about itself ("evil\u202efdp.exe").
_BIDI_CONTROLS = set("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_PART_BYTES = 255
_UNBOUNDED = 1 << 62


class UploadRefused(Exception):
    """An upload refused with an HTTP status (400/413/415/422) and a one-line message naming the file or zip entry and the problem."""  # noqa: E501

    status_code: int
    message: str

    def __init__(self, status_code: int, message: str):
        """Keep the status and the message, flattened to one line."""
        self.status_code = status_code
        self.message = "".join(
            " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in message
        ).strip()
        super().__init__(self.message)


@dataclass(frozen=True)
class UploadLimits:
    """Limits on one upload: bytes per file, bytes in all, and how many files."""

    max_file_bytes: int = 200 * 1024**2
    max_submission_bytes: int = 1024**3
    max_files: int = 200


def _show(name: str | None, limit: int = 160) -> str:
    """A name fit for a one-line message, quoted: control characters escaped, long names cut."""
    text = "".join(
        ch if ch.isprintable() and ch not in _BIDI_CONTROLS else ascii(ch)[1:-1]
        for ch in (name or "")
    )
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS


def clean_relative_path(name: str) -> str:
    """A safe relative POSIX path from an uploaded file name or zip entry name: backslashes to '/', NFC-normalised, control characters removed, each part stripped; refuses (400) empty names, absolute paths, drive letters, '..' parts, and names longer than 255 per part. Keeps folders (artifacts/plan.pdf stays as is)."""  # noqa: E501
    shown = _show(name)
    text = unicodedata.normalize("NFC", (name or "").replace("\\", "/"))
    text = "".join(ch for ch in text if not _is_control(ch))
    if any(unicodedata.category(ch) == "Cs" for ch in text):
        raise UploadRefused(400, f"{shown}: the name is not valid Unicode")
    if text.strip().startswith("/"):
        raise UploadRefused(400, f"{shown}: an absolute path; use a path inside the submission")
    parts: list[str] = []
    for raw in text.split("/"):
        part = raw.strip()
        if part in ("", "."):
            continue
        if part == "..":
            raise UploadRefused(400, f"{shown}: '..' would leave the submission folder")
        if not parts and _DRIVE.match(part):
            raise UploadRefused(400, f"{shown}: a drive letter; use a path inside the submission")
        if len(part.encode("utf-8")) > _MAX_PART_BYTES:
            raise UploadRefused(400, f"{shown}: a name part longer than {_MAX_PART_BYTES} bytes")
        parts.append(part)
    if not parts:
        raise UploadRefused(400, f"{shown}: an empty file name")
    return "/".join(parts)


class _Layout:
    """The relative paths placed so far: refuses duplicates and file/folder clashes."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.folders: set[str] = set()

    def add(self, rel: str, what: str) -> None:
        if rel in self.files:
            raise UploadRefused(400, f"{what}: a duplicate of another file with the same path")
        if rel in self.folders:
            raise UploadRefused(400, f"{what}: the path is also used as a folder")
        parents = rel.split("/")[:-1]
        for i in range(1, len(parents) + 1):
            folder = "/".join(parents[:i])
            if folder in self.files:
                raise UploadRefused(400, f"{what}: {_show(folder)} is a file, not a folder")
        self.files.add(rel)
        self.folders.update("/".join(parents[:i]) for i in range(1, len(parents) + 1))


def _open_target(dest: Path, rel: str, what: str) -> BufferedWriter:
    """Create ``dest/rel`` for writing, never overwriting nor following a link."""
    target = dest / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(dest.resolve()):
        raise UploadRefused(400, f"{what}: the path leaves the submission folder")
    try:
        return target.open("xb")
    except FileExistsError:
        raise UploadRefused(
            400, f"{what}: a duplicate of another file with the same path"
        ) from None
    except OSError as e:
        if e.errno in (errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL):
            raise UploadRefused(400, f"{what}: the name cannot be used ({e.strerror})") from None
        raise


# --- zip ---------------------------------------------------------------------------------


def _declared_directory(path: Path) -> tuple[int, int] | None:
    """(entries, central-directory bytes) from the zip's end record, or None if there is none.

    ``zipfile`` reads the whole central directory into memory and parses every record in
    it, so its size is checked before ``zipfile`` is let near the file.
    """
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        span = min(size, 22 + 0xFFFF + 20 + 56)
        fh.seek(size - span)
        tail = fh.read(span)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        return None
    fields = struct.unpack("<4s4H2LH", tail[pos : pos + 22])
    entries, cd_size = fields[4], fields[5]
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the real counts sit just before
        loc = pos - 20
        rec = loc - 56
        if (
            rec >= 0
            and tail[loc : loc + 4] == b"PK\x06\x07"
            and tail[rec : rec + 4] == b"PK\x06\x06"
        ):
            fields64 = struct.unpack("<4sQ2H2L4Q", tail[rec : rec + 56])
            entries, cd_size = fields64[7], fields64[8]
    return entries, cd_size


def _clean(name: str, kind: str) -> str:
    """``clean_relative_path`` with the refusal saying what the name belongs to."""
    try:
        return clean_relative_path(name)
    except UploadRefused as e:
        raise UploadRefused(e.status_code, f"{kind} {e.message}") from None


def _is_junk(rel: str) -> bool:
    parts = rel.split("/")
    return parts[0] in _JUNK_FOLDERS or parts[-1] in _JUNK_NAMES


def _plan_zip(
    zf: zipfile.ZipFile, shown: str, limits: UploadLimits
) -> list[tuple[zipfile.ZipInfo, str]]:
    """The (entry, relative path) pairs to extract, after every check that needs no data."""
    kept: list[tuple[zipfile.ZipInfo, str]] = []
    for info in zf.infolist():
        rel = _clean(info.filename, "zip entry")
        what = f"zip entry {_show(info.filename)}"
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRefused(400, f"{what}: a symbolic link; links are not accepted")
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UploadRefused(400, f"{what}: not a regular file")
        if info.is_dir() or _is_junk(rel):
            continue
        if info.flag_bits & 0x1:
            raise UploadRefused(400, f"{what}: password-protected; zip without a password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused(
                400,
                f"{what}: compressed with an unsupported method ({info.compress_type}); "
                "use ordinary (deflate) zip compression",
            )
        kept.append((info, rel))
    if len(kept) > limits.max_files:
        raise UploadRefused(
            400,
            f"{shown}: the zip holds {len(kept)} files, more than the limit of {limits.max_files}",
        )
    if not kept:
        raise UploadRefused(400, f"{shown}: the zip holds no files")

    # One top-level folder around everything, with the manifest in it: strip that folder.
    tops = {rel.split("/", 1)[0] for _, rel in kept}
    if len(tops) == 1 and all("/" in rel for _, rel in kept):
        top = tops.pop()
        if any(rel == f"{top}/{MANIFEST_NAME}" for _, rel in kept):
            kept = [(info, rel[len(top) + 1 :]) for info, rel in kept]

    layout = _Layout()
    declared_total = 0
    for info, rel in kept:
        what = f"zip entry {_show(info.filename)}"
        layout.add(rel, what)
        if info.file_size > limits.max_file_bytes:
            raise UploadRefused(
                413,
                f"{what}: {_size(info.file_size)} uncompressed, "
                f"over the {_size(limits.max_file_bytes)} per-file limit",
            )
        declared_total += info.file_size
        if declared_total > limits.max_submission_bytes:
            raise UploadRefused(
                413,
                f"{what}: the files uncompressed pass the "
                f"{_size(limits.max_submission_bytes)} submission limit",
            )
    return kept


def _extract_zip(path: Path, shown: str, dest: Path, limits: UploadLimits) -> None:
    declared = _declared_directory(path)
    if declared is None:
        raise UploadRefused(400, f"{shown}: not a zip file (no zip directory found)")
    entries, cd_size = declared
    max_entries = 4 * limits.max_files + 64  # room for folder entries and __MACOSX twins
    if entries > max_entries or cd_size > max_entries * 1024:
        raise UploadRefused(
            400,
            f"{shown}: the zip has too many entries ({entries} declared, "
            f"a {cd_size}-byte directory; at most {limits.max_files} files)",
        )
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError, struct.error, NotImplementedError) as e:
        raise UploadRefused(400, f"{shown}: not a zip file, or a damaged one ({e})") from None
    except UnicodeDecodeError:
        raise UploadRefused(
            400, f"{shown}: a damaged zip: entry names are not valid UTF-8"
        ) from None
    with zf:
        if len(zf.infolist()) > max_entries:
            raise UploadRefused(
                400,
                f"{shown}: the zip has too many entries ({len(zf.infolist())}; "
                f"at most {limits.max_files} files)",
            )
        kept = _plan_zip(zf, shown, limits)
        dest.mkdir(parents=True, exist_ok=True)
        total = 0
        for info, rel in kept:
            what = f"zip entry {_show(info.filename)}"
            # Read to the end of the compressed data rather than stopping at the size the
            # zip declares, and count what comes out: a lying zip is caught by its bytes.
            probe = copy.copy(info)
            probe.file_size = _UNBOUNDED
            written = 0
            try:
                with zf.open(probe) as src, _open_target(dest, rel, what) as out:
                    while chunk := src.read(CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if written > limits.max_file_bytes:
                            raise UploadRefused(
                                413,
                                f"{what}: more than the {_size(limits.max_file_bytes)} "
                                f"per-file limit once uncompressed (the zip declares "
                                f"{_size(info.file_size)})",
                            )
                        if total > limits.max_submission_bytes:
                            raise UploadRefused(
                                413,
                                f"{what}: the files uncompressed pass the "
                                f"{_size(limits.max_submission_bytes)} submission limit",
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as e:
                raise UploadRefused(400, f"{what}: damaged zip data ({e})") from None
            if written != info.file_size:
                raise UploadRefused(
                    400,
                    f"{what}: holds {written} bytes but the zip declares {info.file_size} "
                    "(a damaged or tampered zip)",
                )


async def receive_zip(upload: UploadFile, dest: Path, limits: UploadLimits) -> None:
    """Stream the upload to a temp file (refusing past max_submission_bytes while reading — never read it all into memory), then extract safely into dest: refuse (400) entries that escape the folder (absolute, .., symlinks), (413) any entry larger than max_file_bytes or a total uncompressed size past max_submission_bytes — checking actual bytes written while extracting, not only the sizes the zip declares (zip bombs lie), (400) more than max_files entries, and (400) a file that is not a zip. If every entry sits under one top-level folder and submission.yaml is inside that folder, strip that folder. Skip directory entries and __MACOSX/ and .DS_Store junk."""  # noqa: E501
    shown = _show(upload.filename or "upload")
    too_big = f"{shown}: the upload is larger than the {_size(limits.max_submission_bytes)} limit"
    if upload.size is not None and upload.size > limits.max_submission_bytes:
        raise UploadRefused(413, too_big)
    fd, tmp_name = tempfile.mkstemp(prefix="evreview-upload-", suffix=".zip")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            received = 0
            while chunk := await upload.read(CHUNK):
                received += len(chunk)
                if received > limits.max_submission_bytes:
                    raise UploadRefused(413, too_big)
                out.write(chunk)
        await run_in_threadpool(_extract_zip, tmp, shown, dest, limits)
    finally:
        tmp.unlink(missing_ok=True)


# --- multipart ---------------------------------------------------------------------------


async def _copy_upload(
    upload: UploadFile, dest: Path, rel: str, what: str, limits: UploadLimits, total: int
) -> int:
    """Stream one upload to ``dest/rel`` within the limits; the new running total."""
    per_file = f"{what}: larger than the {_size(limits.max_file_bytes)} per-file limit"
    if upload.size is not None and upload.size > limits.max_file_bytes:
        raise UploadRefused(413, per_file)
    written = 0
    with _open_target(dest, rel, what) as out:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            total += len(chunk)
            if written > limits.max_file_bytes:
                raise UploadRefused(413, per_file)
            if total > limits.max_submission_bytes:
                raise UploadRefused(
                    413,
                    f"{what}: the files together pass the "
                    f"{_size(limits.max_submission_bytes)} submission limit",
                )
            out.write(chunk)
    return total


async def receive_files(
    manifest: UploadFile, files: Sequence[UploadFile], dest: Path, limits: UploadLimits
) -> None:
    """Multipart form: the manifest is written as dest/submission.yaml; each file is written at clean_relative_path(file.filename) (its path relative to the submission folder, e.g. artifacts/plan.pdf), streamed in chunks with the per-file and total limits (413 naming the file), refusing duplicates (400) and more than max_files files."""  # noqa: E501
    if len(files) > limits.max_files:
        raise UploadRefused(
            400, f"{len(files)} files sent, more than the limit of {limits.max_files}"
        )
    # Check every name before writing anything.
    layout = _Layout()
    layout.add(MANIFEST_NAME, f"manifest {_show(manifest.filename or MANIFEST_NAME)}")
    placed: list[tuple[UploadFile, str, str]] = []
    for upload in files:
        what = f"file {_show(upload.filename)}"
        rel = _clean(upload.filename or "", "file")
        if rel == MANIFEST_NAME:
            raise UploadRefused(400, f"{what}: the manifest is sent on its own, not among files")
        layout.add(rel, what)
        placed.append((upload, rel, what))
    dest.mkdir(parents=True, exist_ok=True)
    what = f"manifest {_show(manifest.filename or MANIFEST_NAME)}"
    total = await _copy_upload(manifest, dest, MANIFEST_NAME, what, limits, 0)
    for upload, rel, what in placed:
        total = await _copy_upload(upload, dest, rel, what, limits, total)


# --- content -----------------------------------------------------------------------------


def _check_text(path: Path) -> None:
    """Refuse a text part that is empty, not UTF-8, or binary."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    seen = False
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            seen = True
            if b"\0" in chunk:
                raise ExtractionError("holds NUL bytes; a binary file, not text")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                raise ExtractionError(
                    f"not UTF-8 text (byte 0x{chunk[e.start]:02x} at offset {offset + e.start}); "
                    "save it as UTF-8"
                ) from None
            offset += len(chunk)
    if not seen:
        raise ExtractionError("empty file (0 bytes)")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ExtractionError("not UTF-8 text (it ends mid-character); save it as UTF-8") from None


def _check_part(path: Path) -> None:
    ext = path.suffix.lower()
    if ext in (".md", ".txt"):
        _check_text(path)
        return
    if ext not in (".pdf", ".docx"):
        raise ExtractionError(
            f"unsupported format '{ext or path.name}' for a written part (accepted: {PART_FORMATS})"
        )
    kind = detect_kind(path)
    if kind != ext[1:]:
        raise ExtractionError(
            f"the content is {kind.upper()}, not {ext[1:].upper()} (corrupt or mislabelled)"
        )


def check_content_types(submission: Submission) -> None:
    """For every artifact of a loaded submission, check its content with pipelines.extract.formats.detect_kind: an empty, unsupported or mislabelled file (ExtractionError) is refused with 415 and a message '<manifest file path>: <reason>' (e.g. "artifacts/notes.xyz: unsupported format '.xyz' (accepted: ...)"). Written parts (md/txt/pdf/docx) are checked too: .md/.txt must decode as UTF-8, .pdf/.docx must sniff as such."""  # noqa: E501
    for name, path in submission.parts.items():
        try:
            _check_part(path)
        except ExtractionError as e:
            rel = submission.part_files.get(name, path.name)
            raise UploadRefused(415, f"{rel}: {e}") from None
        except OSError as e:
            rel = submission.part_files.get(name, path.name)
            raise UploadRefused(415, f"{rel}: cannot be read ({e.strerror})") from None
    for artifact in submission.artifacts:
        try:
            detect_kind(artifact.path)
        except ExtractionError as e:
            raise UploadRefused(415, f"{artifact.file}: {e}") from None
        except OSError as e:
            raise UploadRefused(415, f"{artifact.file}: cannot be read ({e.strerror})") from None
