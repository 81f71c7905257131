"""Forge tables: the activity ledger, wearable recordings, connected devices, goals and locations.

``activities`` is the one ledger the Forge views read (seed 004). A finished training session writes
its row in the same transaction (source ``training``, ``source_id`` = the session); a wearable file
that matches no session writes one (source ``wearable``, ``source_id`` = the recording); a manual
entry is a row of its own (source ``manual``, no source id). ``(source, source_id)`` is unique, so
repeated or concurrent completion can never make a second row (DESIGN.md invariant 8).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db import Base
from atelier.kit.clock import utcnow
from atelier.kit.types import UTCDateTime


class Source(enum.StrEnum):
    training = "training"
    manual = "manual"
    wearable = "wearable"


SOURCES = tuple(s.value for s in Source)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_activities_source_source_id"),
        CheckConstraint("source IN ('training', 'manual', 'wearable')", name="source"),
        CheckConstraint("duration_seconds >= 0", name="duration"),
        CheckConstraint("calories >= 0", name="calories"),
        Index("ix_activities_user_date", "user_id", "activity_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[uuid.UUID | None] = mapped_column()
    activity_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    activity_date: Mapped[date] = mapped_column(Date)  # the day in the user's zone
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int] = mapped_column(Integer)
    calories: Mapped[float] = mapped_column(Float)
    calorie_model: Mapped[str] = mapped_column(String(8))  # keytel | met | entered
    calorie_detail: Mapped[str] = mapped_column(Text, default="")
    rpe: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[int | None] = mapped_column(Integer)
    effort: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Device(Base):
    """A connected wearable account. Tokens are Fernet-encrypted (``forge.devices``) and never leave
    the API; ``cursor`` is where the provider's sync stopped."""

    __tablename__ = "connected_devices"
    __table_args__ = (UniqueConstraint("user_id", "provider", name="uq_connected_devices_user_id_provider"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(120), default="")
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cursor: Mapped[str | None] = mapped_column(String(200))
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Recording(Base):
    """The metrics of one wearable file or device sync (DESIGN.md "Recording"). ``session_id`` links
    it one to one to the training session it overlaps; otherwise it has a wearable activity."""

    __tablename__ = "recordings"
    __table_args__ = (
        UniqueConstraint("user_id", "content_hash", name="uq_recordings_user_id_content_hash"),
        UniqueConstraint("session_id"),
        Index("ix_recordings_user_started", "user_id", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(8))
    sport: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("connected_devices.id", ondelete="SET NULL")
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int] = mapped_column(Integer)
    samples: Mapped[int] = mapped_column(Integer)
    avg_hr: Mapped[int | None] = mapped_column(Integer)
    max_hr: Mapped[int | None] = mapped_column(Integer)
    min_hr: Mapped[int | None] = mapped_column(Integer)
    zones: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    zone_method: Mapped[str | None] = mapped_column(String(16))
    hr_max_used: Mapped[int | None] = mapped_column(Integer)
    hr_max_source: Mapped[str | None] = mapped_column(String(16))
    trimp: Mapped[float | None] = mapped_column(Float)
    effort: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[float | None] = mapped_column(Float)
    calories: Mapped[float] = mapped_column(Float)
    calorie_model: Mapped[str] = mapped_column(String(8))
    calorie_detail: Mapped[str] = mapped_column(Text, default="")
    quality: Mapped[str] = mapped_column(String(10))
    completeness: Mapped[float] = mapped_column(Float)
    anomaly_share: Mapped[float] = mapped_column(Float)
    spikes: Mapped[int] = mapped_column(Integer)
    dropouts: Mapped[int] = mapped_column(Integer)
    quality_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    hr_series: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Goal(Base):
    """Seed 004's training_goals; ``current_value`` is recomputed from the athlete's data."""

    __tablename__ = "training_goals"
    __table_args__ = (Index("ix_training_goals_user", "user_id", "is_active"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    goal_type: Mapped[str] = mapped_column(String(32))
    movement: Mapped[str | None] = mapped_column(String(64))
    target_value: Mapped[float] = mapped_column(Float)
    current_value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[date | None] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    achieved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Location(Base):
    """Seed 004's training_locations: where one trains and the kit there (catalog names)."""

    __tablename__ = "training_locations"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_training_locations_user_id_name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
