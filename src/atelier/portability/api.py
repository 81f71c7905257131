"""Your data in and out over HTTP: the export archive, its import, and moving in from other apps."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from atelier.accounts.auth import CurrentUser
from atelier.kit.clock import utcnow
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.portability import archive, foreign, moving_in, restore, wger

router = APIRouter(prefix="/api/v1", tags=["portability"])

ARCHIVE_LIMIT = 1 << 30  # 1 GiB: ten years of daily training with wearable traces is far under it
CSV_LIMIT = 64 << 20
SPOOL = 16 << 20  # an upload stays in memory up to this size, then goes to a temporary file


@router.get("/export", response_class=StreamingResponse)
async def export(runtime: RuntimeDep, user: CurrentUser) -> StreamingResponse:
    """Everything you own as one zip: a JSON document per domain with its JSON Schema, sets and
    activities as CSV, your calendar as iCalendar, and a manifest with checksums. Streamed."""
    name = archive.filename(user.email, utcnow())
    return StreamingResponse(
        archive.stream(runtime.sessions, user.id),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _upload(request: Request, limit: int) -> Any:
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 - handed to the caller
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise Problem(413, f"the upload is larger than {limit >> 20} MiB")
        spooled.write(chunk)
    if size == 0:
        spooled.close()
        raise Problem(422, "the request body is empty: send the file as the body")
    spooled.seek(0)
    return spooled


class ImportOut(BaseModel):
    imported: dict[str, int]
    already_there: dict[str, int]
    notes: list[str]


@router.post("/import", response_model=ImportOut)
async def import_archive(
    request: Request, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> ImportOut:
    """Import an Atelier export (the zip as the body) into your account: whole or not at all;
    what you already have is recognised and not added twice."""
    with await _upload(request, ARCHIVE_LIMIT) as upload:
        zipped, _ = restore.open_archive(upload)
        with zipped:
            report = await restore.restore(session, runtime, user, zipped)
    return ImportOut(imported=report.imported, already_there=report.already_there, notes=report.notes)


class UnmappedOut(BaseModel):
    name: str
    sets: int
    suggestions: list[str]


class MoveInOut(BaseModel):
    app: str
    dry_run: bool
    workouts_imported: int = Field(description="on a dry run: how many would be")
    workouts_already_there: int
    sets_imported: int
    sets_left_out: int
    mapped: dict[str, str] = Field(description="each exercise name and the catalog movement it became")
    unmapped: list[UnmappedOut]
    skipped: list[str] = Field(description="rows and workouts left out, each with why")


def _out(report: moving_in.MoveInReport) -> MoveInOut:
    data = asdict(report)
    return MoveInOut(**data)


@router.post("/imports/csv", response_model=MoveInOut)
async def import_csv(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    user: CurrentUser,
    app: Annotated[Literal["auto", "strong", "hevy"], Query(description="which app wrote it")] = "auto",
    weight_unit: Annotated[
        Literal["kg", "lb"], Query(description="Strong: the unit its weights are in")
    ] = "kg",
    distance_unit: Annotated[
        Literal["km", "mi"], Query(description="Strong: the unit of its distances")
    ] = "km",
    day_first: Annotated[bool, Query(description="01/03/2024 is 1 March (true) or 3 January")] = True,
    leave_out_unmapped: bool = False,
    dry_run: Annotated[bool, Query(description="report what would be imported, write nothing")] = False,
) -> MoveInOut:
    """Move in from Strong or Hevy: their workout-history CSV export as the body."""
    with await _upload(request, CSV_LIMIT) as upload:
        data = upload.read()
    try:
        kind = foreign.detect(data) if app == "auto" else app
        options: dict[str, Any] = {"day_first": day_first}
        if kind == "strong":
            options |= {"weight_unit": weight_unit, "distance_unit": distance_unit}
        parsed = (
            foreign.parse_strong(data, **options) if kind == "strong" else foreign.parse_hevy(data, **options)
        )
    except foreign.Unreadable as exc:
        raise Problem(422, str(exc)) from exc
    report = await moving_in.move_in(
        session, runtime, user, parsed, leave_out_unmapped=leave_out_unmapped, dry_run=dry_run
    )
    return _out(report)


class WgerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(description="the wger server, e.g. https://wger.de")
    token: str = Field(min_length=1, max_length=200, description="your wger API key (not stored)")
    leave_out_unmapped: bool = False
    dry_run: bool = False


@router.post("/imports/wger", response_model=MoveInOut)
async def import_wger(body: WgerIn, session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> MoveInOut:
    """Move in from a wger account: its workout logs are read through its REST API."""
    try:
        parsed = await wger.fetch_wger(str(body.url), body.token)
    except wger.WgerError as exc:
        raise Problem(502 if "cannot reach" in str(exc) else 422, str(exc)) from exc
    except httpx.HTTPError as exc:
        raise Problem(502, f"wger did not answer properly: {exc}") from exc
    report = await moving_in.move_in(
        session, runtime, user, parsed, leave_out_unmapped=body.leave_out_unmapped, dry_run=body.dry_run
    )
    return _out(report)


class MappingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: dict[str, str] = Field(
        max_length=500, description='{"Squat (Barbell)": "back squat"}; an empty value forgets the name'
    )


@router.get("/imports/mappings", response_model=dict[str, str])
async def mappings(session: SessionDep, user: CurrentUser) -> dict[str, str]:
    """The names of other apps you mapped, and the catalog movement each one means."""
    return await moving_in.mappings_of(session, user.id)


@router.put("/imports/mappings", response_model=dict[str, str])
async def set_mappings(body: MappingsIn, session: SessionDep, user: CurrentUser) -> dict[str, str]:
    """Map exercise names once; every later import uses them."""
    await moving_in.set_mappings(session, user, body.names)
    return await moving_in.mappings_of(session, user.id)
