"""WOD rules: compile before storing, store a workout once, edits make versions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.wods import repository
from atelier.wods.compiler import Compilation, compile_cached, source_key
from atelier.wods.metadata import WodMetadata, describe, workout_hash
from atelier.wods.models import Visibility, Wod, WodVersion
from atelier.wods.schemas import DiagnosticOut


class DoesNotCompile(Problem):
    def __init__(self, compilation: Compilation) -> None:
        errors = compilation.errors
        first = errors[0] if errors else {"message": "invalid source", "line": 1, "col": 1}
        super().__init__(
            422,
            f"the workout does not compile: line {first['line']}, column {first['col']}: {first['message']}",
            title="Invalid WODCraft source",
            # Every entry with every field (a null suggestion included), like warnings on a save.
            diagnostics=[DiagnosticOut.model_validate(d).model_dump() for d in compilation.diagnostics],
        )


@dataclass(frozen=True)
class Saved:
    wod: Wod
    created: bool
    warnings: list[dict[str, Any]]


async def compile_or_refuse(runtime: Runtime, source: str) -> tuple[Compilation, dict[str, Any]]:
    compilation = await compile_cached(runtime.cache, source, runtime.settings.compile_cache_seconds)
    if not compilation.ok or compilation.document is None:
        raise DoesNotCompile(compilation)
    return compilation, compilation.document


def _apply_metadata(wod: Wod, meta: WodMetadata) -> None:
    wod.title = meta.title
    wod.format = meta.format
    wod.score_type = meta.score_type
    wod.movements = meta.movements
    wod.equipment = meta.equipment
    wod.modalities = meta.modalities
    wod.categories = meta.categories
    wod.duration_seconds = meta.duration_seconds
    wod.difficulty = meta.difficulty
    wod.team_size = meta.team_size


def _version_row(wod: Wod, created_by: uuid.UUID | None, meta: WodMetadata) -> WodVersion:
    return WodVersion(
        id=uuid.uuid4(),
        wod_id=wod.id,
        version=wod.version,
        title=wod.title,
        source=wod.source,
        compiled=wod.compiled,
        source_hash=wod.source_hash,
        metadata_=asdict(meta),
        created_by=created_by,
    )


async def save(
    session: AsyncSession,
    runtime: Runtime,
    *,
    owner: User | None,
    source: str,
    visibility: Visibility,
    library_path: str | None = None,
) -> Saved:
    """Store a workout, or return the one the owner can already see that is the same workout."""
    compilation, document = await compile_or_refuse(runtime, source)
    source_hash = workout_hash(document)
    owner_id = owner.id if owner else None
    existing = await repository.readable_by_hash(session, owner_id, source_hash)
    if existing is not None:
        return Saved(existing, False, compilation.warnings)
    meta = describe(document)
    now = utcnow()
    wod = Wod(
        id=uuid.uuid4(),
        owner_id=owner_id,
        visibility=visibility,
        library_path=library_path,
        version=1,
        source=source,
        compiled=document,
        source_hash=source_hash,
        created_at=now,
        updated_at=now,
    )
    _apply_metadata(wod, meta)
    session.add(wod)
    await session.flush()
    session.add(_version_row(wod, owner_id, meta))
    await session.flush()
    return Saved(wod, True, compilation.warnings)


async def readable_wod(session: AsyncSession, actor: User | None, wod_id: uuid.UUID) -> Wod:
    wod = await repository.get_readable(session, actor.id if actor else None, wod_id)
    if wod is None:
        raise NotFound("WOD")
    return wod


async def edit(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    wod_id: uuid.UUID,
    *,
    source: str | None,
    visibility: Visibility | None,
) -> Saved:
    """A new source makes a new version; earlier versions stay readable for what points at them."""
    wod = await readable_wod(session, actor, wod_id)
    if wod.owner_id != actor.id:
        raise Forbidden("only the owner can edit this WOD; save a copy of it instead")
    warnings: list[dict[str, Any]] = []
    changed = False
    if visibility is not None and visibility != wod.visibility:
        wod.visibility = visibility
        changed = True
    if source is not None:
        compilation, document = await compile_or_refuse(runtime, source)
        warnings = compilation.warnings
        source_hash = workout_hash(document)
        if source_hash != wod.source_hash or source != wod.source:
            previous_source = wod.source
            meta = describe(document)
            wod.version += 1
            wod.source = source
            wod.compiled = document
            wod.source_hash = source_hash
            _apply_metadata(wod, meta)
            session.add(_version_row(wod, actor.id, meta))
            changed = True
            await runtime.cache.delete(source_key(previous_source))
    if changed:
        wod.updated_at = utcnow()
        try:
            await session.flush()
        except IntegrityError as exc:  # another edit took this version number first
            raise Conflict("the WOD was edited at the same time; reload and try again") from exc
    return Saved(wod, False, warnings)


async def import_library(
    session: AsyncSession, runtime: Runtime, *, on_progress: Callable[[str], None] | None = None
) -> tuple[int, int]:
    """Import WODCraft's standard library as public WODs; running it again adds nothing."""
    from wodcraft import library

    created = skipped = 0
    for entry in library.entries():
        if await repository.by_library_path(session, entry.path) is None:
            saved = await save(
                session,
                runtime,
                owner=None,
                source=entry.source,
                visibility=Visibility.public,
                library_path=entry.path,
            )
            if saved.created:
                created += 1
            else:
                skipped += 1
        else:
            skipped += 1
        if on_progress:
            on_progress(entry.path)
    return created, skipped


def library_size() -> int:
    from wodcraft import library

    return len(library.entries())


async def restore(
    session: AsyncSession,
    runtime: Runtime,
    *,
    owner: User,
    visibility: Visibility,
    versions: list[tuple[int, str, datetime]],
    created_at: datetime,
) -> Saved:
    """A WOD brought back from an export with every version (sessions point at a version), each
    compiled again here; the owner's own WOD that is already the same workout is reused."""
    compiled = [
        (number, source, at, (await compile_or_refuse(runtime, source))[1]) for number, source, at in versions
    ]
    number, source, at, document = max(compiled, key=lambda v: v[0])
    source_hash = workout_hash(document)
    existing = await session.scalar(
        select(Wod).where(Wod.owner_id == owner.id, Wod.source_hash == source_hash)
    )
    if existing is not None:
        return Saved(existing, False, [])
    latest = describe(document)
    wod = Wod(
        id=uuid.uuid4(),
        owner_id=owner.id,
        visibility=visibility,
        version=number,
        source=source,
        compiled=document,
        source_hash=source_hash,
        created_at=created_at,
        updated_at=at,
    )
    _apply_metadata(wod, latest)
    session.add(wod)
    await session.flush()
    for number, source, at, document in sorted(compiled, key=lambda v: v[0]):
        meta = describe(document)
        session.add(
            WodVersion(
                id=uuid.uuid4(),
                wod_id=wod.id,
                version=number,
                title=meta.title,
                source=source,
                compiled=document,
                source_hash=workout_hash(document),
                metadata_=asdict(meta),
                created_by=owner.id,
                created_at=at,
            )
        )
    await session.flush()
    return Saved(wod, True, [])
