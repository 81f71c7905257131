"""Forge REST around Today: the Today context, the load view, goals, locations and devices.

Seed 004's ``getTodayContext`` reads goals, locations and connected devices beside the sessions,
so their endpoints live here with it. A coach reads a linked athlete's Today, load and goals
(``athlete_id``); locations and devices are the athlete's alone.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from atelier.accounts.auth import CurrentUser
from atelier.forge import devices, goals, ledger, today
from atelier.forge.models import Device, Goal, Location
from atelier.kit.clock import utcnow
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.planning import service as planning

router = APIRouter(prefix="/api/v1", tags=["forge"])


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
