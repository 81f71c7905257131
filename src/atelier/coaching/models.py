"""Coaching tables: offered prescriptions, the insights cache (tier 2), refreshes, illustrations.

Seed 004 names ``training_insights`` (7 days) and ``training_progression_insights`` (24 hours); a
row there is both the cache and, while ``status`` is ``pending``, the durable state of a generation
job (DESIGN.md: the broker only carries the nudge). ``illustration_library`` and
``illustration_generation_queue`` hold no personal data: an illustration of a pull-up is everyone's.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db import Base
from atelier.kit.clock import utcnow
from atelier.kit.types import UTCDateTime


class CoachPrescription(Base):
    """A session a coach offered: compiled before it was stored, scheduled when accepted."""

    __tablename__ = "coach_prescriptions"
    __table_args__ = (Index("ix_coach_prescriptions_athlete", "athlete_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    discipline: Mapped[str] = mapped_column(String(16))
    engine: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("training_locations.id", ondelete="SET NULL")
    )
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))


class _Cached:
    """What both cached analyses hold: the content (None while a job writes it) and its times."""

    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(12), default="ready")  # ready | pending
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sessions_analyzed: Mapped[int] = mapped_column(Integer, default=0)
    engine: Mapped[str] = mapped_column(String(16), default="local")  # local | llm
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TrainingInsight(_Cached, Base):
    """The Advice tab's analysis (seed 004's training-insights-generator output), one per language."""

    __tablename__ = "training_insights"
    __table_args__ = (UniqueConstraint("user_id", "language", name="uq_training_insights_user_language"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    insight_type: Mapped[str] = mapped_column(String(16), default="advice")
    discipline: Mapped[str] = mapped_column(String(16), default="all")


class ProgressionInsight(_Cached, Base):
    """The Progression tab's two paragraphs and three actions, per period and language."""

    __tablename__ = "training_progression_insights"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "period", "language", name="uq_training_progression_insights_user_period_language"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))


class CoachingRefresh(Base):
    """When a user last asked for fresh analysis by hand (once an hour)."""

    __tablename__ = "coaching_refreshes"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Illustration(Base):
    """Seed 004's illustration_library: one picture per movement, with what it shows."""

    __tablename__ = "illustration_library"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    movement: Mapped[str] = mapped_column(String(64), unique=True)
    discipline: Mapped[str | None] = mapped_column(String(16))
    muscle_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    generator: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(Integer)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IllustrationJob(Base):
    """Seed 004's illustration_generation_queue: pending → processing → completed | failed.

    ``locked_until`` is the lease of the worker processing it: a job whose worker died is taken
    again once the lease has passed. ``next_attempt_at`` spaces retries (exponential backoff)."""

    __tablename__ = "illustration_generation_queue"
    __table_args__ = (Index("ix_illustration_queue_due", "status", "priority", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    movement: Mapped[str] = mapped_column(String(64), unique=True)
    discipline: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
