"""Closing a class: its live standings become results.

Each athlete who posted events (each member of a team that did) gets a finished one-off session of
the class's workout and its result, scored from their standing on their category's path
(``live.score_of``), with the team's id for a team; their bests and records are refreshed. A
closed class takes no more events and its teams are fixed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import AthleteProfile, User
from atelier.kit.clock import utcnow
from atelier.kit.problems import Forbidden
from atelier.kit.runtime import Runtime
from atelier.planning import classes
from atelier.planning.models import ClassSession, Session, SessionKind, Status
from atelier.training import bests, live, records, standings
from atelier.training.events import Roster, board_of, refuse_closed, roster, workout_of
from atelier.training.models import Result
from atelier.wods.metadata import workout_hash


async def close(session: AsyncSession, runtime: Runtime, actor: User, class_id: uuid.UUID) -> dict[str, Any]:
    """Turn the events into results: each athlete who posted (each member of a team that did) gets
    a finished session of the class's workout and its result; no more events are taken."""
    row = await classes.readable(session, actor.id, class_id, for_update=True)
    if row.coach_id != actor.id:
        raise Forbidden("only the class's coach closes it")
    refuse_closed(row)
    people = await roster(session, row)
    work = await workout_of(runtime, row)
    kept = await standings.stored(session, row.id)
    found = kept.found
    board = board_of(people, work, found, kept.seq)
    hashed = workout_hash(work.document)
    score_type = work.path("men").score_type
    start = datetime.combine(row.session_date, row.session_time or time(0), ZoneInfo(row.timezone))
    now = utcnow()
    written = 0
    for entrant_id, standing in found.items():
        path = work.path(people.category_of(entrant_id))
        score = live.score_of(path, standing)
        policy = people.policy_of(entrant_id)
        for athlete_id in policy.members if policy else (entrant_id,):
            written += await _result_for(
                session,
                row,
                people,
                athlete_id,
                hashed,
                score_type,
                score,
                standing,
                start,
                now,
                team_id=policy.team_id if policy else None,
            )
    row.closed_at = now
    await session.flush()
    for athlete_id in people.tracks:
        await records.forget(runtime, athlete_id)
    return {"class_id": str(row.id), "results": written, "board": board}


async def _result_for(
    session: AsyncSession,
    row: ClassSession,
    people: Roster,
    athlete_id: uuid.UUID,
    hashed: str,
    score_type: str,
    score: dict[str, Any],
    standing: live.Standing,
    start: datetime,
    now: datetime,
    *,
    team_id: uuid.UUID | None,
) -> int:
    profile = await session.scalar(select(AthleteProfile).where(AthleteProfile.user_id == athlete_id))
    duration = standing.finished_at if standing.finished_at is not None else standing.last_offset
    planned = Session(
        id=uuid.uuid4(),
        athlete_id=athlete_id,
        created_by=row.coach_id,
        kind=SessionKind.one_off,
        title=row.title,
        wod_id=row.wod_id,
        wod_version=row.wod_version,
        source=row.source,
        notes=f"class {row.title} on {row.session_date.isoformat()}",
        session_date=row.session_date,
        session_time=row.session_time,
        timezone=row.timezone,
        exceptions=[],
        status=Status.completed,
        snapshot=row.snapshot,
        snapshot_at=now,
        started_at=start,
        ended_at=start + timedelta(seconds=duration),
        created_at=now,
        updated_at=now,
    )
    session.add(planned)
    await session.flush()
    session.add(
        Result(
            id=uuid.uuid4(),
            session_id=planned.id,
            athlete_id=athlete_id,
            performed_on=row.session_date,
            wod_id=row.wod_id,
            wod_version=row.wod_version,
            workout_hash=hashed,
            score_type=score_type,
            score_value=score["value"],
            score_secondary=score["secondary"],
            score_unit=score["unit"],
            capped=score["capped"],
            is_rx=people.tracks.get(athlete_id, "RX") == "RX",
            level=None if people.tracks.get(athlete_id, "RX") == "RX" else people.tracks[athlete_id].lower(),
            is_dnf=score["value"] is None,
            parts=[],
            notes=None,
            recorded_at=now,
            updated_at=now,
            category=profile.category if profile else "men",
            is_public=profile.results_visibility == "public" if profile else True,
            class_id=row.id,
            team_id=team_id,
        )
    )
    await bests.refresh(session, athlete_id, [hashed])
    return 1
