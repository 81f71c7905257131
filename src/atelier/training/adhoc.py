"""A workout started with no plan: movements and sets added as it goes, written back as WODCraft.

An ad-hoc session is a one-off session (``origin`` "adhoc") that starts with an *open* snapshot:
no sections, no exercises. While it runs the athlete adds movements from the catalog (by id,
name or alias), removes and reorders them, and groups two or more into a superset; every set is
logged through the same versioned auto-save as a planned session.

On finishing, ``write_back`` turns what was performed into WODCraft source and compiles it: a
movement's sets become a strength line (``Back squat 5-5-3 @ 110 kg``, the loads of each set in
a quoted note when they differ), a superset becomes ``N rounds`` of its movements, a cardio or
timed movement its distance, calories or time. The compiled workout becomes the session's
snapshot and each performed exercise is re-attached to its compiled item, so from then on the
session is a WOD like any other: it scores, sets records and syncs to Forge the same way, and can
be saved to the library or repeated. Exercises added but never logged are marked skipped.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import repository as accounts
from atelier.accounts.models import User
from atelier.kit.clock import utcnow
from atelier.kit.problems import Conflict, Forbidden, Problem
from atelier.kit.runtime import Runtime
from atelier.planning import service as planning
from atelier.planning import snapshot
from atelier.planning.models import Session, SessionKind, Status
from atelier.training import service as training
from atelier.training.exercises import exercises_of
from atelier.training.models import ExerciseKind, ExerciseStatus, Progress, ProgressExercise
from atelier.wods.catalog import MovementEntry, movement_catalog, resolve_movement, suggest_movements
from atelier.wods.metadata import describe
from atelier.wods.service import compile_or_refuse

ADHOC = "adhoc"
KG_PER_LB = 0.45359237
LIMIT = 60  # movements in one workout


def open_snapshot(title: str, language: str, taken_at: str) -> dict[str, Any]:
    """The snapshot of a workout that has no plan yet: nothing to do until a movement is added."""
    return {
        "format": snapshot.SNAPSHOT_FORMAT,
        "name": title,
        "type": ADHOC,
        "objective": "an open workout: movements are added as it goes",
        "score_type": "none",
        "movements": [],
        "estimated_duration_seconds": 0,
        "sections": [],
        "board": "",
        "language": language,
        "resolved_for": None,
        "wod": None,
        "source": None,
        "taken_at": taken_at,
    }


def is_adhoc(row: Session) -> bool:
    return row.origin == ADHOC


async def start(
    session: AsyncSession,
    runtime: Runtime,
    actor: User,
    *,
    title: str | None,
    notes: str | None,
    day: date | None = None,
    at: time | None = None,
    import_key: str | None = None,
) -> Session:
    """Create and start an ad-hoc session for the actor, dated today (their zone) unless told."""
    profile = await accounts.profile_of(session, actor.id)
    zone = profile.timezone if profile else "UTC"
    language = profile.language if profile else "en"
    now = utcnow()
    local = now.astimezone(ZoneInfo(zone))
    day = day or local.date()
    at = at or local.time().replace(second=0, microsecond=0)
    name = (title or "").strip() or ("Séance libre" if language == "fr" else "Open workout")
    row = Session(
        id=uuid.uuid4(),
        athlete_id=actor.id,
        created_by=actor.id,
        kind=SessionKind.one_off,
        origin=ADHOC,
        import_key=import_key,
        title=name[:200],
        notes=notes,
        session_date=day,
        session_time=at,
        timezone=zone,
        exceptions=[],
        status=Status.scheduled,
        snapshot=open_snapshot(name[:200], language, now.isoformat()),
        snapshot_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return await planning.act(session, runtime, actor, row.id, "start")


async def _running(session: AsyncSession, actor: User, session_id: uuid.UUID) -> tuple[Session, Progress]:
    """The actor's own ad-hoc session, locked, while it runs (its structure is fixed once finished)."""
    row = await training.readable_session(session, actor, session_id, for_update=True)
    if row.athlete_id != actor.id:
        raise Forbidden("only the athlete changes their own workout")
    if not is_adhoc(row):
        raise Problem(422, "only a workout started without a plan takes new movements")
    if row.status != Status.in_progress:
        raise Conflict(
            f"a {row.status.value} workout cannot change its movements", current_status=row.status.value
        )
    progress = await training.progress_of(session, row)
    assert progress is not None  # started, so its progress exists
    return row, progress


def movement(name: str) -> MovementEntry:
    """A catalog movement by id, name or alias, or a 422 that suggests the closest ones."""
    found = resolve_movement(name)
    if found is None:
        close = suggest_movements(name)
        hint = f" (did you mean {', '.join(close[:3])}?)" if close else ""
        raise Problem(422, f"no movement {name!r} in the catalog{hint}", suggestions=close[:5])
    return found


def kind_for(entry: MovementEntry) -> ExerciseKind:
    """Sets of reps for what is counted in reps; a distance, calories or time otherwise (a row)."""
    return ExerciseKind.standard if "reps" in entry.quantities else ExerciseKind.circuit


async def add(
    session: AsyncSession,
    actor: User,
    session_id: uuid.UUID,
    *,
    name: str,
    superset_with: int | None = None,
    data: dict[str, Any] | None = None,
    notes: str | None = None,
) -> ProgressExercise:
    """Add a movement at the end; ``superset_with`` (a position) alternates it with that one."""
    row, progress = await _running(session, actor, session_id)
    entry = movement(name)
    found = await training.exercises(session, progress)
    if len(found) >= LIMIT:
        raise Problem(422, f"a workout holds at most {LIMIT} movements")
    config: dict[str, Any] = {}
    if superset_with is not None:
        partner = next((e for e in found if e.position == superset_with), None)
        if partner is None:
            raise Problem(422, f"no exercise at position {superset_with} to make a superset with")
        label = (partner.config or {}).get("superset") or _next_label(found)
        if (partner.config or {}).get("superset") != label:
            partner.config = (partner.config or {}) | {"superset": label}
            partner.version += 1
            partner.updated_at = utcnow()
        config["superset"] = label
    kind = kind_for(entry)
    now = utcnow()
    exercise = ProgressExercise(
        id=uuid.uuid4(),
        progress_id=progress.id,
        position=len(found),
        path=f"{ADHOC}.{len(found)}",
        name=entry.name,
        movement=entry.id,
        kind=kind,
        config=config,
        status=ExerciseStatus.in_progress if data else ExerciseStatus.not_started,
        notes=notes,
        media=[],
        data=training.valid_data(kind, data) if data else {},
        version=1,
        updated_at=now,
    )
    session.add(exercise)
    row.updated_at = now
    await session.flush()
    return exercise


def _next_label(found: list[ProgressExercise]) -> str:
    used = {(e.config or {}).get("superset") for e in found}
    return next(chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used)


async def _renumber(session: AsyncSession, ordered: list[ProgressExercise]) -> None:
    """Give ``ordered`` positions 0…n-1. Every exercise that moves gets a new version, so a device
    still saving by its old position gets a 409 with the current state instead of writing into
    whatever moved there. Two passes keep (progress, position) unique at every step."""
    moved = [(e, new) for new, e in enumerate(ordered) if e.position != new]
    for exercise, new in moved:
        exercise.position = -1 - new
    await session.flush()
    now = utcnow()
    for exercise, new in moved:
        exercise.position = new
        exercise.version += 1
        exercise.updated_at = now
    await session.flush()


async def remove(session: AsyncSession, actor: User, session_id: uuid.UUID, position: int) -> None:
    row, progress = await _running(session, actor, session_id)
    found = await training.exercises(session, progress)
    target = next((e for e in found if e.position == position), None)
    if target is None:
        raise Problem(422, f"no exercise at position {position}")
    await session.execute(delete(ProgressExercise).where(ProgressExercise.id == target.id))
    rest = [e for e in found if e.id != target.id]
    label = (target.config or {}).get("superset")
    partners = [e for e in rest if label and (e.config or {}).get("superset") == label]
    if len(partners) == 1:  # a superset of one is just a movement
        alone = partners[0]
        alone.config = {k: v for k, v in (alone.config or {}).items() if k != "superset"}
        alone.version += 1
    row.updated_at = utcnow()
    await _renumber(session, rest)


async def reorder(
    session: AsyncSession, actor: User, session_id: uuid.UUID, positions: list[int]
) -> list[ProgressExercise]:
    """Put the exercises in the order ``positions`` lists them (every current position, once)."""
    row, progress = await _running(session, actor, session_id)
    found = await training.exercises(session, progress)
    if sorted(positions) != [e.position for e in found]:
        raise Problem(
            422,
            f"give every position once, in the new order: this workout has positions 0 to {len(found) - 1}",
        )
    by_position = {e.position: e for e in found}
    row.updated_at = utcnow()
    await _renumber(session, [by_position[p] for p in positions])
    return await training.exercises(session, progress)


async def repeat(session: AsyncSession, actor: User, row: Session, previous_id: uuid.UUID) -> None:
    """Fill a new ad-hoc session with the movements of a finished one, in its order and supersets;
    each carries what was done last time (``config.last``) for the runner to show, nothing logged."""
    previous = await training.readable_session(session, actor, previous_id)
    if previous.athlete_id != actor.id or previous.status != Status.completed:
        raise Problem(422, "only a finished session of your own can be repeated")
    old = await training.progress_of(session, previous)
    progress = await training.progress_of(session, row)
    assert progress is not None
    now = utcnow()
    kept = [
        e for e in (await training.exercises(session, old) if old else []) if e.movement in movement_catalog()
    ]
    for position, exercise in enumerate(e for e in kept if e.status != ExerciseStatus.skipped):
        entry = movement_catalog()[str(exercise.movement)]
        config: dict[str, Any] = {"last": exercise.data or {}}
        if (exercise.config or {}).get("superset"):
            config["superset"] = exercise.config["superset"]
        session.add(
            ProgressExercise(
                id=uuid.uuid4(),
                progress_id=progress.id,
                position=position,
                path=f"{ADHOC}.{position}",
                name=entry.name,
                movement=entry.id,
                kind=kind_for(entry),
                config=config,
                status=ExerciseStatus.not_started,
                media=[],
                data={},
                version=1,
                updated_at=now,
            )
        )
    await session.flush()


# --- writing the performed workout back as WODCraft ---------------------------------------------


@dataclass
class Line:
    """One performed exercise as a movement line (``text``), with where it goes."""

    exercise: ProgressExercise
    text: str


def _number(value: float) -> str:
    return f"{value:g}"


def _load_text(load: dict[str, Any] | None) -> tuple[float, str] | None:
    if not load or not float(load.get("value") or 0):
        return None
    return float(load["value"]), str(load.get("unit", "kg"))


def _in_kg(load: tuple[float, str]) -> float:
    return load[0] * KG_PER_LB if load[1] == "lb" else load[0]


def _sets_of(exercise: ProgressExercise) -> list[tuple[int, tuple[float, str] | None]]:
    return [
        (int(s.get("reps", 0)), _load_text(s.get("load")))
        for s in (exercise.data or {}).get("sets", [])
        if int(s.get("reps", 0)) > 0
    ]


def _loads_note(sets: list[tuple[int, tuple[float, str] | None]]) -> str:
    units = {load[1] for _, load in sets if load}
    unit = next(iter(units)) if len(units) == 1 else "kg"
    parts = []
    for reps, load in sets:
        if load is None:
            parts.append(f"{reps}")
        else:
            value = load[0] if load[1] == unit else _in_kg(load)
            parts.append(f"{reps}×{_number(round(value, 2))}")
    return f"{', '.join(parts)} {unit}" if units else ", ".join(parts)


def _strength_line(entry: MovementEntry, sets: list[tuple[int, tuple[float, str] | None]]) -> str:
    reps = [r for r, _ in sets]
    scheme = f"{len(reps)}x{reps[0]}" if len(set(reps)) == 1 else "-".join(str(r) for r in reps)
    loads = [load for _, load in sets]
    words = [entry.name, scheme]
    notes: list[str] = []
    heaviest = max((x for x in loads if x), key=_in_kg, default=None)
    if heaviest is not None:
        if "load" in entry.params:
            words.append(f"@ {_number(heaviest[0])} {heaviest[1]}")
        if len(set(loads)) > 1 or "load" not in entry.params:
            notes.append(_loads_note(sets))
    return _with_notes(" ".join(words), notes)


def _with_notes(text: str, notes: list[str]) -> str:
    cleaned = [n.replace('"', "'") for n in notes if n]
    return f"{text} ({', '.join(f'{chr(34)}{n}{chr(34)}' for n in cleaned)})" if cleaned else text


def _measured_line(entry: MovementEntry, data: dict[str, Any]) -> str | None:
    """A distance, calories or time, in the first way the movement accepts that was logged."""
    if data.get("distance_m") and "distance" in entry.quantities:
        return f"{entry.name} {_number(round(float(data['distance_m']), 1))} m"
    if data.get("calories") and "calories" in entry.quantities:
        return f"{_number(round(float(data['calories'])))} cal {entry.name}"
    if data.get("time_s") and "time" in entry.quantities:
        seconds = max(1, round(float(data["time_s"])))
        return f"{seconds // 60}:{seconds % 60:02d} {entry.name}"
    if data.get("reps") and "reps" in entry.quantities:
        return f"{int(data['reps'])} {entry.name}"
    return None


def _round_item(entry: MovementEntry, exercise: ProgressExercise) -> tuple[str, int] | None:
    """A superset member as one item of ``N rounds``, and how many rounds it did."""
    if exercise.kind == ExerciseKind.standard:
        sets = _sets_of(exercise)
        if not sets:
            return None
        reps = [r for r, _ in sets]
        loads = [load for _, load in sets]
        heaviest = max((x for x in loads if x), key=_in_kg, default=None)
        words = [str(max(reps, key=reps.count)), entry.name]
        if heaviest is not None and "load" in entry.params:
            words.append(f"@ {_number(heaviest[0])} {heaviest[1]}")
        varied = len(set(reps)) > 1 or len(set(loads)) > 1 or (heaviest and "load" not in entry.params)
        return _with_notes(" ".join(words), [_loads_note(sets)] if varied else []), len(sets)
    line = _measured_line(entry, exercise.data or {})
    return (line, max(1, int((exercise.data or {}).get("rounds") or 1))) if line else None


def source_of(title: str, found: list[ProgressExercise]) -> tuple[str, list[ProgressExercise]]:
    """The WODCraft of what was performed, and the exercises in the order of its movement lines."""
    catalog = movement_catalog()
    groups: dict[str, list[ProgressExercise]] = defaultdict(list)
    for exercise in found:
        label = (exercise.config or {}).get("superset")
        if label:
            groups[label].append(exercise)
    lines: list[str] = [f"# {' '.join(title.split()) or 'Open workout'}"]
    order: list[ProgressExercise] = []
    emitted: set[str] = set()
    for exercise in found:
        label = (exercise.config or {}).get("superset")
        if label:
            if label in emitted:
                continue
            emitted.add(label)
            items = []
            for member in groups[label]:
                item = _round_item(catalog[str(member.movement)], member)
                if item is not None:
                    items.append((member, *item))
            if len(items) == 1:
                member = items[0][0]
                single = _single_line(catalog[str(member.movement)], member)
                if single:
                    lines.append(single)
                    order.append(member)
            elif items:
                lines.append(f"{max(rounds for _, _, rounds in items)} rounds")
                for member, text, _ in items:
                    lines.append(f"  {text}")
                    order.append(member)
            continue
        single = _single_line(catalog[str(exercise.movement)], exercise)
        if single:
            lines.append(single)
            order.append(exercise)
    return "\n".join(lines) + "\n", order


def _single_line(entry: MovementEntry, exercise: ProgressExercise) -> str | None:
    if exercise.kind == ExerciseKind.standard:
        sets = _sets_of(exercise)
        return _strength_line(entry, sets) if sets else None
    return _measured_line(entry, exercise.data or {})


async def write_back(session: AsyncSession, runtime: Runtime, row: Session) -> None:
    """Before an ad-hoc session completes: its source, compiled snapshot and re-attached exercises."""
    progress = await training.progress_of(session, row)
    found = await training.exercises(session, progress) if progress else []
    source, performed = source_of(row.title, found)
    if not performed:
        raise Problem(
            422,
            "nothing was logged in this workout: log at least one set, or cancel it",
            hint=f"POST /api/v1/sessions/{row.id}/cancel",
        )
    _, document = await compile_or_refuse(runtime, source)
    now = utcnow()
    planned = snapshot.Planned(describe(document).title or row.title, document, source, None, None)
    row.source = source
    row.snapshot = await snapshot.take(session, row.athlete_id, planned, at=now)
    row.snapshot_at = now
    compiled = exercises_of(row.snapshot)
    assert [c["movement"] for c in compiled] == [e.movement for e in performed], "write-back misaligned"
    skipped = [e for e in found if all(e.id != p.id for p in performed)]
    for exercise in skipped:
        exercise.status = ExerciseStatus.skipped
    for exercise, item in zip(performed, compiled, strict=True):
        exercise.path = item["path"]
        exercise.config = item["config"] | (
            {"superset": exercise.config["superset"]} if (exercise.config or {}).get("superset") else {}
        )
        if exercise.status != ExerciseStatus.skipped:
            exercise.status = ExerciseStatus.completed
    await _renumber(session, [*performed, *skipped])
