"""Request and response bodies for sessions, series, occurrences and the calendar."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from atelier.planning.models import SessionKind, Status
from atelier.planning.recurrence import Rule


class RuleIn(BaseModel):
    """An RFC 5545 rule: ``weekly`` on ``["MO", "TH"]``; ``monthly`` on day 15, or the
    second Tuesday (``by_weekday=["TU"], by_set_position=2``); ``until`` or ``count``."""

    model_config = ConfigDict(extra="forbid")

    freq: Literal["daily", "weekly", "monthly", "yearly"]
    interval: int = Field(1, ge=1, le=366)
    by_weekday: list[str] = Field(default_factory=list, max_length=7)
    by_month_day: list[int] = Field(default_factory=list, max_length=31)
    by_set_position: int | None = None
    until: dt.date | None = None
    count: int | None = Field(None, ge=1, le=1000)

    def to_rule(self) -> Rule:
        return Rule(
            freq=self.freq,
            interval=self.interval,
            by_weekday=tuple(d.strip().upper() for d in self.by_weekday),
            by_month_day=tuple(self.by_month_day),
            by_set_position=self.by_set_position,
            until=self.until,
            count=self.count,
        )


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wod_id: uuid.UUID | None = None
    wod_version: int | None = Field(None, ge=1)
    source: str | None = Field(None, min_length=1, max_length=20_000)
    title: str | None = Field(None, min_length=1, max_length=200)
    notes: str | None = Field(None, max_length=10_000)
    date: dt.date
    time: dt.time | None = None
    timezone: str | None = Field(None, max_length=64, description="IANA zone; default: your profile's")
    repeat: RuleIn | None = Field(None, description="makes a recurring series")
    athlete_id: uuid.UUID | None = Field(None, description="a coach plans for a linked athlete")


class SessionEdit(BaseModel):
    """Fields to change; absent fields stay. ``date`` on one date of a series moves that date."""

    model_config = ConfigDict(extra="forbid")

    wod_id: uuid.UUID | None = None
    wod_version: int | None = Field(None, ge=1)
    source: str | None = Field(None, min_length=1, max_length=20_000)
    title: str | None = Field(None, min_length=1, max_length=200)
    notes: str | None = Field(None, max_length=10_000)
    date: dt.date | None = None
    time: dt.time | None = None
    timezone: str | None = Field(None, max_length=64)
    repeat: RuleIn | None = None


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: SessionKind
    athlete_id: uuid.UUID
    created_by: uuid.UUID | None
    title: str
    wod_id: uuid.UUID | None
    wod_version: int | None
    source: str | None
    notes: str | None
    date: dt.date = Field(validation_alias="session_date")
    time: dt.time | None = Field(validation_alias="session_time")
    timezone: str
    status: Status
    origin: str = Field("planned", description="planned, or adhoc for a workout started with no plan")
    series_id: uuid.UUID | None = Field(validation_alias="parent_id")
    occurrence_date: dt.date | None
    repeat: dict[str, Any] | None = Field(validation_alias="rule")
    rrule: str | None = None
    exceptions: list[dt.date] = Field(default_factory=list)
    ends_on: dt.date | None
    snapshot: dict[str, Any] | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    routine_id: uuid.UUID | None
    assignment_id: uuid.UUID | None
    attempt_id: uuid.UUID | None = Field(None, description="on a start: the attempt it opened or resumed")
    created_at: dt.datetime
    updated_at: dt.datetime


class SessionPage(BaseModel):
    items: list[SessionOut]
    total: int
    limit: int
    offset: int


class EditOut(BaseModel):
    """What an edit or a deletion did: the session(s) now in place and how many dates it touched."""

    scope: Literal["this", "following", "all"]
    session: SessionOut | None
    new_series: SessionOut | None = None
    updated_occurrences: int = 0
    removed_occurrences: int = 0
    kept_occurrences: int = 0


class CalendarEntryOut(BaseModel):
    date: dt.date
    time: dt.time | None
    timezone: str
    starts_at: dt.datetime | None = Field(description="UTC instant, when the session has a time")
    kind: Literal["one_off", "occurrence", "class"]
    title: str
    status: str
    exists: bool = Field(description="false: a date the series will produce, not created yet")
    session_id: uuid.UUID | None
    series_id: uuid.UUID | None
    occurrence_date: dt.date | None
    moved: bool = False
    athlete_id: uuid.UUID | None
    routine_id: uuid.UUID | None = None
    class_id: uuid.UUID | None = None
    booking: str | None = None


class CalendarOut(BaseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date
    entries: list[CalendarEntryOut]
