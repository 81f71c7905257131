"""Password hashing (argon2id) and signed tokens (JWT for access, opaque secrets for refresh)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio.to_thread
import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from atelier.config import Settings
from atelier.kit.clock import utcnow

ALGORITHM = "HS256"


class PasswordHashing:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib, type=Type.ID
        )
        self._decoy: str | None = None

    async def decoy_hash(self) -> str:
        """A hash of nothing anyone knows, made once, to verify against when no account matches."""
        if self._decoy is None:
            self._decoy = await self.hash(secrets.token_urlsafe(16))
        return self._decoy

    async def hash(self, password: str) -> str:
        # argon2 is deliberately slow: keep it off the event loop.
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def _verify() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(_verify)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    expires_at: datetime


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


def issue_access_token(settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[str, int]:
    return _issue(settings, user_id, session_id, "access", timedelta(minutes=settings.access_token_minutes))


def issue_page_token(settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID) -> tuple[str, int]:
    """The web pages' cookie: a login as long as the refresh token's, never accepted as a bearer.

    Pages do not rotate refresh tokens: two tabs refreshing at once would look like a replay and end
    the login. The login's row is checked on every request instead, so logging out still ends it."""
    return _issue(settings, user_id, session_id, "page", timedelta(days=settings.refresh_token_days))


def _issue(
    settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID, kind: str, lifetime: timedelta
) -> tuple[str, int]:
    now = utcnow()
    payload = {
        "sub": str(user_id),
        "sid": str(session_id),
        "type": kind,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(payload, settings.secret_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


# Verified claims by (key, kind, token): every request carries its token, and checking the signature and
# parsing the JSON again each time costs more than the rest of authentication. Only tokens that
# verified are kept, and the expiry is checked on every use.
_verified: dict[tuple[str, str, str], AccessClaims] = {}
_VERIFIED_KEPT = 10_000


def read_access_token(settings: Settings, token: str) -> AccessClaims:
    return _read(settings, token, "access")


def read_page_token(settings: Settings, token: str) -> AccessClaims:
    return _read(settings, token, "page")


def _read(settings: Settings, token: str, kind: str) -> AccessClaims:
    known = _verified.get((settings.secret_key, kind, token))
    if known is not None:
        if known.expires_at <= utcnow():
            raise InvalidToken("the access token has expired")
        return known
    claims = _decode(settings, token, kind)
    if len(_verified) >= _VERIFIED_KEPT:
        _verified.clear()
    _verified[(settings.secret_key, kind, token)] = claims
    return claims


def _decode(settings: Settings, token: str, kind: str) -> AccessClaims:
    try:
        payload = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the access token has expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the access token is not valid") from exc
    if payload.get("type") != kind:
        raise InvalidToken(f"not an {kind} token" if kind == "access" else f"not a {kind} token")
    try:
        return AccessClaims(
            uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"]), datetime.fromtimestamp(payload["exp"], UTC)
        )
    except (KeyError, ValueError) as exc:
        raise InvalidToken("the access token is not valid") from exc


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def format_refresh_token(user_id: uuid.UUID, session_id: uuid.UUID, secret: str) -> str:
    # The user id lets the server set the row-level-security context before it looks the session up.
    return f"{user_id}.{session_id}.{secret}"


def parse_refresh_token(token: str) -> tuple[uuid.UUID, uuid.UUID, str]:
    try:
        user_part, session_part, secret = token.split(".", 2)
        return uuid.UUID(user_part), uuid.UUID(session_part), secret
    except ValueError as exc:
        raise InvalidToken("the refresh token is not valid") from exc
