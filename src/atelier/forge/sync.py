"""One-way sync Training → Forge (seed 004, DESIGN.md invariant 8).

``sync_session`` runs inside the transaction that finishes (or corrects) a session, called from
``training.service.compute_metrics``: the session's ledger row is written or updated there, never in
a second step that could be lost. The row is found by ``(source, source_id)``, which is unique, and
the session row is locked while it finishes, so completing twice (or twice at once) keeps one row.

A wearable recording that overlaps the session in time is linked to it (one to one): its heart rate
then prices the session's calories (Keytel), and the recording's own wearable row, if it had one,
goes — the same minutes are not counted twice. Nothing here ever writes a training table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from atelier.accounts.models import AthleteProfile
from atelier.db import unit_of_work
from atelier.forge import physiology
from atelier.forge.models import Activity, Recording, Source
from atelier.kit.clock import utcnow
from atelier.planning.models import Session, Status
from atelier.training.models import Attempt, TrainingMetrics


@dataclass(frozen=True)
class Person:
    """What the calorie and zone models need from a profile, and the zone its days are counted in."""

    athlete: physiology.Athlete
    timezone: str


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


async def person(session: AsyncSession, user_id: uuid.UUID, on: date) -> Person:
    profile = await session.get(AthleteProfile, user_id)
    if profile is None:
        return Person(physiology.Athlete(None, None, None, None, None), "UTC")
    sex = {"men": "male", "women": "female"}.get(profile.category)
    return Person(
        physiology.Athlete(
            sex=sex,
            age=age_on(profile.birth_date, on),
            weight_kg=profile.bodyweight_kg,
            max_hr=profile.max_hr,
            resting_hr=profile.resting_hr,
        ),
        profile.timezone or "UTC",
    )


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


async def _duration(session: AsyncSession, row: Session, metrics: TrainingMetrics) -> int:
    if metrics.duration_seconds:
        return metrics.duration_seconds
    if row.started_at is not None and row.ended_at is not None:
        return max(0, int((row.ended_at - row.started_at).total_seconds()))
    summed = await session.scalar(
        select(func.coalesce(func.sum(Attempt.duration_seconds), 0)).where(Attempt.session_id == row.id)
    )
    return int(summed or 0)


async def _recording_for(session: AsyncSession, row: Session) -> Recording | None:
    """The recording linked to the session, or an unlinked one of the athlete's that overlaps it."""
    linked = await session.scalar(select(Recording).where(Recording.session_id == row.id))
    if linked is not None or row.started_at is None:
        return linked
    start, end = row.started_at, row.ended_at or utcnow()
    candidates = (
        await session.scalars(
            select(Recording)
            .where(
                Recording.user_id == row.athlete_id,
                Recording.session_id.is_(None),
                Recording.started_at < end,
                Recording.ended_at > start,
            )
            .with_for_update()
        )
    ).all()
    if not candidates:
        return None
    best = max(candidates, key=lambda r: min(r.ended_at, end) - max(r.started_at, start))
    await link(session, best, row)
    return best


async def link(session: AsyncSession, recording: Recording, row: Session) -> None:
    """Recording ↔ session, one to one; the recording's wearable row gives way to the session's."""
    recording.session_id = row.id
    await session.execute(
        delete(Activity).where(Activity.source == Source.wearable.value, Activity.source_id == recording.id)
    )
    await session.flush()


def training_calories(
    who: physiology.Athlete, metrics: TrainingMetrics, minutes: float, recording: Recording | None
) -> physiology.Calories:
    avg_hr = recording.avg_hr if recording is not None and recording.quality != "poor" else None
    return physiology.calories(
        who,
        minutes=minutes,
        avg_hr=float(avg_hr) if avg_hr else None,
        kind=metrics.discipline,
        rpe=metrics.rpe_avg,
    )


async def sync_session(session: AsyncSession, row: Session, metrics: TrainingMetrics) -> Activity:
    """Write (or update after a correction) the finished session's one ledger row."""
    day = row.session_date
    who = await person(session, row.athlete_id, day)
    recording = await _recording_for(session, row)
    seconds = await _duration(session, row, metrics)
    priced = training_calories(who.athlete, metrics, seconds / 60, recording)
    values = {
        "activity_type": metrics.discipline,
        "name": row.title[:120],
        "activity_date": day,
        "started_at": row.started_at,
        "duration_seconds": seconds,
        "calories": round(priced.kcal, 1),
        "calorie_model": priced.model,
        "calorie_detail": priced.detail,
        "rpe": metrics.rpe_avg,
        "avg_hr": recording.avg_hr if recording is not None else None,
        "effort": recording.effort if recording is not None else None,
        "distance_m": metrics.distance_m or (recording.distance_m if recording is not None else None),
        "updated_at": utcnow(),
    }
    activity = await session.scalar(
        select(Activity).where(Activity.source == Source.training.value, Activity.source_id == row.id)
    )
    if activity is None:
        activity = Activity(user_id=row.athlete_id, source=Source.training.value, source_id=row.id, **values)
        session.add(activity)
    else:
        for name, value in values.items():
            setattr(activity, name, value)
    await session.flush()
    return activity


async def backfill(sessions_factory: async_sessionmaker[AsyncSession], *, batch: int = 500) -> int:
    """Ledger rows for sessions finished before the ledger existed: idempotent, run after migrating.
    Returns how many rows it wrote."""
    written = 0
    while True:
        async with unit_of_work(sessions_factory, system=True) as session:
            missing = (
                await session.execute(
                    select(Session, TrainingMetrics)
                    .join(TrainingMetrics, TrainingMetrics.session_id == Session.id)
                    .outerjoin(
                        Activity,
                        (Activity.source == Source.training.value) & (Activity.source_id == Session.id),
                    )
                    .where(Session.status == Status.completed, Activity.id.is_(None))
                    .limit(batch)
                )
            ).all()
            for row, metrics in missing:
                await sync_session(session, row, metrics)
            written += len(missing)
        if len(missing) < batch:
            return written
