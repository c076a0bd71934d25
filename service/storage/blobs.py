"""A content-addressed file store: the local disk by default, an S3-compatible bucket by setting.

A file's key is the SHA-256 of its bytes, so the same artifact uploaded twice
is stored once and a partially written file never has a valid key.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class BlobStore(Protocol):
    def put(self, path: Path) -> tuple[str, bool]:
        """Store a file; return (key, whether it was new)."""
        ...

    def fetch(self, key: str, dest: Path) -> None:
        """Write the blob's bytes to ``dest``."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class LocalBlobStore:
    """Blobs under a folder, as ``ab/cdef…`` files."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, path: Path) -> tuple[str, bool]:
        key = sha256_of(path)
        target = self.path(key)
        if target.exists():
            return key, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key, True

    def fetch(self, key: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = self.path(key)
        try:
            os.link(src, dest)  # same disk: no copy
        except OSError:
            shutil.copyfile(src, dest)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3BlobStore:
    """Blobs in an S3-compatible bucket (AWS, MinIO, Ceph…); credentials from the usual
    AWS variables."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None):
        import boto3

        self.bucket = bucket
        self.prefix = prefix
        self._s3 = boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key[:2]}/{key}"

    def put(self, path: Path) -> tuple[str, bool]:
        key = sha256_of(path)
        if self.exists(key):
            return key, False
        self._s3.upload_file(str(path), self.bucket, self._key(key))
        return key, True

    def fetch(self, key: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._s3.download_file(self.bucket, self._key(key), str(dest))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._s3.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError:
            return False

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=self._key(key))
