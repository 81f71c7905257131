"""The local coaches: every prescription compiles and fits its minutes, and the coaching is real."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.coaching import context
from atelier.coaching.coaches import prescribe
from atelier.coaching.facts import (
    DISCIPLINES,
    AthleteFacts,
    CoachRequest,
    Discipline,
    GoalFact,
    LibraryWod,
    LiftFact,
    Prescription,
    SessionFact,
)
from atelier.wods.catalog import ALWAYS_AVAILABLE, EQUIPMENT_IMPLIES, movement_catalog, normalize_equipment
from atelier.wods.compiler import compile_now
from atelier.wods.metadata import describe, movement_items, workouts_of

TODAY = date(2026, 11, 25)  # a Wednesday
GYM_KIT = "barbell dumbbell kettlebell pull_up_bar rings rower bike ski_erg box bench rig medicine_ball"
FULL_GYM = frozenset(normalize_equipment([*GYM_KIT.split(), "jump_rope", "abmat", "parallettes", "ghd"]))
HOME = frozenset(normalize_equipment(["dumbbell", "kettlebell"]))
NOTHING: frozenset[str] = frozenset()


def session(
    days_ago: int,
    discipline: str = "strength",
    *,
    rpe: float | None = None,
    movements: tuple[str, ...] = (),
    lifts: tuple[LiftFact, ...] = (),
    coach: str | None = None,
) -> SessionFact:
    return SessionFact(
        day=TODAY - timedelta(days=days_ago),
        discipline=discipline,
        session_type="sets",
        duration_seconds=3600,
        rpe=rpe,
        volume_kg=0.0,
        reps=0,
        distance_m=0.0,
        movements=movements,
        lifts=lifts,
        coach=coach,
    )


RICH = AthleteFacts(
    today=TODAY,
    age=35,
    bodyweight_kg=80,
    one_rep_maxes={"back_squat": 140, "deadlift": 180, "bench_press": 100, "strict_press": 60},
    goals=(GoalFact("sessions_per_week", 4),),
    sessions=(
        session(30, movements=("back_squat",)),
        session(23, movements=("deadlift",)),
        session(16, movements=("bench_press",)),
        session(9, movements=("strict_press",)),
        session(4, "endurance", rpe=5, movements=("row",)),
        session(2, "calisthenics", lifts=(LiftFact("strict_pull_up", 6, 0),) * 3),
    ),
    planned=8,
)
FACT_SETS = {
    "empty": AthleteFacts(today=TODAY),
    "rich": RICH,
    "lb": AthleteFacts(today=TODAY, units="lb", one_rep_maxes={"back_squat": 100, "deadlift": 120}),
    "french": AthleteFacts(today=TODAY, language="fr", level="scaled", one_rep_maxes={"deadlift": 90}),
    "foundations": AthleteFacts(today=TODAY, level="foundations", category="women", age=60),
    "high_acwr": AthleteFacts(
        today=TODAY, acwr=1.7, acwr_flag="high", sessions=RICH.sessions, one_rep_maxes=RICH.one_rep_maxes
    ),
}


standard_library = context.standard_library  # what the app hands the coaches


def compiled(prescription: Prescription) -> dict[str, Any]:
    compilation = compile_now(prescription.source)
    assert compilation.ok, (prescription.source, compilation.errors)
    assert compilation.document is not None
    return compilation.document


def items(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for workout in workouts_of(document):
        yield from movement_items(workout.get("blocks", []))


def movements(prescription: Prescription) -> set[str]:
    return {item["movement"] for item in items(compiled(prescription))}


def main_lift(prescription: Prescription) -> dict[str, Any]:
    """The first movement prescribed in sets."""
    return next(item for item in items(compiled(prescription)) if item.get("sets"))


def kg(item: dict[str, Any], unit: str = "kg") -> float:
    value = item["load"][unit]
    return float(value["men"] if isinstance(value, dict) else value)


def check(prescription: Prescription, request: CoachRequest, facts: AthleteFacts) -> None:
    document = compiled(prescription)
    assert describe(document).duration_seconds <= request.minutes * 60
    assert 1 <= prescription.minutes <= request.minutes
    assert 2 <= len(prescription.reasons) <= 5
    assert prescription.title and prescription.discipline == request.discipline
    have = set(request.equipment | ALWAYS_AVAILABLE)
    for kit in list(have):
        have |= EQUIPMENT_IMPLIES.get(kit, set())
    catalog = movement_catalog()
    for movement in movements(prescription):
        assert set(catalog[movement].equipment) <= have, movement
        if facts.level in ("scaled", "foundations") and prescription.wod_key is None:
            assert catalog[movement].complexity < 5, movement


# ----------------------------------------------------------------------------------------- compiles


@pytest.mark.parametrize("discipline", DISCIPLINES)
@pytest.mark.parametrize("facts_name", sorted(FACT_SETS))
@pytest.mark.parametrize("equipment", [NOTHING, HOME, FULL_GYM], ids=["nothing", "home", "gym"])
@pytest.mark.parametrize("minutes", [5, 30, 120])
def test_every_discipline_compiles_and_fits(
    discipline: Discipline, facts_name: str, equipment: frozenset[str], minutes: int
) -> None:
    facts = FACT_SETS[facts_name]
    request = CoachRequest(discipline, minutes, equipment)
    check(prescribe(facts, request, standard_library()), request, facts)
    check(prescribe(facts, request), request, facts)


kits = st.sets(st.sampled_from(sorted(FULL_GYM))).map(frozenset)
lifts = st.builds(
    LiftFact,
    movement=st.sampled_from(["back_squat", "strict_pull_up", "push_up", "dead_hang", "hollow_rock"]),
    reps=st.integers(1, 30),
    load_kg=st.floats(0, 300),
    rpe=st.none() | st.floats(5, 10),
)
sessions = st.builds(
    session,
    days_ago=st.integers(0, 89),
    discipline=st.sampled_from(["strength", "endurance", "functional", "calisthenics"]),
    rpe=st.none() | st.floats(1, 10),
    movements=st.lists(st.sampled_from(["back_squat", "deadlift", "row", "run", "thruster"])).map(tuple),
    lifts=st.lists(lifts, max_size=6).map(tuple),
)
athletes = st.builds(
    AthleteFacts,
    today=st.dates(date(2025, 1, 1), date(2030, 12, 31)),
    language=st.sampled_from(["en", "fr"]),
    level=st.sampled_from(["rx", "intermediate", "scaled", "foundations"]),
    category=st.sampled_from(["men", "women"]),
    units=st.sampled_from(["kg", "lb"]),
    age=st.none() | st.integers(14, 90),
    max_hr=st.none() | st.integers(140, 210),
    one_rep_maxes=st.dictionaries(
        st.sampled_from(["back_squat", "deadlift", "bench_press", "strict_press", "goblet_squat"]),
        st.floats(10, 400),
    ),
    goals=st.lists(
        st.builds(
            GoalFact,
            goal_type=st.just("movement_1rm"),
            target=st.floats(20, 400),
            movement=st.just("deadlift"),
        )
        | st.builds(GoalFact, goal_type=st.just("training_minutes_per_week"), target=st.floats(30, 900)),
        max_size=2,
    ).map(tuple),
    sessions=st.lists(sessions, max_size=12).map(lambda s: tuple(sorted(s, key=lambda x: x.day))),
    acwr=st.none() | st.floats(0.3, 2.5),
)


@settings(max_examples=60, deadline=None)
@given(
    facts=athletes,
    discipline=st.sampled_from(DISCIPLINES),
    minutes=st.integers(5, 240),
    equipment=kits,
    with_library=st.booleans(),
)
def test_any_input_gives_a_compiling_session_that_fits(
    facts: AthleteFacts, discipline: Discipline, minutes: int, equipment: frozenset[str], with_library: bool
) -> None:
    request = CoachRequest(discipline, minutes, equipment)
    prescription = prescribe(facts, request, standard_library() if with_library else ())
    check(prescription, request, facts)
    assert not prescription.source.startswith("# EMOM"), "the primary path compiled, not the fallback"


def test_same_input_same_prescription() -> None:
    for discipline in DISCIPLINES:
        request = CoachRequest(discipline, 60, FULL_GYM)
        first = prescribe(RICH, request, standard_library())
        assert first == prescribe(RICH, request, standard_library())


# ----------------------------------------------------------------------------------------- strength


def squat_history(weeks: int) -> tuple[SessionFact, ...]:
    """A strength session in each of the ``weeks`` weeks before this one; squats done longest ago."""
    others = ("deadlift", "bench_press", "strict_press")
    return tuple(
        session(7 * week, movements=(others[week % 3],), coach="strength") for week in range(weeks, 0, -1)
    )


@pytest.mark.parametrize(
    ("weeks", "sets", "reps", "load"),
    [(0, 4, 5, 70), (1, 5, 4, 75), (2, 5, 3, 80), (3, 3, 5, 60), (4, 4, 5, 70)],
)
def test_the_wave_follows_the_weeks_trained(weeks: int, sets: int, reps: int, load: float) -> None:
    facts = AthleteFacts(today=TODAY, one_rep_maxes={"back_squat": 100}, sessions=squat_history(weeks))
    prescription = prescribe(facts, CoachRequest("strength", 60, FULL_GYM))
    lift = main_lift(prescription)
    assert lift["movement"] == "back_squat"
    assert lift["sets"]["reps"] == [reps] * sets
    assert kg(lift) == load
    assert f"Week {weeks % 4 + 1} of 4" in prescription.reasons[0]
    assert ("Deload" in prescription.reasons[0]) == (weeks % 4 == 3)


def test_this_weeks_sessions_do_not_advance_the_wave() -> None:
    facts = AthleteFacts(today=TODAY, one_rep_maxes={"back_squat": 100}, sessions=(session(1),))
    assert main_lift(prescribe(facts, CoachRequest("strength", 60, FULL_GYM)))["sets"]["reps"] == [5] * 4


def test_pounds_round_to_five() -> None:
    facts = AthleteFacts(today=TODAY, units="lb", one_rep_maxes={"back_squat": 100})
    lift = main_lift(prescribe(facts, CoachRequest("strength", 60, FULL_GYM)))
    assert lift["load"]["unit"] == "lb" and kg(lift, "lb") == 155  # 70 kg = 154.3 lb


def test_without_a_one_rep_max_the_sets_are_by_rpe() -> None:
    prescription = prescribe(AthleteFacts(today=TODAY), CoachRequest("strength", 60, FULL_GYM))
    assert main_lift(prescription)["rpe"] == 7
    assert "RPE 7" in prescription.reasons[0] and "1RM" in prescription.reasons[0]


def test_a_one_rep_max_goal_picks_the_main_lift() -> None:
    goal = GoalFact("movement_1rm", 200, 180, "deadlift")
    goals = (GoalFact("training_minutes_per_week", 600), goal)
    facts = AthleteFacts(today=TODAY, one_rep_maxes={"deadlift": 180}, goals=goals, sessions=squat_history(1))
    prescription = prescribe(facts, CoachRequest("strength", 60, FULL_GYM))
    assert main_lift(prescription)["movement"] == "deadlift"
    assert any("200 kg" in reason for reason in prescription.reasons)


def test_the_least_recently_trained_pattern_leads() -> None:
    facts = AthleteFacts(
        today=TODAY,
        sessions=(session(9, movements=("deadlift",)), session(5, movements=("back_squat",))),
    )
    assert main_lift(prescribe(facts, CoachRequest("strength", 60, FULL_GYM)))["movement"] == "bench_press"


@pytest.mark.parametrize(("acwr", "flag", "fewer"), [(1.7, "high", 2), (1.4, "elevated", 1)])
def test_a_high_load_ratio_cuts_the_sets(acwr: float, flag: str, fewer: int) -> None:
    base = AthleteFacts(today=TODAY, one_rep_maxes={"back_squat": 100}, sessions=squat_history(1))
    loaded = AthleteFacts(
        today=TODAY, one_rep_maxes={"back_squat": 100}, sessions=squat_history(1), acwr=acwr, acwr_flag=flag
    )
    request = CoachRequest("strength", 60, FULL_GYM)
    normal, cut = prescribe(base, request), prescribe(loaded, request)
    assert len(main_lift(cut)["sets"]["reps"]) == len(main_lift(normal)["sets"]["reps"]) - fewer
    assert any(("40 %" if flag == "high" else "20 %") in reason for reason in cut.reasons)


def test_without_a_barbell_the_lifts_use_dumbbells_and_kettlebells() -> None:
    prescription = prescribe(RICH, CoachRequest("strength", 45, HOME))
    home_lifts = {"goblet_squat", "dumbbell_deadlift", "kettlebell_deadlift", "dumbbell_strict_press"}
    assert main_lift(prescription)["movement"] in home_lifts
    assert not {"back_squat", "deadlift", "bench_press", "strict_press"} & movements(prescription)


def test_five_minutes_of_strength_is_an_emom() -> None:
    document = compiled(prescribe(RICH, CoachRequest("strength", 5, FULL_GYM)))
    assert describe(document).format == "emom" and describe(document).duration_seconds == 300


# ---------------------------------------------------------------------------------------- endurance


def test_after_two_hard_sessions_today_is_easy_zone_2() -> None:
    facts = AthleteFacts(
        today=TODAY, max_hr=190, sessions=(session(5, "endurance", rpe=8), session(3, "endurance", rpe=9))
    )
    prescription = prescribe(facts, CoachRequest("endurance", 45, FULL_GYM))
    assert "Zone 2" in prescription.title
    assert describe(compiled(prescription)).format == "single"
    assert "114-133 bpm" in prescription.source
    assert "2 hard" in prescription.reasons[0]


def test_after_only_easy_sessions_today_brings_intervals() -> None:
    facts = AthleteFacts(
        today=TODAY,
        max_hr=200,
        sessions=(session(5, "endurance", rpe=4, movements=("row",)), session(2, "endurance", rpe=3)),
    )
    prescription = prescribe(facts, CoachRequest("endurance", 45, FULL_GYM))
    document = compiled(prescription)
    blocks = [b["type"] for w in workouts_of(document) for b in w["blocks"]]
    assert "every" in blocks and "Intervals" in prescription.title
    assert "zone 4, 80-90% of max HR (≈ 160-180 bpm)" in prescription.source
    assert "bike_erg" in movements(prescription)  # the row was used last


def test_zones_from_age_when_max_hr_is_unknown() -> None:
    prescription = prescribe(AthleteFacts(today=TODAY, age=40), CoachRequest("endurance", 30, NOTHING))
    assert "(≈ 108-126 bpm)" in prescription.source  # 220 - 40 = 180
    assert movements(prescription) == {"run"}


def test_a_high_load_ratio_keeps_the_day_easy() -> None:
    facts = AthleteFacts(today=TODAY, acwr=1.6, sessions=(session(3, "endurance", rpe=3),))
    prescription = prescribe(facts, CoachRequest("endurance", 50, FULL_GYM))
    assert "Zone 2" in prescription.title and describe(compiled(prescription)).duration_seconds == 30 * 60


# ------------------------------------------------------------------------ functional and competition


def test_library_workouts_need_only_the_kit_the_athlete_has() -> None:
    library = {wod.key: wod for wod in standard_library()}
    kit = frozenset(normalize_equipment(["pull-up bar", "kettlebell", "jump_rope"]))
    for discipline in ("functional", "competition"):
        prescription = prescribe(RICH, CoachRequest(discipline, 40, kit), standard_library())
        assert prescription.wod_key is not None
        assert library[prescription.wod_key].equipment <= kit | {"wall", "track", "rig"}
        assert f"use {prescription.wod_key}" in prescription.source


def test_a_recently_done_workout_is_avoided() -> None:
    request = CoachRequest("functional", 45, FULL_GYM)
    first = prescribe(RICH, request, standard_library())
    done = tuple(
        LibraryWod(**{**wod.__dict__, "last_done": TODAY - timedelta(days=3)})
        if wod.key == first.wod_key
        else wod
        for wod in standard_library()
    )
    second = prescribe(RICH, request, done)
    assert second.wod_key is not None and second.wod_key != first.wod_key


def test_competition_picks_a_benchmark() -> None:
    benchmarks = {wod.key for wod in standard_library() if wod.benchmark}
    prescription = prescribe(RICH, CoachRequest("competition", 45, FULL_GYM), standard_library())
    assert prescription.wod_key in benchmarks


def test_competition_prefers_a_benchmark_that_functional_would_not_pick() -> None:
    request = CoachRequest("functional", 45, FULL_GYM)
    plain = tuple(LibraryWod(**{**wod.__dict__, "benchmark": False}) for wod in standard_library())
    functional = prescribe(RICH, request, plain)
    other = next(w for w in plain if w.key != functional.wod_key and w.duration_seconds <= 30 * 60)
    library = tuple(LibraryWod(**{**w.__dict__, "benchmark": w.key == other.key}) for w in plain)
    assert prescribe(RICH, request, library).wod_key == functional.wod_key
    assert prescribe(RICH, CoachRequest("competition", 45, FULL_GYM), library).wod_key == other.key


def test_a_stored_workout_is_embedded() -> None:
    wod = next(w for w in standard_library() if w.key == "girls/cindy")
    stored = LibraryWod(**{**wod.__dict__, "key": "42"})
    prescription = prescribe(RICH, CoachRequest("functional", 40, FULL_GYM), (stored,))
    assert prescription.wod_key == "42" and "use " not in prescription.source
    assert {"pull_up", "push_up", "air_squat"} <= movements(prescription)


def test_without_a_fitting_library_workout_an_amrap_is_composed() -> None:
    prescription = prescribe(RICH, CoachRequest("functional", 20, NOTHING))
    assert prescription.wod_key is None
    assert "amrap" in [b["type"] for w in workouts_of(compiled(prescription)) for b in w["blocks"]]


# ------------------------------------------------------------------------------------- calisthenics


def test_three_sets_of_eight_strict_pull_ups_move_up_to_chest_to_bar() -> None:
    logged = (LiftFact("strict_pull_up", 8, 0),) * 3
    facts = AthleteFacts(today=TODAY, sessions=(session(2, "calisthenics", lifts=logged),))
    prescription = prescribe(facts, CoachRequest("calisthenics", 40, FULL_GYM))
    assert "chest_to_bar_pull_up" in movements(prescription)
    assert "strict_pull_up" not in movements(prescription)


def test_an_unmastered_step_is_repeated_with_one_more_rep() -> None:
    logged = (LiftFact("strict_pull_up", 3, 0),) * 3
    facts = AthleteFacts(today=TODAY, sessions=(session(2, "calisthenics", lifts=logged),))
    prescription = prescribe(facts, CoachRequest("calisthenics", 40, FULL_GYM))
    pull = next(item for item in items(compiled(prescription)) if item["movement"] == "strict_pull_up")
    assert set(pull["sets"]["reps"]) == {4}


def test_a_beginner_starts_at_the_first_steps() -> None:
    prescription = prescribe(AthleteFacts(today=TODAY), CoachRequest("calisthenics", 40, FULL_GYM))
    assert {"dead_hang", "knee_push_up", "hollow_hold"} <= movements(prescription)


def test_without_a_bar_the_progressions_stay_on_the_floor() -> None:
    prescription = prescribe(RICH, CoachRequest("calisthenics", 40, NOTHING))
    needs_bar = {
        m for m, e in movement_catalog().items() if {"pull_up_bar", "rings", "rig"} & set(e.equipment)
    }
    assert not needs_bar & movements(prescription)
    assert {"knee_push_up", "air_squat"} <= movements(prescription)
    assert any("floor" in reason for reason in prescription.reasons)


# -------------------------------------------------------------------------------------------- french


@pytest.mark.parametrize("discipline", DISCIPLINES)
def test_french_reasons_are_french(discipline: Discipline) -> None:
    facts = AthleteFacts(
        today=TODAY, language="fr", one_rep_maxes={"back_squat": 100}, acwr=1.4, sessions=squat_history(2)
    )
    prescription = prescribe(facts, CoachRequest(discipline, 45, FULL_GYM), standard_library())
    english = ("Week ", "your ", "Your ", "the ", " with ", "today")
    for reason in prescription.reasons:
        assert not any(word in reason for word in english), reason
    assert any(
        word in " ".join(prescription.reasons) for word in ("ton ", "ta ", "Ton ", "Ta ", "pour ", "de ")
    )
    if discipline == "strength":
        assert prescription.title.startswith("Force") and prescription.reasons[0].startswith(
            "Semaine 3 sur 4"
        )
