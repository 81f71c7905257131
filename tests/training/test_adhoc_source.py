"""Whatever an athlete logs in an open workout is written back as WODCraft that compiles, with one
compiled movement item per performed exercise, in order (hypothesis draws the workouts)."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.training.adhoc import kind_for, source_of
from atelier.training.exercises import exercises_of
from atelier.training.models import ExerciseKind, ProgressExercise
from atelier.wods.catalog import movement_catalog
from atelier.wods.compiler import compile_now

MOVEMENTS = sorted(movement_catalog())
loads = st.none() | st.builds(
    lambda v, u: {"value": v, "unit": u},
    st.sampled_from([0, 2.5, 20, 60, 82.5, 100, 142.5]),
    st.sampled_from(["kg", "lb"]),
)
sets = st.lists(st.fixed_dictionaries({"reps": st.integers(0, 30), "load": loads}), max_size=6)
measures = st.fixed_dictionaries(
    {},
    optional={
        "distance_m": st.sampled_from([100, 400, 2000, 5000.5]),
        "calories": st.sampled_from([10, 20.4]),
        "time_s": st.sampled_from([30, 61, 600]),
        "reps": st.integers(1, 50),
    },
)


@st.composite
def workouts(draw: st.DrawFn) -> list[ProgressExercise]:
    found = []
    for position in range(draw(st.integers(1, 8))):
        movement = draw(st.sampled_from(MOVEMENTS))
        kind = kind_for(movement_catalog()[movement])
        data: dict[str, Any]
        if kind == ExerciseKind.standard:
            data = {"sets": [{k: v for k, v in s.items() if v is not None} for s in draw(sets)]}
        else:
            data = draw(measures)
        label = draw(st.sampled_from([None, None, "A", "B"]))
        found.append(
            ProgressExercise(
                id=uuid.uuid4(),
                position=position,
                path=f"adhoc.{position}",
                name=movement,
                movement=movement,
                kind=kind,
                config={"superset": label} if label else {},
                data=data,
            )
        )
    return found


@settings(max_examples=150, deadline=None)
@given(workouts(), st.sampled_from(["Open workout", 'Tuesday "heavy" day', "Séance # 3"]))
def test_every_logged_workout_compiles_with_one_item_per_performed_exercise(
    found: list[ProgressExercise], title: str
) -> None:
    source, performed = source_of(title, found)
    if not performed:
        return
    compilation = compile_now(source)
    assert compilation.ok, (source, compilation.diagnostics)
    snapshot = {"sections": [{"workout": compilation.document}]}
    assert [item["movement"] for item in exercises_of(snapshot)] == [e.movement for e in performed]
