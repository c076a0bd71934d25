"""Receiving uploads: real zips and real bytes built here, hostile ones included."""

from __future__ import annotations

import asyncio
import io
import stat
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import UploadFile

from pipelines.submission import load_submission
from service.api.uploads import (
    UploadLimits,
    UploadRefused,
    check_content_types,
    clean_relative_path,
    receive_files,
    receive_zip,
)
from tests.factories import make_docx, make_text_pdf, write_manifest

MB = 1024 * 1024
MANIFEST = {
    "credential": "professional-learning",
    "parts": {"overview": "overview.md"},
    "artifacts": [{"id": "A1", "file": "artifacts/plan.pdf"}],
}


# --- helpers -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Temp files made by the code under test land here, so leaks are visible."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def dest(tmp_path) -> Path:
    folder = tmp_path / "incoming" / "sub"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def pdf_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("pdf") / "plan.pdf"
    return make_text_pdf(path, ["Our professional learning plan."]).read_bytes()


def manifest_bytes(manifest: dict | None = None) -> bytes:
    import yaml

    return yaml.safe_dump(manifest or MANIFEST, sort_keys=False).encode()


def good_files(pdf_bytes: bytes) -> dict[str, bytes]:
    return {
        "submission.yaml": manifest_bytes(),
        "overview.md": "Overview — café.".encode(),
        "artifacts/plan.pdf": pdf_bytes,
    }


def zip_bytes(
    entries: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]],
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    buf = io.BytesIO()
    items = entries.items() if isinstance(entries, dict) else entries
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", compression) as zf:
        warnings.simplefilter("ignore")  # duplicate names are on purpose in some tests
        for name, data in items:
            zf.writestr(name, data)
    return buf.getvalue()


def upload(data: bytes, filename: str | None) -> UploadFile:
    return UploadFile(file=io.BytesIO(data), filename=filename)


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


def refused(coro: Coroutine[Any, Any, None], status: int, *names: str) -> UploadRefused:
    """Run the upload, expect a refusal with this status, naming each of ``names``."""
    with pytest.raises(UploadRefused) as info:
        asyncio.run(coro)
    e = info.value
    assert e.status_code == status, e.message
    assert "\n" not in e.message and "Traceback" not in e.message
    for name in names:
        assert name in e.message, e.message
    return e


def files_under(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*") if p.is_file()
    }


def patch_sizes(data: bytes, name: bytes, file_size: int | None = None, flags: int | None = None):
    """Rewrite an entry's declared uncompressed size and/or flags in both of its headers."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    while local >= 0:
        n = struct.unpack_from("<H", out, local + 26)[0]
        if bytes(out[local + 30 : local + 30 + n]) == name:
            if file_size is not None:
                struct.pack_into("<L", out, local + 22, file_size)
            if flags is not None:
                struct.pack_into("<H", out, local + 6, flags)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    patched = False
    while central >= 0:
        n, e, c = struct.unpack_from("<HHH", out, central + 28)
        if bytes(out[central + 46 : central + 46 + n]) == name:
            if file_size is not None:
                struct.pack_into("<L", out, central + 24, file_size)
            if flags is not None:
                struct.pack_into("<H", out, central + 8, flags)
            patched = True
        central = out.find(b"PK\x01\x02", central + 46 + n + e + c)
    assert patched
    return bytes(out)


# --- clean_relative_path -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("artifacts/plan.pdf", "artifacts/plan.pdf"),
        ("artifacts\\plan.pdf", "artifacts/plan.pdf"),
        ("./artifacts//plan.pdf", "artifacts/plan.pdf"),
        (" artifacts / plan.pdf ", "artifacts/plan.pdf"),
        ("pl\x00an\n\x1b.pdf", "plan.pdf"),
        ("e\u0301t\u00e9.pdf", "\u00e9t\u00e9.pdf"),  # NFD in, NFC out
        ("evil\u202efdp.exe", "evilfdp.exe"),  # bidi override removed
        ("a" * 255, "a" * 255),
        ("notes...md", "notes...md"),
    ],
)
def test_clean_relative_path_keeps_safe_names(name, clean):
    assert clean_relative_path(name) == clean


@pytest.mark.parametrize(
    "name",
    [
        *(
            "",
            "   ",
            ".",
            "./",
            "/etc/passwd",
            "\\\\server\\share\\x",
            "C:\\evil.txt",
            "c:evil.txt",
        ),
        *("..", "../evil.txt", "a/../../b", "a/..\\..\\b", " .. /x", "a" * 256, "é" * 128),
    ],
)
def test_clean_relative_path_refuses_unsafe_names(name):
    with pytest.raises(UploadRefused) as info:
        clean_relative_path(name)
    assert info.value.status_code == 400
    assert "\n" not in info.value.message


def test_refusal_messages_are_one_line():
    with pytest.raises(UploadRefused) as info:
        clean_relative_path("../a\nb.txt")
    assert info.value.message == "'../a\\nb.txt': '..' would leave the submission folder"
    assert str(UploadRefused(400, "two\nlines")) == "two lines"


# --- zips: good ones ---------------------------------------------------------------------


def test_good_zip_extracts_and_loads(dest, pdf_bytes, private_tmp):
    files = good_files(pdf_bytes)
    run(receive_zip(upload(zip_bytes(files), "sub.zip"), dest, UploadLimits()))
    assert files_under(dest) == {name: len(data) for name, data in files.items()}
    sub = load_submission(dest)
    assert sub.artifacts[0].path.read_bytes() == pdf_bytes
    check_content_types(sub)
    assert list(private_tmp.iterdir()) == []


def test_zip_with_a_top_folder_is_unwrapped_and_junk_skipped(dest, pdf_bytes, private_tmp):
    entries: list[tuple[str | zipfile.ZipInfo, bytes]] = [
        ("my-submission/", b""),
        ("my-submission/artifacts/", b""),
    ]
    entries += [(f"my-submission/{n}", d) for n, d in good_files(pdf_bytes).items()]
    entries += [
        ("my-submission/.DS_Store", b"\0\0\0\1Bud1"),
        ("__MACOSX/my-submission/._overview.md", b"\0\5\26\7"),
    ]
    run(receive_zip(upload(zip_bytes(entries), "sub.zip"), dest, UploadLimits()))
    assert set(files_under(dest)) == {"submission.yaml", "overview.md", "artifacts/plan.pdf"}
    assert load_submission(dest).parts["overview"] == dest / "overview.md"
    assert list(private_tmp.iterdir()) == []


def test_top_folder_without_the_manifest_inside_is_kept(dest, pdf_bytes):
    data = zip_bytes({"stuff/a.pdf": pdf_bytes, "stuff/b.pdf": pdf_bytes})
    run(receive_zip(upload(data, "sub.zip"), dest, UploadLimits()))
    assert set(files_under(dest)) == {"stuff/a.pdf", "stuff/b.pdf"}


def test_stored_entries_and_directory_entries_do_not_count_as_files(dest, pdf_bytes):
    entries = {f"artifacts/a{i}.pdf": pdf_bytes for i in range(4)}
    entries |= {"submission.yaml": manifest_bytes(), "artifacts/": b"", ".DS_Store": b"x"}
    data = zip_bytes(entries, zipfile.ZIP_STORED)
    run(receive_zip(upload(data, "sub.zip"), dest, UploadLimits(max_files=5)))
    assert len(files_under(dest)) == 5


# --- zips: hostile ones ------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry", ["../evil.txt", "/etc/passwd", "a/../../b", "..\\evil.txt", "C:/evil.txt"]
)
def test_zip_entry_escaping_the_folder_is_refused(dest, entry, private_tmp):
    data = zip_bytes({"submission.yaml": manifest_bytes(), entry: b"owned"})
    refused(receive_zip(upload(data, "sub.zip"), dest, UploadLimits()), 400, f"'{entry}'")
    outside = dest.parent.parent
    assert [p for p in outside.rglob("*") if p.is_file()] == []
    assert list(private_tmp.iterdir()) == []


def test_zip_symlink_entry_is_refused(dest):
    link = zipfile.ZipInfo("artifacts/plan.pdf")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = zip_bytes([("submission.yaml", manifest_bytes()), (link, b"/etc/passwd")])
    e = refused(receive_zip(upload(data, "sub.zip"), dest, UploadLimits()), 400)
    assert "'artifacts/plan.pdf'" in e.message and "symbolic link" in e.message
    assert not (dest / "artifacts" / "plan.pdf").exists()


def test_zip_bomb_is_refused_before_its_bytes_land(dest, private_tmp):
    zeros = bytes(50 * MB)
    data = zip_bytes({"submission.yaml": manifest_bytes(), "artifacts/zeros.bin": zeros})
    assert len(data) < 100_000  # 50 MB squeezed into a few dozen KB
    limits = UploadLimits(max_file_bytes=MB)
    e = refused(receive_zip(upload(data, "bomb.zip"), dest, limits), 413, "'artifacts/zeros.bin'")
    assert "1 MB per-file limit" in e.message
    assert all(size <= MB for size in files_under(dest).values())
    assert list(private_tmp.iterdir()) == []


def test_zip_bomb_that_under_declares_its_size_is_caught_while_extracting(dest, private_tmp):
    zeros = bytes(50 * MB)
    data = zip_bytes({"submission.yaml": manifest_bytes(), "zeros.bin": zeros})
    lying = patch_sizes(data, b"zeros.bin", file_size=1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("zeros.bin").file_size == 1000
    limits = UploadLimits(max_file_bytes=MB)
    e = refused(receive_zip(upload(lying, "bomb.zip"), dest, limits), 413, "'zeros.bin'")
    assert "the zip declares 1000 bytes" in e.message
    # Writing stopped at the limit: the bytes counted were the bytes written.
    assert files_under(dest)["zeros.bin"] <= MB
    assert list(private_tmp.iterdir()) == []


def test_zip_entry_larger_than_declared_but_within_limits_is_refused(dest):
    data = zip_bytes({"submission.yaml": manifest_bytes(), "notes.txt": b"x" * 5000})
    lying = patch_sizes(data, b"notes.txt", file_size=100)
    e = refused(receive_zip(upload(lying, "sub.zip"), dest, UploadLimits()), 400, "'notes.txt'")
    assert "holds 5000 bytes but the zip declares 100" in e.message


def test_zip_total_past_the_submission_limit_is_refused(dest):
    entries = {f"artifacts/part{i}.bin": bytes(600 * 1024) for i in range(3)}
    data = zip_bytes({"submission.yaml": manifest_bytes(), **entries})
    limits = UploadLimits(max_file_bytes=MB, max_submission_bytes=MB)
    e = refused(receive_zip(upload(data, "sub.zip"), dest, limits), 413, "'artifacts/part1.bin'")
    assert "1 MB submission limit" in e.message


def test_zip_with_too_many_files_is_refused(dest):
    entries = {f"artifacts/a{i}.txt": b"x" for i in range(6)}
    data = zip_bytes(entries)
    e = refused(receive_zip(upload(data, "many.zip"), dest, UploadLimits(max_files=5)), 400)
    assert "'many.zip'" in e.message and "6 files" in e.message and "limit of 5" in e.message
    assert files_under(dest) == {}


def test_zip_with_a_huge_central_directory_is_refused_before_parsing(dest):
    data = zip_bytes({f"d{i}/": b"" for i in range(100)})
    e = refused(receive_zip(upload(data, "dirs.zip"), dest, UploadLimits(max_files=2)), 400)
    assert "'dirs.zip'" in e.message and "too many entries (100" in e.message


def test_zip_with_duplicate_or_clashing_entries_is_refused(dest):
    dup = zip_bytes([("a.txt", b"one"), ("a.txt", b"two")])
    refused(receive_zip(upload(dup, "sub.zip"), dest, UploadLimits()), 400, "'a.txt'", "duplicate")
    clash = zip_bytes([("a", b"file"), ("a/b.txt", b"under a file")])
    refused(receive_zip(upload(clash, "sub.zip"), dest, UploadLimits()), 400, "'a/b.txt'")


def test_encrypted_zip_entry_is_refused(dest):
    data = zip_bytes({"submission.yaml": manifest_bytes(), "secret.pdf": b"%PDF-1.7"})
    locked = patch_sizes(data, b"secret.pdf", flags=0x1)
    e = refused(receive_zip(upload(locked, "sub.zip"), dest, UploadLimits()), 400, "'secret.pdf'")
    assert "password" in e.message


def test_unusual_compression_is_refused(dest):
    data = zip_bytes({"a.txt": b"x" * 1000}, zipfile.ZIP_BZIP2)
    e = refused(receive_zip(upload(data, "sub.zip"), dest, UploadLimits()), 400, "'a.txt'")
    assert "unsupported method" in e.message


def test_zip_with_corrupt_data_is_refused(dest):
    data = bytearray(zip_bytes({"notes.txt": b"hello world " * 500}))
    start = data.find(b"notes.txt") + len(b"notes.txt")
    data[start + 10 : start + 40] = bytes(30)  # scribble over the compressed stream
    refused(receive_zip(upload(bytes(data), "sub.zip"), dest, UploadLimits()), 400, "'notes.txt'")


@pytest.mark.parametrize(
    "data", [b"", b"hello, not a zip", b"%PDF-1.7\n" + bytes(5000), b"PK\x03\x04 truncated"]
)
def test_not_a_zip_is_refused(dest, data, private_tmp):
    e = refused(receive_zip(upload(data, "sub.zip"), dest, UploadLimits()), 400, "'sub.zip'")
    assert "not a zip" in e.message
    assert list(private_tmp.iterdir()) == []


def test_oversize_upload_stream_is_refused_while_reading(dest, private_tmp):
    data = bytes(3 * MB)
    limits = UploadLimits(max_submission_bytes=2 * MB)
    e = refused(receive_zip(upload(data, "huge.zip"), dest, limits), 413, "'huge.zip'")
    assert "2 MB limit" in e.message
    assert list(private_tmp.iterdir()) == []  # the partial temp file is gone
    sized = UploadFile(file=io.BytesIO(data), filename="huge.zip", size=len(data))
    refused(receive_zip(sized, dest, limits), 413, "'huge.zip'")


# --- multipart ---------------------------------------------------------------------------


def test_multipart_files_are_written_and_load(dest, pdf_bytes):
    files = good_files(pdf_bytes)
    uploads = [upload(d, n) for n, d in files.items() if n != "submission.yaml"]
    run(
        receive_files(
            upload(files["submission.yaml"], "manifest.yml"), uploads, dest, UploadLimits()
        )
    )
    assert files_under(dest) == {n: len(d) for n, d in files.items()}
    check_content_types(load_submission(dest))


@pytest.mark.parametrize(
    "name", ["../evil.pdf", "/etc/passwd", "artifacts/../../evil.pdf", "C:\\evil.pdf", "  "]
)
def test_multipart_bad_names_are_refused(dest, name, pdf_bytes):
    uploads = [upload(pdf_bytes, "artifacts/plan.pdf"), upload(b"owned", name)]
    e = refused(
        receive_files(upload(manifest_bytes(), "submission.yaml"), uploads, dest, UploadLimits()),
        400,
        f"file '{name}'",
    )
    assert "\n" not in e.message
    assert files_under(dest) == {}  # names are checked before anything is written


def test_multipart_missing_name_is_refused(dest):
    refused(
        receive_files(upload(manifest_bytes(), None), [upload(b"x", None)], dest, UploadLimits()),
        400,
        "empty file name",
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("artifacts/plan.pdf", "artifacts/plan.pdf"),
        ("artifacts/plan.pdf", "artifacts\\plan.pdf"),
        ("artifacts/plan.pdf", "./artifacts/plan.pdf"),
        ("overview.md", "submission.yaml"),
        ("artifacts", "artifacts/plan.pdf"),
    ],
)
def test_multipart_duplicates_and_clashes_are_refused(dest, first, second, pdf_bytes):
    uploads = [upload(pdf_bytes, first), upload(pdf_bytes, second)]
    refused(
        receive_files(upload(manifest_bytes(), "submission.yaml"), uploads, dest, UploadLimits()),
        400,
        f"file '{second}'",
    )
    assert files_under(dest) == {}


def test_multipart_file_over_the_per_file_limit_is_refused(dest, pdf_bytes):
    uploads = [upload(pdf_bytes, "artifacts/plan.pdf"), upload(bytes(2 * MB), "artifacts/big.mp4")]
    limits = UploadLimits(max_file_bytes=MB)
    e = refused(
        receive_files(upload(manifest_bytes(), "submission.yaml"), uploads, dest, limits),
        413,
        "'artifacts/big.mp4'",
    )
    assert "1 MB per-file limit" in e.message
    assert files_under(dest)["artifacts/big.mp4"] <= MB


def test_multipart_manifest_over_the_limit_is_refused(dest):
    limits = UploadLimits(max_file_bytes=MB)
    refused(
        receive_files(upload(bytes(MB + 1), "submission.yaml"), [], dest, limits),
        413,
        "manifest 'submission.yaml'",
    )


def test_multipart_total_past_the_submission_limit_is_refused(dest):
    uploads = [upload(bytes(600 * 1024), f"artifacts/a{i}.bin") for i in range(3)]
    limits = UploadLimits(max_file_bytes=MB, max_submission_bytes=MB)
    e = refused(
        receive_files(upload(manifest_bytes(), "submission.yaml"), uploads, dest, limits),
        413,
        "'artifacts/a1.bin'",
    )
    assert "submission limit" in e.message


def test_multipart_too_many_files_is_refused(dest):
    uploads = [upload(b"x", f"artifacts/a{i}.txt") for i in range(4)]
    e = refused(
        receive_files(
            upload(manifest_bytes(), "submission.yaml"), uploads, dest, UploadLimits(max_files=3)
        ),
        400,
        "4 files",
    )
    assert "limit of 3" in e.message
    assert files_under(dest) == {}


# --- content types -----------------------------------------------------------------------


def submission_with(folder: Path, files: dict[str, bytes], manifest: dict | None = None):
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    write_manifest(folder, manifest or MANIFEST)
    return load_submission(folder)


def test_content_check_passes_real_files(dest, pdf_bytes, tmp_path):
    docx = make_docx(tmp_path / "reflection.docx", [["I learned a lot."]]).read_bytes()
    manifest = {**MANIFEST, "parts": {"overview": "overview.txt", "reflection": "reflection.docx"}}
    sub = submission_with(
        dest,
        {"overview.txt": b"Plain text.", "reflection.docx": docx, "artifacts/plan.pdf": pdf_bytes},
        manifest,
    )
    check_content_types(sub)


def check_refused(sub, *names: str) -> str:
    with pytest.raises(UploadRefused) as info:
        check_content_types(sub)
    assert info.value.status_code == 415
    for name in names:
        assert name in info.value.message, info.value.message
    return info.value.message


def test_pdf_that_holds_text_is_refused(dest):
    sub = submission_with(dest, {"overview.md": b"Hi.", "artifacts/plan.pdf": b"just some text"})
    message = check_refused(sub, "artifacts/plan.pdf: ")
    assert "not a valid PDF" in message


def test_unsupported_artifact_is_refused(dest):
    manifest = {**MANIFEST, "artifacts": [{"id": "A1", "file": "artifacts/notes.xyz"}]}
    sub = submission_with(dest, {"overview.md": b"Hi.", "artifacts/notes.xyz": b"hello"}, manifest)
    message = check_refused(sub)
    assert message.startswith("artifacts/notes.xyz: unsupported format '.xyz' (accepted: PDF")


def test_empty_artifact_is_refused(dest):
    sub = submission_with(dest, {"overview.md": b"Hi.", "artifacts/plan.pdf": b""})
    assert check_refused(sub) == "artifacts/plan.pdf: empty file (0 bytes)"


def test_markdown_part_that_is_not_utf8_is_refused(dest, pdf_bytes):
    latin1 = "Réflexion sur l'année.".encode("latin-1")
    sub = submission_with(dest, {"overview.md": latin1, "artifacts/plan.pdf": pdf_bytes})
    message = check_refused(sub, "overview.md: not UTF-8")
    assert "offset 1" in message


def test_written_parts_are_sniffed(dest, pdf_bytes):
    manifest = {**MANIFEST, "parts": {"overview": "overview.docx", "reflection": "notes.rtf"}}
    files = {
        "overview.docx": pdf_bytes,
        "notes.rtf": b"{\\rtf1 hi}",
        "artifacts/plan.pdf": pdf_bytes,
    }
    sub = submission_with(dest, files, manifest)
    assert "overview.docx: the content is PDF, not DOCX" in check_refused(sub)
    (dest / "overview.md").write_bytes(b"ok")
    manifest["parts"] = {"overview": "overview.md", "reflection": "notes.rtf"}
    sub = submission_with(dest, {}, manifest)
    assert check_refused(sub, "notes.rtf: unsupported format '.rtf'")
    manifest["parts"] = {"overview": "overview.md"}
    (dest / "overview.md").write_bytes(b"")
    sub = submission_with(dest, {}, manifest)
    assert check_refused(sub) == "overview.md: empty file (0 bytes)"
    (dest / "overview.md").write_bytes(b"\x00\x01binary")
    assert "NUL bytes" in check_refused(submission_with(dest, {}, manifest), "overview.md")
