"""Stored live standings of a class, and the batch writes of live ingest.

Each entrant (an athlete, or a team) of a class has one ``live_standings`` row: its events folded so
far (``live.Standing``) and how many of its events are stored. A batch reads the class's rows, folds
only its own events on top of them (``live.apply`` resumes from a standing) and upserts the rows it
changed, so a batch costs the same whether the class holds a hundred events or a million. The
board's ``seq`` is the sum of the counts: the number of stored events.

:func:`refold` rebuilds standings from every stored event instead, replayed in the order they
were applied (batch after batch: ``recorded_at``; inside a batch by offset, then by ``done_after``,
which only grows along an entrant's fold, and events equal in both leave the fold the same in
either order). It agrees with the stored rows (a test says so); the migration that made the table
filled it that way.

Batches of one class run side by side when they move different entrants: each takes a
transaction-level advisory lock per entrant it moves (:func:`lock_entrants`, in one order so two
batches never wait on each other), and reads and folds those entrants' standings under it. Two
batches moving the same entrant take turns, so its fold sees every earlier batch. SQLite runs one
writer at a time and needs no lock.

Writes are one statement each: the batch's events as one ``INSERT … SELECT FROM unnest(arrays)``
on PostgreSQL (16 array parameters however long the batch: no statement of thousands of
parameters to build, send and plan), an ``executemany`` on SQLite; the changed standings as one
multi-row upsert.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.db import on_postgres
from atelier.planning.models import ClassSession
from atelier.training import live
from atelier.training.models import LiveStanding, RealizedEvent

# The columns of an event row that differ from event to event, in the order of the unnest below.
EVENT_ARRAYS = (
    ("id", "uuid"),
    ("athlete_id", "uuid"),
    ("entrant_id", "uuid"),
    ("team_id", "uuid"),
    ("offset_s", "float8"),
    ("kind", "text"),
    ("movement", "text"),
    ("quantity", "float8"),
    ("unit", "text"),
    ("accepted", "boolean"),
    ("reason", "text"),
    ("done_after", "float8"),
)
INSERT_EVENTS = text(
    "INSERT INTO realized_events (class_date, class_id, posted_by, recorded_at, "
    + ", ".join(name for name, _ in EVENT_ARRAYS)
    + ") SELECT CAST(:class_date AS date), CAST(:class_id AS uuid), CAST(:posted_by AS uuid), "
    "CAST(:recorded_at AS timestamptz), e.* FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in EVENT_ARRAYS)
    + ") AS e("
    + ", ".join(name for name, _ in EVENT_ARRAYS)
    + ") ON CONFLICT DO NOTHING"
)
# Two int4 keys: a key space of its own (the partitions job locks with one bigint key).
LOCK_ENTRANTS = text(
    "SELECT pg_advisory_xact_lock(k.high, k.low) FROM unnest(CAST(:high AS int4[]), CAST(:low AS int4[])) "
    "AS k(high, low)"
)


@dataclass(frozen=True)
class Standings:
    """Every entrant's standing in a class and how many of its events are stored."""

    found: dict[uuid.UUID, live.Standing]
    counts: dict[uuid.UUID, int]

    @property
    def seq(self) -> int:
        """The number of events the class stores: a later board has a larger one."""
        return sum(self.counts.values())


def _standing_of(row: Any) -> live.Standing:
    return live.Standing(
        entrant_id=row.entrant_id,
        done=row.done,
        last_offset=row.last_offset,
        finished_at=row.finished_at,
        load_kg=row.load_kg,
        last_offsets={uuid.UUID(k): float(v) for k, v in (row.last_offsets or {}).items()},
    )


def lock_keys(class_id: uuid.UUID, entrants: Sequence[uuid.UUID]) -> list[tuple[int, int]]:
    """The advisory lock of each entrant of a class, in the order every batch takes them."""
    keys: set[tuple[int, int]] = set()
    for entrant_id in entrants:
        digest = hashlib.blake2b(class_id.bytes + entrant_id.bytes, digest_size=8).digest()
        high, low = (int.from_bytes(half, "big", signed=True) for half in (digest[:4], digest[4:]))
        keys.add((high, low))
    return sorted(keys)


async def lock_entrants(session: AsyncSession, class_id: uuid.UUID, entrants: Sequence[uuid.UUID]) -> None:
    """Wait for, then hold until the transaction ends, the right to move these entrants."""
    if not on_postgres(session) or not entrants:
        return
    keys = lock_keys(class_id, entrants)
    await session.execute(LOCK_ENTRANTS, {"high": [k[0] for k in keys], "low": [k[1] for k in keys]})


async def stored(
    session: AsyncSession, class_id: uuid.UUID, entrants: Sequence[uuid.UUID] | None = None
) -> Standings:
    """The class's stored standings (one row per entrant that posted), or only ``entrants``'."""
    statement = select(
        LiveStanding.entrant_id,
        LiveStanding.done,
        LiveStanding.last_offset,
        LiveStanding.finished_at,
        LiveStanding.load_kg,
        LiveStanding.last_offsets,
        LiveStanding.events,
    ).where(LiveStanding.class_id == class_id)
    if entrants is not None:
        statement = statement.where(LiveStanding.entrant_id.in_(entrants))
    rows = await session.execute(statement)
    found: dict[uuid.UUID, live.Standing] = {}
    counts: dict[uuid.UUID, int] = {}
    for row in rows:
        found[row.entrant_id] = _standing_of(row)
        counts[row.entrant_id] = int(row.events)
    return Standings(found, counts)


async def save(
    session: AsyncSession,
    class_id: uuid.UUID,
    actor_id: uuid.UUID,
    changed: Mapping[uuid.UUID, live.Standing],
    counts: Mapping[uuid.UUID, int],
    now: datetime,
) -> None:
    """Upsert the standings of the entrants a batch moved (one statement)."""
    if not changed:
        return
    values = [
        {
            "class_id": class_id,
            "entrant_id": entrant_id,
            "done": standing.done,
            "last_offset": standing.last_offset,
            "finished_at": standing.finished_at,
            "load_kg": standing.load_kg,
            "last_offsets": {str(k): v for k, v in standing.last_offsets.items()},
            "events": counts[entrant_id],
            "updated_by": actor_id,
            "updated_at": now,
        }
        for entrant_id, standing in changed.items()
    ]
    statement = (postgres_insert if on_postgres(session) else sqlite_insert)(LiveStanding).values(values)
    kept = ("class_id", "entrant_id")
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[LiveStanding.class_id, LiveStanding.entrant_id],
            set_={
                c.name: statement.excluded[c.name]
                for c in LiveStanding.__table__.columns
                if c.name not in kept
            },
        )
    )


async def insert_events(
    session: AsyncSession, row: ClassSession, actor_id: uuid.UUID, now: datetime, values: list[dict[str, Any]]
) -> int:
    """Store a batch's event rows (``values``: the columns of ``EVENT_ARRAYS``) in one statement;
    how many were stored (on PostgreSQL an id another batch stored meanwhile is skipped, and the
    caller refuses the batch; SQLite's single writer leaves no such race)."""
    if not values:
        return 0
    common = {"class_date": row.session_date, "class_id": row.id, "posted_by": actor_id, "recorded_at": now}
    if on_postgres(session):
        arrays = {name: [v[name] for v in values] for name, _ in EVENT_ARRAYS}
        done = await session.execute(INSERT_EVENTS, common | arrays)
        return int(done.rowcount)  # type: ignore[attr-defined]
    await session.execute(insert(RealizedEvent), [common | v for v in values])
    return len(values)


async def refold(
    session: AsyncSession,
    row: ClassSession,
    path_of: Callable[[uuid.UUID], live.Path],
    policy_of: Callable[[uuid.UUID], live.Policy | None],
) -> Standings:
    """Every entrant's standing folded anew from all its stored events, in the order applied."""
    rows = await session.execute(
        select(
            RealizedEvent.entrant_id,
            RealizedEvent.id,
            RealizedEvent.athlete_id,
            RealizedEvent.offset_s,
            RealizedEvent.kind,
            RealizedEvent.movement,
            RealizedEvent.quantity,
            RealizedEvent.unit,
        )
        .where(RealizedEvent.class_date == row.session_date, RealizedEvent.class_id == row.id)
        .order_by(RealizedEvent.recorded_at, RealizedEvent.offset_s, RealizedEvent.done_after)
    )
    by_entrant: dict[uuid.UUID, list[live.Event]] = {}
    for r in rows:
        by_entrant.setdefault(r.entrant_id, []).append(
            live.Event(
                id=r.id,
                athlete_id=r.athlete_id,
                offset_s=r.offset_s,
                kind=str(getattr(r.kind, "value", r.kind)),  # type: ignore[arg-type]
                movement=r.movement,
                quantity=r.quantity,
                unit=r.unit,
            )
        )
    return fold_all(by_entrant, path_of, policy_of)


def fold_all(
    by_entrant: Mapping[uuid.UUID, Sequence[live.Event]],
    path_of: Callable[[uuid.UUID], live.Path],
    policy_of: Callable[[uuid.UUID], live.Policy | None],
) -> Standings:
    """Fold each entrant's events (already in the order they were applied) from the start."""
    found: dict[uuid.UUID, live.Standing] = {}
    for entrant_id, events in by_entrant.items():
        standing = live.Standing(entrant_id=entrant_id)
        for event in events:  # one at a time: apply sorts a batch, these are in applied order
            standing = live.apply(path_of(entrant_id), policy_of(entrant_id), standing, [event]).standing
        found[entrant_id] = standing
    return Standings(found, {entrant_id: len(events) for entrant_id, events in by_entrant.items()})
