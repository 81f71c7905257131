"""Recovery snapshots (seed 004, "Flux Session State Recovery"): the runner's last state.

The runner upserts its state on every set, exercise end, rest end and a 30-second heartbeat, so a
crash, a closed tab or a dead phone loses at most 30 seconds. On opening the app the athlete is
offered their most recent snapshot younger than 24 hours whose session still runs: "Reprendre"
reads it back (and keeps it, until the session is finished), "Annuler" deletes it.

Only the athlete reads and writes their own snapshots; a linked coach gets a 403 on every one of
them (the runner's state is not training data, and PostgreSQL's policy on the table does not
open it to coaches either). Snapshots of finished sessions (completed, cancelled, skipped) and
those older than 7 days are pruned by a system job (``prune``, ``prune_job``,
``atelier recovery prune``); ``forget`` drops one at once when its session completes.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
from atelier.db import set_rls_context, unit_of_work
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, NotFound
from atelier.planning.models import Session, Status
from atelier.training.models import RecoverySnapshot
from atelier.training.service import insert_for, latest_attempt, readable_session

if TYPE_CHECKING:
    from atelier.kit.runtime import Runtime

log = logging.getLogger(__name__)

OFFERED_FOR = timedelta(hours=24)  # a snapshot older than this is not offered back
KEPT_FOR = timedelta(days=7)  # ... and one older than this is deleted
FINISHED = (Status.completed, Status.cancelled, Status.skipped)

Reason = Literal["set", "exercise", "rest", "heartbeat"]


@dataclass
class RunnerState:
    """What the runner sends: where it stands, what is done, its timers and its own free state."""

    current_exercise: int
    current_set: int
    completed_exercises: list[int]
    completed_sets: dict[str, Any]
    timers: dict[str, Any]
    state: dict[str, Any]
    reason: Reason


@dataclass
class Recovery:
    snapshot: RecoverySnapshot
    row: Session


async def _own_session(session: AsyncSession, actor: User, session_id: uuid.UUID) -> Session:
    """The actor's own dated session: someone else's is a 404, a series a 422, a coach's view a 403."""
    row = await readable_session(session, actor, session_id)
    if row.athlete_id != actor.id:
        raise Forbidden("a session's recovery state belongs to its athlete alone")
    return row


async def _snapshot_of(session: AsyncSession, actor: User, session_id: uuid.UUID) -> RecoverySnapshot | None:
    # athlete_id again: SQLite has no row-level security to fall back on.
    return await session.scalar(
        select(RecoverySnapshot)
        .where(RecoverySnapshot.session_id == session_id, RecoverySnapshot.athlete_id == actor.id)
        .execution_options(populate_existing=True)
    )


async def save(session: AsyncSession, actor: User, session_id: uuid.UUID, given: RunnerState) -> Recovery:
    """Upsert the runner's state for a session the actor is running (409 when it is not running).

    One ``INSERT … ON CONFLICT (session_id) DO UPDATE``: concurrent heartbeats from two tabs or a
    retried request all land, the last one wins, none fails on the primary key.
    """
    row = await _own_session(session, actor, session_id)
    if row.status != Status.in_progress:
        raise Conflict(
            f"a {row.status.value} session has no runner state to save: start it first"
            if row.status == Status.scheduled
            else f"a {row.status.value} session has no runner state to save",
            current_status=row.status.value,
        )
    attempt = await latest_attempt(session, row)
    values = {
        "attempt_id": attempt.id if attempt else None,
        "current_exercise": given.current_exercise,
        "current_set": given.current_set,
        "completed_exercises": given.completed_exercises,
        "completed_sets": given.completed_sets,
        "timers": given.timers,
        "state": given.state,
        "updated_at": utcnow(),
    }
    statement = insert_for(session)(RecoverySnapshot).values(
        session_id=row.id, athlete_id=row.athlete_id, **values
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[RecoverySnapshot.session_id],
            set_={name: statement.excluded[name] for name in values},
        )
    )
    log.debug("recovery snapshot saved for session %s (%s)", row.id, given.reason)
    snapshot = await _snapshot_of(session, actor, row.id)
    assert snapshot is not None
    return Recovery(snapshot, row)


async def offered(session: AsyncSession, actor: User, now: datetime | None = None) -> Recovery | None:
    """The actor's most recent snapshot younger than 24 h whose session still runs, if any."""
    now = now or utcnow()
    found = (
        await session.execute(
            select(RecoverySnapshot, Session)
            .join(Session, Session.id == RecoverySnapshot.session_id)
            .where(
                RecoverySnapshot.athlete_id == actor.id,
                Session.athlete_id == actor.id,
                Session.status == Status.in_progress,
                RecoverySnapshot.updated_at > now - OFFERED_FOR,
            )
            .order_by(RecoverySnapshot.updated_at.desc(), RecoverySnapshot.session_id)
            .limit(1)
            .execution_options(populate_existing=True)
        )
    ).first()
    return Recovery(found[0], found[1]) if found else None


async def of_session(
    session: AsyncSession, actor: User, session_id: uuid.UUID, now: datetime | None = None
) -> Recovery:
    """A session's snapshot while it is offered: younger than 24 h, the session still running.

    An older one, or one left behind by a finished session, is as good as gone (404).
    """
    row = await _own_session(session, actor, session_id)
    snapshot = await _snapshot_of(session, actor, row.id)
    if (
        snapshot is None
        or row.status != Status.in_progress
        or snapshot.updated_at <= (now or utcnow()) - OFFERED_FOR
    ):
        raise NotFound("recovery snapshot")
    return Recovery(snapshot, row)


async def resume(session: AsyncSession, actor: User, session_id: uuid.UUID) -> Recovery:
    """ "Reprendre": the snapshot to restore. It stays until the session is finished (seed 004),
    so a second crash before the next save still finds it."""
    return await of_session(session, actor, session_id)


async def discard(session: AsyncSession, actor: User, session_id: uuid.UUID) -> None:
    """ "Annuler": delete the session's snapshot, whatever its age (404 when there is none)."""
    row = await _own_session(session, actor, session_id)
    deleted = await session.execute(
        delete(RecoverySnapshot).where(
            RecoverySnapshot.session_id == row.id, RecoverySnapshot.athlete_id == actor.id
        )
    )
    if not getattr(deleted, "rowcount", 0):
        raise NotFound("recovery snapshot")


async def forget(session: AsyncSession, session_id: uuid.UUID) -> None:
    """Drop a session's snapshot (its session was just completed or cancelled).

    Runs with the caller's rights: on PostgreSQL a row the caller's policy hides (a coach
    finishing their athlete's session) stays, and the next ``prune`` deletes it.
    """
    await session.execute(delete(RecoverySnapshot).where(RecoverySnapshot.session_id == session_id))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Delete snapshots older than 7 days or whose session is finished; how many went.

    A system job: it switches the transaction to the system context to see every athlete's rows.
    """
    await set_rls_context(session, user_id=None, system=True)
    finished = select(Session.id).where(Session.status.in_(FINISHED))
    deleted = await session.execute(
        delete(RecoverySnapshot)
        .where(or_(RecoverySnapshot.updated_at < now - KEPT_FOR, RecoverySnapshot.session_id.in_(finished)))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(deleted, "rowcount", 0) or 0)


async def prune_job(runtime: Runtime) -> int:
    """The periodic prune (``atelier.jobs``, hourly): one idempotent DELETE by condition.

    Running it in several processes at once (several workers, several replicas) is safe: two runs
    at the same time delete each row once between them and neither fails; the counts they log
    simply add up to the rows removed.
    """
    async with unit_of_work(runtime.sessions, system=True) as session:
        deleted = await prune(session, utcnow())
    if deleted:
        log.info("recovery prune: %d snapshot(s) deleted", deleted)
    return deleted
