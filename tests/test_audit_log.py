"""The audit log cannot be changed, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from service.storage.database import Database, migrate
from service.storage.tables import AuditEntry

PG = "postgresql://postgres@127.0.0.1:5432"


def check_append_only(url: str) -> None:
    migrate(url)
    db = Database(url)
    with db.session() as s:
        s.add(AuditEntry(action="sign_in"))
    with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
        s.execute(update(AuditEntry).values(action="forged"))
    with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
        s.execute(delete(AuditEntry))
    with db.session() as s:
        assert [e.action for e in s.query(AuditEntry)] == ["sign_in"]
    db.engine.dispose()


def test_sqlite(tmp_path):
    check_append_only(f"sqlite:///{tmp_path / 'a.db'}")


def test_postgresql():
    try:
        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
    except Exception:
        pytest.skip("PostgreSQL on 127.0.0.1 is needed (.ci/run starts it)")
    name = f"evreview_audit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        check_append_only(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
