"""GraphQL: calendar, sessions, session and occurrences, through the same services as REST."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from atelier.kit.graphql import Context
from atelier.kit.problems import NotFound, Problem
from atelier.planning import calendar as calendars
from atelier.planning import service
from atelier.planning.models import Session, SessionKind


def _uuid(value: strawberry.ID | None, what: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Problem(422, f"{what} is not a valid id") from exc


@strawberry.type(name="PlannedSession")
class SessionType:
    id: strawberry.ID
    kind: str
    athlete_id: strawberry.ID
    title: str
    status: str
    date: dt.date
    time: dt.time | None
    timezone: str
    series_id: strawberry.ID | None
    occurrence_date: dt.date | None
    rrule: str | None
    exceptions: list[dt.date]
    wod_id: strawberry.ID | None
    wod_version: int | None
    notes: str | None
    snapshot: JSON | None

    @classmethod
    def of(cls, row: Session) -> SessionType:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind.value,
            athlete_id=strawberry.ID(str(row.athlete_id)),
            title=row.title,
            status=row.status.value,
            date=row.session_date,
            time=row.session_time,
            timezone=row.timezone,
            series_id=strawberry.ID(str(row.parent_id)) if row.parent_id else None,
            occurrence_date=row.occurrence_date,
            rrule=service.rule_of(row).to_rrule() if row.kind == SessionKind.series else None,
            exceptions=[dt.date.fromisoformat(d) for d in row.exceptions],
            wod_id=strawberry.ID(str(row.wod_id)) if row.wod_id else None,
            wod_version=row.wod_version,
            notes=row.notes,
            snapshot=cast(JSON, row.snapshot),
        )


@strawberry.type
class SessionPageType:
    items: list[SessionType]
    total: int


@strawberry.type(name="CalendarEntry")
class CalendarEntryType:
    date: dt.date
    time: dt.time | None
    timezone: str
    starts_at: dt.datetime | None
    kind: str
    title: str
    status: str
    exists: bool
    session_id: strawberry.ID | None
    series_id: strawberry.ID | None
    occurrence_date: dt.date | None
    moved: bool
    class_id: strawberry.ID | None
    booking: str | None

    @classmethod
    def of(cls, entry: calendars.Entry) -> CalendarEntryType:
        def ident(value: uuid.UUID | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value else None

        return cls(
            date=entry.date,
            time=entry.time,
            timezone=entry.timezone,
            starts_at=entry.starts_at,
            kind=entry.kind,
            title=entry.title,
            status=entry.status,
            exists=entry.exists,
            session_id=ident(entry.session_id),
            series_id=ident(entry.series_id),
            occurrence_date=entry.occurrence_date,
            moved=entry.moved,
            class_id=ident(entry.class_id),
            booking=entry.booking,
        )


@strawberry.type
class PlanningQueries:
    @strawberry.field(description="Every planned date in [from, to], like GET /api/v1/calendar.")
    async def calendar(
        self,
        info: Info[Context, Any],
        from_: Annotated[dt.date, strawberry.argument(name="from")],
        to: dt.date,
        athlete_id: strawberry.ID | None = None,
    ) -> list[CalendarEntryType]:
        user = await info.context.user()
        entries = await calendars.calendar(
            info.context.session, user, _uuid(athlete_id, "athleteId"), from_, to
        )
        return [CalendarEntryType.of(e) for e in entries]

    @strawberry.field(description="Series and one-off sessions (not every date), like GET /api/v1/sessions.")
    async def sessions(
        self,
        info: Info[Context, Any],
        athlete_id: strawberry.ID | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> SessionPageType:
        user = await info.context.user()
        if not 1 <= limit <= 200 or offset < 0:
            raise Problem(422, "limit must be 1–200 and offset at least 0")
        rows, total = await service.list_plans(
            info.context.session, user, _uuid(athlete_id, "athleteId"), limit=limit, offset=offset
        )
        return SessionPageType(items=[SessionType.of(r) for r in rows], total=total)

    @strawberry.field(description="One session you may see (yours, or a linked athlete's), or null.")
    async def session(self, info: Info[Context, Any], id: strawberry.ID) -> SessionType | None:
        user = await info.context.user()
        session_id = _uuid(id, "id")
        assert session_id is not None
        try:
            return SessionType.of(await service.readable(info.context.session, user, session_id))
        except NotFound:
            return None

    @strawberry.field(description="The dates of a series that exist, by date.")
    async def occurrences(self, info: Info[Context, Any], series_id: strawberry.ID) -> list[SessionType]:
        user = await info.context.user()
        series = _uuid(series_id, "seriesId")
        assert series is not None
        return [SessionType.of(r) for r in await service.history(info.context.session, user, series)]
