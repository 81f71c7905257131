"""Planning: sessions (one-off, series, occurrence), routines and assignments, classes, calendar feeds."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db import Base
from atelier.kit.clock import utcnow
from atelier.kit.types import JSONDocument, UTCDateTime


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    """Stored as text with a CHECK, like every enum here (no native PostgreSQL type to migrate)."""
    return Enum(kind, name=name, native_enum=False, create_constraint=True, length=16)


class SessionKind(enum.StrEnum):
    one_off = "one_off"
    series = "series"  # the template: a rule, never started itself
    occurrence = "occurrence"  # the child of a series for one of its dates


class Status(enum.StrEnum):
    scheduled = "scheduled"
    in_progress = "in_progress"
    completed = "completed"
    skipped = "skipped"
    cancelled = "cancelled"


class Session(Base):
    """Something planned for an athlete: a one-off, a series template, or one date of a series.

    ``session_date``/``session_time`` are wall-clock values in ``timezone``. For a series they are
    the rule's first date and its time; for an occurrence ``occurrence_date`` is the rule date it
    stands for (RFC 5545 RECURRENCE-ID) and ``session_date`` the day it happens (moved or not).
    """

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("parent_id", "occurrence_date", name="uq_sessions_parent_occurrence"),
        Index("ix_sessions_athlete_date", "athlete_id", "session_date"),
        # A moved occurrence is found by the date it stands for, as well as the day it happens.
        Index("ix_sessions_athlete_occurrence", "athlete_id", "occurrence_date"),
        # The calendar reads an athlete's series apart from their (much longer) dated history.
        Index(
            "ix_sessions_athlete_series",
            "athlete_id",
            postgresql_where=text("kind = 'series'"),
            sqlite_where=text("kind = 'series'"),
        ),
        # Importing the same history twice adds nothing: an imported session keeps its identity.
        Index("uq_sessions_athlete_import_key", "athlete_id", "import_key", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind, "session_kind"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    occurrence_date: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    wod_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("wods.id", ondelete="SET NULL"))
    wod_version: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    session_date: Mapped[date] = mapped_column(Date)
    session_time: Mapped[time | None] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    exceptions: Mapped[list[str]] = mapped_column(JSON, default=list)
    ends_on: Mapped[date | None] = mapped_column(Date)  # a series' last date when its rule is bounded
    status: Mapped[Status] = mapped_column(_enum(Status, "session_status"), default=Status.scheduled)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    routine_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("routines.id", ondelete="SET NULL"))
    routine_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("routine_versions.id", ondelete="SET NULL")
    )
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("routine_assignments.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[str] = mapped_column(String(16), default="planned", server_default="planned")
    import_key: Mapped[str | None] = mapped_column(String(200))  # "strong:2024-03-01T18:05:03:Legs"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Routine(Base):
    """A coach's program; its content lives in frozen versions."""

    __tablename__ = "routines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoutineVersion(Base):
    """Days over N weeks; frozen (``frozen_at`` set) once assigned, never edited after."""

    __tablename__ = "routine_versions"
    __table_args__ = (UniqueConstraint("routine_id", "version", name="uq_routine_versions_routine_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    routine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routines.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    weeks: Mapped[int] = mapped_column(Integer)
    days: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssignmentStatus(enum.StrEnum):
    active = "active"
    replaced = "replaced"
    ended = "ended"


class RoutineAssignment(Base):
    """One routine version assigned by a coach to one athlete from a start date."""

    __tablename__ = "routine_assignments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    routine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routines.id", ondelete="CASCADE"), index=True)
    routine_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("routine_versions.id", ondelete="CASCADE")
    )
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[AssignmentStatus] = mapped_column(
        _enum(AssignmentStatus, "assignment_status"), default=AssignmentStatus.active
    )
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("routine_assignments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClassStatus(enum.StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class ClassSession(Base):
    """A class a coach runs: a WOD at a date, time and place, with tracks and a capacity."""

    __tablename__ = "class_sessions"
    __table_args__ = (Index("ix_class_sessions_coach_date", "coach_id", "session_date"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    wod_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("wods.id", ondelete="SET NULL"))
    wod_version: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    session_date: Mapped[date] = mapped_column(Date)
    session_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    location: Mapped[str | None] = mapped_column(String(255))
    tracks: Mapped[list[str]] = mapped_column(JSON)
    gender_mode: Mapped[str] = mapped_column(String(8), default="MIXED")
    team_size: Mapped[int] = mapped_column(Integer, default=1)
    coach_notes: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)  # places taken, kept with the bookings
    status: Mapped[ClassStatus] = mapped_column(
        _enum(ClassStatus, "class_status"), default=ClassStatus.scheduled
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # events turned into results


class ClassTeam(Base):
    """A team of a class: its members in the relay order the coach set (``members``, user ids)."""

    __tablename__ = "class_teams"
    __table_args__ = (UniqueConstraint("class_id", "name", name="uq_class_teams_class_name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    members: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BookingStatus(enum.StrEnum):
    booked = "booked"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class ClassBooking(Base):
    """An athlete's place (or place in line) in a class; the waitlist is served by ``requested_at``."""

    __tablename__ = "class_bookings"
    __table_args__ = (
        UniqueConstraint("class_id", "athlete_id", name="uq_class_bookings_class_athlete"),
        Index("ix_class_bookings_athlete", "athlete_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track: Mapped[str] = mapped_column(String(16))
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus, "booking_status"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarFeed(Base):
    """A user's secret feed address; only its SHA-256 is stored, so the database cannot leak it."""

    __tablename__ = "calendar_feeds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CalendarVersion(Base):
    """How many times a user's calendar changed: raised by database triggers (migration 0012) on
    every write to the sessions, bookings, classes and coach links a calendar is built from, and
    never written by the application. A kept calendar is served while its versions are current."""

    __tablename__ = "calendar_versions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def is_series() -> ColumnElement[bool]:
    """``kind = 'series'`` written into the statement, never bound: a bound ``kind = $1`` cannot
    prove the predicate of ``ix_sessions_athlete_series``, so PostgreSQL's generic plans and every
    SQLite plan would read the athlete's whole dated history and filter it, not the series alone."""
    return Session.kind == literal_column(f"'{SessionKind.series.value}'")
