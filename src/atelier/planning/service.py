"""Sessions, series and occurrences: planning, the status flow, edits and deletions with scopes.

A series is a template (seed 000): no child exists until one of its dates is started, skipped,
cancelled, edited alone or moved. Children are unique per (series, date), so concurrent starts
of one date insert one row (``insert_child_once``) and then all read it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Literal

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import repository as accounts
from atelier.accounts.models import User
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.planning import repository, snapshot
from atelier.planning.models import Session, SessionKind, Status
from atelier.planning.recurrence import InvalidRule, Rule, Schedule, validate, zone
from atelier.planning.schemas import SessionEdit, SessionIn
from atelier.wods.service import compile_or_refuse

Scope = Literal["this", "following", "all"]
Action = Literal["start", "complete", "skip", "cancel"]

# DESIGN.md invariant 6: every other move is a 409 that names the current state.
MOVES: dict[Status, set[Status]] = {
    Status.scheduled: {Status.in_progress, Status.skipped, Status.cancelled},
    Status.in_progress: {Status.completed, Status.cancelled},
    Status.completed: set(),
    Status.skipped: set(),
    Status.cancelled: set(),
}
TARGET: dict[str, Status] = {
    "start": Status.in_progress,
    "complete": Status.completed,
    "skip": Status.skipped,
    "cancel": Status.cancelled,
}
CONTENT_FIELDS = ("title", "wod_id", "wod_version", "source", "notes")


class IllegalMove(Conflict):
    def __init__(self, row: Session, target: Status) -> None:
        super().__init__(
            f"a {row.status.value} session cannot become {target.value}",
            current_status=row.status.value,
            session_id=str(row.id),
        )


def rule_of(row: Session) -> Rule:
    assert row.rule is not None
    return rule_from_json(row.rule)


def rule_from_json(data: dict[str, Any]) -> Rule:
    until = data.get("until")
    return Rule(
        freq=data["freq"],
        interval=data.get("interval", 1),
        by_weekday=tuple(data.get("by_weekday", ())),
        by_month_day=tuple(data.get("by_month_day", ())),
        by_set_position=data.get("by_set_position"),
        until=date.fromisoformat(until) if until else None,
        count=data.get("count"),
    )


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "freq": rule.freq,
        "interval": rule.interval,
        "by_weekday": list(rule.by_weekday),
        "by_month_day": list(rule.by_month_day),
        "by_set_position": rule.by_set_position,
        "until": rule.until.isoformat() if rule.until else None,
        "count": rule.count,
    }


def schedule_of(row: Session) -> Schedule:
    """The series' dates: its rule from its first date, at its time in its zone, minus exceptions."""
    assert row.rule is not None
    return schedule_from(row.rule, row.session_date, row.session_time, row.timezone, row.exceptions)


def schedule_from(
    rule: dict[str, Any], start: date, at: time | None, timezone: str, exceptions: list[str]
) -> Schedule:
    return Schedule(
        rule_from_json(rule),
        start,
        at or time(0),
        timezone,
        frozenset(date.fromisoformat(d) for d in exceptions),
    )


def _checked_schedule(rule: Rule, start: date, at: time | None, zone_name: str) -> Schedule:
    try:
        return validate(rule, start, at or time(0), zone_name)
    except InvalidRule as exc:
        raise Problem(422, str(exc)) from exc


def checked_zone(name: str) -> str:
    try:
        zone(name)
    except InvalidRule as exc:
        raise Problem(422, str(exc)) from exc
    return name


async def athlete_for(session: AsyncSession, actor: User, athlete_id: uuid.UUID | None) -> uuid.UUID:
    """Whose calendar: the actor's own, or a linked athlete's (404 for anyone else)."""
    if athlete_id is None or athlete_id == actor.id:
        return actor.id
    if not await accounts.is_coach_of(session, actor.id, athlete_id):
        raise NotFound("athlete")
    return athlete_id


async def readable(
    session: AsyncSession, actor: User, session_id: uuid.UUID, *, for_update: bool = False
) -> Session:
    row = await repository.readable(session, actor.id, session_id, for_update=for_update)
    if row is None:
        raise NotFound("session")
    return row


async def zone_for(session: AsyncSession, athlete_id: uuid.UUID, given: str | None) -> str:
    if given:
        return checked_zone(given)
    profile = await accounts.profile_of(session, athlete_id)
    return profile.timezone if profile else "UTC"


async def _planned(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    *,
    wod_id: uuid.UUID | None,
    wod_version: int | None,
    source: str | None,
) -> snapshot.Planned:
    return await snapshot.planned_workout(
        session, runtime, actor.id, wod_id=wod_id, wod_version=wod_version, source=source
    )


async def _planned_of(runtime: Runtime, row: Session) -> snapshot.Planned:
    """What a stored session plans. Rows keep the source they were planned with, so an athlete can
    materialise a date of a coach's private WOD without reading the WOD itself."""
    assert row.source is not None
    _, document = await compile_or_refuse(runtime, row.source)
    return snapshot.Planned(row.title, document, row.source, row.wod_id, row.wod_version)


async def _take_snapshot(session: AsyncSession, runtime: Runtime, row: Session) -> None:
    now = utcnow()
    row.snapshot = await snapshot.take(session, row.athlete_id, await _planned_of(runtime, row), at=now)
    row.snapshot_at = now


async def create(session: AsyncSession, runtime: Runtime, actor: User, body: SessionIn) -> Session:
    athlete_id = await athlete_for(session, actor, body.athlete_id)
    timezone = await zone_for(session, athlete_id, body.timezone)
    planned = await _planned(
        session, runtime, actor, wod_id=body.wod_id, wod_version=body.wod_version, source=body.source
    )
    now = utcnow()
    row = Session(
        id=uuid.uuid4(),
        athlete_id=athlete_id,
        created_by=actor.id,
        title=body.title or planned.title,
        wod_id=planned.wod_id,
        wod_version=planned.wod_version,
        source=planned.source,
        notes=body.notes,
        session_date=body.date,
        session_time=body.time,
        timezone=timezone,
        exceptions=[],
        status=Status.scheduled,
        created_at=now,
        updated_at=now,
    )
    if body.repeat is not None:
        rule = body.repeat.to_rule()
        schedule = _checked_schedule(rule, body.date, body.time, timezone)
        row.kind = SessionKind.series
        row.rule = rule_json(rule)
        row.ends_on = schedule.last_date()
    else:
        row.kind = SessionKind.one_off
        row.snapshot = await snapshot.take(session, athlete_id, planned, at=now)
        row.snapshot_at = now
    session.add(row)
    await session.flush()
    return row


# --- occurrences -------------------------------------------------------------------------------


async def series_for(session: AsyncSession, actor: User, series_id: uuid.UUID) -> Session:
    row = await readable(session, actor, series_id)
    if row.kind != SessionKind.series:
        raise Problem(422, "this session is not a recurring series")
    return row


def _check_date_of(series: Session, day: date) -> None:
    if not schedule_of(series).produces(day):
        raise Problem(
            422,
            f"{day} is not a date of this series",
            hint="the rule does not produce it, or it was removed from the series",
        )


async def materialise(session: AsyncSession, runtime: Runtime, series: Session, day: date) -> Session:
    """The series' child for ``day``, created with its snapshot if it does not exist yet."""
    existing = await repository.child(session, series.id, day, for_update=True)
    if existing is None:
        _check_date_of(series, day)
        now = utcnow()
        await repository.insert_child_once(
            session,
            {
                "id": uuid.uuid4(),
                "athlete_id": series.athlete_id,
                "created_by": series.created_by,
                "kind": SessionKind.occurrence,
                "parent_id": series.id,
                "occurrence_date": day,
                "title": series.title,
                "wod_id": series.wod_id,
                "wod_version": series.wod_version,
                "source": series.source,
                "notes": series.notes,
                "session_date": day,
                "session_time": series.session_time,
                "timezone": series.timezone,
                "exceptions": [],
                "status": Status.scheduled,
                "routine_id": series.routine_id,
                "routine_version_id": series.routine_version_id,
                "assignment_id": series.assignment_id,
                "created_at": now,
                "updated_at": now,
            },
        )
        existing = await repository.child(session, series.id, day, for_update=True)
        assert existing is not None
    if existing.snapshot is None:
        await _take_snapshot(session, runtime, existing)
        await session.flush()
    return existing


def move(row: Session, target: Status) -> None:
    if target == row.status and target == Status.in_progress:
        return  # starting what is already running resumes it
    if target not in MOVES[row.status]:
        raise IllegalMove(row, target)
    now = utcnow()
    row.status = target
    row.updated_at = now
    if target == Status.in_progress:
        row.started_at = now
    elif target in (Status.completed, Status.cancelled) and row.started_at is not None:
        row.ended_at = now


async def act(
    session: AsyncSession, runtime: Runtime, actor: User, session_id: uuid.UUID, action: Action
) -> Session:
    """Start, complete, skip or cancel a one-off session or one occurrence."""
    row = await readable(session, actor, session_id, for_update=True)
    if row.kind == SessionKind.series:
        raise Problem(
            422,
            "a series is a template: act on one of its dates",
            hint=f"POST /api/v1/sessions/{row.id}/occurrences/{{date}}/{action}",
        )
    if row.snapshot is None:
        await _take_snapshot(session, runtime, row)
    if row.origin == "adhoc" and TARGET[action] == Status.completed and row.source is None:
        from atelier.training import adhoc  # what was performed becomes its WODCraft, then it finishes

        await adhoc.write_back(session, runtime, row)
    await _move_and_track(session, row, TARGET[action])
    await _records_changed(runtime, row, TARGET[action])
    return row


async def _records_changed(runtime: Runtime, row: Session, target: Status) -> None:
    """A finished session may set records and changes the analysis: the cached Records tab and
    this process's memory tier of Advice and Progression are dropped (their table tier sees the
    new ``training_metrics`` row by itself: ``coaching.insights``)."""
    if target == Status.completed:
        from atelier.coaching import insights
        from atelier.training import records

        await records.forget(runtime, row.athlete_id)
        await insights.forget(runtime, row.athlete_id)


async def _move_and_track(session: AsyncSession, row: Session, target: Status) -> None:
    """Move along the status flow, then open, resume or close the attempt that runs it."""
    from atelier.training import service as training

    running = row.status == Status.in_progress
    move(row, target)
    await session.flush()
    if target == Status.in_progress:
        await training.on_started(session, row, resumed=running)
    elif target in (Status.completed, Status.cancelled) and running:
        await training.on_finished(session, row)


async def act_on_date(
    session: AsyncSession, runtime: Runtime, actor: User, series_id: uuid.UUID, day: date, action: Action
) -> Session:
    """Act on one date of a series: its child is created (or reused) first; only it changes."""
    series = await series_for(session, actor, series_id)
    if action == "complete" and await repository.child(session, series.id, day) is None:
        _check_date_of(series, day)
        raise Conflict("this date has not been started", current_status=Status.scheduled.value)
    row = await materialise(session, runtime, series, day)
    await _move_and_track(session, row, TARGET[action])
    await _records_changed(runtime, row, TARGET[action])
    return row


async def list_plans(
    session: AsyncSession, actor: User, athlete_id: uuid.UUID | None, *, limit: int, offset: int
) -> tuple[list[Session], int]:
    whose = await athlete_for(session, actor, athlete_id)
    return await repository.plans(session, actor.id, whose, limit=limit, offset=offset)


async def finished(
    session: AsyncSession, actor: User, athlete_id: uuid.UUID | None, *, limit: int, offset: int
) -> tuple[list[Session], int]:
    whose = await athlete_for(session, actor, athlete_id)
    return await repository.finished(session, actor.id, whose, limit=limit, offset=offset)


async def history(session: AsyncSession, actor: User, series_id: uuid.UUID) -> list[Session]:
    """Every child of a series (the finished dates with their own numbers, and the others)."""
    series = await series_for(session, actor, series_id)
    return await repository.children(session, series.id)


# --- editing and deleting ------------------------------------------------------------------------


@dataclass
class EditResult:
    scope: Scope
    session: Session | None
    new_series: Session | None = None
    updated: int = 0
    removed: int = 0
    kept: int = 0
    _touched: list[Session] = field(default_factory=list)


async def _content_changes(
    session: AsyncSession, runtime: Runtime, actor: User, row: Session, changes: SessionEdit
) -> dict[str, Any]:
    """The content columns an edit sets (a new WOD or source is checked and pinned first)."""
    values: dict[str, Any] = {}
    fields = changes.model_fields_set
    if fields & {"wod_id", "source", "wod_version"}:
        planned = await _planned(
            session,
            runtime,
            actor,
            wod_id=changes.wod_id if "wod_id" in fields else (row.wod_id if "source" not in fields else None),
            wod_version=changes.wod_version,
            source=changes.source if "source" in fields else None,
        )
        values.update(
            wod_id=planned.wod_id,
            wod_version=planned.wod_version,
            source=planned.source,
            title=changes.title or planned.title,
        )
    if "title" in fields and changes.title:
        values["title"] = changes.title
    if "notes" in fields:
        values["notes"] = changes.notes
    return values


def _apply(row: Session, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = utcnow()
    return changed


async def edit(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    session_id: uuid.UUID,
    changes: SessionEdit,
    *,
    scope: Scope,
    day: date | None,
) -> EditResult:
    row = await readable(session, actor, session_id, for_update=True)
    content = await _content_changes(session, runtime, actor, row, changes)
    fields = changes.model_fields_set
    if row.kind != SessionKind.series:
        if "repeat" in fields:
            raise Problem(422, "only a series has a rule; create a series to repeat this session")
        if row.status != Status.scheduled:
            raise Conflict(
                f"a {row.status.value} session keeps what was planned", current_status=row.status.value
            )
        timing = _timing(changes, row)
        if _apply(row, content | timing) and (content or timing):
            await _take_snapshot(session, runtime, row)
        await session.flush()
        return EditResult("this", row)
    if scope == "this":
        if day is None:
            raise Problem(422, "editing one date of a series needs ?date=")
        if "repeat" in fields:
            raise Problem(422, "a single date has no rule; edit with scope=following or scope=all")
        child = await materialise(session, runtime, row, day)
        if child.status != Status.scheduled:
            raise Conflict(
                f"a {child.status.value} date keeps what was planned", current_status=child.status.value
            )
        _apply(child, content | _timing(changes, child))
        await _take_snapshot(session, runtime, child)
        await session.flush()
        return EditResult("this", child, updated=1)
    if scope == "following" and day is not None and day > row.session_date:
        return await _split(session, runtime, row, day, changes, content)
    return await _edit_all(session, runtime, row, changes, content)


def _timing(changes: SessionEdit, row: Session) -> dict[str, Any]:
    values: dict[str, Any] = {}
    fields = changes.model_fields_set
    if "date" in fields and changes.date is not None:
        values["session_date"] = changes.date
    if "time" in fields:
        values["session_time"] = changes.time
    if "timezone" in fields and changes.timezone:
        values["timezone"] = checked_zone(changes.timezone)
    return values


async def _follow(
    session: AsyncSession, runtime: Runtime, series: Session, children: list[Session], result: EditResult
) -> None:
    """Not-started children follow the series (content and time; a moved date keeps its day);
    those the rule no longer produces are removed; started or finished ones are left as they are."""
    schedule = schedule_of(series)
    for child in children:
        if child.status != Status.scheduled:
            result.kept += 1
            continue
        assert child.occurrence_date is not None
        if not schedule.produces(child.occurrence_date):
            await session.delete(child)
            result.removed += 1
            continue
        values = {name: getattr(series, name) for name in CONTENT_FIELDS}
        values["session_time"] = series.session_time
        values["timezone"] = series.timezone
        if _apply(child, values):
            await _take_snapshot(session, runtime, child)
            result.updated += 1


async def _edit_all(
    session: AsyncSession,
    runtime: Runtime,
    series: Session,
    changes: SessionEdit,
    content: dict[str, Any],
) -> EditResult:
    timing = _timing(changes, series)
    values = content | timing
    start = values.get("session_date", series.session_date)
    at = values.get("session_time", series.session_time)
    zone_name = values.get("timezone", series.timezone)
    rule = changes.repeat.to_rule() if changes.repeat is not None else rule_of(series)
    schedule = _checked_schedule(rule, start, at, zone_name)
    values["rule"] = rule_json(rule)
    values["ends_on"] = schedule.last_date()
    _apply(series, values)
    result = EditResult("all", series)
    await _follow(session, runtime, series, await repository.children(session, series.id), result)
    await session.flush()
    return result


async def _split(
    session: AsyncSession,
    runtime: Runtime,
    series: Session,
    day: date,
    changes: SessionEdit,
    content: dict[str, Any],
) -> EditResult:
    """ "This and following": the series ends the day before, a new one carries the change from ``day``."""
    old_rule = rule_of(series)
    # RFC 5545 counts COUNT before removing exceptions, so count the dates with them.
    unexcepted = Schedule(old_rule, series.session_date, series.session_time or time(0), series.timezone)
    before = unexcepted.dates(series.session_date, day - timedelta(days=1))
    if not before:
        return await _edit_all(session, runtime, series, changes, content)
    produced_before = len(before)
    timing = _timing(changes, series)
    start = timing.get("session_date", day)
    if start < day:
        raise Problem(422, "the new part of a split series cannot start before the split date")
    if changes.repeat is not None:
        new_rule = changes.repeat.to_rule()
    elif old_rule.count is not None:
        remaining = old_rule.count - produced_before
        new_rule = Rule(**{**_rule_kwargs(old_rule), "count": remaining})
    else:
        new_rule = old_rule
    at = timing.get("session_time", series.session_time)
    zone_name = timing.get("timezone", series.timezone)
    new_schedule = _checked_schedule(new_rule, start, at, zone_name)
    now = utcnow()
    successor = Session(
        id=uuid.uuid4(),
        athlete_id=series.athlete_id,
        created_by=series.created_by,
        kind=SessionKind.series,
        title=content.get("title", series.title),
        wod_id=content.get("wod_id", series.wod_id),
        wod_version=content.get("wod_version", series.wod_version),
        source=content.get("source", series.source),
        notes=content.get("notes", series.notes),
        session_date=start,
        session_time=at,
        timezone=zone_name,
        rule=rule_json(new_rule),
        exceptions=[d for d in series.exceptions if date.fromisoformat(d) >= day],
        ends_on=new_schedule.last_date(),
        status=Status.scheduled,
        routine_id=series.routine_id,
        routine_version_id=series.routine_version_id,
        assignment_id=series.assignment_id,
        created_at=now,
        updated_at=now,
    )
    session.add(successor)
    last_before = before[-1]
    _apply(
        series,
        {
            "rule": rule_json(Rule(**{**_rule_kwargs(old_rule), "count": None, "until": last_before})),
            "ends_on": last_before,
            "exceptions": [d for d in series.exceptions if date.fromisoformat(d) < day],
        },
    )
    await session.flush()
    later = await repository.children(session, series.id, from_date=day)
    for child in later:
        child.parent_id = successor.id
    await session.flush()
    result = EditResult("following", series, new_series=successor)
    await _follow(session, runtime, successor, later, result)
    await session.flush()
    return result


def _rule_kwargs(rule: Rule) -> dict[str, Any]:
    return {
        "freq": rule.freq,
        "interval": rule.interval,
        "by_weekday": rule.by_weekday,
        "by_month_day": rule.by_month_day,
        "by_set_position": rule.by_set_position,
        "until": rule.until,
        "count": rule.count,
    }


async def remove(
    session: AsyncSession, actor: User, session_id: uuid.UUID, *, scope: Scope, day: date | None
) -> EditResult:
    """Delete with invariant 4: the template and its not-started dates go, history stays."""
    row = await readable(session, actor, session_id, for_update=True)
    if row.kind == SessionKind.occurrence:
        assert row.parent_id is not None and row.occurrence_date is not None
        if scope == "this":
            series = await readable(session, actor, row.parent_id, for_update=True)
            return await _remove_date(session, series, row.occurrence_date)
        row, day = await readable(session, actor, row.parent_id, for_update=True), row.occurrence_date
    if row.kind == SessionKind.one_off:
        if row.status in (Status.in_progress, Status.completed):
            raise Conflict(
                f"a {row.status.value} session is history and stays", current_status=row.status.value
            )
        await session.delete(row)
        await session.flush()
        return EditResult("this", None, removed=1)
    if scope == "this":
        if day is None:
            raise Problem(422, "removing one date of a series needs ?date=")
        return await _remove_date(session, row, day)
    if scope == "following" and day is not None and day > row.session_date:
        return await _end_before(session, row, day)
    return await _remove_series(session, row)


async def _remove_date(session: AsyncSession, series: Session, day: date) -> EditResult:
    existing = await repository.child(session, series.id, day, for_update=True)
    if existing is not None and existing.status in (Status.in_progress, Status.completed):
        raise Conflict(
            f"this date is {existing.status.value}: it is history and stays",
            current_status=existing.status.value,
        )
    if existing is None:
        _check_date_of(series, day)
    result = EditResult("this", series)
    if existing is not None:
        await session.delete(existing)
        result.removed = 1
    series.exceptions = sorted({*series.exceptions, day.isoformat()})
    series.updated_at = utcnow()
    await session.flush()
    return result


async def _end_before(session: AsyncSession, series: Session, day: date) -> EditResult:
    before = schedule_of(series).dates(series.session_date, day - timedelta(days=1))
    if not before:
        return await _remove_series(session, series)
    rule = rule_of(series)
    _apply(
        series,
        {
            "rule": rule_json(Rule(**{**_rule_kwargs(rule), "count": None, "until": before[-1]})),
            "ends_on": before[-1],
        },
    )
    result = EditResult("following", series)
    for child in await repository.children(session, series.id, from_date=day):
        if child.status == Status.scheduled:
            await session.delete(child)
            result.removed += 1
        else:
            result.kept += 1
    await session.flush()
    return result


async def _remove_series(session: AsyncSession, series: Session) -> EditResult:
    result = EditResult("all", None)
    for child in await repository.children(session, series.id):
        if child.status == Status.scheduled:
            result.removed += 1
        else:
            result.kept += 1
    await session.execute(
        delete(Session).where(Session.parent_id == series.id, Session.status == Status.scheduled)
    )
    # History keeps its own title and snapshot; the foreign key lets go of the template (SET NULL).
    await session.delete(series)
    await session.flush()
    return result
