"""Forge REST: the ledger views, manual activities and wearable recordings (``today_api`` holds
Today, load, goals, locations and devices).

A coach reads a linked athlete's Forge (``athlete_id``); only the athlete writes it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, Field, model_validator

from atelier.accounts.auth import CurrentUser
from atelier.forge import files, ledger, recordings
from atelier.forge.models import Activity, Recording
from atelier.kit.problems import NotFound, Problem
from atelier.kit.runtime import SessionDep
from atelier.planning import service as planning

router = APIRouter(prefix="/api/v1", tags=["forge"])

# --- schemas ------------------------------------------------------------------------------------


class ActivityOut(BaseModel):
    model_config = {"from_attributes": True}

    id: uuid.UUID
    source: str
    source_id: uuid.UUID | None
    activity_type: str
    name: str
    activity_date: date
    started_at: datetime | None
    duration_seconds: int
    calories: float
    calorie_model: str
    calorie_detail: str
    rpe: float | None
    avg_hr: int | None
    effort: int | None
    distance_m: float | None
    notes: str | None


class TotalsOut(BaseModel):
    calories: float
    duration_seconds: int
    activities: int


class DayOut(BaseModel):
    date: date
    total: TotalsOut
    by_source: dict[str, TotalsOut]


class ForgeViewOut(BaseModel):
    """One Forge period. ``synced_training_sessions`` is the badge "X training sessions synced"."""

    athlete_id: uuid.UUID
    period: Literal["day", "week", "month"]
    start: date
    end: date
    total: TotalsOut
    by_source: dict[str, TotalsOut]
    synced_training_sessions: int
    days: list[DayOut]
    activities: list[ActivityOut]


class ActivityPage(BaseModel):
    items: list[ActivityOut]
    total: int
    limit: int
    offset: int


Name = Annotated[str, Field(min_length=1, max_length=120)]


class ManualIn(BaseModel):
    """A manual activity. Leave ``calories`` out to have them estimated (MET × kg × hours, or
    Keytel with ``avg_hr``); give them to keep your own figure."""

    name: Name
    activity_type: str = Field(description=f"one of {', '.join(ledger.MANUAL_TYPES)}")
    activity_date: date
    start_time: time | None = None
    duration_minutes: float = Field(gt=0, le=1440)
    calories: float | None = Field(default=None, ge=0, le=20_000)
    rpe: float | None = Field(default=None, ge=1, le=10)
    avg_hr: int | None = Field(default=None, ge=30, le=230)
    distance_m: float | None = Field(default=None, ge=0, le=1_000_000)
    notes: str | None = Field(default=None, max_length=2000)


class ManualPatch(BaseModel):
    name: Name | None = None
    activity_type: str | None = None
    activity_date: date | None = None
    start_time: time | None = None
    duration_minutes: float | None = Field(default=None, gt=0, le=1440)
    calories: float | None = Field(default=None, ge=0, le=20_000)
    rpe: float | None = Field(default=None, ge=1, le=10)
    avg_hr: int | None = Field(default=None, ge=30, le=230)
    distance_m: float | None = Field(default=None, ge=0, le=1_000_000)
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _required_stay(self) -> ManualPatch:
        for name in ("name", "activity_type", "activity_date", "duration_minutes"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be removed")
        return self


class RecordingOut(BaseModel):
    model_config = {"from_attributes": True}

    id: uuid.UUID
    filename: str | None
    file_format: str
    sport: str
    session_id: uuid.UUID | None
    device_id: uuid.UUID | None
    started_at: datetime
    ended_at: datetime
    duration_seconds: int
    samples: int
    avg_hr: int | None
    max_hr: int | None
    min_hr: int | None
    zones: dict[str, float]
    zone_method: str | None
    hr_max_used: int | None
    hr_max_source: str | None
    trimp: float | None
    effort: int | None
    distance_m: float | None
    calories: float
    calorie_model: str
    calorie_detail: str
    quality: str
    completeness: float
    anomaly_share: float
    spikes: int
    dropouts: int
    quality_reasons: list[str]


class RecordingDetailOut(RecordingOut):
    hr_series: list[list[float]]


class ImportOut(BaseModel):
    recording: RecordingOut
    duplicate: bool
    activity_id: uuid.UUID | None
    linked_session_id: uuid.UUID | None


# --- ledger ---------------------------------------------------------------------------------------


def _totals(t: ledger.Totals) -> dict[str, Any]:
    return {"calories": t.calories, "duration_seconds": t.duration_seconds, "activities": t.activities}


@router.get("/forge/{period}", response_model=ForgeViewOut)
async def forge_view(
    period: Literal["day", "week", "month"],
    session: SessionDep,
    user: CurrentUser,
    on: Annotated[date | None, Query(alias="date", description="a day in the period; default today")] = None,
    athlete_id: uuid.UUID | None = None,
) -> Any:
    """Seed 004's Forge Day tab and its week and month: every activity of the ledger (training
    synced, manual, wearable) with totals per source and per day."""
    whose = await planning.athlete_for(session, user, athlete_id)
    day = on or await ledger.today_for(session, whose)
    found = await ledger.view(session, whose, period, day)
    return {
        "athlete_id": whose,
        "period": period,
        "start": found.start,
        "end": found.end,
        "total": _totals(found.total),
        "by_source": {s: _totals(t) for s, t in found.by_source.items()},
        "synced_training_sessions": found.synced_training_sessions,
        "days": [
            {
                "date": d.day,
                "total": _totals(d.total),
                "by_source": {s: _totals(t) for s, t in d.by_source.items()},
            }
            for d in found.days
        ],
        "activities": [ActivityOut.model_validate(a) for a in found.activities],
    }


@router.get("/activities", response_model=ActivityPage)
async def list_activities(
    session: SessionDep,
    user: CurrentUser,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    source: Literal["training", "manual", "wearable"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    athlete_id: uuid.UUID | None = None,
) -> Any:
    """The Forge History tab: activities newest first."""
    if first and last and first > last:
        raise Problem(422, "from must not be after to")
    whose = await planning.athlete_for(session, user, athlete_id)
    rows, total = await ledger.history(session, whose, first, last, source, limit, offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


def _entry(body: ManualIn) -> ledger.ManualEntry:
    return ledger.ManualEntry(**body.model_dump())


@router.post("/activities", response_model=ActivityOut, status_code=status.HTTP_201_CREATED)
async def create_activity(body: ManualIn, session: SessionDep, user: CurrentUser) -> Activity:
    """Add a manual activity (a bike commute, a hike): it shows in Forge only."""
    return await ledger.create_manual(session, user, _entry(body))


@router.get("/activities/{activity_id}", response_model=ActivityOut)
async def get_activity(activity_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Activity:
    return await ledger.owned(session, user, activity_id)


@router.patch("/activities/{activity_id}", response_model=ActivityOut)
async def update_activity(
    activity_id: uuid.UUID, body: ManualPatch, session: SessionDep, user: CurrentUser
) -> Activity:
    changes = body.model_dump(exclude_unset=True)
    return await ledger.update_manual(session, user, activity_id, changes)


@router.delete("/activities/{activity_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_activity(activity_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    await ledger.delete_manual(session, user, activity_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- recordings -----------------------------------------------------------------------------------


@router.post("/recordings", response_model=ImportOut, status_code=status.HTTP_201_CREATED)
async def upload_recording(
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[
        UploadFile, File(description=f"a .fit, .gpx or .tcx file, at most {files.MAX_BYTES} bytes")
    ],
) -> Any:
    """Import a wearable file: heart-rate zones, effort, data quality and calories. It is linked to
    the training session it overlaps, or becomes a wearable activity; the same file again answers
    200 with the recording already stored."""
    data = await file.read(files.MAX_BYTES + 1)
    if len(data) > files.MAX_BYTES:
        raise Problem(413, f"wearable files are limited to {files.MAX_BYTES} bytes", filename=file.filename)
    imported = await recordings.import_file(session, user.id, data, file.filename)
    if not imported.created:
        response.status_code = status.HTTP_200_OK
    return _imported(imported)


def _imported(imported: recordings.Imported) -> dict[str, Any]:
    return {
        "recording": RecordingOut.model_validate(imported.recording),
        "duplicate": not imported.created,
        "activity_id": imported.activity.id if imported.activity is not None else None,
        "linked_session_id": imported.recording.session_id,
    }


async def _readable_recording(session: SessionDep, user: CurrentUser, recording_id: uuid.UUID) -> Recording:
    row = await session.get(Recording, recording_id)
    if row is None:
        raise NotFound("recording")
    await planning.athlete_for(session, user, row.user_id)  # 404 unless yours or a linked athlete's
    return row


@router.get("/recordings", response_model=list[RecordingOut])
async def list_recordings(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    athlete_id: uuid.UUID | None = None,
) -> Any:
    whose = await planning.athlete_for(session, user, athlete_id)
    return await recordings.listed(session, whose, limit, offset)


@router.get("/recordings/{recording_id}", response_model=RecordingDetailOut)
async def get_recording(recording_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Recording:
    """One recording with its heart-rate series ([offset s, bpm], at most one point per 5 s)."""
    return await _readable_recording(session, user, recording_id)


@router.delete("/recordings/{recording_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_recording(recording_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    await recordings.delete(session, user.id, recording_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
