"""The Forge ledger: manual entries and the day, week and month views (seed 004's Forge tabs).

Forge views read ``activities`` only — training rows arrive there by the one-way sync — and a
manual entry never reaches a training table (scenario C). Only manual rows are edited here: a
training row follows its session (correct the session) and a wearable row follows its recording.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
from atelier.forge import physiology, repository
from atelier.forge.models import SOURCES, Activity, Source
from atelier.forge.sync import person
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Problem

# What a manual entry may be: the calorie model knows a MET for each (physiology.METS).
MANUAL_TYPES = (
    "running",
    "cycling",
    "walking",
    "hiking",
    "swimming",
    "rowing",
    "strength",
    "functional",
    "calisthenics",
    "endurance",
    "other",
)


@dataclass
class ManualEntry:
    """A manual activity as the user gives it; ``calories`` None means "estimate them for me"."""

    name: str
    activity_type: str
    activity_date: date
    duration_minutes: float
    start_time: time | None = None
    calories: float | None = None
    rpe: float | None = None
    avg_hr: int | None = None
    distance_m: float | None = None
    notes: str | None = None


def _check(entry: ManualEntry) -> None:
    if entry.activity_type not in MANUAL_TYPES:
        raise Problem(422, f"unknown activity type {entry.activity_type!r}", allowed=list(MANUAL_TYPES))
    if not 0 < entry.duration_minutes <= 24 * 60:
        raise Problem(422, "duration_minutes must be more than 0 and at most 1440 (one day)")


async def _price(session: AsyncSession, user_id: uuid.UUID, entry: ManualEntry) -> physiology.Calories:
    if entry.calories is not None:
        return physiology.Calories(entry.calories, "entered", "entered by the athlete")
    who = await person(session, user_id, entry.activity_date)
    return physiology.calories(
        who.athlete,
        minutes=entry.duration_minutes,
        avg_hr=float(entry.avg_hr) if entry.avg_hr else None,
        kind=entry.activity_type,
        rpe=entry.rpe,
    )


async def _columns(session: AsyncSession, user_id: uuid.UUID, entry: ManualEntry) -> dict[str, Any]:
    _check(entry)
    priced = await _price(session, user_id, entry)
    started = None
    if entry.start_time is not None:
        zone = (await person(session, user_id, entry.activity_date)).timezone
        started = datetime.combine(entry.activity_date, entry.start_time, ZoneInfo(zone)).astimezone(UTC)
    return {
        "name": entry.name,
        "activity_type": entry.activity_type,
        "activity_date": entry.activity_date,
        "started_at": started,
        "duration_seconds": round(entry.duration_minutes * 60),
        "calories": round(priced.kcal, 1),
        "calorie_model": priced.model,
        "calorie_detail": priced.detail,
        "rpe": entry.rpe,
        "avg_hr": entry.avg_hr,
        "distance_m": entry.distance_m,
        "notes": entry.notes,
    }


async def create_manual(session: AsyncSession, actor: User, entry: ManualEntry) -> Activity:
    row = Activity(user_id=actor.id, source=Source.manual.value, **await _columns(session, actor.id, entry))
    session.add(row)
    await session.flush()
    return row


async def owned(session: AsyncSession, actor: User, activity_id: uuid.UUID) -> Activity:
    return await repository.owned(session, Activity, actor.id, activity_id, "activity", for_update=True)


def _manual_only(row: Activity) -> None:
    if row.source == Source.training.value:
        raise Conflict(
            "this activity follows its training session: correct the session instead",
            source=row.source,
            session_id=str(row.source_id),
        )
    if row.source == Source.wearable.value:
        raise Conflict(
            "this activity follows its wearable recording: delete the recording instead",
            source=row.source,
            recording_id=str(row.source_id),
        )


def entry_of(row: Activity) -> ManualEntry:
    return ManualEntry(
        name=row.name,
        activity_type=row.activity_type,
        activity_date=row.activity_date,
        duration_minutes=row.duration_seconds / 60,
        start_time=None,
        calories=row.calories if row.calorie_model == "entered" else None,
        rpe=row.rpe,
        avg_hr=row.avg_hr,
        distance_m=row.distance_m,
        notes=row.notes,
    )


async def update_manual(
    session: AsyncSession, actor: User, activity_id: uuid.UUID, changes: dict[str, Any]
) -> Activity:
    """Apply the fields given; estimated calories are re-estimated, entered ones kept unless changed
    (``calories: null`` goes back to the estimate)."""
    row = await owned(session, actor, activity_id)
    _manual_only(row)
    entry = entry_of(row)
    kept_start = row.started_at
    for name, value in changes.items():
        setattr(entry, name, value)
    columns = await _columns(session, actor.id, entry)
    if "start_time" not in changes:
        columns["started_at"] = kept_start
    for name, value in columns.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    await session.flush()
    return row


async def delete_manual(session: AsyncSession, actor: User, activity_id: uuid.UUID) -> None:
    row = await owned(session, actor, activity_id)
    _manual_only(row)
    await session.delete(row)
    await session.flush()


# --- views ----------------------------------------------------------------------------------------


@dataclass
class Totals:
    calories: float = 0.0
    duration_seconds: int = 0
    activities: int = 0

    def add(self, row: Activity) -> None:
        self.calories = round(self.calories + row.calories, 1)
        self.duration_seconds += row.duration_seconds
        self.activities += 1


@dataclass
class DayTotals:
    day: date
    total: Totals = field(default_factory=Totals)
    by_source: dict[str, Totals] = field(default_factory=lambda: {s: Totals() for s in SOURCES})


@dataclass
class View:
    kind: str
    start: date
    end: date
    total: Totals
    by_source: dict[str, Totals]
    synced_training_sessions: int
    days: list[DayTotals]
    activities: list[Activity]


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    if kind == "day":
        return day, day
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


async def activities_between(
    session: AsyncSession, user_id: uuid.UUID, first: date, last: date, source: str | None = None
) -> list[Activity]:
    statement = select(Activity).where(
        Activity.user_id == user_id, Activity.activity_date >= first, Activity.activity_date <= last
    )
    if source is not None:
        statement = statement.where(Activity.source == source)
    rows = await session.scalars(
        statement.order_by(Activity.activity_date, Activity.started_at, Activity.created_at)
    )
    return list(rows)


def summarise(kind: str, first: date, last: date, rows: list[Activity]) -> View:
    total, by_source = Totals(), {s: Totals() for s in SOURCES}
    days = {
        first + timedelta(days=n): DayTotals(first + timedelta(days=n))
        for n in range((last - first).days + 1)
    }
    synced: set[uuid.UUID] = set()
    for row in rows:
        total.add(row)
        by_source[row.source].add(row)
        bucket = days[row.activity_date]
        bucket.total.add(row)
        bucket.by_source[row.source].add(row)
        if row.source == Source.training.value and row.source_id is not None:
            synced.add(row.source_id)
    return View(kind, first, last, total, by_source, len(synced), list(days.values()), rows)


async def view(session: AsyncSession, user_id: uuid.UUID, kind: str, day: date) -> View:
    first, last = period_bounds(kind, day)
    return summarise(kind, first, last, await activities_between(session, user_id, first, last))


async def today_for(session: AsyncSession, user_id: uuid.UUID) -> date:
    zone = (await person(session, user_id, utcnow().date())).timezone
    return utcnow().astimezone(ZoneInfo(zone)).date()


async def history(
    session: AsyncSession,
    user_id: uuid.UUID,
    first: date | None,
    last: date | None,
    source: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Activity], int]:
    """The History tab: newest first, with the count for paging."""
    conditions = [Activity.user_id == user_id]
    if first is not None:
        conditions.append(Activity.activity_date >= first)
    if last is not None:
        conditions.append(Activity.activity_date <= last)
    if source is not None:
        conditions.append(Activity.source == source)
    total = await session.scalar(select(func.count()).select_from(Activity).where(*conditions))
    rows = await session.scalars(
        select(Activity)
        .where(*conditions)
        .order_by(Activity.activity_date.desc(), Activity.started_at.desc(), Activity.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)
