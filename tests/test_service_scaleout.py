"""Scale-out on real engines: PostgreSQL, Redis and `evreview worker` processes (Celery)."""

from __future__ import annotations

import json
import os
import time
import uuid

import httpx
import psycopg
import pytest
import redis

from tests.contract import check_report
from tests.factories import espeak_available, make_speech, make_text_pdf, write_manifest
from tests.service_process import ServiceProcess, WorkerProcess, cli, wait_done, zip_folder
from tests.test_service_embedded import make_small_submission

pytestmark = pytest.mark.slow
PG = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/14"


def _services_up() -> bool:
    try:
        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture
def scaleout_env(tmp_path):
    if not _services_up():
        pytest.skip("PostgreSQL and Redis on 127.0.0.1 are needed (.ci/run starts them)")
    name = f"evreview_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    r = redis.Redis.from_url(REDIS)
    r.flushdb()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "EVREVIEW_DATA_DIR": str(tmp_path / "data"),
        "EVREVIEW_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        "EVREVIEW_REDIS_URL": REDIS,
        "EVREVIEW_TASK_VISIBILITY_TIMEOUT_S": "6",
    }
    yield env, name
    r.flushdb()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_workers_read_and_analyse(scaleout_env, tmp_path):
    env, _db = scaleout_env
    token = cli(env, "users", "add", "cand", "--role", "candidate")
    server = ServiceProcess(env, tmp_path / "server.log").start()
    workers = [WorkerProcess(env, tmp_path / f"worker{i}.log").start() for i in range(2)]
    try:
        folder = make_small_submission(tmp_path / "sub")
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as c:
            assert c.get("/api/health").json()["jobs"] == "celery"
            r = c.post(
                "/api/submissions",
                files={"archive": ("s.zip", zip_folder(folder), "application/zip")},
            )
            assert r.status_code == 202, r.text
            body = wait_done(c, r.json()["id"])
            assert body["status"] == "done", body
            assert all(a["status"] == "done" for a in body["artifacts"])
            report = c.get(f"/api/submissions/{body['id']}/analysis").json()
            check_report(report, [d["id"] for d in report["details"]])
            assert len(report["details"]) == 14
    finally:
        for w in workers:
            w.stop()
        server.stop()
    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
    assert "evreview.ingest_artifact" in logs


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng/ffmpeg missing")
def test_killed_worker_job_is_finished_by_a_restarted_worker(scaleout_env, tmp_path):
    env, db_name = scaleout_env
    token = cli(env, "users", "add", "cand", "--role", "candidate")
    folder = tmp_path / "sub"
    (folder / "artifacts").mkdir(parents=True)
    make_speech(
        folder / "artifacts" / "long.mp3",
        [f"Meeting {i}: the team looked at student writing and set next steps." for i in range(30)],
        gap_s=0.3,
    )
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
    worker = WorkerProcess(env, tmp_path / "worker.log").start()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            r = c.post(
                "/api/submissions",
                files={"archive": ("s.zip", zip_folder(folder), "application/zip")},
            )
            sid = r.json()["id"]
            deadline = time.monotonic() + 120
            reading = False
            while time.monotonic() < deadline and not reading:
                arts = c.get(f"/api/submissions/{sid}").json()["artifacts"]
                reading = any(a["id"] == "A1" and a["status"] == "reading" for a in arts)
                time.sleep(0.05)
            assert reading, arts
            worker.kill()  # SIGKILL in the middle of transcribing: the task is not acknowledged
            assert c.get(f"/api/submissions/{sid}").json()["status"] == "running"
            worker = WorkerProcess(env, tmp_path / "worker2.log").start()
            body = wait_done(c, sid, timeout=300)
            assert body["status"] == "done", body
            assert c.get(f"/api/submissions/{sid}/analysis").status_code == 200
    finally:
        worker.stop()
        server.stop()
    with psycopg.connect(f"{PG}/{db_name}") as conn:
        stored = dict(
            conn.execute(
                "select artifact_id, count(*) from chunks"
                " where submission_id=%s group by artifact_id",
                (sid,),
            ).fetchall()
        )
        summaries = {
            a: json.loads(j)["summary"]["chunks"]
            for a, j in conn.execute(
                "select artifact_id, ingested_json from artifacts where submission_id=%s", (sid,)
            )
        }
        reports = conn.execute(
            "select status from reports where submission_id=%s", (sid,)
        ).fetchall()
    assert stored == summaries and all(n > 0 for n in stored.values())
    assert reports == [("done",)]
