"""Coaches at work: gather the athlete's facts, write today's session, compile it, offer it, accept it.

A prescription is compiled before it is stored, and only a stored prescription is ever shown or
scheduled, so an athlete never sees source that does not compile. With an LLM configured the model
writes first; its source goes through the compiler with a bounded repair loop (``llm``) and through
the equipment check, and the local coach answers whenever the model fails, is slow or is wrong.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts.models import User
from atelier.coaching import coaches, context, illustrations, llm
from atelier.coaching.facts import AthleteFacts, CoachRequest, Discipline, LibraryWod, Prescription
from atelier.coaching.models import CoachPrescription
from atelier.forge import goals
from atelier.forge.models import Location
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, NotFound, Problem
from atelier.kit.runtime import Runtime
from atelier.planning import service as planning
from atelier.planning.models import Session
from atelier.planning.schemas import SessionIn
from atelier.wods.catalog import ALWAYS_AVAILABLE, movement_catalog
from atelier.wods.compiler import Compilation, compile_now
from atelier.wods.metadata import describe

log = logging.getLogger(__name__)

MIN_MINUTES, MAX_MINUTES = 5, 240


@dataclass(frozen=True)
class Offer:
    prescription: CoachPrescription
    illustrations: list[illustrations.Status]
    queued: bool  # illustrations were queued: nudge the worker after the commit


async def _equipment(
    session: AsyncSession, actor: User, location_id: uuid.UUID | None, listed: list[str] | None
) -> tuple[frozenset[str], Location | None]:
    """Where the athlete trains decides the kit: a location, a list, the default location, or none."""
    if location_id is not None:
        location = await goals.owned_location(session, actor.id, location_id)
        return frozenset(goals.checked_equipment(list(location.equipment))), location
    if listed is not None:
        return frozenset(goals.checked_equipment(listed)), None
    default = await session.scalar(
        select(Location).where(Location.user_id == actor.id, Location.is_default.is_(True))
    )
    if default is not None:
        return frozenset(goals.checked_equipment(list(default.equipment))), default
    return frozenset(ALWAYS_AVAILABLE), None


def equipment_problems(document: dict[str, Any], equipment: frozenset[str]) -> list[str]:
    """What a compiled workout needs that the athlete does not have (an LLM's answer is checked)."""
    meta = describe(document)
    missing = sorted(set(meta.equipment) - equipment)
    return [f"needs {kit}, which the athlete does not have" for kit in missing]


def _brief(facts: AthleteFacts, request: CoachRequest) -> dict[str, Any]:
    return {
        "discipline": request.discipline,
        "minutes": request.minutes,
        "equipment": sorted(request.equipment),
        "level": facts.level,
        "units": facts.units,
        "language": facts.language,
        "oneRepMaxesKg": facts.one_rep_maxes,
        "acuteChronicRatio": facts.acwr,
        "recentSessions": [
            {
                "date": s.day.isoformat(),
                "discipline": s.discipline,
                "minutes": round(s.duration_seconds / 60),
                "rpe": s.rpe,
            }
            for s in facts.sessions[-14:]
        ],
        "movementNames": sorted(
            e.name for e in movement_catalog().values() if set(e.equipment) <= request.equipment
        ),
    }


async def _from_model(runtime: Runtime, facts: AthleteFacts, request: CoachRequest) -> Prescription | None:
    client = llm.client_for(runtime.settings)
    if client is None:
        return None
    try:
        source = await llm.ask_prescription(
            client,
            _brief(facts, request),
            compile_now,
            check=lambda document: equipment_problems(document, request.equipment),
        )
    finally:
        await client.aclose()
    if source is None:
        return None
    compiled = compile_now(source)
    if not compiled.ok or compiled.document is None:
        return None
    meta = describe(compiled.document)
    reasons = (
        "Écrit par le modèle de langage, vérifié par le compilateur et votre matériel."
        if facts.language == "fr"
        else "Written by the language model, checked by the compiler and against your equipment.",
    )
    return Prescription(
        request.discipline,
        meta.title,
        source,
        max(1, round(meta.duration_seconds / 60)) or request.minutes,
        reasons,
        engine="llm",
    )


def _compiled(prescription: Prescription) -> Compilation:
    compiled = compile_now(prescription.source)
    if not compiled.ok or compiled.document is None:
        # The local coaches are tested to always compile; reaching this is a bug worth a 500 and a log.
        log.error(
            "the %s coach wrote source that does not compile: %s", prescription.discipline, compiled.errors
        )
        raise RuntimeError(f"the {prescription.discipline} coach wrote a session that does not compile")
    return compiled


async def prescribe(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    *,
    discipline: Discipline,
    minutes: int,
    location_id: uuid.UUID | None = None,
    equipment: list[str] | None = None,
) -> Offer:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise Problem(422, f"minutes must be between {MIN_MINUTES} and {MAX_MINUTES}")
    kit, location = await _equipment(session, actor, location_id, equipment)
    facts = await context.facts_of(session, actor.id)
    request = CoachRequest(discipline, minutes, kit, location.name if location else None)
    library: list[LibraryWod] = []
    if discipline in ("functional", "competition"):
        library = await context.library_for(session, actor.id, facts)
    offered = await _from_model(runtime, facts, request) or coaches.prescribe(facts, request, library)
    compiled = _compiled(offered)
    document = compiled.document or {}
    row = CoachPrescription(
        athlete_id=actor.id,
        discipline=discipline,
        engine=offered.engine,
        minutes=offered.minutes,
        location_id=location.id if location else None,
        equipment=sorted(kit),
        title=offered.title[:200],
        source=offered.source,
        document=document,
        reasons=list(offered.reasons),
        language=facts.language,
    )
    session.add(row)
    await session.flush()
    shown, queued = await illustrations_for(session, document, discipline)
    return Offer(row, shown, queued)


async def illustrations_for(
    session: AsyncSession, document: dict[str, Any], discipline: str | None
) -> tuple[list[illustrations.Status], bool]:
    """Every exercise of a workout gets its illustration, or a place at the head of the queue."""
    shown: list[illustrations.Status] = []
    queued = False
    catalog = movement_catalog()
    for movement in describe(document).movements:
        if movement not in catalog:
            continue
        status, new = await illustrations.request(
            session, catalog[movement], priority=illustrations.HIGHEST, discipline=discipline
        )
        shown.append(status)
        queued = queued or new
    return shown, queued


async def owned(
    session: AsyncSession, actor: User, prescription_id: uuid.UUID, *, for_update: bool = False
) -> CoachPrescription:
    row = await session.get(CoachPrescription, prescription_id, with_for_update=for_update)
    if row is None or row.athlete_id != actor.id:
        raise NotFound("prescription")
    return row


async def recent(session: AsyncSession, actor: User, limit: int) -> list[CoachPrescription]:
    return list(
        await session.scalars(
            select(CoachPrescription)
            .where(CoachPrescription.athlete_id == actor.id)
            .order_by(CoachPrescription.created_at.desc())
            .limit(limit)
        )
    )


async def accept(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    prescription_id: uuid.UUID,
    *,
    day: date | None,
    at: time | None,
) -> Session:
    """Schedule the prescription as a session (once: a second accept is a 409 naming the session)."""
    row = await owned(session, actor, prescription_id, for_update=True)
    if row.session_id is not None or row.accepted_at is not None:
        raise Conflict("this prescription is already scheduled", session_id=str(row.session_id))
    today, _ = await context.today_of(session, actor.id)
    notes = " ".join(row.reasons)[:10_000] or None
    planned = await planning.create(
        session,
        runtime,
        actor,
        SessionIn(source=row.source, title=row.title, notes=notes, date=day or today, time=at),
    )
    row.session_id = planned.id
    row.accepted_at = utcnow()
    await session.flush()
    return planned
