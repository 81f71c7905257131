"""Gather an athlete's facts (``facts.AthleteFacts``) from the database, scoped to that athlete.

Seed 004: Training's analysis reads training sessions only (a manual run in Forge is not a training
session), so ``sessions`` are finished training sessions; the load ratio is Forge's, because every
minute of activity tires the same body. One-rep maxes are the better of the profile's declared value
and the best estimate from logged sets (``training.estimates.e1rm``: Epley up to 10 reps, the RPE
chart when the set has an RPE).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import AthleteProfile
from atelier.coaching.facts import AthleteFacts, GoalFact, Language, LibraryWod, LiftFact, SessionFact
from atelier.coaching.models import CoachPrescription
from atelier.forge import today as forge_today
from atelier.forge.models import Goal
from atelier.forge.sync import age_on
from atelier.kit.clock import utcnow
from atelier.planning.models import Session, SessionKind, Status
from atelier.training import estimates, records
from atelier.training.models import TrainingMetrics
from atelier.wods.compiler import compile_now
from atelier.wods.metadata import describe
from atelier.wods.models import Wod

WINDOW_DAYS = 90


async def today_of(session: AsyncSession, athlete_id: uuid.UUID) -> tuple[date, AthleteProfile | None]:
    profile = await session.get(AthleteProfile, athlete_id)
    zone = profile.timezone if profile is not None and profile.timezone else "UTC"
    return utcnow().astimezone(ZoneInfo(zone)).date(), profile


def best_maxes(declared: dict[str, float], done: list[records.Done]) -> dict[str, float]:
    best = {k: float(v) for k, v in declared.items() if isinstance(v, int | float) and v > 0}
    for entry in done:
        for lift in entry.lifts:
            if lift.load_kg <= 0:
                continue
            try:
                value = estimates.e1rm(lift.load_kg, lift.reps, lift.rpe)
            except ValueError:
                continue
            if value is not None and value > best.get(entry.movement, 0.0):
                best[entry.movement] = round(value, 1)
    return best


async def facts_of(session: AsyncSession, athlete_id: uuid.UUID, language: str | None = None) -> AthleteFacts:
    today, profile = await today_of(session, athlete_id)
    first = today - timedelta(days=WINDOW_DAYS - 1)
    done = await records.history(session, athlete_id)
    by_session: dict[uuid.UUID, list[records.Done]] = defaultdict(list)
    for entry in done:
        if entry.performed_on >= first:
            by_session[entry.session_id].append(entry)
    coached = dict(
        (
            await session.execute(
                select(CoachPrescription.session_id, CoachPrescription.discipline).where(
                    CoachPrescription.athlete_id == athlete_id, CoachPrescription.session_id.is_not(None)
                )
            )
        ).all()
    )
    rows = await session.execute(
        select(Session, TrainingMetrics)
        .join(TrainingMetrics, TrainingMetrics.session_id == Session.id)
        .where(
            Session.athlete_id == athlete_id,
            Session.status == Status.completed,
            Session.session_date >= first,
            Session.session_date <= today,
        )
        .order_by(Session.session_date, Session.ended_at, Session.id)
    )
    sessions = []
    for row, metrics in rows.all():
        entries = by_session.get(row.id, [])
        sessions.append(
            SessionFact(
                day=row.session_date,
                discipline=metrics.discipline,
                session_type=metrics.session_type,
                duration_seconds=metrics.duration_seconds,
                rpe=metrics.rpe_avg,
                volume_kg=metrics.volume_kg,
                reps=metrics.reps_total,
                distance_m=metrics.distance_m,
                movements=tuple(dict.fromkeys([e.movement for e in entries] + _planned_movements(row))),
                lifts=tuple(
                    LiftFact(e.movement, lift.reps, lift.load_kg, lift.rpe)
                    for e in entries
                    for lift in e.lifts
                ),
                coach=coached.get(row.id),
            )
        )
    planned = await session.scalar(
        select(func.count())
        .select_from(Session)
        .where(
            Session.athlete_id == athlete_id,
            Session.kind != SessionKind.series,
            Session.session_date >= first,
            Session.session_date <= today,
        )
    )
    goals = await session.scalars(select(Goal).where(Goal.user_id == athlete_id, Goal.is_active.is_(True)))
    report = await forge_today.load_report(session, athlete_id, today, today)
    return AthleteFacts(
        today=today,
        language=_language(language or (profile.language if profile else "en")),
        level=profile.level if profile else "rx",
        category=profile.category if profile else "men",
        units=profile.units if profile else "kg",
        bodyweight_kg=profile.bodyweight_kg if profile else None,
        age=age_on(profile.birth_date, today) if profile else None,
        resting_hr=profile.resting_hr if profile else None,
        max_hr=profile.max_hr if profile else None,
        one_rep_maxes=best_maxes(dict(profile.one_rep_maxes or {}) if profile else {}, done),
        goals=tuple(GoalFact(g.goal_type, g.target_value, g.current_value, g.movement) for g in goals),
        sessions=tuple(sessions),
        planned=int(planned or 0),
        acwr=report.current.ratio,
        acwr_flag=report.current.flag,
    )


def _planned_movements(row: Session) -> list[str]:
    return [m for m in (row.snapshot or {}).get("movements", []) if isinstance(m, str)]


def _language(value: str) -> Language:
    return "fr" if value == "fr" else "en"


@lru_cache(maxsize=1)
def standard_library() -> tuple[LibraryWod, ...]:
    """WODCraft's 83 library workouts with their metadata, compiled once per process."""
    from wodcraft import library

    found = []
    for entry in library.entries():
        source = entry.file.read_text(encoding="utf-8")
        compiled = compile_now(source)
        if not compiled.ok or compiled.document is None:
            continue
        meta = describe(compiled.document)
        found.append(
            LibraryWod(
                key=entry.path,
                title=meta.title,
                source=source,
                equipment=frozenset(meta.equipment),
                movements=tuple(meta.movements),
                duration_seconds=meta.duration_seconds,
                difficulty=meta.difficulty,
                score_type=meta.score_type,
                format=meta.format,
                benchmark=_tagged_benchmark(source),
            )
        )
    return tuple(found)


def _tagged_benchmark(source: str) -> bool:
    """The library marks its benchmarks itself (``tags: girls, benchmark``)."""
    return any(line.startswith("tags:") and "benchmark" in line for line in source.splitlines())


async def library_for(session: AsyncSession, athlete_id: uuid.UUID, facts: AthleteFacts) -> list[LibraryWod]:
    """The standard library and the athlete's own WODs, each with when the athlete last did it."""
    last = dict(
        (
            await session.execute(
                select(Session.title, func.max(Session.session_date))
                .where(Session.athlete_id == athlete_id, Session.status == Status.completed)
                .group_by(Session.title)
            )
        ).all()
    )
    own = await session.scalars(select(Wod).where(Wod.owner_id == athlete_id).limit(200))
    found = [_with_last(w, last) for w in standard_library()]
    for wod in own:
        found.append(
            _with_last(
                LibraryWod(
                    key=str(wod.id),
                    title=wod.title,
                    source=wod.source,
                    equipment=frozenset(wod.equipment or []),
                    movements=tuple(wod.movements or []),
                    duration_seconds=wod.duration_seconds,
                    difficulty=wod.difficulty,
                    score_type=wod.score_type,
                    format=wod.format,
                ),
                last,
            )
        )
    return found


def _with_last(wod: LibraryWod, last: dict[str, date]) -> LibraryWod:
    from dataclasses import replace

    return replace(wod, last_done=last.get(wod.title))
