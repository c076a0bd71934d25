"""The service on its embedded default (SQLite, local files, in-process runner), over HTTP."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.contract import check_report
from tests.factories import espeak_available, make_docx, make_mixed_pdf, make_speech, write_manifest
from tests.service_process import ServiceProcess, cli, wait_done, zip_folder

pytestmark = pytest.mark.slow
DETAIL_COUNT = 14


def make_small_submission(folder: Path, speech: bool = True) -> Path:
    arts = folder / "artifacts"
    arts.mkdir(parents=True)
    make_mixed_pdf(
        arts / "plan.pdf",
        [
            ("Staff norms were written and signed by every teacher in August.", False),
            ("Every Thursday teachers meet in learning teams with protected time.", True),
        ],
    )
    make_docx(arts / "plans.docx", [["Growth plans"], ["Individual growth plan for Ms. Lee."]])
    entries = [
        {"id": "A1", "file": "artifacts/plan.pdf"},
        {"id": "A2", "file": "artifacts/plans.docx"},
    ]
    if speech and espeak_available():
        make_speech(arts / "meeting.m4a", ["We looked at student work with the tuning protocol."])
        entries.append({"id": "A3", "file": "artifacts/meeting.m4a"})
    (folder / "overview.md").write_text("Our school story. " * 100, encoding="utf-8")
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "candidate": "Pat Doe",
            "parts": {"overview": "overview.md"},
            "artifacts": entries,
            "self_analysis": [{"detail": "EO1.1", "artifact": "A1", "location": "p. 1"}],
        },
    )
    return folder


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    data = tmp_path_factory.mktemp("service-data")
    env = {**os.environ, "EVREVIEW_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env.pop("EVREVIEW_REDIS_URL", None)
    env.pop("EVREVIEW_DATABASE_URL", None)
    tokens = {
        name: cli(env, "users", "add", name, "--role", role)
        for name, role in [
            ("cand1", "candidate"),
            ("cand2", "candidate"),
            ("assessor", "assessor"),
            ("boss", "admin"),
        ]
    }
    server = ServiceProcess(env, data / "server.log").start()
    yield server, tokens, data
    server.stop()


def client(server, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def uploaded(service, tmp_path_factory):
    server, tokens, _data = service
    folder = make_small_submission(tmp_path_factory.mktemp("small"))
    with client(server, tokens["cand1"]) as c:
        r = c.post(
            "/api/submissions",
            files={"archive": ("sub.zip", zip_folder(folder, "sub"), "application/zip")},
        )
        assert r.status_code == 202, r.text
        sid = r.json()["id"]
        body = wait_done(c, sid)
    return sid, body, folder


def test_upload_is_read_and_analysed(service, uploaded):
    server, tokens, _ = service
    sid, body, _folder = uploaded
    assert body["status"] == "done" and body["stage"] == "done"
    assert all(a["status"] == "done" and a["chunks"] > 0 for a in body["artifacts"])
    pdf = next(a for a in body["artifacts"] if a["id"] == "A1")
    assert pdf["kind"] == "pdf" and pdf["pages"] == 2 and pdf["ocr_pages"] == [2]
    with client(server, tokens["cand1"]) as c:
        report = c.get(f"/api/submissions/{sid}/analysis").json()
    check_report(
        report, [f"EO{o}.{d}" for o, n in [(1, 4), (2, 3), (3, 3), (4, 4)] for d in range(1, n + 1)]
    )
    assert report["submission"]["candidate"] == "Pat Doe"
    assert report["parts"]["overview"]["words"] == 300


def test_auth_roles_and_ownership(service, uploaded):
    server, tokens, _ = service
    sid = uploaded[0]
    with client(server, None) as c:
        r = c.get("/api/submissions")
        assert r.status_code == 401 and "token" in r.json()["error"]
    with client(server, "evr_not-a-token") as c:
        assert c.get("/api/submissions").status_code == 401
    with client(server, tokens["cand2"]) as c:
        assert c.get("/api/submissions").json() == []
        r = c.get(f"/api/submissions/{sid}")
        assert r.status_code == 404 and sid in r.json()["error"]
        assert c.get(f"/api/submissions/{sid}/analysis").status_code == 404
        assert c.get(f"/api/submissions/{sid}/artifacts/A1/file").status_code == 404
    with client(server, tokens["assessor"]) as c:
        assert [s["id"] for s in c.get("/api/submissions").json()] == [sid]
        r = c.post("/api/submissions", files={"archive": ("x.zip", b"PK", "application/zip")})
        assert r.status_code == 403
    with client(server, tokens["cand1"]) as c:
        assert [s["id"] for s in c.get("/api/submissions").json()] == [sid]


def test_artifact_files_pages_and_ranges(service, uploaded):
    server, tokens, _ = service
    sid, _body, folder = uploaded
    with client(server, tokens["assessor"]) as c:
        r = c.get(f"/api/submissions/{sid}/artifacts/A1/file")
        assert r.status_code == 200 and r.content == (folder / "artifacts/plan.pdf").read_bytes()
        assert r.headers["content-type"] == "application/pdf"
        plain = c.get(f"/api/submissions/{sid}/artifacts/A1/pages/1.png")
        lit = c.get(
            f"/api/submissions/{sid}/artifacts/A1/pages/1.png", params={"box": "72,72,300,120"}
        )
        assert plain.status_code == lit.status_code == 200
        assert lit.content.startswith(b"\x89PNG") and lit.content != plain.content
        r = c.get(f"/api/submissions/{sid}/artifacts/A1/pages/9.png")
        assert r.status_code == 404 and "has 2 page" in r.json()["error"]
        r = c.get(f"/api/submissions/{sid}/artifacts/A1/pages/1.png", params={"box": "1,2,x"})
        assert r.status_code == 422 and "box" in r.json()["error"]
        r = c.get(f"/api/submissions/{sid}/artifacts/A2/pages/1.png")
        assert r.status_code == 404 and "not for docx" in r.json()["error"]
        if (folder / "artifacts/meeting.m4a").exists():
            data = (folder / "artifacts/meeting.m4a").read_bytes()
            r = c.get(
                f"/api/submissions/{sid}/artifacts/A3/file", headers={"Range": "bytes=100-199"}
            )
            assert r.status_code == 206 and r.content == data[100:200]
            assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"


def test_analyze_again_keeps_earlier_reports(service, uploaded):
    server, tokens, _ = service
    sid = uploaded[0]
    with client(server, tokens["boss"]) as c:
        r = c.post(f"/api/submissions/{sid}/analyze", json={"rubric": "no-such-rubric"})
        assert r.status_code == 422 and "unknown rubric" in r.json()["error"]
        r = c.post(f"/api/submissions/{sid}/analyze", json={})
        assert r.status_code == 202
        second = r.json()["report_id"]
        body = wait_done(c, sid)
        assert [rep["status"] for rep in body["reports"]] == ["done", "done"]
        assert body["reports"][-1]["id"] == second
        first = body["reports"][0]["id"]
        old = c.get(f"/api/submissions/{sid}/analysis", params={"report": first})
        new = c.get(f"/api/submissions/{sid}/analysis")
        assert old.status_code == new.status_code == 200
        assert old.json()["details"] == new.json()["details"]


def test_multipart_upload(service, tmp_path):
    server, tokens, _ = service
    folder = make_small_submission(tmp_path / "mp", speech=False)
    files = [("manifest", ("submission.yaml", (folder / "submission.yaml").read_bytes()))]
    for rel in ("overview.md", "artifacts/plan.pdf", "artifacts/plans.docx"):
        files.append(("files", (rel, (folder / rel).read_bytes())))
    with client(server, tokens["cand2"]) as c:
        r = c.post("/api/submissions", files=files)
        assert r.status_code == 202, r.text
        body = wait_done(c, r.json()["id"])
        assert body["status"] == "done"


def _stored_counts(data: Path) -> tuple[int, int]:
    with sqlite3.connect(data / "evreview.db") as db:
        submissions = db.execute("select count(*) from submissions").fetchone()[0]
    blobs = sum(1 for p in (data / "blobs").rglob("*") if p.is_file())
    return submissions, blobs


def test_refused_uploads_leave_nothing_behind(service, tmp_path):
    import io
    import zipfile

    server, tokens, data = service
    before = _stored_counts(data)
    good = make_small_submission(tmp_path / "good", speech=False)

    def zipped(entries: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in entries.items():
                zf.writestr(name, content)
        return buf.getvalue()

    base = {p.relative_to(good).as_posix(): p.read_bytes() for p in good.rglob("*") if p.is_file()}
    cases = [
        (zipped({**base, "../escape.txt": b"x"}), 400, "../escape.txt"),
        (b"this is not a zip", 400, "zip"),
        (zipped({**base, "artifacts/plan.pdf": b"not a pdf at all"}), 415, "artifacts/plan.pdf"),
        (
            zipped({k: v for k, v in base.items() if k != "artifacts/plans.docx"}),
            422,
            "artifacts[1].file: file not found",
        ),
    ]
    with client(server, tokens["cand1"]) as c:
        for payload, status, needle in cases:
            r = c.post("/api/submissions", files={"archive": ("s.zip", payload, "application/zip")})
            assert r.status_code == status, (needle, r.text)
            assert needle in r.json()["error"], r.json()
        r = c.post("/api/submissions")
        assert r.status_code == 400
    assert _stored_counts(data) == before
    assert not any((data / "incoming").iterdir())


def test_openapi_documents_every_route(service):
    server, _tokens, _ = service
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/api/submissions",
        "/api/submissions/{submission_id}",
        "/api/submissions/{submission_id}/analysis",
        "/api/submissions/{submission_id}/analyze",
        "/api/submissions/{submission_id}/artifacts/{artifact_id}/file",
        "/api/submissions/{submission_id}/artifacts/{artifact_id}/pages/{number}.png",
    }
    upload = spec["paths"]["/api/submissions"]["post"]
    assert "202" in upload["responses"]
