"""What the coaches and the analyser know about an athlete: plain data, gathered by ``context``.

The engines (``coaches``, ``analysis``, ``llm``) are pure functions of these values, so they are
tested without a database and the same facts always give the same prescription or analysis.
Loads are kg, distances metres, durations seconds; movements are catalog ids (``back_squat``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Discipline = Literal["strength", "endurance", "functional", "competition", "calisthenics"]
DISCIPLINES: tuple[Discipline, ...] = ("strength", "endurance", "functional", "competition", "calisthenics")
Language = Literal["en", "fr"]
Period = Literal["week", "month", "quarter"]
PERIOD_DAYS: dict[str, int] = {"week": 7, "month": 28, "quarter": 91}


@dataclass(frozen=True)
class LiftFact:
    """One logged set of a movement: reps at a load (0 kg for bodyweight), RPE when logged."""

    movement: str
    reps: int
    load_kg: float
    rpe: float | None = None


@dataclass(frozen=True)
class SessionFact:
    """One finished training session (seed 004's training_sessions + training_metrics)."""

    day: date
    discipline: str  # strength | endurance | functional | calisthenics (the metrics' discipline)
    session_type: str  # the compiled workout's type (e.g. "for_time", "amrap", "sets")
    duration_seconds: int
    rpe: float | None
    volume_kg: float
    reps: int
    distance_m: float
    movements: tuple[str, ...] = ()
    lifts: tuple[LiftFact, ...] = ()
    coach: str | None = None  # the coach whose prescription it was, when it came from one


@dataclass(frozen=True)
class GoalFact:
    goal_type: str  # sessions_per_week | training_minutes_per_week | calories_per_week | movement_1rm
    target: float
    current: float | None = None
    movement: str | None = None


@dataclass(frozen=True)
class LibraryWod:
    """A workout the functional and competition coaches may draw on."""

    key: str  # library path ("girls/fran") or a stored WOD's id
    title: str
    source: str
    equipment: frozenset[str]
    movements: tuple[str, ...]
    duration_seconds: int
    difficulty: int  # 0-100
    score_type: str
    format: str
    benchmark: bool = False
    last_done: date | None = None


@dataclass(frozen=True)
class AthleteFacts:
    today: date
    language: Language = "en"
    level: str = "rx"  # rx | intermediate | scaled | foundations
    category: str = "men"  # men | women
    units: str = "kg"
    bodyweight_kg: float | None = None
    age: int | None = None
    resting_hr: int | None = None
    max_hr: int | None = None
    # Best known one-rep max per movement (kg): the profile's declared value or the records' e1RM.
    one_rep_maxes: dict[str, float] = field(default_factory=dict)
    goals: tuple[GoalFact, ...] = ()
    # Finished sessions of the last 90 days, oldest first.
    sessions: tuple[SessionFact, ...] = ()
    # Sessions that were planned in the same window (finished, skipped, cancelled, or left scheduled
    # in the past): consistency = finished / planned.
    planned: int = 0
    acwr: float | None = None  # EWMA acute:chronic ratio (forge.load); None before 28 days of data
    acwr_flag: str | None = None  # "high" | "elevated" | "low" | None


@dataclass(frozen=True)
class CoachRequest:
    discipline: Discipline
    minutes: int
    equipment: frozenset[str]  # catalog kit names (wods.catalog.normalize_equipment)
    location: str | None = None


@dataclass(frozen=True)
class Prescription:
    discipline: Discipline
    title: str
    source: str  # WODCraft; compiled by the caller before it is ever shown
    minutes: int  # the time it is planned to take
    reasons: tuple[str, ...]  # why, in the athlete's language, one sentence each
    engine: str = "local"
    wod_key: str | None = None  # the library workout it came from, if any
