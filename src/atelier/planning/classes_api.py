"""Class endpoints: a coach schedules, edits and cancels classes; athletes book, wait and cancel."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from atelier.accounts.auth import CurrentUser
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import classes
from atelier.planning.models import BookingStatus, ClassStatus

router = APIRouter(prefix="/api/v1", tags=["classes"])


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


Track = Annotated[Literal["RX", "INTERMEDIATE", "SCALED"], BeforeValidator(_upper)]


def _default_tracks() -> list[Literal["RX", "INTERMEDIATE", "SCALED"]]:
    return ["RX", "SCALED"]


GenderMode = Annotated[Literal["M", "F", "MIXED"], BeforeValidator(_upper)]


class ClassIn(BaseModel):
    """A class: a stored WOD (``wod_id``, optional ``wod_version``) or inline WODCraft ``source``."""

    model_config = ConfigDict(extra="forbid")

    wod_id: uuid.UUID | None = None
    wod_version: int | None = Field(None, ge=1)
    source: str | None = Field(None, min_length=1, max_length=20_000)
    title: str | None = Field(None, min_length=1, max_length=200)
    date: dt.date
    time: dt.time = Field(description="wall-clock start in ``timezone``")
    timezone: str | None = Field(None, min_length=1, max_length=64, description="IANA zone; default: yours")
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    location: str | None = Field(None, max_length=255)
    tracks: list[Track] = Field(default_factory=_default_tracks, min_length=1, max_length=3)
    gender_mode: GenderMode = "MIXED"
    team_size: int = Field(1, ge=1, le=50)
    coach_notes: str | None = Field(None, max_length=10_000)
    capacity: int = Field(ge=1, le=500)

    @field_validator("time")
    @classmethod
    def _wall_clock(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("give a wall-clock time; the zone goes in 'timezone'")
        return value


class ClassEdit(BaseModel):
    """Fields to change; absent fields stay (``null`` clears notes or location)."""

    model_config = ConfigDict(extra="forbid")

    coach_notes: str | None = Field(None, max_length=10_000)
    location: str | None = Field(None, max_length=255)
    capacity: int | None = Field(None, ge=1, le=500)

    @field_validator("capacity")
    @classmethod
    def _no_null_capacity(cls, value: int | None) -> int | None:
        if value is None:
            raise ValueError("capacity cannot be null")
        return value


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    track: Track


class MyBookingOut(BaseModel):
    status: BookingStatus
    track: str
    position: int | None = Field(description="place in the waitlist (1 is next); null unless waitlisted")
    requested_at: dt.datetime


class RosterLineOut(BaseModel):
    athlete_id: uuid.UUID
    name: str
    track: str
    status: BookingStatus
    position: int | None
    requested_at: dt.datetime


class ClassOut(BaseModel):
    id: uuid.UUID
    coach_id: uuid.UUID
    coach_name: str
    title: str
    wod_id: uuid.UUID | None
    wod_version: int | None
    date: dt.date
    time: dt.time
    timezone: str
    starts_at: dt.datetime = Field(description="UTC instant")
    duration_minutes: int
    location: str | None
    tracks: list[str]
    gender_mode: str
    team_size: int
    coach_notes: str | None
    capacity: int
    booked: int
    waitlisted: int
    places_left: int
    status: ClassStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    snapshot: dict[str, Any] | None = Field(None, description="what is planned; on a single class only")
    my_booking: MyBookingOut | None = None
    roster: list[RosterLineOut] | None = Field(None, description="for the class's coach only")


class BookingOut(BaseModel):
    class_id: uuid.UUID
    athlete_id: uuid.UUID
    track: str
    status: BookingStatus
    position: int | None = Field(description="place in the waitlist (1 is next); null unless waitlisted")
    requested_at: dt.datetime
    capacity: int
    booked: int
    waitlisted: int


def class_out(found: classes.ClassView, *, with_snapshot: bool = True) -> ClassOut:
    row = found.row
    mine = (
        MyBookingOut(
            status=found.mine.status,
            track=found.mine.track,
            position=found.my_position,
            requested_at=found.mine.requested_at,
        )
        if found.mine is not None
        else None
    )
    roster = (
        [
            RosterLineOut(
                athlete_id=line.booking.athlete_id,
                name=line.name,
                track=line.booking.track,
                status=line.booking.status,
                position=line.position,
                requested_at=line.booking.requested_at,
            )
            for line in found.roster
        ]
        if found.roster is not None
        else None
    )
    return ClassOut(
        id=row.id,
        coach_id=row.coach_id,
        coach_name=found.coach_name,
        title=row.title,
        wod_id=row.wod_id,
        wod_version=row.wod_version,
        date=row.session_date,
        time=row.session_time,
        timezone=row.timezone,
        starts_at=classes.starts_at(row),
        duration_minutes=row.duration_minutes,
        location=row.location,
        tracks=list(row.tracks),
        gender_mode=row.gender_mode,
        team_size=row.team_size,
        coach_notes=row.coach_notes,
        capacity=row.capacity,
        booked=row.booked,
        waitlisted=found.waitlisted,
        places_left=max(row.capacity - row.booked, 0),
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        snapshot=row.snapshot if with_snapshot else None,
        my_booking=mine,
        roster=roster,
    )


def booking_out(found: classes.BookingView) -> BookingOut:
    booking = found.booking
    return BookingOut(
        class_id=booking.class_id,
        athlete_id=booking.athlete_id,
        track=booking.track,
        status=booking.status,
        position=found.position,
        requested_at=booking.requested_at,
        capacity=found.row.capacity,
        booked=found.row.booked,
        waitlisted=found.waitlisted,
    )


@router.post("/classes", response_model=ClassOut, status_code=status.HTTP_201_CREATED)
async def create(body: ClassIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> ClassOut:
    """Schedule a class (coaches only): a WOD at a date, time and place, with tracks and a capacity."""
    new = classes.NewClass(**body.model_dump())
    return class_out(await classes.create(session, runtime, user, new))


@router.get("/classes", response_model=list[ClassOut])
async def list_classes(
    session: SessionDep,
    user: CurrentUser,
    first: Annotated[dt.date | None, Query(alias="from", description="default: today (UTC)")] = None,
    last: Annotated[dt.date | None, Query(alias="to", description="default: 30 days after 'from'")] = None,
) -> list[ClassOut]:
    """Classes you run or can book (your coaches'), with places taken, the waitlist and your booking."""
    first = first or dt.datetime.now(dt.UTC).date()
    last = last or first + dt.timedelta(days=30)
    found = await classes.list_classes(session, user, first, last)
    return [class_out(f, with_snapshot=False) for f in found]


@router.get("/classes/{class_id}", response_model=ClassOut)
async def read(class_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ClassOut:
    """One class with its snapshot; its coach also gets the roster and the waitlist in order."""
    return class_out(await classes.view(session, user, class_id))


@router.patch("/classes/{class_id}", response_model=ClassOut)
async def edit(class_id: uuid.UUID, body: ClassEdit, session: SessionDep, user: CurrentUser) -> ClassOut:
    """Change notes, location or capacity; more places promote from the waitlist in order."""
    changes = body.model_dump(include=body.model_fields_set)
    return class_out(await classes.edit(session, user, class_id, changes))


@router.post("/classes/{class_id}/cancel", response_model=ClassOut)
async def cancel(class_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ClassOut:
    """Cancel the class (its coach only); a cancelled class takes no bookings."""
    return class_out(await classes.cancel(session, user, class_id))


@router.post("/classes/{class_id}/bookings", response_model=BookingOut, status_code=status.HTTP_201_CREATED)
async def book(class_id: uuid.UUID, body: BookingIn, session: SessionDep, user: CurrentUser) -> BookingOut:
    """Book a place on a track, or join the end of the waitlist when the class is full."""
    return booking_out(await classes.book(session, user, class_id, body.track))


@router.delete("/classes/{class_id}/bookings/me", response_model=BookingOut)
async def unbook_me(class_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> BookingOut:
    """Cancel your booking; a place you held goes to the first athlete on the waitlist."""
    return booking_out(await classes.unbook(session, user, class_id))


@router.delete("/classes/{class_id}/bookings/{athlete_id}", response_model=BookingOut)
async def unbook(
    class_id: uuid.UUID, athlete_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> BookingOut:
    """The class's coach removes an athlete's booking (the waitlist moves up as for a cancellation)."""
    return booking_out(await classes.unbook(session, user, class_id, athlete_id))
