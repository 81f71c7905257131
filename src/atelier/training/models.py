"""Running a session: attempts (each press of start), progress (what was done), recovery, metrics."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db import Base
from atelier.kit.clock import utcnow
from atelier.kit.types import UTCDateTime


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    """Stored by value ("EMOM"), not by member name, with a CHECK; no native PostgreSQL type."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class AttemptStatus(enum.StrEnum):
    in_progress = "in_progress"
    completed = "completed"
    abandoned = "abandoned"  # a later start, or the session cancelled, closed it unfinished


class Attempt(Base):
    """One press of start (seed 001's WorkoutSession): when, how long, how far; no exercise data."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_session_started", "session_id", "started_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    exercises_completed: Mapped[int] = mapped_column(Integer, default=0)
    exercises_total: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[AttemptStatus] = mapped_column(
        _enum(AttemptStatus, "attempt_status"), default=AttemptStatus.in_progress
    )
    rest_period_seconds: Mapped[int | None] = mapped_column(Integer)


class Progress(Base):
    """The performance log, one per (session, athlete), reused by every attempt (seed 001)."""

    __tablename__ = "progress"
    __table_args__ = (UniqueConstraint("session_id", "athlete_id", name="uq_progress_session_athlete"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExerciseKind(enum.StrEnum):
    standard = "standard"
    emom = "EMOM"
    amrap = "AMRAP"
    circuit = "circuit"


class ExerciseStatus(enum.StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    completed = "completed"
    skipped = "skipped"


class ProgressExercise(Base):
    """One compiled item of the snapshot and what the athlete logged for it; versioned on its own,
    so two devices saving two exercises never conflict (invariant 7)."""

    __tablename__ = "progress_exercises"
    __table_args__ = (UniqueConstraint("progress_id", "position", name="uq_progress_exercises_position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    progress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("progress.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(64))  # "s0.b1.i2": section, block, item in the snapshot
    name: Mapped[str] = mapped_column(String(200))
    movement: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[ExerciseKind] = mapped_column(_enum(ExerciseKind, "exercise_kind"))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ExerciseStatus] = mapped_column(
        _enum(ExerciseStatus, "exercise_status"), default=ExerciseStatus.not_started
    )
    notes: Mapped[str | None] = mapped_column(Text)
    media: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotentRequest(Base):
    """A write applied once: a retry with the same key gets the stored answer (invariant 7)."""

    __tablename__ = "idempotent_requests"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class RecoverySnapshot(Base):
    """The runner's last state for a session, upserted on every set, exercise end, rest end and a
    30-second heartbeat; offered back for 24 hours, pruned after 7 days or once finished."""

    __tablename__ = "recovery_snapshots"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    current_exercise: Mapped[int] = mapped_column(Integer, default=0)
    current_set: Mapped[int] = mapped_column(Integer, default=0)
    completed_exercises: Mapped[list[int]] = mapped_column(JSON, default=list)
    completed_sets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class TrainingMetrics(Base):
    """Seed 004's training_metrics for a finished session, recomputed when its data is corrected."""

    __tablename__ = "training_metrics"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    volume_kg: Mapped[float] = mapped_column(Float, default=0.0)
    reps_total: Mapped[int] = mapped_column(Integer, default=0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    calories: Mapped[float] = mapped_column(Float, default=0.0)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    rpe_avg: Mapped[float | None] = mapped_column(Float)
    discipline: Mapped[str] = mapped_column(String(16), default="functional")
    session_type: Mapped[str] = mapped_column(String(20), default="")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Result(Base):
    """A scored performance on a WOD (DESIGN.md): one per finished session, replaced on correction.

    ``workout_hash`` is the hash of what the workout *is* (``wods.metadata.workout_hash``), so every
    version and copy of Fran that compiles to the same workout ranks on one board. ``performed_on``
    is the session's date (the partition key on PostgreSQL); ``category`` is the athlete's when it was
    done; ``is_public`` mirrors the athlete's ``results_visibility`` so boards filter without a join.
    """

    __tablename__ = "results"
    __table_args__ = (
        PrimaryKeyConstraint("id", "performed_on", name="pk_results"),
        UniqueConstraint("session_id", "performed_on", name="uq_results_session"),
        Index("ix_results_board", "workout_hash", "performed_on"),
        Index("ix_results_athlete", "athlete_id", "performed_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    performed_on: Mapped[date] = mapped_column(Date)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    wod_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("wods.id", ondelete="SET NULL"))
    wod_version: Mapped[int | None] = mapped_column(Integer)
    workout_hash: Mapped[str] = mapped_column(String(64))
    score_type: Mapped[str] = mapped_column(String(16))  # time, rounds+reps, reps, load, calories, multi
    score_value: Mapped[float | None] = mapped_column(Float)
    score_secondary: Mapped[float | None] = mapped_column(Float)
    score_unit: Mapped[str | None] = mapped_column(String(10))
    capped: Mapped[bool] = mapped_column(default=False)
    is_rx: Mapped[bool] = mapped_column(default=True)
    level: Mapped[str | None] = mapped_column(String(16))
    is_dnf: Mapped[bool] = mapped_column(default=False)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    category: Mapped[str] = mapped_column(String(8), default="men")
    is_public: Mapped[bool] = mapped_column(default=True)
    class_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("class_sessions.id", ondelete="SET NULL"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("class_teams.id", ondelete="SET NULL"))


class EventKind(enum.StrEnum):
    complete = "complete"
    start = "start"
    rest = "rest"


class RealizedEvent(Base):
    """What an athlete (or a judge) reported during a class: seed 003's realized_events.

    ``entrant_id`` is who ranks: the athlete, or their team. ``accepted`` is false for an event kept
    for the timeline but not counted (out of turn, already finished), with the ``reason``;
    ``done_after`` is the entrant's work along the path once the event was applied.
    """

    __tablename__ = "realized_events"
    __table_args__ = (
        PrimaryKeyConstraint("id", "class_date", name="pk_realized_events"),
        Index("ix_realized_events_entrant", "class_id", "entrant_id", "offset_s"),
        Index("ix_realized_events_athlete", "class_id", "athlete_id", "offset_s"),
    )

    id: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    class_date: Mapped[date] = mapped_column(Date)
    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entrant_id: Mapped[uuid.UUID] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("class_teams.id", ondelete="SET NULL"))
    offset_s: Mapped[float] = mapped_column(Float)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "realized_events_kind"))
    movement: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))
    accepted: Mapped[bool] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(300))
    done_after: Mapped[float] = mapped_column(Float)
    posted_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiveStanding(Base):
    """An entrant's live standing in a class: its events folded so far (``live.Standing``).

    Upserted with each batch of events, so a batch folds only its own events on top of it instead
    of re-reading the class's; ``events`` counts the entrant's stored events (their sum is the
    board's ``seq``); ``last_offsets`` maps each athlete's id (as text) to their latest offset.
    """

    __tablename__ = "live_standings"
    __table_args__ = (PrimaryKeyConstraint("class_id", "entrant_id", name="pk_live_standings"),)

    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    entrant_id: Mapped[uuid.UUID] = mapped_column()
    done: Mapped[float] = mapped_column(Float)
    last_offset: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)
    load_kg: Mapped[float | None] = mapped_column(Float)
    last_offsets: Mapped[dict[str, float]] = mapped_column(JSON)
    events: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResultBest(Base):
    """An athlete's best result on one workout, per track and category: what a board reads.

    One row per (workout hash, score type, athlete, ``is_rx``, ``category``) holding the best of the
    athlete's results in that group (ties: the earliest recorded), with the board's sort keys
    ``k0``–``k3`` (``leaderboards.sort_keys``, padded with 0) and the columns a board row shows.
    ``best_overall``, ``best_in_track`` and ``best_in_category`` mark the row that is also the
    athlete's best across both tracks and categories, across categories, and across tracks, so
    the default board and its track or category filters read one row per athlete from an index.
    Kept in step by ``bests.refresh`` in the transaction that writes a result (DESIGN.md: a
    derived table is rewritten with its source). ``is_public`` mirrors the results' visibility.
    """

    __tablename__ = "result_bests"
    __table_args__ = (
        PrimaryKeyConstraint(
            "workout_hash", "score_type", "athlete_id", "is_rx", "category", name="pk_result_bests"
        ),
        Index(
            "ix_result_bests_board",
            "workout_hash",
            "score_type",
            "best_overall",
            "k0",
            "k1",
            "k2",
            "k3",
            "recorded_at",
            "result_id",
        ),
        # A board's size counted from the index alone: every column the count and the table's
        # policy read (migration 0014).
        Index(
            "ix_result_bests_count", "workout_hash", "score_type", "best_overall", "is_public", "athlete_id"
        ),
        Index("ix_result_bests_athlete", "athlete_id", "workout_hash"),
    )

    workout_hash: Mapped[str] = mapped_column(String(64))
    score_type: Mapped[str] = mapped_column(String(16))
    athlete_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    is_rx: Mapped[bool] = mapped_column()
    category: Mapped[str] = mapped_column(String(8))
    best_overall: Mapped[bool] = mapped_column()
    best_in_track: Mapped[bool] = mapped_column()
    best_in_category: Mapped[bool] = mapped_column()
    k0: Mapped[float] = mapped_column(Float)
    k1: Mapped[float] = mapped_column(Float)
    k2: Mapped[float] = mapped_column(Float)
    k3: Mapped[float] = mapped_column(Float)
    result_id: Mapped[uuid.UUID] = mapped_column()
    performed_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score_value: Mapped[float | None] = mapped_column(Float)
    score_secondary: Mapped[float | None] = mapped_column(Float)
    score_unit: Mapped[str | None] = mapped_column(String(10))
    capped: Mapped[bool] = mapped_column()
    level: Mapped[str | None] = mapped_column(String(16))
    is_dnf: Mapped[bool] = mapped_column()
    is_public: Mapped[bool] = mapped_column()
    class_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("class_sessions.id", ondelete="SET NULL"))


class BoardVersion(Base):
    """How many times a workout's leaderboard changed: raised by database triggers (migration
    0013) on every write to its ``result_bests`` rows and on a name change of an athlete ranked on
    it, never by the application. A kept public board is served while its version is current."""

    __tablename__ = "board_versions"

    workout_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
