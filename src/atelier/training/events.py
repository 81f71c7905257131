"""Live tracking of a class (seed 003's realized events): teams and relay order, events posted
singly or in batches, the live board and an athlete's timeline (``closing`` turns them into
results).

The rules of the work path, of relays and of what counts live in ``live.py`` (pure); this module
stores, checks who may do what, and publishes. A batch share-locks the class row (its roster,
teams and state cannot change under it: bookings, teams and closing lock the row for update), then
locks the entrants it moves (``standings.lock_entrants``): batches moving different athletes or
teams run side by side, two moving the same one take turns, so duplicate ids are caught and each
standing is folded in order. A batch is all or nothing: one malformed event refuses it (422 naming
the event and the field), nothing is stored. Valid events are stored even when they do not count
(out of turn, already finished): the timeline shows them with the reason, and the answer reports
them.

Each entrant's standing is stored (``standings``), so no state lives outside the database and any
process can take the next batch. Once a batch is committed the board is read again (``board_after``:
batches of other entrants committed meanwhile are on it) and published on the hub channel
``class:<id>``; every process forwards it to its Server-Sent Events viewers (in-process by default,
Redis pub/sub with ``ATELIER_REDIS_URL``). Each board carries ``seq``, the number of stored events
when it was read, so a viewer skips a board older than one it has shown, and the last board read
holds every batch.

Paths depend on the athlete's category only through dual quantities (``50/40 cal``): each entrant
is tracked on the path of their category (a team on its first member's).
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Literal

from sqlalchemy import ColumnElement, Uuid, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import AthleteProfile, User
from atelier.db import on_postgres, set_rls_context
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, Problem
from atelier.kit.runtime import Runtime
from atelier.planning import classes
from atelier.planning.models import (
    BookingStatus,
    ClassBooking,
    ClassSession,
    ClassStatus,
    ClassTeam,
)
from atelier.training import live, records, standings
from atelier.training.models import RealizedEvent
from atelier.training.ranking import Entry, rank
from atelier.wods.service import compile_or_refuse

MAX_BATCH = 1000
Category = Literal["men", "women"]


def channel(class_id: uuid.UUID) -> str:
    return f"class:{class_id}"


# --- who is in the class -------------------------------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """Booked athletes (with their track and category), the class's teams, and who judges."""

    row: ClassSession
    tracks: dict[uuid.UUID, str]
    categories: dict[uuid.UUID, Category]
    names: dict[uuid.UUID, str]
    teams: list[ClassTeam]

    @cached_property
    def team_of(self) -> dict[uuid.UUID, ClassTeam]:
        return {uuid.UUID(m): team for team in self.teams for m in team.members}

    @cached_property
    def policies(self) -> dict[uuid.UUID, live.Policy]:
        """Each team's relay policy by team id (asked once per event of a batch: built once)."""
        return {
            team.id: live.Policy(
                team.id, tuple(uuid.UUID(m) for m in team.members), frozenset({self.row.coach_id})
            )
            for team in self.teams
        }

    def entrant_of(self, athlete_id: uuid.UUID) -> uuid.UUID:
        team = self.team_of.get(athlete_id)
        return team.id if team is not None else athlete_id

    def policy_of(self, entrant_id: uuid.UUID) -> live.Policy | None:
        return self.policies.get(entrant_id)

    def category_of(self, entrant_id: uuid.UUID) -> Category:
        policy = self.policy_of(entrant_id)
        first = policy.members[0] if policy else entrant_id
        return self.categories.get(first, "men")

    def rx_of(self, entrant_id: uuid.UUID) -> bool:
        policy = self.policy_of(entrant_id)
        members = policy.members if policy else (entrant_id,)
        return all(self.tracks.get(m, "RX") == "RX" for m in members)

    def name_of(self, entrant_id: uuid.UUID) -> str:
        for team in self.teams:
            if team.id == entrant_id:
                return team.name
        return self.names.get(entrant_id, "?")


async def roster(session: AsyncSession, row: ClassSession) -> Roster:
    booked = await session.execute(
        select(ClassBooking.athlete_id, ClassBooking.track, User.name, AthleteProfile.category)
        .join(User, User.id == ClassBooking.athlete_id)
        .outerjoin(AthleteProfile, AthleteProfile.user_id == ClassBooking.athlete_id)
        .where(ClassBooking.class_id == row.id, ClassBooking.status == BookingStatus.booked)
    )
    tracks: dict[uuid.UUID, str] = {}
    categories: dict[uuid.UUID, Category] = {}
    names: dict[uuid.UUID, str] = {}
    for athlete_id, track, name, category in booked:
        tracks[athlete_id] = track
        categories[athlete_id] = "women" if category == "women" else "men"
        names[athlete_id] = name
    teams = list(
        (
            await session.scalars(
                select(ClassTeam).where(ClassTeam.class_id == row.id).order_by(ClassTeam.name)
            )
        ).all()
    )
    return Roster(row, tracks, categories, names, teams)


# --- paths ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workout:
    document: dict[str, Any]
    paths: dict[str, live.Path]

    def path(self, category: Category) -> live.Path:
        return self.paths[category]


async def workout_of(runtime: Runtime, row: ClassSession) -> Workout:
    if not row.source:
        raise Problem(422, "this class has no workout to track")
    _, document = await compile_or_refuse(runtime, row.source)
    try:
        return Workout(document, _paths_of(row.source, document))
    except ValueError as exc:
        raise Problem(422, f"this workout cannot be tracked live: {exc}") from exc


# Laid out once per source and process: each batch asks for them, and a Path caches its lookups.
_PATHS: dict[str, dict[str, live.Path]] = {}


def _paths_of(source: str, document: dict[str, Any]) -> dict[str, live.Path]:
    paths = _PATHS.get(source)
    if paths is None:
        if len(_PATHS) >= 256:
            _PATHS.clear()
        paths = _PATHS[source] = {c: live.path_of(document, category=c) for c in ("men", "women")}
    return paths


# --- teams ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamIn:
    name: str
    members: list[uuid.UUID]  # relay order


async def set_teams(
    session: AsyncSession, actor: User, class_id: uuid.UUID, teams: list[TeamIn]
) -> list[ClassTeam]:
    """Replace the class's teams (the coach only, before any event is posted)."""
    row = await classes.readable(session, actor.id, class_id, for_update=True)
    if row.coach_id != actor.id:
        raise Forbidden("only the class's coach sets its teams")
    refuse_closed(row)
    if await session.scalar(select(func.count()).select_from(RealizedEvent).where(*_of_class(row))):
        raise Conflict("events have been posted: the teams of this class are fixed")
    people = await roster(session, row)
    seen: set[uuid.UUID] = set()
    names: set[str] = set()
    for team in teams:
        if team.name.lower() in names:
            raise Problem(422, f"two teams are named {team.name!r}")
        names.add(team.name.lower())
        if row.team_size > 1 and len(team.members) != row.team_size:
            raise Problem(
                422,
                f"team {team.name!r} has {len(team.members)} members; "
                f"this class has teams of {row.team_size}",
            )
        for member in team.members:
            if member not in people.tracks:
                raise Problem(422, f"{member} has no place booked in this class")
            if member in seen:
                raise Problem(422, f"{member} is in two teams")
            seen.add(member)
    for old in people.teams:
        await session.delete(old)
    await session.flush()
    now = utcnow()
    made = [
        ClassTeam(
            id=uuid.uuid4(),
            class_id=row.id,
            name=team.name,
            members=[str(m) for m in team.members],
            created_at=now,
            updated_at=now,
        )
        for team in teams
    ]
    session.add_all(made)
    await session.flush()
    return made


async def teams_of(session: AsyncSession, actor: User, class_id: uuid.UUID) -> list[ClassTeam]:
    row = await classes.readable(session, actor.id, class_id)
    return (await roster(session, row)).teams


# --- standings -----------------------------------------------------------------------------------


def _of_class(row: ClassSession) -> list[Any]:
    # class_date first: on PostgreSQL it prunes to the class's month.
    return [RealizedEvent.class_date == row.session_date, RealizedEvent.class_id == row.id]


async def refolded(
    session: AsyncSession, row: ClassSession, people: Roster, work: Workout
) -> standings.Standings:
    """Every entrant's standing folded anew from all the class's stored events (see ``standings``)."""
    return await standings.refold(
        session, row, lambda entrant_id: work.path(people.category_of(entrant_id)), people.policy_of
    )


def board_of(
    people: Roster, work: Workout, found: dict[uuid.UUID, live.Standing], seq: int
) -> dict[str, Any]:
    """The live board: every booked athlete (or team), ranked; those with no event yet are last."""
    entrants = {people.entrant_of(a) for a in people.tracks} | set(found)
    start = datetime(2000, 1, 1)
    score_type = work.path("men").score_type
    entries: list[Entry[uuid.UUID]] = []
    scores: dict[uuid.UUID, dict[str, Any]] = {}
    for entrant_id in entrants:
        path = work.path(people.category_of(entrant_id))
        standing = found.get(entrant_id) or live.Standing(entrant_id=entrant_id)
        score = live.score_of(path, standing)
        moved = entrant_id in found
        leg = live.current_leg(path, standing)
        scores[entrant_id] = {
            "score": score,
            "done": round(standing.done, 3),
            "finished_at": standing.finished_at,
            "current_leg": leg.name if leg else None,
            "last_offset": standing.last_offset if moved else None,
            "started": moved,
        }
        entries.append(
            Entry(
                athlete_id=entrant_id,
                score_type=score_type,
                value=score["value"],
                secondary=score["secondary"],
                rx=people.rx_of(entrant_id),
                dnf=score["value"] is None or not moved,
                capped=score["capped"],
                recorded_at=start + timedelta(seconds=standing.last_offset),
                ref=entrant_id,
            )
        )
    rows = []
    for ranked in rank(entries):
        entrant_id = ranked.entry.ref
        detail = scores[entrant_id]
        score = detail["score"]
        rows.append(
            {
                "rank": ranked.rank,
                "tied": ranked.tied,
                "entrant_id": str(entrant_id),
                "name": people.name_of(entrant_id),
                "team": any(t.id == entrant_id for t in people.teams),
                "rx": ranked.entry.rx,
                "display": records.score_text(
                    score_type, score["value"], score["secondary"], score["capped"], score["value"] is None
                )
                if detail["started"]
                else "—",
                **detail,
            }
        )
    return {"class_id": str(people.row.id), "seq": seq, "score_type": score_type, "rows": rows}


async def live_board(
    session: AsyncSession, runtime: Runtime, actor: User, class_id: uuid.UUID
) -> dict[str, Any]:
    row = await classes.readable(session, actor.id, class_id)
    people = await roster(session, row)
    work = await workout_of(runtime, row)
    found = await standings.stored(session, row.id)
    return board_of(people, work, found.found, found.seq)


# --- ingest --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventIn:
    id: uuid.UUID
    athlete_id: uuid.UUID
    offset_s: float
    kind: str
    movement: str | None
    quantity: float | None
    unit: str | None


@dataclass(frozen=True)
class Ingested:
    accepted: int
    ignored: list[dict[str, Any]]
    duplicates: list[str]
    people: Roster
    work: Workout


def refuse_closed(row: ClassSession) -> None:
    if row.status == ClassStatus.cancelled:
        raise Conflict("this class was cancelled")
    if row.closed_at is not None:
        raise Conflict("this class is closed: its events became results")


def _same(stored: Any, given: EventIn) -> bool:
    return (
        stored.athlete_id == given.athlete_id
        and math.isclose(stored.offset_s, given.offset_s)
        and stored.kind == given.kind
        and stored.movement == given.movement
        and stored.quantity == given.quantity
        and stored.unit == given.unit
    )


async def post_events(
    session: AsyncSession, runtime: Runtime, actor: User, class_id: uuid.UUID, given: list[EventIn]
) -> Ingested:
    """Check, apply and store a batch; the caller commits, then reads the board (``board_after``).

    Only the batch's own events are folded, on top of the stored standings of the entrants they
    move (locked: see the module's note); the events go in as one statement and the moved
    standings as one upsert."""
    if not given:
        raise Problem(422, "no events")
    if len(given) > MAX_BATCH:
        raise Problem(422, f"at most {MAX_BATCH} events per batch")
    if len({e.id for e in given}) != len(given):
        raise Problem(422, "an event id appears twice in this batch")
    row = await classes.readable(session, actor.id, class_id, for_share=True)
    refuse_closed(row)
    people = await roster(session, row)
    _check_authors(people, actor, given)
    work = await workout_of(runtime, row)
    moving = sorted({people.entrant_of(e.athlete_id) for e in given})
    await standings.lock_entrants(session, row.id, moving)
    fresh, duplicates = await _fresh_and_duplicates(session, row, given)
    kept = await standings.stored(session, row.id, moving)
    applied = _apply(people, work, kept.found, fresh)
    now = utcnow()
    values, ignored = _event_rows(people, applied, fresh)
    if await standings.insert_events(session, row, actor.id, now, values) != len(values):
        # An id of this batch was stored by a batch of another entrant since it was looked up.
        raise Conflict(
            "an event of this batch was posted by another request at the same time; nothing was "
            "stored: post the batch again"
        )
    counts = dict(kept.counts)
    for entrant_id, result in applied.items():
        counts[entrant_id] = counts.get(entrant_id, 0) + len(result.outcomes)
    moved = {entrant_id: result.standing for entrant_id, result in applied.items()}
    await standings.save(session, row.id, actor.id, moved, counts, now)
    return Ingested(len(values) - len(ignored), ignored, duplicates, people, work)


async def board_after(session: AsyncSession, actor: User, done: Ingested) -> dict[str, Any]:
    """The board once a batch is committed, read in a new transaction: with every batch committed
    so far, this one's and those of other entrants that ran beside it."""
    await set_rls_context(session, user_id=actor.id)
    found = await standings.stored(session, done.people.row.id)
    return board_of(done.people, done.work, found.found, found.seq)


def _check_authors(people: Roster, actor: User, given: list[EventIn]) -> None:
    """Athletes post their own events, the class's coach anyone's; every athlete is booked."""
    judge = people.row.coach_id == actor.id
    for event in given:
        if not judge and event.athlete_id != actor.id:
            raise Forbidden("an athlete posts their own events; the class's coach judges for anyone")
        if event.athlete_id not in people.tracks:
            raise Problem(
                422, f"athlete {event.athlete_id} has no place booked in this class", event=str(event.id)
            )


async def _fresh_and_duplicates(
    session: AsyncSession, row: ClassSession, given: list[EventIn]
) -> tuple[list[EventIn], list[str]]:
    """The events not stored yet, and the ids stored already with the same values (409 if not)."""
    stored = {
        r.id: r
        for r in await session.execute(
            select(
                RealizedEvent.id,
                RealizedEvent.athlete_id,
                RealizedEvent.offset_s,
                RealizedEvent.kind,
                RealizedEvent.movement,
                RealizedEvent.quantity,
                RealizedEvent.unit,
            ).where(*_of_class(row), _any_id([e.id for e in given], session))
        )
    }
    duplicates = []
    fresh = []
    for event in given:
        earlier = stored.get(event.id)
        if earlier is None:
            fresh.append(event)
        elif _same(earlier, event):
            duplicates.append(str(event.id))
        else:
            raise Conflict(f"event {event.id} was already posted with other values", event=str(event.id))
    return fresh, duplicates


def _any_id(ids: list[uuid.UUID], session: AsyncSession) -> ColumnElement[bool]:
    """``id`` among ``ids``: one array parameter on PostgreSQL (one statement to plan, nothing
    rendered per id), an IN list on SQLite."""
    if on_postgres(session):
        return RealizedEvent.id == any_(bindparam("ids", ids, type_=ARRAY(Uuid())))
    return RealizedEvent.id.in_(ids)


def _apply(
    people: Roster, work: Workout, found: dict[uuid.UUID, live.Standing], fresh: list[EventIn]
) -> dict[uuid.UUID, live.Applied]:
    """Each entrant's new events folded on its standing; a rejected event refuses the batch (422)."""
    by_entrant: dict[uuid.UUID, list[live.Event]] = defaultdict(list)
    for e in fresh:
        by_entrant[people.entrant_of(e.athlete_id)].append(
            live.Event(
                id=e.id,
                athlete_id=e.athlete_id,
                offset_s=e.offset_s,
                kind=e.kind,  # type: ignore[arg-type]  # checked by live.apply
                movement=e.movement,
                quantity=e.quantity,
                unit=e.unit,
            )
        )
    applied: dict[uuid.UUID, live.Applied] = {}
    errors: list[dict[str, Any]] = []
    for entrant_id, events in by_entrant.items():
        result = live.apply(
            work.path(people.category_of(entrant_id)),
            people.policy_of(entrant_id),
            found.get(entrant_id) or live.Standing(entrant_id=entrant_id),
            events,
        )
        errors += [{"event": str(x.event_id), "field": x.field, "reason": x.reason} for x in result.errors]
        applied[entrant_id] = result
    if errors:
        raise Problem(422, f"{len(errors)} event(s) refused; nothing was stored", errors=errors)
    return applied


def _event_rows(
    people: Roster, applied: dict[uuid.UUID, live.Applied], fresh: list[EventIn]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows to store (``standings.EVENT_ARRAYS``'s columns) and the events ignored."""
    values: list[dict[str, Any]] = []
    ignored: list[dict[str, Any]] = []
    given_by_id = {e.id: e for e in fresh}
    for entrant_id, result in applied.items():
        team = entrant_id if people.policy_of(entrant_id) else None
        for outcome in result.outcomes:
            event = given_by_id[outcome.event_id]
            values.append(
                {
                    "id": event.id,
                    "athlete_id": event.athlete_id,
                    "entrant_id": entrant_id,
                    "team_id": team,
                    "offset_s": float(event.offset_s),
                    "kind": event.kind,
                    "movement": event.movement,
                    "quantity": event.quantity,
                    "unit": event.unit,
                    "accepted": outcome.accepted,
                    "reason": outcome.reason[:300] if outcome.reason else None,
                    "done_after": outcome.done,
                }
            )
            if not outcome.accepted:
                ignored.append({"event": str(event.id), "reason": outcome.reason})
    return values, ignored


async def publish(runtime: Runtime, board: dict[str, Any]) -> None:
    """After the commit: every viewer of the class, in every process, gets the new board."""
    await runtime.hub.publish(channel(uuid.UUID(board["class_id"])), board)


# --- timeline ------------------------------------------------------------------------------------


async def timeline(
    session: AsyncSession, actor: User, class_id: uuid.UUID, athlete_id: uuid.UUID
) -> list[RealizedEvent]:
    """One athlete's events in the order they happened, counted or not (with the reason)."""
    row = await classes.readable(session, actor.id, class_id)
    found = await session.scalars(
        select(RealizedEvent)
        .where(*_of_class(row), RealizedEvent.athlete_id == athlete_id)
        .order_by(RealizedEvent.offset_s, RealizedEvent.recorded_at)
    )
    return list(found.all())
