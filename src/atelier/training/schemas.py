"""Bodies for attempts, progress, exercise saves and metrics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from atelier.training.models import AttemptStatus, ExerciseKind, ExerciseStatus


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    exercises_completed: int
    exercises_total: int
    status: AttemptStatus
    rest_period_seconds: int | None


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rest_period_seconds: int | None = Field(None, ge=0, le=3600)


class ExerciseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    path: str = Field(description="where it stands in the snapshot: section, block, item")
    name: str
    movement: str | None
    kind: ExerciseKind
    config: dict[str, Any] = Field(description="the prescription, resolved for the athlete")
    status: ExerciseStatus
    notes: str | None
    media: list[str]
    data: dict[str, Any]
    version: int
    updated_at: datetime


class Summary(BaseModel):
    total_exercises: int
    completed_exercises: int
    in_progress_exercises: int
    skipped_exercises: int


class ProgressOut(BaseModel):
    session_id: uuid.UUID
    athlete_id: uuid.UUID
    session_status: str
    exercises: list[ExerciseOut]
    summary: Summary
    updated_at: datetime


class ExerciseSaveIn(BaseModel):
    """One exercise's save. ``version`` is the one you last read; ``data`` depends on the kind:
    standard ``{"sets": [{"reps", "load": {"value", "unit"}, "rpe", "rir"}]}``, EMOM
    ``{"reps_per_minute": [...]}``, AMRAP ``{"rounds", "reps"}``, circuit ``{"rounds", "reps",
    "load", "distance_m", "calories", "time_s"}``; each may add ``rpe`` and ``notes``."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    status: ExerciseStatus | None = None
    notes: str | None = Field(None, max_length=5000)
    media: list[str] | None = Field(None, max_length=20)
    data: dict[str, Any] | None = None
    correction: bool = Field(False, description="required to change a finished session")


class MetricsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    session_id: uuid.UUID
    volume_kg: float
    reps_total: int
    distance_m: float
    calories: float
    duration_seconds: int
    rpe_avg: float | None
    discipline: str
    session_type: str
    computed_at: datetime


class FinishedSessionOut(BaseModel):
    session_id: uuid.UUID
    title: str
    date: date
    series_id: uuid.UUID | None
    started_at: datetime | None
    ended_at: datetime | None
    metrics: MetricsOut
    new_records: list[dict[str, Any]] = Field(
        default_factory=list, description="the records this session set (GET /sessions/{id}/records)"
    )


class FinishedPage(BaseModel):
    items: list[FinishedSessionOut]
    total: int
    limit: int
    offset: int


class ResultPartOut(BaseModel):
    title: str
    score_type: str
    value: float | None
    secondary: float | None
    unit: str | None
    capped: bool


class ResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    session_id: uuid.UUID
    athlete_id: uuid.UUID
    wod_id: uuid.UUID | None
    wod_version: int | None
    workout_hash: str
    score_type: str
    score_value: float | None
    score_secondary: float | None
    score_unit: str | None
    capped: bool
    is_rx: bool
    level: str | None
    is_dnf: bool
    parts: list[ResultPartOut]
    notes: str | None
    recorded_at: datetime
    updated_at: datetime
