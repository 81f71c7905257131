"""Time is timezone-aware UTC inside; one place to read it so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
