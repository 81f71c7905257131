"""Personal records, computed from what the athlete logged (seed 004's Records tab:
"pure calculation", cached 5 minutes).

Only finished (``completed``) sessions count, in the order they happened (date, then end time).

Per movement, from logged sets (``standard`` sets, and each minute of an EMOM at its load):

* **best loads for 1, 3 and 5 reps**: the heaviest load lifted for *at least* that many reps in
  one set (a set of 5 at 100 kg is also a 3-rep best of 100 kg);
* **estimated 1RM**: the best ``estimates.e1rm`` of any set — the RTS RPE chart when the set has
  an RPE, else Epley; sets beyond 12 reps or under RPE 6 give no estimate;
* **max reps**: the most reps in one set, whatever the load (pull-ups, push-ups…);
* **longest distance** and **fastest time per distance**, from circuit exercises that logged them
  (a 2,000 m row, a 5 km run).

Per workout (every version and copy that compiles to the same workout): the best result by the
workout's score type, in leaderboard order (``ranking``).

A **new record** is flagged on the finished session that set it: a session sets a record when it
beats the best of every session before it, strictly. The first time a movement or a workout is
done sets its first record; ``previous`` is then null, so a page can say "first Fran" rather than
"new PR".

``training.progression`` buckets the same data by week or month.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.kit.runtime import Runtime
from atelier.planning.models import Session, Status
from atelier.training import estimates
from atelier.training.models import ExerciseKind, Progress, ProgressExercise, Result
from atelier.training.ranking import Entry, is_better
from atelier.wods.models import Wod

REP_TARGETS = (1, 3, 5)
CACHE_SECONDS = 300
Period = Literal["week", "month"]


@dataclass(frozen=True)
class Lift:
    """One set: reps at a load (kg; 0 for bodyweight), with its RPE when logged."""

    reps: int
    load_kg: float
    rpe: float | None


@dataclass(frozen=True)
class Effort:
    """A timed or measured piece of a circuit: distance (m) and the time it took (s)."""

    distance_m: float | None
    time_s: float | None


@dataclass
class Done:
    """What one finished session did with one movement."""

    session_id: uuid.UUID
    performed_on: date
    movement: str
    name: str
    lifts: list[Lift] = field(default_factory=list)
    efforts: list[Effort] = field(default_factory=list)


def _kg(load: Any) -> float:
    if not isinstance(load, dict) or load.get("value") is None:
        return 0.0
    value = float(load["value"])
    return value * 0.45359237 if load.get("unit") == "lb" else value


def lifts_of(kind: str, data: dict[str, Any]) -> tuple[list[Lift], list[Effort]]:
    """The sets and measured efforts in one exercise's logged data."""
    lifts: list[Lift] = []
    efforts: list[Effort] = []
    rpe = data.get("rpe")
    if kind == ExerciseKind.standard:
        for s in data.get("sets") or []:
            if int(s.get("reps") or 0) > 0:
                lifts.append(Lift(int(s["reps"]), _kg(s.get("load")), s.get("rpe", rpe)))
    elif kind == ExerciseKind.emom:
        load = _kg(data.get("load"))
        lifts.extend(Lift(int(r), load, rpe) for r in data.get("reps_per_minute") or [] if int(r) > 0)
    elif kind == ExerciseKind.circuit and (data.get("distance_m") or data.get("time_s")):
        efforts.append(Effort(data.get("distance_m") or None, data.get("time_s") or None))
    return lifts, efforts


async def history(session: AsyncSession, athlete_id: uuid.UUID) -> list[Done]:
    """Every movement of every finished session, oldest first."""
    rows = await session.execute(
        select(
            Session.id,
            Session.session_date,
            ProgressExercise.movement,
            ProgressExercise.name,
            ProgressExercise.kind,
            ProgressExercise.data,
        )
        .join(Progress, Progress.session_id == Session.id)
        .join(ProgressExercise, ProgressExercise.progress_id == Progress.id)
        .where(
            Session.athlete_id == athlete_id,
            Progress.athlete_id == athlete_id,
            Session.status == Status.completed,
            ProgressExercise.movement.is_not(None),
        )
        .order_by(Session.session_date, Session.ended_at, Session.id, ProgressExercise.position)
    )
    done: dict[tuple[uuid.UUID, str], Done] = {}
    for session_id, day, movement, name, kind, data in rows:
        lifts, efforts = lifts_of(kind, data or {})
        if not lifts and not efforts:
            continue
        entry = done.setdefault((session_id, movement), Done(session_id, day, movement, name))
        entry.lifts.extend(lifts)
        entry.efforts.extend(efforts)
    return list(done.values())


@dataclass(frozen=True)
class Scored:
    """One result as a board entry, with what a page shows about it."""

    entry: Entry[uuid.UUID]
    workout_hash: str
    title: str
    wod_id: uuid.UUID | None
    performed_on: date
    session_id: uuid.UUID
    unit: str | None
    level: str | None


async def results(session: AsyncSession, athlete_id: uuid.UUID) -> list[Scored]:
    """The athlete's scored results with their titles, oldest first (their records book)."""
    statement = (
        select(Result, Session.title, Wod.title)
        .join(Session, Session.id == Result.session_id)
        .outerjoin(Wod, Wod.id == Result.wod_id)
        .where(Result.athlete_id == athlete_id, Result.score_type != "multi", Result.is_dnf.is_(False))
        .order_by(Result.performed_on, Result.recorded_at)
    )
    rows = await session.execute(statement)
    found = []
    for result, session_title, wod_title in rows:
        if result.score_value is None:
            continue
        found.append(
            Scored(
                entry=entry_of(result),
                workout_hash=result.workout_hash,
                title=wod_title or session_title,
                wod_id=result.wod_id,
                performed_on=result.performed_on,
                session_id=result.session_id,
                unit=result.score_unit,
                level=result.level,
            )
        )
    return found


def entry_of(result: Result | Any) -> Entry[uuid.UUID]:
    """A result (an entity, or a row with its columns' names) as a board entry."""
    return Entry(
        athlete_id=result.athlete_id,
        score_type=result.score_type,
        value=result.score_value,
        secondary=result.score_secondary,
        rx=result.is_rx,
        dnf=result.is_dnf,
        capped=result.capped,
        recorded_at=result.recorded_at,
        ref=result.id,
    )


def score_text(score_type: str, value: float | None, secondary: float | None, capped: bool, dnf: bool) -> str:
    """A score as a whiteboard shows it: 3:07, 12 rounds + 5, CAP + 87 reps, 102.5 kg, DNF."""
    if dnf or value is None:
        return "DNF"
    if score_type == "time" and capped:
        return f"CAP + {_number(value)} reps"
    if score_type == "time":
        whole = round(value)
        hours, rest = divmod(whole, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    if score_type == "rounds+reps":
        extra = int(secondary or 0)
        return f"{int(value)} rounds" + (f" + {extra}" if extra else "")
    unit = {"reps": "reps", "load": "kg", "calories": "cal"}.get(score_type, "")
    return f"{_number(value)} {unit}".strip()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """A best: what, how much, where it was set, and what it beat (None the first time)."""

    kind: str  # 1rm, 3rm, 5rm, e1rm, max_reps, longest, fastest, workout
    key: str  # movement id, or workout hash
    name: str
    value: float
    unit: str
    session_id: uuid.UUID
    performed_on: date
    previous: float | None
    detail: dict[str, Any]


@dataclass
class Book:
    """Every record as it stands after walking the history, and the records each session set."""

    current: dict[tuple[str, str, str], Record] = field(default_factory=dict)
    set_by: dict[uuid.UUID, list[Record]] = field(default_factory=lambda: defaultdict(list))
    best_entry: dict[str, Scored] = field(default_factory=dict)

    def offer(self, record: Record, *, higher: bool = True, slot: str = "") -> None:
        key = (record.kind, record.key, slot)
        held = self.current.get(key)
        if held is not None:
            if not (record.value > held.value if higher else record.value < held.value):
                return
            record = _replace_previous(record, held.value)
        self.current[key] = record
        self.set_by[record.session_id].append(record)


def _replace_previous(record: Record, previous: float | None) -> Record:
    return Record(
        record.kind,
        record.key,
        record.name,
        record.value,
        record.unit,
        record.session_id,
        record.performed_on,
        previous,
        record.detail,
    )


def _movement_records(done: Done) -> Iterator[tuple[Record, bool, str]]:
    """(record, higher is better, slot) candidates from one session's work on one movement."""

    def record(kind: str, value: float, unit: str, **detail: Any) -> Record:
        return Record(
            kind, done.movement, done.name, value, unit, done.session_id, done.performed_on, None, detail
        )

    for target in REP_TARGETS:
        loads = [lift.load_kg for lift in done.lifts if lift.reps >= target and lift.load_kg > 0]
        if loads:
            yield record(f"{target}rm", round(max(loads), 2), "kg"), True, ""
    estimates_found = [
        (value, lift)
        for lift in done.lifts
        if lift.load_kg > 0 and (value := estimates.e1rm(lift.load_kg, lift.reps, lift.rpe)) is not None
    ]
    if estimates_found:
        value, lift = max(estimates_found, key=lambda found: found[0])
        formula = "rpe_chart" if lift.rpe is not None else "epley"
        yield (
            record(
                "e1rm",
                round(value, 1),
                "kg",
                formula=formula,
                reps=lift.reps,
                load_kg=lift.load_kg,
                rpe=lift.rpe,
            ),
            True,
            "",
        )
    if done.lifts:
        best = max(done.lifts, key=lambda lift: (lift.reps, lift.load_kg))
        yield record("max_reps", float(best.reps), "reps", load_kg=best.load_kg), True, ""
    distances = [e.distance_m for e in done.efforts if e.distance_m]
    if distances:
        yield record("longest", max(distances), "m"), True, ""
    fastest: dict[float, float] = {}
    for effort in done.efforts:
        if effort.distance_m and effort.time_s:
            distance = round(effort.distance_m, 1)
            fastest[distance] = min(effort.time_s, fastest.get(distance, effort.time_s))
    for distance, time_s in sorted(fastest.items()):
        yield record("fastest", time_s, "s", distance_m=distance), False, str(distance)


def book_of(history_rows: Sequence[Done], scored: Sequence[Scored]) -> Book:
    """Walk the history in order; every strict improvement is a record set by its session."""
    book = Book()
    timeline: list[tuple[date, int, Any]] = [(d.performed_on, 0, d) for d in history_rows]
    timeline += [(s.performed_on, 1, s) for s in scored]
    timeline.sort(key=lambda item: (item[0], item[1]))
    for _, _, item in timeline:
        if isinstance(item, Done):
            for candidate, higher, slot in _movement_records(item):
                book.offer(candidate, higher=higher, slot=slot)
            continue
        held = book.best_entry.get(item.workout_hash)
        if held is not None and not is_better(item.entry, held.entry):
            continue
        book.best_entry[item.workout_hash] = item
        entry = item.entry
        assert entry.value is not None
        record = Record(
            "workout",
            item.workout_hash,
            item.title,
            entry.value,
            item.unit or "",
            item.session_id,
            item.performed_on,
            held.entry.value if held is not None else None,
            {
                "score_type": entry.score_type,
                "secondary": entry.secondary,
                "capped": entry.capped,
                "rx": entry.rx,
                "level": item.level,
                "wod_id": str(item.wod_id) if item.wod_id else None,
                "display": score_text(entry.score_type, entry.value, entry.secondary, entry.capped, False),
                "previous_display": (
                    score_text(
                        held.entry.score_type,
                        held.entry.value,
                        held.entry.secondary,
                        held.entry.capped,
                        False,
                    )
                    if held is not None
                    else None
                ),
            },
        )
        book.current[("workout", item.workout_hash, "")] = record
        book.set_by[item.session_id].append(record)
    return book


def record_json(record: Record) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "key": record.key,
        "name": record.name,
        "value": record.value,
        "unit": record.unit,
        "session_id": str(record.session_id),
        "performed_on": record.performed_on.isoformat(),
        "previous": record.previous,
        **record.detail,
    }


def board_json(book: Book) -> dict[str, Any]:
    """The Records tab: per movement and per workout, as they stand."""
    movements: dict[str, dict[str, Any]] = {}
    workouts: list[dict[str, Any]] = []
    for (kind, key, _), record in sorted(book.current.items(), key=lambda item: item[0]):
        if kind == "workout":
            workouts.append(record_json(record))
            continue
        entry = movements.setdefault(
            key, {"movement": key, "name": record.name, "best_loads": {}, "fastest": []}
        )
        if kind.endswith("rm") and kind != "e1rm":
            entry["best_loads"][kind[:-2]] = record_json(record)
        elif kind == "fastest":
            entry["fastest"].append(record_json(record))
        else:
            entry[kind] = record_json(record)
    for entry in movements.values():
        entry["fastest"].sort(key=lambda r: r["distance_m"])
    workouts.sort(key=lambda r: r["name"].lower())
    return {"movements": sorted(movements.values(), key=lambda m: m["name"].lower()), "workouts": workouts}


async def athlete_book(session: AsyncSession, runtime: Runtime, athlete_id: uuid.UUID) -> dict[str, Any]:
    """Records and the records each session set, cached 5 minutes (cleared when a session finishes
    or a result is recorded). The caller has checked the actor may read this athlete."""
    key = cache_key(athlete_id)
    cached = await runtime.cache.get(key)
    if cached is not None:
        return dict(cached)
    book = book_of(await history(session, athlete_id), await results(session, athlete_id))
    computed = {
        "records": board_json(book),
        "sessions": {
            str(session_id): [record_json(r) for r in found]
            for session_id, found in book.set_by.items()
            if found
        },
    }
    await runtime.cache.set(key, computed, CACHE_SECONDS)
    return computed


def cache_key(athlete_id: uuid.UUID) -> str:
    return f"records:v1:{athlete_id}"


async def forget(runtime: Runtime, athlete_id: uuid.UUID) -> None:
    """Drop the cached records once a session finishes or a result changes (after the commit is
    not needed: a reader that fills the cache before the commit only sees the older state for at
    most the cache's 5 minutes, and ``forget`` runs at the end of the writing request)."""
    await runtime.cache.delete(cache_key(athlete_id))
