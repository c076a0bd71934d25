"""The content-addressed store: local disk, and an S3-compatible server (moto's, on loopback)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from service.storage.blobs import LocalBlobStore, S3BlobStore, sha256_of
from tests.service_process import free_port


def roundtrip(store, tmp_path: Path) -> None:
    src = tmp_path / "a.bin"
    src.write_bytes(b"evidence" * 1000)
    key, new = store.put(src)
    assert key == sha256_of(src) and new
    assert store.put(src) == (key, False)  # the same bytes are stored once
    out = tmp_path / "out" / "copy.bin"
    store.fetch(key, out)
    assert out.read_bytes() == src.read_bytes()
    assert store.exists(key)
    store.delete(key)
    assert not store.exists(key)


def test_local_store(tmp_path):
    roundtrip(LocalBlobStore(tmp_path / "blobs"), tmp_path)
    # No half-written file is ever visible under a key.
    assert not list((tmp_path / "blobs").rglob("*.part"))


@pytest.fixture
def s3_server(tmp_path, monkeypatch):
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("moto[server] is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url, timeout=0.5)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    creds = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for k, v in creds.items():
        monkeypatch.setenv(k, v)
    import boto3

    boto3.client("s3", endpoint_url=url).create_bucket(Bucket="evreview-test")
    yield url, creds
    proc.terminate()
    proc.wait(10)


def test_s3_compatible_store(s3_server, tmp_path):
    url, _creds = s3_server
    roundtrip(S3BlobStore("evreview-test", "blobs/", endpoint_url=url), tmp_path)


@pytest.mark.slow
def test_service_on_s3_store(s3_server, tmp_path):
    from tests.service_process import ServiceProcess, cli, wait_done, zip_folder
    from tests.test_service_embedded import make_small_submission

    url, creds = s3_server
    env = {
        **os.environ,
        **creds,
        "EVREVIEW_DATA_DIR": str(tmp_path / "data"),
        "EVREVIEW_S3_BUCKET": "evreview-test",
        "EVREVIEW_S3_ENDPOINT_URL": url,
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("EVREVIEW_REDIS_URL", None)
    env.pop("EVREVIEW_DATABASE_URL", None)
    token = cli(env, "users", "add", "cand", "--role", "candidate")
    server = ServiceProcess(env, tmp_path / "server.log").start()
    try:
        folder = make_small_submission(tmp_path / "sub", speech=False)
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as c:
            r = c.post(
                "/api/submissions",
                files={"archive": ("s.zip", zip_folder(folder), "application/zip")},
            )
            assert r.status_code == 202, r.text
            assert wait_done(c, r.json()["id"])["status"] == "done"
    finally:
        server.stop()
    assert not (tmp_path / "data" / "blobs").exists()  # nothing went to the local store
    import boto3

    listed = boto3.client("s3", endpoint_url=url).list_objects_v2(Bucket="evreview-test")
    assert listed["KeyCount"] == 4  # manifest, overview, two artifacts
