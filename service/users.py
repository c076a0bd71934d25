"""Users, roles and API tokens (only a hash of each token is stored)."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import select

from service.storage.database import Database
from service.storage.tables import User

ROLES = ("candidate", "assessor", "admin")


class UserError(ValueError):
    """A user cannot be created as asked."""


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(db: Database, name: str, role: str) -> str:
    """Create a user and return their token (shown once; only its hash is kept)."""
    if role not in ROLES:
        raise UserError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    token = "evr_" + secrets.token_urlsafe(32)
    with db.session() as s:
        if s.scalars(select(User).where(User.name == name)).first() is not None:
            raise UserError(f"a user named '{name}' already exists")
        s.add(User(name=name, role=role, token_hash=hash_token(token)))
    return token


_TOKEN_TTL_S = 30.0
_token_cache: dict[tuple[int, str], tuple[float, User]] = {}


def user_for_token(db: Database, token: str) -> User | None:
    """The user a token belongs to, or None.

    Found users are remembered for a few seconds: every API request authenticates,
    and report reads must stay fast under many clients.
    """
    key = (id(db), hash_token(token))
    now = time.monotonic()
    hit = _token_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    with db.session() as s:
        user = s.scalars(select(User).where(User.token_hash == key[1])).first()
    if user is not None:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[key] = (now + _TOKEN_TTL_S, user)
    return user
