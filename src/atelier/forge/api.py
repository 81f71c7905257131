"""Forge REST: the ledger views, manual activities, recordings, devices, goals and locations.

A coach reads a linked athlete's Forge (``athlete_id``); only the athlete writes it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, Field, model_validator

from atelier.accounts.auth import CurrentUser
from atelier.forge import devices, files, goals, ledger, recordings
from atelier.forge.models import Activity, Device, Goal, Location, Recording
from atelier.kit.clock import utcnow
from atelier.kit.problems import NotFound, Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
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


class DeviceIn(BaseModel):
    provider: str
    label: str = Field(default="", max_length=120)
    access_token: str = Field(min_length=1, max_length=4000)
    refresh_token: str | None = Field(default=None, max_length=4000)
    expires_in: int | None = Field(default=None, ge=1, le=10 * 365 * 86400)


class DeviceOut(BaseModel):
    """A connected device; its tokens never leave the server."""

    model_config = {"from_attributes": True}

    id: uuid.UUID
    provider: str
    label: str
    token_expires_at: datetime | None
    last_synced_at: datetime | None
    last_error: str | None
    created_at: datetime


class SyncOut(BaseModel):
    listed: int
    imported: int
    duplicates: int
    unreadable: list[str]


class GoalIn(BaseModel):
    goal_type: str = Field(description=", ".join(goals.GOAL_UNITS))
    movement: str | None = None
    target_value: float = Field(gt=0, le=1_000_000)
    deadline: date | None = None
    is_active: bool = True


class GoalPatch(BaseModel):
    target_value: float | None = Field(default=None, gt=0, le=1_000_000)
    deadline: date | None = None
    is_active: bool | None = None


class GoalOut(BaseModel):
    model_config = {"from_attributes": True}

    id: uuid.UUID
    goal_type: str
    movement: str | None
    target_value: float
    current_value: float | None
    unit: str
    deadline: date | None
    is_active: bool
    achieved_at: datetime | None


class LocationIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    equipment: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(default=[], max_length=60)
    is_default: bool = False


class LocationPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    equipment: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, max_length=60
    )
    is_default: bool | None = None


class LocationOut(BaseModel):
    model_config = {"from_attributes": True}

    id: uuid.UUID
    name: str
    equipment: list[str]
    is_default: bool


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


# --- devices --------------------------------------------------------------------------------------


@router.post("/devices", response_model=DeviceOut, status_code=status.HTTP_201_CREATED)
async def connect_device(
    body: DeviceIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> Device:
    """Store a provider's OAuth tokens (encrypted at rest; never shown again)."""
    expires = utcnow() + timedelta(seconds=body.expires_in) if body.expires_in else None
    return await devices.connect(
        session,
        runtime.settings,
        user.id,
        provider=body.provider,
        label=body.label,
        tokens=devices.Tokens(body.access_token, body.refresh_token, expires),
    )


@router.get("/devices", response_model=list[DeviceOut])
async def list_devices(session: SessionDep, user: CurrentUser) -> Any:
    return await devices.listed(session, user.id)


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
async def disconnect_device(device_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    await session.delete(await devices.owned(session, user.id, device_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/devices/{device_id}/sync", response_model=SyncOut)
async def sync_device(
    device_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> Any:
    """Fetch the device's new files from its provider now and import them."""
    device = await devices.owned(session, user.id, device_id)
    provider = devices.provider_for(runtime.settings, device.provider)
    try:
        report = await devices.sync(session, runtime.settings, device, provider)
    finally:
        await provider.close()
    return report.__dict__


# --- goals and locations --------------------------------------------------------------------------


@router.get("/goals", response_model=list[GoalOut])
async def list_goals(
    session: SessionDep, runtime: RuntimeDep, user: CurrentUser, athlete_id: uuid.UUID | None = None
) -> Any:
    """Goals with their current value recomputed from your data."""
    whose = await planning.athlete_for(session, user, athlete_id)
    return await goals.refreshed(session, runtime, whose, await ledger.today_for(session, whose))


@router.post("/goals", response_model=GoalOut, status_code=status.HTTP_201_CREATED)
async def create_goal(body: GoalIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> Goal:
    goal = await goals.create_goal(session, user.id, body.model_dump())
    await goals.refreshed(session, runtime, user.id, await ledger.today_for(session, user.id))
    return goal


@router.patch("/goals/{goal_id}", response_model=GoalOut)
async def update_goal(goal_id: uuid.UUID, body: GoalPatch, session: SessionDep, user: CurrentUser) -> Goal:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("target_value", 0) is None or ("is_active" in changes and changes["is_active"] is None):
        raise Problem(422, "target_value and is_active cannot be removed")
    return await goals.update_goal(session, user.id, goal_id, changes)


@router.delete("/goals/{goal_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_goal(goal_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    await goals.delete_goal(session, user.id, goal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/locations", response_model=list[LocationOut])
async def list_locations(session: SessionDep, user: CurrentUser) -> Any:
    return await goals.locations_of(session, user.id)


@router.post("/locations", response_model=LocationOut, status_code=status.HTTP_201_CREATED)
async def create_location(body: LocationIn, session: SessionDep, user: CurrentUser) -> Location:
    """Where you train and the kit there; use it as WOD search's ``location`` filter."""
    return await goals.create_location(session, user.id, body.model_dump())


@router.patch("/locations/{location_id}", response_model=LocationOut)
async def update_location(
    location_id: uuid.UUID, body: LocationPatch, session: SessionDep, user: CurrentUser
) -> Location:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return await goals.update_location(session, user.id, location_id, changes)


@router.delete("/locations/{location_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_location(location_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    await goals.delete_location(session, user.id, location_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- today and load -------------------------------------------------------------------------------


class TodayEntryOut(BaseModel):
    session_id: uuid.UUID | None
    series_id: uuid.UUID | None
    title: str
    status: str
    date: date
    time: time | None
    exists: bool


class ComponentOut(BaseModel):
    score: int | None
    explanation: str


class ReadinessOut(BaseModel):
    overall: int
    label: str
    summary: str
    weights: dict[str, float]
    components: dict[str, ComponentOut]


class TodayStatsOut(BaseModel):
    sessions: int
    duration_seconds: int
    calories: float


class TodayOut(BaseModel):
    """Seed 004's ``getTodayContext``: training data only, plus readiness."""

    athlete_id: uuid.UUID
    date: date
    timezone: str
    active: list[TodayEntryOut]
    finished: list[TodayEntryOut]
    drafts: list[TodayEntryOut]
    stats: TodayStatsOut
    goals: list[GoalOut]
    locations: list[LocationOut]
    devices: list[DeviceOut]
    readiness: ReadinessOut


def _entry_out(entry: Any) -> dict[str, Any]:
    return {
        "session_id": entry.session_id,
        "series_id": entry.series_id,
        "title": entry.title,
        "status": entry.status,
        "date": entry.date,
        "time": entry.time,
        "exists": entry.exists,
    }


@router.get("/today", response_model=TodayOut)
async def today_context(
    session: SessionDep, runtime: RuntimeDep, user: CurrentUser, athlete_id: uuid.UUID | None = None
) -> Any:
    """Today's sessions (running, finished today, still to do), today's training totals, active
    goals, your locations and connected devices (not shown to a coach), and readiness 0–100 with
    each of its three parts explained."""
    from atelier.forge import today

    whose = await planning.athlete_for(session, user, athlete_id)
    found = await today.context(session, runtime, user, whose)
    ready = found.readiness
    return {
        "athlete_id": whose,
        "date": found.day,
        "timezone": found.timezone,
        "active": [_entry_out(e) for e in found.active],
        "finished": [_entry_out(e) for e in found.finished],
        "drafts": [_entry_out(e) for e in found.drafts],
        "stats": found.stats,
        "goals": found.goals,
        "locations": await goals.locations_of(session, whose) if whose == user.id else [],
        "devices": await devices.listed(session, whose) if whose == user.id else [],
        "readiness": {
            "overall": ready.overall,
            "label": ready.label,
            "summary": ready.summary,
            "weights": ready.weights,
            "components": {
                name: {"score": c.score, "explanation": c.explanation} for name, c in ready.components.items()
            },
        },
    }


class LoadDayOut(BaseModel):
    date: date
    load: float
    acute: float
    chronic: float
    ratio: float | None
    flag: str | None


class LoadWeekOut(BaseModel):
    start: date
    days: int
    total: float
    mean: float
    sd: float
    monotony: float | None
    strain: float | None
    complete: bool
    flags: list[str]
    notes: list[str]


class LoadCurrentOut(BaseModel):
    date: date
    last_7_days: float
    acute: float
    chronic: float
    ratio: float | None
    flag: str | None
    explanation: str
    warning: str | None


class LoadOut(BaseModel):
    """Session-RPE load (AU) per day with the EWMA acute (7 d) and chronic (28 d) loads and their
    ratio (none before 28 days of data), ISO weeks with monotony and strain, and today's warning."""

    athlete_id: uuid.UUID
    days: list[LoadDayOut]
    weeks: list[LoadWeekOut]
    current: LoadCurrentOut


@router.get("/load", response_model=LoadOut)
async def training_load(
    session: SessionDep,
    user: CurrentUser,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    athlete_id: uuid.UUID | None = None,
) -> Any:
    from atelier.forge import today

    if first and last and first > last:
        raise Problem(422, "from must not be after to")
    if first and last and (last - first).days > 3 * 366:
        raise Problem(422, "a load view spans at most three years")
    whose = await planning.athlete_for(session, user, athlete_id)
    found = await today.load_report(session, whose, first, last)
    current = found.current
    return {
        "athlete_id": whose,
        "days": [
            {
                "date": d.day,
                "load": d.load,
                "acute": round(d.acute, 1),
                "chronic": round(d.chronic, 1),
                "ratio": round(d.ratio, 2) if d.ratio is not None else None,
                "flag": d.flag,
            }
            for d in found.days
        ],
        "weeks": [
            {
                "start": w.start,
                "days": w.days,
                "total": w.total,
                "mean": round(w.mean, 1),
                "sd": round(w.sd, 1),
                "monotony": round(w.monotony, 2) if w.monotony is not None else None,
                "strain": round(w.strain) if w.strain is not None else None,
                "complete": w.complete,
                "flags": list(w.flags),
                "notes": list(w.notes),
            }
            for w in found.weeks
        ],
        "current": {
            "date": current.day,
            "last_7_days": current.last_7_days,
            "acute": round(current.acute, 1),
            "chronic": round(current.chronic, 1),
            "ratio": round(current.ratio, 2) if current.ratio is not None else None,
            "flag": current.flag,
            "explanation": current.explanation,
            "warning": current.warning,
        },
    }
