"""Accounts tables."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db import Base
from atelier.kit.clock import utcnow
from atelier.kit.types import UTCDateTime


class Role(enum.StrEnum):
    athlete = "athlete"
    coach = "coach"
    admin = "admin"


class LinkStatus(enum.StrEnum):
    pending = "pending"
    active = "active"
    ended = "ended"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Stored as VARCHAR with a CHECK, so adding a value is a plain migration on both databases.
    return Enum(kind, name=name, native_enum=False, create_constraint=True, length=16)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.athlete)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AthleteProfile(Base):
    """What resolving a workout and reading numbers needs to know about a person."""

    __tablename__ = "athlete_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(8), default="men")
    level: Mapped[str] = mapped_column(String(16), default="rx")
    units: Mapped[str] = mapped_column(String(2), default="kg")
    language: Mapped[str] = mapped_column(String(2), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    bodyweight_kg: Mapped[float | None] = mapped_column(Float)
    birth_date: Mapped[date | None] = mapped_column(Date)
    resting_hr: Mapped[int | None] = mapped_column(Integer)
    max_hr: Mapped[int | None] = mapped_column(Integer)
    one_rep_maxes: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    # "private" takes the athlete's results off every board but their own and their coaches'.
    results_visibility: Mapped[str] = mapped_column(String(8), default="public")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AuthSession(Base):
    """One login: the refresh secret's hash; revoking it ends its access tokens too."""

    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    refresh_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CoachLink(Base):
    """A coach's invitation to an athlete; the coach sees the athlete's data only while active."""

    __tablename__ = "coach_links"
    __table_args__ = (
        Index(
            "uq_coach_links_open_pair",
            "coach_id",
            "athlete_id",
            unique=True,
            sqlite_where=text("status != 'ended'"),
            postgresql_where=text("status != 'ended'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[LinkStatus] = mapped_column(_enum(LinkStatus, "link_status"), default=LinkStatus.pending)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
