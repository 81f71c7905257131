"""Moving in from another app: its workouts become finished Atelier sessions, exercise by exercise.

Each exercise name of the other app is mapped onto the catalog: first by the user's own mappings
(made once, kept for every later import), then by name and alias, then by the name with its
equipment in parentheses turned around ("Squat (Barbell)" → "Barbell squat"), and by the bare
name when the movement uses that equipment. Names still unmapped are listed with suggestions; the
import waits for the user to map them (or to say to leave them out) rather than guess.

Every workout is then built the way an athlete builds an open workout (``training.adhoc``):
started, its movements and sets added, finished — so it is written back as WODCraft, compiled,
gets its metrics, its records and its Forge row like any session — and given the time it really
happened. All of it in the caller's one transaction: an import happens whole or not at all. A
workout already imported (same key in the same app) is recognised and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import repository as accounts
from atelier.accounts.models import User
from atelier.kit.clock import utcnow
from atelier.kit.problems import Problem
from atelier.kit.runtime import Runtime
from atelier.planning import service as planning
from atelier.planning.models import Session
from atelier.planning.recurrence import local_instant
from atelier.portability.foreign import ForeignExercise, ForeignWorkout, Parsed
from atelier.portability.models import MovementMapping
from atelier.training import adhoc, records
from atelier.training import service as training
from atelier.training.models import ExerciseKind
from atelier.wods.catalog import MovementEntry, movement_catalog, resolve_movement, suggest_movements

# Names the catalog would read otherwise: to Strong and Hevy a plain "Squat (Barbell)" is a back squat.
KNOWN = {("squat", "barbell"): "back_squat"}
EQUIPMENT = {"barbell", "dumbbell", "kettlebell", "machine", "cable", "band", "smith machine", "bodyweight"}


def fold(name: str) -> str:
    """The form a name is matched and stored in: case, spacing and punctuation folded."""
    return " ".join(re.sub(r"[^\w()]+", " ", name.casefold()).split())


def guess(name: str) -> MovementEntry | None:
    """The catalog movement a name from another app means, when it can be told without guessing."""
    found = resolve_movement(name)
    if found:
        return found
    match = re.fullmatch(r"\s*(.+?)\s*\(([^)]+)\)\s*", name)
    if not match:
        return None
    base, kit = match.group(1), match.group(2).strip().lower()
    if (fold(base), kit) in KNOWN:
        return movement_catalog()[KNOWN[fold(base), kit]]
    for candidate in (f"{kit} {base}", f"{base} {kit}"):
        found = resolve_movement(candidate)
        if found:
            return found
    found = resolve_movement(base)
    if found and (
        kit not in EQUIPMENT or kit in found.equipment or (kit == "bodyweight" and not found.equipment)
    ):
        return found
    return None


@dataclass
class Unmapped:
    name: str
    sets: int
    suggestions: list[str]


@dataclass
class MoveInReport:
    app: str
    workouts_imported: int = 0
    workouts_already_there: int = 0
    sets_imported: int = 0
    sets_left_out: int = 0
    mapped: dict[str, str] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    dry_run: bool = False


async def mappings_of(session: AsyncSession, user_id: Any) -> dict[str, str]:
    rows = await session.execute(
        select(MovementMapping.name, MovementMapping.movement).where(MovementMapping.user_id == user_id)
    )
    return dict(rows.all())


def _resolve(parsed: Parsed, mine: dict[str, str]) -> tuple[dict[str, str], list[Unmapped]]:
    catalog = movement_catalog()
    resolved: dict[str, str] = {}
    counts: dict[str, int] = {}
    for workout in parsed.workouts:
        for exercise in workout.exercises:
            counts[exercise.name] = counts.get(exercise.name, 0) + len(exercise.sets)
    unmapped = []
    for name, sets in counts.items():
        movement = mine.get(fold(name))
        entry = catalog.get(movement) if movement else guess(name)
        if entry is None:
            unmapped.append(Unmapped(name, sets, suggest_movements(name)[:5]))
        else:
            resolved[name] = entry.id
    return resolved, sorted(unmapped, key=lambda u: (-u.sets, u.name))


def _data(kind: ExerciseKind, exercise: ForeignExercise) -> tuple[dict[str, Any], int]:
    """What the athlete logged, as the auto-save takes it, and how many sets it holds."""
    if kind == ExerciseKind.standard:
        sets = []
        for done in exercise.sets:
            if not done.reps:
                continue
            one: dict[str, Any] = {"reps": done.reps}
            if done.weight_kg:
                one["load"] = {"value": round(done.weight_kg, 2), "unit": "kg"}
            if done.rpe is not None and done.rpe >= 1:
                one["rpe"] = done.rpe
            sets.append(one)
        return ({"sets": sets} if sets else {}), len(sets)
    distance = sum(s.distance_m or 0 for s in exercise.sets)
    seconds = sum(s.seconds or 0 for s in exercise.sets)
    reps = sum(s.reps or 0 for s in exercise.sets)
    data: dict[str, Any] = {}
    if distance:
        data["distance_m"] = round(distance, 1)
    if seconds:
        data["time_s"] = round(seconds, 1)
    if reps and not data:
        data["reps"] = reps
    if len(exercise.sets) > 1 and data:
        data["rounds"] = len(exercise.sets)
    return data, (len(exercise.sets) if data else 0)


async def move_in(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    parsed: Parsed,
    *,
    leave_out_unmapped: bool = False,
    dry_run: bool = False,
    tick: Any = None,
) -> MoveInReport:
    """Import ``parsed`` into ``actor``'s account (the caller's transaction), or say what it would do."""
    advance = tick or (lambda _n: None)
    report = MoveInReport(app=parsed.app, dry_run=dry_run)
    report.skipped = [s.reason for s in parsed.skipped]
    resolved, report.unmapped = _resolve(parsed, await mappings_of(session, actor.id))
    report.mapped = resolved
    if report.unmapped and not leave_out_unmapped and not dry_run:
        names = ", ".join(repr(u.name) for u in report.unmapped[:10])
        raise Problem(
            422,
            f"{len(report.unmapped)} exercise name(s) need a movement before importing: {names}",
            hint="map them once with PUT /api/v1/imports/mappings, or import with leave_out_unmapped=true",
            unmapped=[u.__dict__ for u in report.unmapped],
        )
    keys = {w.key for w in parsed.workouts}
    there = (
        set(
            (
                await session.scalars(
                    select(Session.import_key).where(
                        Session.athlete_id == actor.id, Session.import_key.in_(keys)
                    )
                )
            ).all()
        )
        if keys
        else set()
    )
    profile = await accounts.profile_of(session, actor.id)
    zone = profile.timezone if profile else "UTC"
    catalog = movement_catalog()
    for workout in parsed.workouts:
        if workout.key in there:
            report.workouts_already_there += 1
            advance(1)
            continue
        plan = _plan(workout, resolved, catalog, report)
        if not plan:
            report.skipped.append(
                f"{workout.title} on {workout.started_at:%Y-%m-%d}: no set could be imported"
            )
            advance(1)
            continue
        report.workouts_imported += 1
        report.sets_imported += sum(n for *_, n in plan)
        if not dry_run:
            await _build(session, runtime, actor, workout, plan, zone)
            there.add(workout.key)
        advance(1)
    if not dry_run:
        await records.forget(runtime, actor.id)
    return report


def _plan(
    workout: ForeignWorkout, resolved: dict[str, str], catalog: dict[str, MovementEntry], report: MoveInReport
) -> list[tuple[str, str | None, dict[str, Any], int]]:
    """(movement, superset label, data, sets) for each exercise of a workout that can be imported."""
    labels: dict[str, str] = {}
    plan = []
    for exercise in workout.exercises:
        movement = resolved.get(exercise.name)
        if movement is None:
            report.sets_left_out += len(exercise.sets)
            continue
        data, sets = _data(adhoc.kind_for(catalog[movement]), exercise)
        report.sets_left_out += len(exercise.sets) - sets
        if not sets:
            continue
        label = None
        if exercise.superset is not None:
            label = labels.setdefault(exercise.superset, chr(ord("A") + len(labels) % 26))
        plan.append((movement, label, data, sets))
    return plan


async def _build(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    workout: ForeignWorkout,
    plan: list[tuple[str, str | None, dict[str, Any], int]],
    zone: str,
) -> None:
    row = await adhoc.start(
        session,
        runtime,
        actor,
        title=workout.title,
        notes=workout.notes,
        day=workout.started_at.date(),
        at=workout.started_at.time().replace(second=0, microsecond=0),
        import_key=workout.key,
    )
    firsts: dict[str, int] = {}
    for position, (movement, label, data, _) in enumerate(plan):
        partner = firsts.get(label) if label else None
        await adhoc.add(session, actor, row.id, name=movement, superset_with=partner, data=data)
        if label and label not in firsts:
            firsts[label] = position
    row = await planning.act(session, runtime, actor, row.id, "complete")
    started = local_instant(workout.started_at.date(), workout.started_at.time(), zone)
    await training.backfill_times(session, row, started, workout.duration_seconds or 3600)


async def set_mappings(session: AsyncSession, actor: User, names: dict[str, str]) -> dict[str, str]:
    """Remember what each name means (a catalog id, name or alias); an empty value forgets it."""
    saved: dict[str, str] = {}
    for name, meaning in names.items():
        key = fold(name)
        if not key:
            raise Problem(422, "a mapping needs the exercise name as the other app writes it")
        existing = await session.get(MovementMapping, (actor.id, key))
        if not meaning.strip():
            if existing is not None:
                await session.delete(existing)
            continue
        entry = adhoc.movement(meaning)
        if existing is None:
            session.add(MovementMapping(user_id=actor.id, name=key, movement=entry.id, created_at=utcnow()))
        else:
            existing.movement = entry.id
        saved[key] = entry.id
    await session.flush()
    return saved
