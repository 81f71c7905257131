"""Attempts, progress and its auto-saved exercises, completion metrics.

The planning service calls ``on_started`` / ``on_finished`` when a session moves along its status
flow, so every way of starting (a one-off, a series date) opens an attempt the same way. Only the
athlete writes their progress; a coach reads it while linked.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
from atelier.db import on_postgres
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, NotFound, Problem
from atelier.planning import service as planning
from atelier.planning.models import Session, SessionKind, Status
from atelier.training.exercises import checked_data, exercises_of
from atelier.training.models import (
    Attempt,
    AttemptStatus,
    ExerciseKind,
    ExerciseStatus,
    IdempotentRequest,
    Progress,
    ProgressExercise,
    TrainingMetrics,
)
from atelier.training.schemas import ExerciseOut
from atelier.wods.catalog import movement_catalog


def insert_for(session: AsyncSession) -> Any:
    return postgres_insert if on_postgres(session) else sqlite_insert


async def progress_of(session: AsyncSession, row: Session) -> Progress | None:
    return await session.scalar(
        select(Progress).where(Progress.session_id == row.id, Progress.athlete_id == row.athlete_id)
    )


async def exercises(session: AsyncSession, progress: Progress) -> list[ProgressExercise]:
    rows = await session.scalars(
        select(ProgressExercise)
        .where(ProgressExercise.progress_id == progress.id)
        .order_by(ProgressExercise.position)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def _ensure_progress(session: AsyncSession, row: Session) -> Progress:
    """The session's one progress, built from its snapshot the first time (concurrent starts make one)."""
    now = utcnow()
    progress_id = uuid.uuid4()
    inserted = await session.execute(
        insert_for(session)(Progress)
        .values(id=progress_id, session_id=row.id, athlete_id=row.athlete_id, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[Progress.session_id, Progress.athlete_id])
    )
    progress = await progress_of(session, row)
    assert progress is not None
    if getattr(inserted, "rowcount", 0) and progress.id == progress_id:
        for exercise in exercises_of(row.snapshot or {}):
            session.add(
                ProgressExercise(
                    id=uuid.uuid4(),
                    progress_id=progress.id,
                    status=ExerciseStatus.not_started,
                    media=[],
                    data={},
                    version=1,
                    updated_at=now,
                    **exercise,
                )
            )
        await session.flush()
    return progress


async def latest_attempt(session: AsyncSession, row: Session) -> Attempt | None:
    return await session.scalar(
        select(Attempt)
        .where(Attempt.session_id == row.id)
        .order_by(Attempt.started_at.desc(), Attempt.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _close(attempt: Attempt, status: AttemptStatus, done: int, total: int) -> None:
    now = utcnow()
    attempt.status = status
    attempt.ended_at = now
    attempt.duration_seconds = max(0, round((now - attempt.started_at).total_seconds()))
    attempt.exercises_completed = done
    attempt.exercises_total = total


async def _counts(session: AsyncSession, progress: Progress) -> tuple[int, int]:
    found = await exercises(session, progress)
    return sum(1 for e in found if e.status == ExerciseStatus.completed), len(found)


async def new_attempt(
    session: AsyncSession, row: Session, *, rest_period_seconds: int | None = None
) -> Attempt:
    """A new attempt on a started session; an attempt still open is closed as abandoned."""
    progress = await _ensure_progress(session, row)
    done, total = await _counts(session, progress)
    open_attempts = await session.scalars(
        select(Attempt).where(Attempt.session_id == row.id, Attempt.status == AttemptStatus.in_progress)
    )
    for previous in open_attempts.all():
        _close(previous, AttemptStatus.abandoned, done, total)
    attempt = Attempt(
        id=uuid.uuid4(),
        session_id=row.id,
        athlete_id=row.athlete_id,
        started_at=utcnow(),
        exercises_completed=done,
        exercises_total=total,
        status=AttemptStatus.in_progress,
        rest_period_seconds=rest_period_seconds,
    )
    session.add(attempt)
    await session.flush()
    return attempt


async def on_started(session: AsyncSession, row: Session, *, resumed: bool) -> Attempt:
    """Called when a session is started: the first start opens attempt 1; starting what is running
    resumes its latest attempt ("modify", seed 001) rather than opening another."""
    if resumed:
        latest = await latest_attempt(session, row)
        if latest is not None and latest.status == AttemptStatus.in_progress:
            return latest
    return await new_attempt(session, row)


async def on_finished(session: AsyncSession, row: Session) -> None:
    """Called when a session is completed or cancelled: close its attempt; metrics when completed."""
    progress = await progress_of(session, row)
    done, total = await _counts(session, progress) if progress else (0, 0)
    latest = await latest_attempt(session, row)
    if latest is not None and latest.status == AttemptStatus.in_progress:
        status = AttemptStatus.completed if row.status == Status.completed else AttemptStatus.abandoned
        _close(latest, status, done, total)
    if row.status == Status.completed:
        await compute_metrics(session, row)
    else:
        from atelier.forge import recordings  # a recording linked while it ran is released

        await recordings.release(session, row)
    # Nothing left to resume; what the policy hides from a coach finishing it goes at the next prune.
    from atelier.training import recovery  # it builds on this module

    await recovery.forget(session, row.id)
    await session.flush()


# --- reading ------------------------------------------------------------------------------------


async def readable_session(
    session: AsyncSession, actor: User, session_id: uuid.UUID, *, for_update: bool = False
) -> Session:
    row = await planning.readable(session, actor, session_id, for_update=for_update)
    if row.kind == SessionKind.series:
        raise Problem(422, "a series is a template: open one of its dates")
    return row


async def attempts_of(session: AsyncSession, actor: User, session_id: uuid.UUID) -> list[Attempt]:
    row = await readable_session(session, actor, session_id)
    found = await session.scalars(
        select(Attempt).where(Attempt.session_id == row.id).order_by(Attempt.started_at, Attempt.id)
    )
    return list(found.all())


@dataclass
class ProgressView:
    row: Session
    progress: Progress
    exercises: list[ProgressExercise]

    @property
    def updated_at(self) -> datetime:
        """The last save of any exercise (a save touches its exercise only, never the progress row,
        so two devices saving two exercises never wait for each other)."""
        return max([self.progress.updated_at, *(e.updated_at for e in self.exercises)])

    @property
    def summary(self) -> dict[str, int]:
        counts = {status: 0 for status in ExerciseStatus}
        for exercise in self.exercises:
            counts[exercise.status] += 1
        return {
            "total_exercises": len(self.exercises),
            "completed_exercises": counts[ExerciseStatus.completed],
            "in_progress_exercises": counts[ExerciseStatus.in_progress],
            "skipped_exercises": counts[ExerciseStatus.skipped],
        }


async def progress_view(session: AsyncSession, actor: User, session_id: uuid.UUID) -> ProgressView:
    row = await readable_session(session, actor, session_id)
    progress = await progress_of(session, row)
    if progress is None:
        raise NotFound("progress (the session has not been started)")
    return ProgressView(row, progress, await exercises(session, progress))


# --- auto-save ----------------------------------------------------------------------------------


@dataclass
class ExerciseSave:
    version: int
    status: ExerciseStatus | None
    notes: str | None
    media: list[str] | None
    data: dict[str, Any] | None
    correction: bool
    fields: set[str]


def request_hash(scope: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([scope, body], sort_keys=True, default=str).encode()).hexdigest()


async def replayed(
    session: AsyncSession, actor: User, key: str, scope: str, digest: str
) -> IdempotentRequest | None:
    """The stored answer for a retried request, or None; a key reused for another request is a 422."""
    found = await session.get(IdempotentRequest, (actor.id, key), populate_existing=True)
    if found is None:
        return None
    if found.scope != scope or found.request_hash != digest:
        raise Problem(422, "this Idempotency-Key was already used for a different request")
    return found


async def remember(
    session: AsyncSession, actor: User, key: str, scope: str, digest: str, status_code: int, response: Any
) -> None:
    session.add(
        IdempotentRequest(
            user_id=actor.id,
            key=key,
            scope=scope,
            request_hash=digest,
            status_code=status_code,
            response=response,
            created_at=utcnow(),
        )
    )
    await session.flush()


def valid_data(kind: ExerciseKind, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return checked_data(kind, data).model_dump(exclude_none=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Problem(
            422, f"{kind.value} data: {where}: {first['msg']}", errors=exc.errors(include_url=False)
        ) from exc


def changed_columns(kind: ExerciseKind | None, change: ExerciseSave) -> dict[str, Any]:
    """What a save writes besides the version: only the fields the request carries (``kind``, that
    of the exercise, is needed when it carries data)."""
    columns: dict[str, Any] = {}
    if change.data is not None:
        assert kind is not None
        columns["data"] = valid_data(kind, change.data)
    return columns | plain_columns(change)


def plain_columns(change: ExerciseSave) -> dict[str, Any]:
    """The fields a save writes as they come: status, notes, media."""
    columns: dict[str, Any] = {}
    if change.status is not None:
        columns["status"] = change.status
    if "notes" in change.fields:
        columns["notes"] = change.notes
    if change.media is not None:
        columns["media"] = change.media
    return columns


def data_fits(data: dict[str, Any]) -> dict[ExerciseKind, dict[str, Any]]:
    """The data as stored, for every kind of exercise it is valid for (usually one)."""
    fits: dict[ExerciseKind, dict[str, Any]] = {}
    for kind in ExerciseKind:
        try:
            fits[kind] = checked_data(kind, data).model_dump(exclude_none=True)
        except ValidationError:
            continue
    return fits


async def save_exercise(
    session: AsyncSession, actor: User, session_id: uuid.UUID, position: int, change: ExerciseSave
) -> tuple[Session, ProgressExercise]:
    """Apply one exercise's save if ``change.version`` is current (409 with the current state if not)."""
    row = await readable_session(session, actor, session_id)
    if row.athlete_id != actor.id:
        raise Forbidden("only the athlete logs their own session")
    progress = await progress_of(session, row)
    if progress is None or row.status in (Status.scheduled, Status.skipped, Status.cancelled):
        raise Conflict(
            f"a {row.status.value} session takes no data: start it first", current_status=row.status.value
        )
    if row.status == Status.completed and not change.correction:
        raise Conflict(
            "the session is finished: send correction=true to change what was logged",
            current_status=row.status.value,
        )
    exercise = await session.scalar(
        select(ProgressExercise)
        .where(ProgressExercise.progress_id == progress.id, ProgressExercise.position == position)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if exercise is None:
        raise Problem(422, f"no exercise at position {position} (this session has positions 0 and up)")
    if exercise.version != change.version:
        raise Conflict(
            f"exercise {position} changed since version {change.version}",
            current_version=exercise.version,
            current=exercise_json(exercise),
        )
    for column, value in changed_columns(exercise.kind, change).items():
        setattr(exercise, column, value)
    exercise.version += 1
    exercise.updated_at = utcnow()
    await session.flush()
    if row.status == Status.completed:
        await compute_metrics(session, row)
    return row, exercise


def exercise_json(exercise: ProgressExercise) -> dict[str, Any]:
    """The exercise as every answer of the API writes it (a 409's ``current`` included)."""
    return ExerciseOut.model_validate(exercise).model_dump(mode="json")


# --- metrics ------------------------------------------------------------------------------------


def _load_kg(load: dict[str, Any] | None) -> float:
    if not load:
        return 0.0
    value = float(load.get("value", 0))
    return value if load.get("unit", "kg") == "kg" else value * 0.45359237


def totals(found: list[ProgressExercise]) -> dict[str, Any]:
    """Volume (kg lifted × reps), reps, distance, calories and mean RPE of what was logged."""
    volume = distance = calories = 0.0
    reps = 0
    efforts: list[float] = []
    for exercise in found:
        data = exercise.data or {}
        if data.get("rpe") is not None:
            efforts.append(float(data["rpe"]))
        for done in data.get("sets", []):
            reps += int(done.get("reps", 0))
            volume += int(done.get("reps", 0)) * _load_kg(done.get("load"))
            if done.get("rpe") is not None:
                efforts.append(float(done["rpe"]))
        minute_reps = sum(int(r) for r in data.get("reps_per_minute", []))
        logged = int(data.get("reps", 0)) + minute_reps
        reps += logged
        volume += logged * _load_kg(data.get("load"))
        distance += float(data.get("distance_m") or 0)
        calories += float(data.get("calories") or 0)
    return {
        "volume_kg": round(volume, 2),
        "reps_total": reps,
        "distance_m": round(distance, 2),
        "calories": round(calories, 2),
        "rpe_avg": round(sum(efforts) / len(efforts), 2) if efforts else None,
    }


DISCIPLINES = ("strength", "endurance", "functional", "calisthenics")


def discipline_of(snapshot: dict[str, Any]) -> str:
    """Which of the workshop's coaches a session belongs to, from what it planned: only cardio
    machines and runs is endurance, only bodyweight gymnastics is calisthenics, only lifts is
    strength, and anything mixed is functional (a metcon)."""
    catalog = movement_catalog()
    modalities = {catalog[m].modality for m in snapshot.get("movements", []) if m in catalog}
    if modalities == {"cardio"}:
        return "endurance"
    if modalities == {"gymnastics"}:
        return "calisthenics"
    if modalities == {"strength"}:
        return "strength"
    return "functional"


async def compute_metrics(session: AsyncSession, row: Session) -> TrainingMetrics:
    """Store (or recompute after a correction) the finished session's metrics."""
    progress = await progress_of(session, row)
    found = await exercises(session, progress) if progress else []
    duration = await session.scalar(
        select(func.coalesce(func.sum(Attempt.duration_seconds), 0)).where(Attempt.session_id == row.id)
    )
    snapshot = row.snapshot or {}
    values = totals(found) | {
        "duration_seconds": int(duration or 0),
        "discipline": discipline_of(snapshot),
        "session_type": str(snapshot.get("type", ""))[:20],
        "computed_at": utcnow(),
    }
    metrics = await session.get(TrainingMetrics, row.id)
    if metrics is None:
        metrics = TrainingMetrics(session_id=row.id, athlete_id=row.athlete_id, **values)
        session.add(metrics)
    else:
        for name, value in values.items():
            setattr(metrics, name, value)
    await session.flush()
    # Invariant 8: the ledger row is written in this same transaction (Training → Forge, one way).
    from atelier.forge import sync  # forge reads training models; training only calls in here

    await sync.sync_session(session, row, metrics)
    return metrics


async def metrics_of(session: AsyncSession, actor: User, session_id: uuid.UUID) -> TrainingMetrics:
    row = await readable_session(session, actor, session_id)
    metrics = await session.get(TrainingMetrics, row.id)
    if metrics is None:
        raise NotFound("metrics (the session is not finished)")
    return metrics


PERIODS = {"week": 7, "month": 31, "quarter": 92, "year": 366}


async def finished_sessions(
    session: AsyncSession,
    actor: User,
    athlete_id: uuid.UUID | None,
    *,
    period: str | None,
    discipline: str | None,
    session_type: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Session, TrainingMetrics]], int]:
    """Finished sessions with their metrics, newest first (seed 004's History tab)."""
    whose = await planning.athlete_for(session, actor, athlete_id)
    statement = (
        select(Session, TrainingMetrics)
        .join(TrainingMetrics, TrainingMetrics.session_id == Session.id)
        .where(Session.athlete_id == whose, Session.status == Status.completed)
    )
    if period is not None:
        zone_name = await planning.zone_for(session, whose, None)
        today = utcnow().astimezone(ZoneInfo(zone_name)).date()
        statement = statement.where(Session.session_date > today - timedelta(days=PERIODS[period]))
    if discipline is not None:
        statement = statement.where(TrainingMetrics.discipline == discipline)
    if session_type is not None:
        statement = statement.where(TrainingMetrics.session_type == session_type)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.execute(
        statement.order_by(Session.session_date.desc(), Session.ended_at.desc(), Session.id)
        .limit(limit)
        .offset(offset)
    )
    return [(s, m) for s, m in rows.all()], int(total or 0)


async def backfill_times(
    session: AsyncSession, row: Session, started_at: datetime, duration_seconds: int
) -> TrainingMetrics:
    """A session logged after the fact (``atelier session log``): its attempt and the session get
    the time it really happened, and its metrics the real duration."""
    attempt = await latest_attempt(session, row)
    if attempt is not None:
        attempt.started_at = started_at
        attempt.ended_at = started_at + timedelta(seconds=duration_seconds)
        attempt.duration_seconds = duration_seconds
    row.started_at = started_at
    row.ended_at = started_at + timedelta(seconds=duration_seconds)
    await session.flush()
    return await compute_metrics(session, row)
