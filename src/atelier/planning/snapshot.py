"""The immutable copy of what was planned (seed 002's ``workoutSnapshot``), taken once per session.

A snapshot holds the compiled workout resolved for the athlete at that moment (their category,
level, units, 1RMs), the whiteboard text in their language, and where it came from (WOD id and
version, or inline source). It is plain JSON that never points back at mutable rows: editing the
WOD, the series or the profile later never changes it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import repository as accounts
from atelier.kit.clock import utcnow
from atelier.kit.problems import Problem
from atelier.kit.runtime import Runtime
from atelier.wods import repository as wods
from atelier.wods.metadata import describe, workouts_of
from atelier.wods.service import compile_or_refuse
from atelier.wods.views import board, wodcraft_profile

SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class Planned:
    """What a session plans, checked: the compiled document and where it came from."""

    title: str
    document: dict[str, Any]
    source: str
    wod_id: uuid.UUID | None
    wod_version: int | None


async def planned_workout(
    session: AsyncSession,
    runtime: Runtime,
    actor_id: uuid.UUID,
    *,
    wod_id: uuid.UUID | None,
    wod_version: int | None,
    source: str | None,
) -> Planned:
    """Resolve a WOD reference (the actor must be able to read it) or compile inline source."""
    if (wod_id is None) == (source is None):
        raise Problem(422, "give either wod_id (with an optional wod_version) or inline source")
    if source is not None:
        if wod_version is not None:
            raise Problem(422, "wod_version only goes with wod_id")
        _, document = await compile_or_refuse(runtime, source)
        return Planned(describe(document).title, document, source, None, None)
    assert wod_id is not None
    wod = await wods.get_readable(session, actor_id, wod_id)
    if wod is None:
        raise Problem(404, f"no WOD {wod_id} that you can see")
    version = wod_version if wod_version is not None else wod.version
    frozen = await wods.version_of(session, wod, version)
    if frozen is None:
        raise Problem(422, f"WOD {wod.title!r} has no version {version} (latest is {wod.version})")
    return Planned(frozen.title, frozen.compiled, frozen.source, wod.id, version)


def _objective(meta_format: str, score_type: str, duration_seconds: int) -> str:
    minutes = round(duration_seconds / 60)
    scored = "" if score_type in ("none", "") else f", scored by {score_type}"
    return f"{meta_format.replace('_', ' ')}{scored}, about {minutes} min"


async def take(
    session: AsyncSession, athlete_id: uuid.UUID, planned: Planned, *, at: datetime | None = None
) -> dict[str, Any]:
    """The snapshot of ``planned`` for ``athlete_id``'s profile as it is now."""
    profile = await accounts.profile_of(session, athlete_id)
    language = profile.language if profile else "en"
    resolved_for = wodcraft_profile(profile)
    text, resolved = board(planned.document, resolved_for, language)
    meta = describe(planned.document)
    sections = [
        {"title": workout.get("title") or planned.title, "workout": workout}
        for workout in workouts_of(resolved)
    ]
    return {
        "format": SNAPSHOT_FORMAT,
        "name": planned.title,
        "type": meta.format,
        "objective": _objective(meta.format, meta.score_type, meta.duration_seconds),
        "score_type": meta.score_type,
        "movements": meta.movements,
        "estimated_duration_seconds": meta.duration_seconds,
        "sections": sections,
        "board": text,
        "language": language,
        "resolved_for": {
            "category": resolved_for.category,
            "level": resolved_for.level,
            "units": resolved_for.units,
        },
        "wod": {"id": str(planned.wod_id), "version": planned.wod_version} if planned.wod_id else None,
        "source": planned.source,
        "taken_at": (at or utcnow()).isoformat(),
    }
