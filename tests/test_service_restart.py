"""The embedded runner survives a crash; upload limits refuse with 413 and keep nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import httpx
import pytest

from tests.factories import espeak_available, make_speech, make_text_pdf, write_manifest
from tests.service_process import ServiceProcess, cli, wait_done, zip_folder

pytestmark = pytest.mark.slow

SENTENCES = [
    f"In meeting number {i} the team looked at student writing and agreed on next steps."
    for i in range(1, 25)
]


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng/ffmpeg missing")
def test_runner_resumes_a_job_cut_off_by_a_crash(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "EVREVIEW_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env.pop("EVREVIEW_REDIS_URL", None)
    env.pop("EVREVIEW_DATABASE_URL", None)
    token = cli(env, "users", "add", "cand", "--role", "candidate")
    folder = tmp_path / "sub"
    (folder / "artifacts").mkdir(parents=True)
    make_speech(folder / "artifacts" / "long.mp3", SENTENCES, gap_s=0.3)
    make_text_pdf(folder / "artifacts" / "plan.pdf", ["Protected time for learning teams."])
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "artifacts": [
                {"id": "A1", "file": "artifacts/long.mp3"},
                {"id": "A2", "file": "artifacts/plan.pdf"},
            ],
        },
    )

    server = ServiceProcess(env, tmp_path / "server.log").start()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            r = c.post(
                "/api/submissions",
                files={"archive": ("s.zip", zip_folder(folder), "application/zip")},
            )
            sid = r.json()["id"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                arts = c.get(f"/api/submissions/{sid}").json()["artifacts"]
                if any(a["status"] == "reading" for a in arts):
                    break
                time.sleep(0.05)
            assert any(a["status"] == "reading" for a in arts), arts
        server.kill()  # in the middle of transcribing: no clean shutdown
        with sqlite3.connect(data / "evreview.db") as db:
            assert db.execute("select count(*) from jobs where status='running'").fetchone()[0] == 1

        server = ServiceProcess(env, tmp_path / "server2.log").start()
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            body = wait_done(c, sid)
            assert body["status"] == "done"
            assert c.get(f"/api/submissions/{sid}/analysis").status_code == 200
    finally:
        server.stop()
    with sqlite3.connect(data / "evreview.db") as db:
        stored = dict(
            db.execute("select artifact_id, count(*) from chunks group by artifact_id").fetchall()
        )
        distinct = db.execute("select count(distinct chunk_id) from chunks").fetchone()[0]
        summaries = {
            a: json.loads(j)["summary"]["chunks"]
            for a, j in db.execute("select artifact_id, ingested_json from artifacts")
        }
    assert stored == summaries and distinct == sum(stored.values())


def test_size_limits_refuse_with_413(tmp_path):
    data = tmp_path / "data"
    env = {
        **os.environ,
        "EVREVIEW_DATA_DIR": str(data),
        "EVREVIEW_MAX_FILE_MB": "0.02",
        "EVREVIEW_MAX_SUBMISSION_MB": "0.05",
    }
    env.pop("EVREVIEW_REDIS_URL", None)
    env.pop("EVREVIEW_DATABASE_URL", None)
    token = cli(env, "users", "add", "cand", "--role", "candidate")
    folder = tmp_path / "sub"
    (folder / "artifacts").mkdir(parents=True)
    (folder / "artifacts" / "big.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(30_000))
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "artifacts": [{"id": "A1", "file": "artifacts/big.pdf"}],
        },
    )
    server = ServiceProcess(env, tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
            r = c.post(
                "/api/submissions",
                files={"archive": ("s.zip", zip_folder(folder), "application/zip")},
            )
            assert r.status_code == 413 and "artifacts/big.pdf" in r.json()["error"]
            files = [
                ("manifest", ("submission.yaml", (folder / "submission.yaml").read_bytes())),
                ("files", ("artifacts/big.pdf", (folder / "artifacts/big.pdf").read_bytes())),
            ]
            r = c.post("/api/submissions", files=files)
            assert r.status_code == 413 and "artifacts/big.pdf" in r.json()["error"]
            (folder / "artifacts" / "big.pdf").write_bytes(os.urandom(80_000))
            r = c.post(
                "/api/submissions",
                files={"archive": ("s.zip", zip_folder(folder), "application/zip")},
            )
            assert r.status_code == 413
    finally:
        server.stop()
    with sqlite3.connect(data / "evreview.db") as db:
        assert db.execute("select count(*) from submissions").fetchone()[0] == 0
    assert not any((data / "incoming").iterdir())
    assert not (data / "blobs").exists() or not any(
        p.is_file() for p in (data / "blobs").rglob("*")
    )
