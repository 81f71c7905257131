"""WOD endpoints: store, search, versions, whiteboard, timeline; the movement catalog."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Query, Response, status

from atelier.accounts import service as accounts
from atelier.accounts.auth import CurrentUser
from atelier.kit.problems import NotFound, Problem
from atelier.kit.runtime import RuntimeDep, SessionDep
from atelier.wods import repository, service, views
from atelier.wods.catalog import find_movements, normalize_equipment, resolve_movement, suggest_movements
from atelier.wods.compiler import compile_cached
from atelier.wods.models import Visibility, Wod
from atelier.wods.schemas import (
    BoardOut,
    CheckIn,
    CheckOut,
    DiagnosticOut,
    MovementOut,
    TimelineOut,
    WodEdit,
    WodIn,
    WodOut,
    WodPage,
    WodSummary,
    WodVersionOut,
)

router = APIRouter(prefix="/api/v1", tags=["wods"])

# Seconds and offsets are compared with INTEGER columns: a larger number is a 422, not a crash.
INT_MAX = 2**31 - 1


def _out(wod: Wod, warnings: list[dict[str, Any]] | None = None) -> WodOut:
    out = WodOut.model_validate(wod)
    out.warnings = [DiagnosticOut.model_validate(w) for w in warnings or []]
    return out


def movement_ids(names: list[str]) -> list[str]:
    """Catalog ids for what a user typed (aliases, French, plurals); unknown names are a 422."""
    ids = []
    for name in names:
        entry = resolve_movement(name)
        if entry is None:
            hint = suggest_movements(name)
            raise Problem(
                422,
                f"unknown movement {name!r}" + (f"; did you mean {', '.join(hint)}?" if hint else ""),
                suggestions=hint,
            )
        ids.append(entry.id)
    return list(dict.fromkeys(ids))


def checked_query(query: repository.WodQuery) -> repository.WodQuery:
    """Refuse what no WOD can match in a way the caller should hear about (REST and GraphQL alike)."""
    if _reversed(query.duration_min, query.duration_max):
        raise Problem(422, "duration_min is greater than duration_max")
    if _reversed(query.difficulty_min, query.difficulty_max):
        raise Problem(422, "difficulty_min is greater than difficulty_max")
    words = [query.text or "", *query.categories, *query.modalities, *query.formats, *(query.equipment or ())]
    if any("\x00" in word for word in words):  # PostgreSQL text cannot even hold one to compare
        raise Problem(422, "search terms cannot contain a NUL character")
    return query


def _reversed(low: int | None, high: int | None) -> bool:
    return low is not None and high is not None and low > high


@router.post("/wods/check", response_model=CheckOut)
async def check(body: CheckIn, runtime: RuntimeDep, user: CurrentUser) -> CheckOut:
    """Compile without saving: the diagnostics an editor shows as you type."""
    compilation = await compile_cached(runtime.cache, body.source, runtime.settings.compile_cache_seconds)
    return CheckOut.model_validate(
        {"ok": compilation.ok, "diagnostics": compilation.diagnostics, "compiled": compilation.document}
    )


@router.post("/wods", response_model=WodOut, status_code=status.HTTP_201_CREATED)
async def create(
    body: WodIn, response: Response, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> WodOut:
    """Compile and store a workout; the same workout already visible to you answers 200 with its id."""
    saved = await service.save(
        session, runtime, owner=user, source=body.source, visibility=Visibility(body.visibility)
    )
    if not saved.created:
        response.status_code = status.HTTP_200_OK
    return _out(saved.wod, saved.warnings)


@router.get("/wods", response_model=WodPage)
async def search(
    session: SessionDep,
    user: CurrentUser,
    movement: Annotated[list[str], Query(description="movement id or alias; repeat for several")] = [],  # noqa: B006
    match: Literal["all", "any"] = "all",
    equipment: Annotated[
        list[str] | None, Query(description="what you have; WODs needing nothing else")
    ] = None,
    category: Annotated[list[str], Query()] = [],  # noqa: B006
    modality: Annotated[list[str], Query()] = [],  # noqa: B006
    format: Annotated[list[str], Query(description="for_time, amrap, emom, …")] = [],  # noqa: B006
    duration_min: Annotated[int | None, Query(ge=0, le=INT_MAX, description="seconds")] = None,
    duration_max: Annotated[int | None, Query(ge=0, le=INT_MAX, description="seconds")] = None,
    difficulty_min: Annotated[int | None, Query(ge=0, le=100)] = None,
    difficulty_max: Annotated[int | None, Query(ge=0, le=100)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    location: Annotated[
        uuid.UUID | None, Query(description="one of your training locations: its kit is what you have")
    ] = None,
    owner: Literal["any", "mine", "public"] = "any",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=INT_MAX)] = 0,
) -> WodPage:
    """Search public WODs and your own by movements, kit, category, format, duration, difficulty, title."""
    if location is not None:
        from atelier.forge.goals import owned_location

        kit = (await owned_location(session, user.id, location)).equipment
        equipment = [*kit, *(equipment or [])]
    query = checked_query(
        repository.WodQuery(
            movements=movement_ids(movement),
            match=match,
            equipment=normalize_equipment(equipment) if equipment is not None else None,
            categories=[c.strip().lower() for c in category],
            modalities=[m.strip().lower() for m in modality],
            formats=[f.strip().lower() for f in format],
            duration_min=duration_min,
            duration_max=duration_max,
            difficulty_min=difficulty_min,
            difficulty_max=difficulty_max,
            text=q.strip() if q and q.strip() else None,
            owner=owner,
            limit=limit,
            offset=offset,
        )
    )
    found = await repository.search(session, user.id, query)
    return WodPage(
        items=[WodSummary.model_validate(w) for w in found.items],
        total=found.total,
        total_capped=found.total_capped,
        limit=limit,
        offset=offset,
    )


@router.get("/wods/{wod_id}", response_model=WodOut)
async def read(wod_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> WodOut:
    return _out(await service.readable_wod(session, user, wod_id))


@router.patch("/wods/{wod_id}", response_model=WodOut)
async def edit(
    wod_id: uuid.UUID, body: WodEdit, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> WodOut:
    """Change the source (a new version) or the visibility of your WOD."""
    if body.source is None and body.visibility is None:
        raise Problem(422, "nothing to change: send a source or a visibility")
    saved = await service.edit(
        session,
        runtime,
        user,
        wod_id,
        source=body.source,
        visibility=Visibility(body.visibility) if body.visibility else None,
    )
    return _out(saved.wod, saved.warnings)


@router.get("/wods/{wod_id}/versions", response_model=list[WodVersionOut])
async def versions(wod_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> list[WodVersionOut]:
    wod = await service.readable_wod(session, user, wod_id)
    return [WodVersionOut.model_validate(v) for v in await repository.versions_of(session, wod)]


@router.get("/wods/{wod_id}/versions/{version}", response_model=WodVersionOut)
async def version(wod_id: uuid.UUID, version: int, session: SessionDep, user: CurrentUser) -> WodVersionOut:
    wod = await service.readable_wod(session, user, wod_id)
    found = await repository.version_of(session, wod, version)
    if found is None:
        raise NotFound(f"version {version} of this WOD")
    return WodVersionOut.model_validate(found)


async def _document(
    session: SessionDep, user: CurrentUser, wod_id: uuid.UUID, version: int | None
) -> tuple[Wod, int, dict[str, Any]]:
    wod = await service.readable_wod(session, user, wod_id)
    if version is None or version == wod.version:
        return wod, wod.version, wod.compiled
    found = await repository.version_of(session, wod, version)
    if found is None:
        raise NotFound(f"version {version} of this WOD")
    return wod, found.version, found.compiled


@router.get("/wods/{wod_id}/board", response_model=BoardOut)
async def board(
    wod_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    lang: Literal["en", "fr"] | None = None,
    category: Literal["men", "women"] | None = None,
    level: Literal["rx", "intermediate", "scaled", "foundations"] | None = None,
    units: Literal["kg", "lb"] | None = None,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> BoardOut:
    """The whiteboard resolved for you (your category, level, units, one-rep maxes) in English or French."""
    wod, number, document = await _document(session, user, wod_id, version)
    profile = await accounts.profile(session, user)
    athlete = views.wodcraft_profile(profile, category=category, level=level, units=units)
    language = lang or profile.language
    text, resolved = await anyio.to_thread.run_sync(views.board, document, athlete, language)
    return BoardOut(
        wod_id=wod.id,
        version=number,
        language=language,
        profile={"category": athlete.category, "level": athlete.level, "units": athlete.units},
        text=text,
        resolved=resolved,
    )


@router.get("/wods/{wod_id}/timeline", response_model=TimelineOut)
async def timeline(
    wod_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> TimelineOut:
    """The segments a timer runs (work, rest, intervals), with the cap."""
    wod, number, document = await _document(session, user, wod_id, version)
    cap, segments = views.segments(document)
    return TimelineOut(wod_id=wod.id, version=number, cap_s=cap, segments=segments)


@router.get("/movements", response_model=list[MovementOut])
async def movements(
    session: SessionDep, user: CurrentUser, q: Annotated[str | None, Query(max_length=80)] = None
) -> list[MovementOut]:
    """The movement catalog; ``q`` finds by id, name or alias, English or French (``tractions``, ``T2B``)."""
    ranked = [entry.id for entry in find_movements(q or "")]
    rows = {m.id: m for m in await repository.movements(session, ranked)}
    return [MovementOut.model_validate(rows[i]) for i in ranked if i in rows]
