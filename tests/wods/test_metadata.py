"""What Atelier indexes about a compiled workout: difficulty, hash, format, score, duration.

Difficulty (0–100, README "Decisions") must never go down when a workout gets heavier, longer or
more complex, and must go up in the clear cases. Generated workouts check it end to end (source →
WODCraft → ``describe``); ``difficulty_score`` is checked on its own over every input.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from wodcraft.catalog import load_catalog

from atelier.wods.catalog import movement_catalog
from atelier.wods.compiler import compile_now
from atelier.wods.metadata import describe, difficulty_score, workout_hash
from tests.wods.workouts import CINDY, ENGINE, FRAN, FRAN_REWRITTEN, LIBRARY_FRAN, SQUAT_DAY, TUESDAY

FAST = settings(max_examples=60, deadline=None, database=None)

# Barbell and kettlebell movements whose load the catalog measures against a men's Rx reference.
LOADED = (
    "Thruster",
    "Deadlift",
    "Front squat",
    "Kettlebell swing",
    "Power clean",
    "Overhead squat",
    "Push press",
)


def compiled(source: str) -> dict[str, Any]:
    compilation = compile_now(source)
    assert compilation.ok, (source, compilation.diagnostics)
    assert compilation.document is not None
    return compilation.document


def difficulty(source: str) -> int:
    return describe(compiled(source)).difficulty


def rounds_of(rounds: int, reps: int, movement: str, load: str = "") -> str:
    return f"# Generated\n{rounds} rounds for time\n  {reps} {movement} {load}".rstrip() + "\n"


def _same_pace_pairs() -> list[tuple[str, str]]:
    """(easier, harder) bodyweight movements WODCraft paces alike: only the catalog's complexity differs."""
    paces = load_catalog().movements
    by_pace: dict[tuple[tuple[str, float], ...], list[tuple[int, str]]] = defaultdict(list)
    for entry in movement_catalog().values():
        if "reps" in entry.quantities and not entry.params and compile_now(rounds_of(1, 5, entry.name)).ok:
            by_pace[tuple(sorted(paces[entry.id].pace.items()))].append((entry.complexity, entry.name))
    return [
        (easy, hard)
        for group in by_pace.values()
        for easy_complexity, easy in group
        for hard_complexity, hard in group
        if easy_complexity < hard_complexity
    ]


SAME_PACE_PAIRS = _same_pace_pairs()


@FAST
@given(
    movement=st.sampled_from(LOADED),
    rounds=st.integers(1, 10),
    reps=st.integers(1, 50),
    loads=st.lists(st.integers(5, 250), min_size=2, max_size=2, unique=True).map(sorted),
)
def test_a_heavier_load_is_never_easier(movement: str, rounds: int, reps: int, loads: list[int]) -> None:
    light, heavy = loads
    assert difficulty(rounds_of(rounds, reps, movement, f"{light} kg")) <= difficulty(
        rounds_of(rounds, reps, movement, f"{heavy} kg")
    )


@FAST
@given(
    movement=st.sampled_from(("Burpee", "Air squat", "Pull-up", *(f"{name} 40 kg" for name in LOADED))),
    rounds=st.integers(1, 10),
    reps=st.lists(st.integers(1, 80), min_size=2, max_size=2, unique=True).map(sorted),
)
def test_more_reps_are_never_easier(movement: str, rounds: int, reps: list[int]) -> None:
    fewer, more = reps
    assert difficulty(rounds_of(rounds, fewer, movement)) <= difficulty(rounds_of(rounds, more, movement))


@FAST
@given(
    movement=st.sampled_from(("Burpee", "Toes-to-bar", "Thruster 43 kg", "Box jump 24 in", "Row 500 m")),
    reps=st.integers(1, 30),
    rounds=st.lists(st.integers(1, 20), min_size=2, max_size=2, unique=True).map(sorted),
)
def test_more_rounds_are_never_easier(movement: str, reps: int, rounds: list[int]) -> None:
    fewer, more = rounds
    quantity = "" if movement.startswith("Row") else str(reps)
    one = f"# Generated\n{fewer} rounds for time\n  {quantity} {movement}\n"
    other = f"# Generated\n{more} rounds for time\n  {quantity} {movement}\n"
    assert difficulty(one) <= difficulty(other)


@FAST
@given(pair=st.sampled_from(SAME_PACE_PAIRS), rounds=st.integers(1, 10), reps=st.integers(1, 50))
def test_a_more_complex_movement_at_the_same_pace_is_never_easier(
    pair: tuple[str, str], rounds: int, reps: int
) -> None:
    easier, harder = pair
    assert difficulty(rounds_of(rounds, reps, easier)) <= difficulty(rounds_of(rounds, reps, harder))


def test_same_pace_pairs_cover_many_movements() -> None:
    assert len(SAME_PACE_PAIRS) > 100
    assert ("Air squat", "Pull-up") in SAME_PACE_PAIRS


def test_clear_cases_are_strictly_harder() -> None:
    assert difficulty(LIBRARY_FRAN) == 49  # the README's figures
    assert difficulty(LIBRARY_FRAN.replace("95/65 lb", "115/75 lb")) == 54
    assert difficulty(rounds_of(3, 10, "Thruster", "20 kg")) < difficulty(
        rounds_of(3, 10, "Thruster", "60 kg")
    )
    assert difficulty(rounds_of(1, 20, "Burpee")) < difficulty(rounds_of(10, 20, "Burpee"))
    assert difficulty(rounds_of(5, 10, "Air squat")) < difficulty(rounds_of(5, 10, "Pull-up"))
    assert difficulty(rounds_of(5, 10, "Jumping jack")) < difficulty(rounds_of(5, 10, "Crossover"))


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
anything = st.floats(allow_nan=False)  # infinities included
complexity = st.integers(1, 5)


@settings(max_examples=200, deadline=None, database=None)
@given(
    duration=anything,
    load=anything,
    complexities=st.lists(complexity, max_size=8),
    volume=anything,
)
def test_difficulty_stays_between_0_and_100(
    duration: float, load: float, complexities: list[int], volume: float
) -> None:
    score = difficulty_score(
        duration_seconds=duration, relative_load=load, complexities=complexities, volume_reps=volume
    )
    assert 0 <= score <= 100


@settings(max_examples=200, deadline=None, database=None)
@given(
    duration=finite,
    load=finite,
    complexities=st.lists(complexity, min_size=1, max_size=8),
    volume=finite,
    more=st.floats(min_value=0, max_value=1e6),
    which=st.sampled_from(("duration", "load", "volume", "complexity")),
    index=st.integers(0, 7),
)
def test_difficulty_score_never_drops_when_one_part_grows(
    duration: float,
    load: float,
    complexities: list[int],
    volume: float,
    more: float,
    which: str,
    index: int,
) -> None:
    before = {
        "duration_seconds": duration,
        "relative_load": load,
        "complexities": complexities,
        "volume_reps": volume,
    }
    after = dict(before)
    if which == "complexity":
        raised = list(complexities)
        raised[index % len(raised)] = min(5, raised[index % len(raised)] + 1)
        after["complexities"] = raised
    else:
        name = {"duration": "duration_seconds", "load": "relative_load", "volume": "volume_reps"}[which]
        after[name] = before[name] + more  # type: ignore[operator]
    assert difficulty_score(**before) <= difficulty_score(**after)  # type: ignore[arg-type]


def test_difficulty_score_reaches_its_bounds() -> None:
    assert difficulty_score(duration_seconds=0, relative_load=0, complexities=[], volume_reps=0) == 0
    everything = difficulty_score(duration_seconds=3600, relative_load=1.5, complexities=[5], volume_reps=500)
    assert everything == 100
    assert (
        difficulty_score(duration_seconds=1e9, relative_load=1e9, complexities=[5, 5], volume_reps=1e9) == 100
    )


@st.composite
def rewritings(draw: st.DrawFn) -> tuple[str, str, str]:
    """A workout, the same one written another way, and a different one."""
    rounds = draw(st.integers(2, 9))
    reps = draw(st.integers(1, 40))
    kg, lb = draw(st.sampled_from(((43, 95), (61, 135), (102, 225), (20, 45))))
    movement = draw(st.sampled_from(("Thruster", "Deadlift", "Front squat")))
    gap = draw(st.sampled_from((" ", "  ", "    ")))

    def shout(text: str) -> str:
        return text.upper() if draw(st.booleans()) else text.lower()

    original = f"# Chipper\n{rounds} rounds for time\n  {reps} {movement} {kg} kg\n  10 Pull-up\n"
    rewritten = (
        f"// the same thing\n#{gap}{shout('chipper')}\n\n"
        f"{rounds} {shout('rounds for time')}\n"
        f"  {gap}{reps} {shout(movement)}s {lb} {shout('lb')}  // pounds\n  {gap}10 {shout('pull ups')}\n\n"
    )
    change = draw(st.sampled_from(("rounds", "reps", "load", "title", "movement")))
    different = {
        "rounds": original.replace(f"{rounds} rounds", f"{rounds + 1} rounds"),
        "reps": original.replace(f"  {reps} {movement}", f"  {reps + 1} {movement}"),
        "load": original.replace(f"{kg} kg", f"{kg + 5} kg"),
        "title": original.replace("# Chipper", "# Chipper II"),
        "movement": original.replace("10 Pull-up", "10 Chin-up"),
    }[change]
    return original, rewritten, different


@FAST
@given(rewritings())
def test_the_hash_is_the_workout_not_its_spelling(sources: tuple[str, str, str]) -> None:
    original, rewritten, different = sources
    assert workout_hash(compiled(original)) == workout_hash(compiled(rewritten))
    assert workout_hash(compiled(original)) != workout_hash(compiled(different))


def test_the_hash_ignores_comments_positions_and_unit_spelling_but_not_the_title() -> None:
    fran = workout_hash(compiled(FRAN))
    assert workout_hash(compiled(FRAN_REWRITTEN)) == fran
    assert workout_hash(compiled("// Fran, the classic\n" + FRAN)) == fran
    assert workout_hash(compiled(FRAN.replace("# Fran", "# My Fran"))) != fran
    assert workout_hash(compiled(FRAN.replace("21-15-9", "15-12-9"))) != fran
    assert workout_hash(compiled(FRAN.replace("Pull-up", "Chest-to-bar pull-up"))) != fran
    assert workout_hash(compiled(FRAN.replace("for time", "for time, cap 10:00"))) != fran
    assert len(fran) == 64


def test_describe_an_amrap() -> None:
    cindy = describe(compiled(CINDY))
    assert (cindy.title, cindy.format, cindy.score_type) == ("Cindy", "amrap", "rounds+reps")
    assert cindy.duration_seconds == 20 * 60
    assert cindy.movements == ["air_squat", "pull_up", "push_up"]
    assert cindy.equipment == ["pull_up_bar"]
    assert cindy.modalities == ["gymnastics"]


def test_describe_an_emom() -> None:
    engine = describe(compiled(ENGINE))
    assert (engine.format, engine.score_type, engine.duration_seconds) == ("emom", "none", 600)
    assert engine.movements == ["burpee", "row"]
    assert engine.equipment == ["rower"]
    assert engine.modalities == ["cardio", "gymnastics"]
    assert engine.categories == ["cardio", "gymnastics"]


def test_describe_a_for_time() -> None:
    fran = describe(compiled(FRAN))
    document = compiled(FRAN)
    assert (fran.title, fran.format, fran.score_type) == ("Fran", "for_time", "time")
    assert fran.duration_seconds == round((document["estimate"]["min_s"] + document["estimate"]["max_s"]) / 2)
    assert fran.movements == ["pull_up", "thruster"]
    assert fran.equipment == ["barbell", "plates", "pull_up_bar"]
    assert fran.categories == ["gymnastics", "weightlifting"]
    assert fran.team_size == 1


def test_describe_a_capped_for_time_holds_the_estimate_to_the_cap() -> None:
    long = describe(compiled("# Long\nFor time, cap 5:00\n  200 Burpee\n"))
    assert long.duration_seconds == 300


def test_describe_strength_sets() -> None:
    squats = describe(compiled(SQUAT_DAY))
    assert (squats.format, squats.score_type) == ("sets", "load")
    assert squats.movements == ["back_squat"]
    assert squats.categories == ["strength"]
    assert "barbell" in squats.equipment
    # 75 % of a 1RM counts as 75/60 of the Rx reference: heavy, so harder than the same sets at 50 %.
    assert squats.difficulty > describe(compiled(SQUAT_DAY.replace("75%", "50%"))).difficulty


def test_describe_a_session() -> None:
    tuesday = describe(compiled(TUESDAY))
    assert (tuesday.title, tuesday.format, tuesday.score_type) == ("Tuesday", "session", "multi")
    assert tuesday.movements == ["air_squat", "burpee", "pull_up", "push_up"]
    assert tuesday.equipment == ["pull_up_bar"]
    assert tuesday.duration_seconds > 12 * 60  # the warm-up, then the 12-minute AMRAP


def test_describe_other_formats() -> None:
    formats = {
        "# One\n10 Burpee\n": ("single", "none"),
        "# Two\nFor time\n  10 Burpee\nAMRAP 5\n  5 Pull-up\n": ("multi", "multi"),
        "# T\nTabata\n  Air squat\n": ("tabata", "reps"),
        "# M\nMax load\n  1 Back squat\n": ("max_load", "load"),
        "# R\n3 rounds\n  10 Burpee\n": ("rounds", "none"),
        "# E\nEvery 2:00 x 5\n  10 Burpee\n": ("every", "none"),
    }
    for source, (format_, score) in formats.items():
        described = describe(compiled(source))
        assert (described.format, described.score_type) == (format_, score), source


def test_an_untitled_workout_is_named_after_its_format_and_movements() -> None:
    untitled = describe(compiled("21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"))
    assert untitled.title == "For time: Thruster, Pull-up"


def test_a_team_workout_records_its_team_size() -> None:
    assert describe(compiled("# Pairs\nFor time, teams of 2\n  100 Burpee (split)\n")).team_size == 2
