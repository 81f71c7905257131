"""Wearable recordings: a file (or a device's download) read, analysed, stored and placed.

One transaction per file: the recording, then either its link to the training session it overlaps
(one to one; the session's ledger row is re-priced with the heart rate) or its own wearable row in
the ledger. The same bytes imported twice are recognised by their SHA-256 and answered with the
recording already stored. A file that cannot be read is refused whole (``files.UnreadableFile``);
one that reads but whose heart rate is broken is kept and marked with its quality.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.forge import files, physiology, repository
from atelier.forge.models import Activity, Recording, Source
from atelier.forge.sync import link, local_date, person, sync_session
from atelier.kit.problems import Problem
from atelier.planning.models import Session, Status
from atelier.training.models import TrainingMetrics

SPORT_NAMES = {
    "running": "Run",
    "cycling": "Ride",
    "swimming": "Swim",
    "walking": "Walk",
    "hiking": "Hike",
    "rowing": "Row",
    "training": "Workout",
    "other": "Activity",
}


@dataclass
class Imported:
    recording: Recording
    created: bool
    activity: Activity | None


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _overlapping_session(session: AsyncSession, user_id: uuid.UUID, rec: Recording) -> Session | None:
    """The athlete's started or finished session that overlaps the recording most, if unlinked."""
    linked = select(Recording.session_id).where(Recording.session_id.is_not(None))
    rows = (
        await session.scalars(
            select(Session)
            .where(
                Session.athlete_id == user_id,
                Session.status.in_((Status.in_progress, Status.completed)),
                Session.started_at.is_not(None),
                Session.started_at < rec.ended_at,
                Session.id.not_in(linked),
            )
            .with_for_update()
        )
    ).all()

    def overlap(row: Session) -> timedelta:
        assert row.started_at is not None
        end = row.ended_at or rec.ended_at
        return min(end, rec.ended_at) - max(row.started_at, rec.started_at)

    found = [row for row in rows if overlap(row) > timedelta(0)]
    return max(found, key=overlap) if found else None


def _columns(analysis: physiology.Analysis) -> dict[str, object]:
    return {
        "duration_seconds": round(analysis.duration_s),
        "avg_hr": analysis.avg_hr,
        "max_hr": analysis.max_hr,
        "min_hr": analysis.min_hr,
        "zones": {k: round(v, 1) for k, v in analysis.zones.items()},
        "zone_method": analysis.zone_method,
        "hr_max_used": analysis.hr_max_used,
        "hr_max_source": analysis.hr_max_source,
        "trimp": round(analysis.trimp, 2) if analysis.trimp is not None else None,
        "effort": analysis.effort,
        "distance_m": round(analysis.distance_m, 1) if analysis.distance_m is not None else None,
        "calories": round(analysis.calories.kcal, 1),
        "calorie_model": analysis.calories.model,
        "calorie_detail": analysis.calories.detail,
        "quality": analysis.quality.level,
        "completeness": round(analysis.quality.completeness, 4),
        "anomaly_share": round(analysis.quality.anomaly_share, 4),
        "spikes": analysis.quality.spikes,
        "dropouts": analysis.quality.dropouts,
        "quality_reasons": list(analysis.quality.reasons),
        "hr_series": analysis.hr_series,
    }


async def import_file(
    session: AsyncSession,
    user_id: uuid.UUID,
    data: bytes,
    filename: str | None,
    *,
    device_id: uuid.UUID | None = None,
) -> Imported:
    digest = content_hash(data)
    existing = await session.scalar(
        select(Recording).where(Recording.user_id == user_id, Recording.content_hash == digest)
    )
    if existing is not None:
        activity = await session.scalar(
            select(Activity).where(
                Activity.source == Source.wearable.value, Activity.source_id == existing.id
            )
        )
        return Imported(existing, False, activity)
    try:
        track = files.read_track(data, filename)
    except files.UnreadableFile as error:
        raise Problem(422, str(error), filename=filename) from error
    who = await person(session, user_id, track.started_at.date())
    analysis = physiology.analyse(track, who.athlete)
    recording = Recording(
        user_id=user_id,
        content_hash=digest,
        filename=(filename or "")[:200] or None,
        file_format=track.format,
        sport=track.sport,
        device_id=device_id,
        started_at=track.started_at,
        ended_at=track.started_at + timedelta(seconds=track.duration_s),
        samples=len(track.samples),
        **_columns(analysis),
    )
    session.add(recording)
    await session.flush()
    return Imported(recording, True, await place(session, recording, who.timezone))


async def place(session: AsyncSession, recording: Recording, zone: str) -> Activity | None:
    """Link to the overlapping session (and re-price its row), or write the wearable row."""
    target = await _overlapping_session(session, recording.user_id, recording)
    if target is not None:
        await link(session, recording, target)
        if target.status == Status.completed:
            metrics = await session.get(TrainingMetrics, target.id)
            if metrics is not None:
                await sync_session(session, target, metrics)
        return None
    activity = Activity(
        user_id=recording.user_id,
        source=Source.wearable.value,
        source_id=recording.id,
        activity_type=recording.sport,
        name=f"{SPORT_NAMES.get(recording.sport, 'Activity')} ({recording.file_format.upper()})",
        activity_date=local_date(recording.started_at, zone),
        started_at=recording.started_at,
        duration_seconds=recording.duration_seconds,
        calories=recording.calories,
        calorie_model=recording.calorie_model,
        calorie_detail=recording.calorie_detail,
        avg_hr=recording.avg_hr,
        effort=recording.effort,
        distance_m=recording.distance_m,
    )
    session.add(activity)
    await session.flush()
    return activity


async def release(session: AsyncSession, row: Session) -> Activity | None:
    """A cancelled session lets its recording go: the minutes were still done, so the recording
    becomes a wearable activity of its own instead of vanishing from the ledger."""
    recording = await session.scalar(select(Recording).where(Recording.session_id == row.id))
    if recording is None:
        return None
    recording.session_id = None
    await session.flush()
    return await place(session, recording, (await person(session, row.athlete_id, row.session_date)).timezone)


async def readable(session: AsyncSession, user_id: uuid.UUID, recording_id: uuid.UUID) -> Recording:
    return await repository.owned(session, Recording, user_id, recording_id, "recording")


async def listed(session: AsyncSession, user_id: uuid.UUID, limit: int, offset: int) -> list[Recording]:
    rows = await session.scalars(
        select(Recording)
        .where(Recording.user_id == user_id)
        .order_by(Recording.started_at.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def delete(session: AsyncSession, user_id: uuid.UUID, recording_id: uuid.UUID) -> None:
    """The recording and its wearable row go; a session it was linked to goes back to MET pricing."""
    row = await readable(session, user_id, recording_id)
    linked = row.session_id
    await session.execute(
        sql_delete(Activity).where(Activity.source == Source.wearable.value, Activity.source_id == row.id)
    )
    await session.delete(row)
    await session.flush()
    if linked is not None:
        target = await session.get(Session, linked)
        metrics = await session.get(TrainingMetrics, linked)
        if target is not None and metrics is not None:
            await sync_session(session, target, metrics)
