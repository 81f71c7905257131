"""Seed 004's ``getTodayContext`` and the load view.

Today belongs to the training workshop, so its sessions and stats read training data only:
today's calendar entries (running, finished today, still to do — series dates included), and for
the finished ones their duration and calories priced by the same model the ledger uses but from
the session's own metrics, never from the ledger. Readiness reads the last finished session (its
session-RPE load), the last wearable recording's effort and the training days of the last four
weeks (``forge.readiness``).

The load view is Forge's: it reads the ledger, every source. An activity's load is session-RPE
(RPE × minutes); a wearable activity without an RPE uses its effort score ÷ 10 as one (0–100 →
CR-10, stated in the answer); anything else without an RPE counts as RPE 5 and is marked assumed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import AthleteProfile, User
from atelier.forge import goals, load, readiness
from atelier.forge.models import Activity, Recording, Source
from atelier.forge.sync import person, training_calories
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime
from atelier.planning import calendar
from atelier.planning.models import Session, Status
from atelier.training.models import TrainingMetrics

LOAD_HISTORY_DAYS = 28


@dataclass
class TodayContext:
    day: date
    timezone: str
    active: list[calendar.Entry]
    finished: list[calendar.Entry]
    drafts: list[calendar.Entry]
    stats: dict[str, Any]
    goals: list[goals.Goal]
    readiness: readiness.Readiness


async def _language(session: AsyncSession, user_id: uuid.UUID) -> str:
    profile = await session.get(AthleteProfile, user_id)
    return profile.language if profile is not None and profile.language in ("en", "fr") else "en"


def session_load(metrics: TrainingMetrics) -> float:
    return load.session_load(metrics.rpe_avg, metrics.duration_seconds / 60)


async def context(
    session: AsyncSession, runtime: Runtime, actor: User, athlete_id: uuid.UUID
) -> TodayContext:
    now = utcnow()
    who = await person(session, athlete_id, now.date())
    day = now.astimezone(ZoneInfo(who.timezone)).date()
    entries = [e for e in await calendar.calendar(session, actor, athlete_id, day, day) if e.class_id is None]
    running = (
        await session.scalars(
            select(Session).where(Session.athlete_id == athlete_id, Session.status == Status.in_progress)
        )
    ).all()
    active = [e for e in entries if e.status == Status.in_progress.value]
    seen = {e.session_id for e in active}
    for row in running:  # still running from an earlier day: it belongs on Today too
        if row.id not in seen:
            active.append(
                calendar.Entry(
                    row.session_date,
                    row.session_time,
                    row.timezone,
                    row.kind.value,
                    row.title,
                    row.status.value,
                    True,
                    row.id,
                    row.parent_id,
                    row.occurrence_date,
                    row.athlete_id,
                )
            )
    finished = [e for e in entries if e.status == Status.completed.value]
    drafts = [e for e in entries if e.status == Status.scheduled.value]

    done_today = (
        await session.execute(
            select(Session, TrainingMetrics)
            .join(TrainingMetrics, TrainingMetrics.session_id == Session.id)
            .where(
                Session.athlete_id == athlete_id,
                Session.status == Status.completed,
                Session.session_date == day,
            )
        )
    ).all()
    calories = sum(
        training_calories(who.athlete, m, m.duration_seconds / 60, None).kcal for _, m in done_today
    )
    stats = {
        "sessions": len(done_today),
        "duration_seconds": sum(m.duration_seconds for _, m in done_today),
        "calories": round(calories, 1),
    }
    return TodayContext(
        day=day,
        timezone=who.timezone,
        active=active,
        finished=finished,
        drafts=drafts,
        stats=stats,
        goals=await goals.refreshed(session, runtime, athlete_id, day, active_only=True),
        readiness=await readiness_of(session, athlete_id, now, day, await _language(session, athlete_id)),
    )


async def readiness_of(
    session: AsyncSession, athlete_id: uuid.UUID, now: datetime, day: date, language: str
) -> readiness.Readiness:
    last = (
        await session.execute(
            select(Session, TrainingMetrics)
            .join(TrainingMetrics, TrainingMetrics.session_id == Session.id)
            .where(Session.athlete_id == athlete_id, Session.status == Status.completed)
            .order_by(Session.ended_at.desc().nulls_last(), Session.session_date.desc())
            .limit(1)
        )
    ).first()
    recording = await session.scalar(
        select(Recording)
        .where(Recording.user_id == athlete_id, Recording.effort.is_not(None))
        .order_by(Recording.ended_at.desc())
        .limit(1)
    )
    days = await session.scalars(
        select(Session.session_date)
        .where(
            Session.athlete_id == athlete_id,
            Session.status == Status.completed,
            Session.session_date > day - timedelta(days=28),
            Session.session_date <= day,
        )
        .distinct()
    )
    last_end = None
    if last is not None:
        row = last[0]
        last_end = row.ended_at or datetime.combine(row.session_date, datetime.min.time(), ZoneInfo("UTC"))
    return readiness.assess(
        readiness.ReadinessInput(
            now=now,
            today=day,
            last_session_end=min(last_end, now) if last_end is not None else None,
            last_session_load=session_load(last[1]) if last is not None else None,
            last_recording_effort=recording.effort if recording is not None else None,
            last_recording_at=recording.ended_at if recording is not None else None,
            session_days=list(days),
            language=language,
        )
    )


def activity_entry(row: Activity) -> load.LoadEntry:
    minutes = row.duration_seconds / 60
    if row.rpe is None and row.source == Source.wearable.value and row.effort is not None:
        return load.LoadEntry(row.activity_date, load.session_load(row.effort / 10, minutes), False)
    return load.load_entry(row.activity_date, row.rpe, minutes)


async def load_report(
    session: AsyncSession, athlete_id: uuid.UUID, first: date | None, last: date | None
) -> load.LoadReport:
    """Daily load, acute:chronic ratio, weekly monotony and strain from the ledger."""
    who = await person(session, athlete_id, utcnow().date())
    today = utcnow().astimezone(ZoneInfo(who.timezone)).date()
    last = last or today
    first = first or last - timedelta(days=LOAD_HISTORY_DAYS * 2 - 1)
    start = await session.scalar(
        select(func.min(Activity.activity_date)).where(Activity.user_id == athlete_id)
    )
    history_start = min(start or first, first)
    rows = await session.scalars(
        select(Activity).where(
            Activity.user_id == athlete_id,
            Activity.activity_date >= history_start,
            Activity.activity_date <= last,
        )
    )
    return load.report(
        [activity_entry(r) for r in rows],
        history_start=history_start,
        first=first,
        last=last,
        language=await _language(session, athlete_id),
    )
