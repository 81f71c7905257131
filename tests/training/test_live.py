"""Live tracking: the work path of a workout, events folded into standings, the live board."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.training.live import (
    Event,
    EventError,
    EventKind,
    Outcome,
    Path,
    Policy,
    Standing,
    apply,
    board,
    current_leg,
    path_of,
    position,
    rounds_of,
    score_of,
    turn_of,
)
from atelier.wods.compiler import compile_now

ANA, BO, CY, JUDGE, STRANGER = (uuid.uuid5(uuid.NAMESPACE_DNS, f"{n}.live.test") for n in "abcjs")
TEAM = uuid.uuid5(uuid.NAMESPACE_DNS, "team.live.test")

THERE_AND_BACK = (
    "For time, cap 25:00, teams of 2, there and back\n"
    "  50 cal Row (split)\n"
    "  40 Pull-up (split)\n"
    "  10 Wall walk (split)\n"
)
FRAN = "21-15-9 for time\n  Thruster 43 kg\n  Pull-up\n"
CAPPED_FRAN = "21-15-9 for time, cap 5:00\n  Thruster 43 kg\n  Pull-up\n"
CINDY = "AMRAP 12:00\n  5 Pull-up\n  10 Push-up\n  15 Air squat\n"
RUN_SWING = "3 rounds for time\n  400 m Run\n  21 Kettlebell swing 24 kg\n"
RELAY = "For time, teams of 2\n  10 Burpee\n  10 Pull-up\n  10 Air squat\n"


def document(source: str) -> dict[str, Any]:
    compiled = compile_now(source)
    assert compiled.document is not None, compiled.diagnostics
    return compiled.document


def path(source: str) -> Path:
    return path_of(document(source))


def shape(p: Path) -> list[tuple[str, float, str]]:
    return [(leg.movement, leg.quantity, leg.unit) for leg in p.legs]


_ids = iter(range(1, 10**9))


def event(
    offset: float,
    quantity: float | None = None,
    movement: str | None = None,
    *,
    athlete: uuid.UUID = ANA,
    kind: EventKind = "complete",
    unit: str | None = None,
) -> Event:
    return Event(
        id=uuid.UUID(int=next(_ids)),
        athlete_id=athlete,
        offset_s=offset,
        kind=kind,
        movement=movement,
        quantity=quantity,
        unit=unit,
    )


def team() -> Policy:
    return Policy(TEAM, (ANA, BO), judges=frozenset({JUDGE}))


# --- The path ---------------------------------------------------------------------------------


def test_there_and_back_does_the_lines_back_without_repeating_the_last() -> None:
    p = path(THERE_AND_BACK)
    assert shape(p) == [
        ("row", 50, "cal"),
        ("pull_up", 40, "reps"),
        ("wall_walk", 10, "reps"),
        ("pull_up", 40, "reps"),
        ("row", 50, "cal"),
    ]
    assert [leg.index for leg in p.legs] == [0, 1, 2, 3, 4]
    assert all(leg.split and not leg.sync for leg in p.legs)
    assert p.total == 190
    assert (p.repeat, p.cap_s, p.score_type, p.team_size, p.round_units) == (False, 1500, "time", 2, 190)


def test_a_rep_ladder_gives_its_value_to_movements_without_a_quantity() -> None:
    p = path(FRAN)
    assert shape(p) == [
        ("thruster", 21, "reps"),
        ("pull_up", 21, "reps"),
        ("thruster", 15, "reps"),
        ("pull_up", 15, "reps"),
        ("thruster", 9, "reps"),
        ("pull_up", 9, "reps"),
    ]
    assert (p.total, p.round_units, p.cap_s, p.score_type) == (90, 42, None, "time")


def test_a_movement_with_its_own_quantity_keeps_it_in_every_ladder_round() -> None:
    p = path("21-15-9 for time, there and back\n  Thruster 43 kg\n  Pull-up\n  10 Burpee\n")
    assert [leg.quantity for leg in p.legs[:5]] == [21, 21, 10, 21, 21]
    assert [leg.quantity for leg in p.legs[5:10]] == [15, 15, 10, 15, 15]
    assert p.total == 2 * (21 + 15 + 9) * 2 + 3 * 10


def test_an_amrap_repeats_its_round() -> None:
    p = path(CINDY)
    assert shape(p) == [("pull_up", 5, "reps"), ("push_up", 10, "reps"), ("air_squat", 15, "reps")]
    assert (p.repeat, p.total, p.round_units, p.cap_s, p.score_type) == (True, None, 30, 720, "rounds+reps")
    spot = position(p, 65)
    assert spot is not None
    assert (spot.number, spot.leg.movement, spot.start) == (7, "push_up", 65)


def test_rounds_are_expanded_and_distances_are_metres() -> None:
    p = path(RUN_SWING)
    assert shape(p) == [("run", 400, "m"), ("kettlebell_swing", 21, "reps")] * 3
    assert (p.total, p.round_units) == (1263, 421)
    miles = path("For time\n  1 mi Run\n  100 ft Handstand walk\n  2 km Row\n")
    assert [leg.quantity for leg in miles.legs] == pytest.approx([1609.344, 30.48, 2000])
    assert {leg.unit for leg in miles.legs} == {"m"}


def test_a_session_tracks_its_first_scored_workout() -> None:
    source = (
        "# Tuesday\n## Warm-up\n3 rounds\n  10 Air squat\n"
        "## Metcon\nAMRAP 10\n  5 Pull-up\n## Finisher\nFor time\n  1 km Run\n"
    )
    p = path(source)
    assert shape(p) == [("pull_up", 5, "reps")]
    assert (p.repeat, p.cap_s, p.score_type) == (True, 600, "rounds+reps")


def test_an_unscored_workout_is_tracked_as_reps() -> None:
    p = path("3 rounds\n  10 Burpee\n  Rest 1:00\n")
    assert shape(p) == [("burpee", 10, "reps")] * 3
    assert (p.score_type, p.total) == ("reps", 30)


def test_an_open_ladder_grows_at_each_round() -> None:
    p = path("AMRAP 12\n  3-6-9 ...\n    Burpee\n    Pull-up\n")
    assert p.repeat and p.round_units == 6
    assert [(leg.quantity, leg.step) for leg in p.legs] == [(3, 3), (3, 3)]
    spot = position(p, 6)
    assert spot is not None and (spot.leg.movement, spot.leg.quantity, spot.number) == ("burpee", 6, 2)
    assert rounds_of(p, 6 + 12 + 4) == (2, 4)


def test_an_amrap_buy_in_is_done_once_and_belongs_to_the_first_round() -> None:
    p = path("AMRAP 20\n  Buy-in: 400 m Run\n  5 Pull-up\n  10 Push-up\n")
    assert [(leg.index, leg.movement) for leg in p.lead] == [(0, "run")]
    assert [(leg.index, leg.movement) for leg in p.legs] == [(1, "pull_up"), (2, "push_up")]
    assert p.round_units == 15
    assert rounds_of(p, 300) == (0, 300)
    assert rounds_of(p, 415) == (1, 0)
    assert rounds_of(p, 415 + 15 * 3 + 7) == (4, 7)
    spot = position(p, 410)
    assert spot is not None and (spot.leg.movement, spot.number, spot.start) == ("push_up", 2, 405)
    later = position(p, 420)
    assert later is not None and (later.leg.movement, later.number) == ("push_up", 4)


def test_buy_in_and_cash_out_are_done_once_around_the_rounds() -> None:
    p = path("3 rounds for time\n  Buy-in: 20 Burpee\n  10 Pull-up\n  Cash-out: 50 cal Row\n")
    assert shape(p) == [("burpee", 20, "reps"), *[("pull_up", 10, "reps")] * 3, ("row", 50, "cal")]


def test_a_dual_value_takes_the_category_asked_for() -> None:
    source = "For time\n  50/40 cal Row\n"
    assert path_of(document(source)).total == 50
    assert path_of(document(source), category="women").total == 40


def test_max_load_attempts_are_kg_legs() -> None:
    p = path("Max load, 3 attempts\n  1 Back squat\n  Rest 2:00\n")
    assert shape(p) == [("back_squat", 1, "kg")] * 3
    assert (p.score_type, p.total, p.repeat) == ("load", 3, False)
    build_up = path("Max load\n  1 Clean\n")
    assert (build_up.repeat, build_up.total, shape(build_up)) == (True, None, [("clean", 1, "kg")])


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("EMOM 10\n  10 Burpee\n", "paced by the clock"),
        ("Tabata\n  Air squat\n", "paced by the clock"),
        ("For time\n  max Burpee\n", "no end"),
        ("AMRAP 20\n  5 Pull-up\n  Cash-out: 400 m Run\n", "cash-out"),
        ("AMRAP 5\n  10 Burpee\nFor time, cap 5:00\n  50 Pull-up\n", "repeats until its cap"),
    ],
)
def test_work_that_cannot_be_tracked_live_is_refused(source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        path(source)


def test_a_workout_without_movement_is_refused() -> None:
    with pytest.raises(ValueError, match="no movement"):
        path_of({"kind": "workout", "blocks": [{"type": "rest", "seconds": 60}], "score": {"type": "none"}})


# --- Individuals ------------------------------------------------------------------------------


def test_an_individual_finishes_when_the_path_is_done() -> None:
    p = path(FRAN)
    events = [
        event(60, 21),
        event(100, 21),
        event(150, 15, "thruster"),
        event(190, 15, "Pull-up"),
        event(230, 9),
        event(270, 9),
        event(300, 1),
    ]
    applied = apply(p, None, Standing(entrant_id=ANA), events)
    assert applied.ok
    s = applied.standing
    assert (s.done, s.finished_at, s.last_offset) == (90, 270, 300)
    assert [o.done for o in applied.outcomes] == [21, 42, 57, 72, 81, 90, 90]
    assert applied.outcomes[-1].accepted is False and applied.outcomes[-1].reason == "already finished"
    assert score_of(p, s) == {"value": 270, "secondary": None, "unit": "s", "capped": False}
    assert current_leg(p, s) is None


def test_an_amrap_is_scored_by_rounds_and_reps() -> None:
    p = path(CINDY)
    events = [event(t, q) for t, q in [(30, 5), (60, 10), (90, 15), (120, 5), (150, 10), (170, 3)]]
    s = apply(p, None, Standing(entrant_id=ANA), events).standing
    assert s.done == 48 and s.finished_at is None
    assert score_of(p, s) == {"value": 1.0, "secondary": 18, "unit": "rounds", "capped": False}
    leg = current_leg(p, s)
    assert leg is not None and leg.movement == "air_squat"


def test_an_athlete_stopped_by_the_cap_is_scored_by_reps() -> None:
    p = path(CAPPED_FRAN)
    s = apply(p, None, Standing(entrant_id=ANA), [event(100, 21), event(200, 21), event(299, 10)]).standing
    assert s.finished_at is None
    assert score_of(p, s) == {"value": 52, "secondary": None, "unit": "reps", "capped": True}


def test_an_individual_logging_out_of_order_is_credited_anyway() -> None:
    p = path(FRAN)
    applied = apply(p, None, Standing(entrant_id=ANA), [event(60, 21, "pull_up")])
    assert applied.outcomes[0].accepted and applied.outcomes[0].reason is None
    assert applied.standing.done == 21
    leg = current_leg(p, applied.standing)
    assert leg is not None and leg.movement == "pull_up"


def test_an_overshoot_carries_over_into_the_next_legs() -> None:
    p = path(FRAN)
    applied = apply(p, None, Standing(entrant_id=ANA), [event(60, 30)])
    assert applied.standing.done == 30
    spot = position(p, applied.standing.done)
    assert spot is not None and (spot.leg.movement, spot.end - applied.standing.done) == ("pull_up", 12)
    past_the_end = apply(p, None, applied.standing, [event(120, 100)])
    assert past_the_end.standing.done == 90 and past_the_end.standing.finished_at == 120
    assert past_the_end.outcomes[0].reason == "40 reps past the end of the workout not counted"


def test_start_and_rest_events_only_move_the_last_offset() -> None:
    p = path(FRAN)
    applied = apply(
        p, None, Standing(entrant_id=ANA), [event(0, kind="start"), event(45, 5, "thruster", kind="rest")]
    )
    assert applied.ok and all(o.accepted for o in applied.outcomes)
    assert (applied.standing.done, applied.standing.last_offset) == (0, 45)
    assert applied.standing.last_offsets == {ANA: 45}


def test_movement_names_and_units_are_read_leniently() -> None:
    p = path(FRAN)
    events = [
        event(10, 21, "THRUSTER", unit="rep"),
        event(20, 5, "pull up", unit="Reps"),
        event(30, 5, "Pull-up"),
        event(40, 5, "pull_up"),
    ]
    applied = apply(p, None, Standing(entrant_id=ANA), events)
    assert applied.ok and applied.standing.done == 36


# --- Teams ------------------------------------------------------------------------------------


def test_a_relay_leg_belongs_to_the_member_whose_turn_it_is() -> None:
    p = path(RELAY)
    policy = team()
    standing = Standing(entrant_id=TEAM)
    assert turn_of(p, policy, standing) == ANA
    applied = apply(p, policy, standing, [event(5, 10, athlete=BO), event(30, 10, athlete=ANA)])
    bo_early, ana = applied.outcomes
    assert (bo_early.accepted, bo_early.reason) == (False, f"out of turn: it is {ANA}'s turn on Burpee")
    assert ana.accepted and applied.standing.done == 10
    assert turn_of(p, policy, applied.standing) == BO
    again = apply(p, policy, applied.standing, [event(40, 10, athlete=ANA), event(60, 10, athlete=BO)])
    assert again.outcomes[0].reason == f"out of turn: it is {BO}'s turn on Pull-up"
    assert again.outcomes[1].accepted and again.standing.done == 20
    assert turn_of(p, policy, again.standing) == ANA  # leg 2 wraps to the first member


def test_a_relay_overshoot_stops_at_the_end_of_the_leg() -> None:
    p = path(RELAY)
    applied = apply(p, team(), Standing(entrant_id=TEAM), [event(30, 15, athlete=ANA)])
    outcome = applied.outcomes[0]
    assert outcome.accepted and outcome.credited == 10 and applied.standing.done == 10
    assert (
        outcome.reason
        == "5 reps past the end of Burpee not counted: a member cannot do the next member's leg"
    )


def test_a_team_event_for_another_leg_is_ignored() -> None:
    p = path(RELAY)
    applied = apply(p, team(), Standing(entrant_id=TEAM), [event(30, 10, "pull_up", athlete=ANA)])
    assert applied.ok and not applied.outcomes[0].accepted
    assert applied.outcomes[0].reason == "not the current leg: the team is on Burpee (reps)"


def test_a_judge_posts_for_the_member_whose_turn_it_is() -> None:
    p = path(RELAY)
    applied = apply(p, team(), Standing(entrant_id=TEAM), [event(30, 10, athlete=JUDGE)])
    assert applied.outcomes[0].accepted and applied.standing.done == 10
    assert applied.standing.last_offsets == {JUDGE: 30}


def test_split_legs_are_credited_from_any_member() -> None:
    p = path(THERE_AND_BACK)
    events = [event(60, 30, athlete=ANA), event(70, 20, athlete=BO), event(90, 25, athlete=BO)]
    applied = apply(p, team(), Standing(entrant_id=TEAM), events)
    assert applied.ok and all(o.accepted for o in applied.outcomes)
    assert [o.done for o in applied.outcomes] == [30, 50, 75]
    assert applied.standing.last_offsets == {ANA: 60, BO: 90}
    assert turn_of(p, team(), applied.standing) is None  # a shared leg has no turn


def test_a_shared_overshoot_carries_over_within_the_same_unit() -> None:
    p = path("AMRAP 10, teams of 2\n  10 Burpee (split)\n  20 cal Row (split)\n")
    applied = apply(p, team(), Standing(entrant_id=TEAM), [event(60, 25, athlete=ANA)])
    assert applied.standing.done == 10
    assert applied.outcomes[0].reason == (
        "15 reps past the end of Burpee not counted: the next leg, Row, is counted in cal"
    )
    repeated = path("AMRAP 10, teams of 2\n  10 Burpee (split)\n")
    carried = apply(repeated, team(), Standing(entrant_id=TEAM), [event(60, 25, athlete=BO)])
    assert carried.outcomes[0].reason is None and carried.standing.done == 25


def test_sync_reps_count_once_for_the_team() -> None:
    p = path("For time, teams of 2\n  20 Burpee (sync)\n  10 Pull-up\n")
    applied = apply(p, team(), Standing(entrant_id=TEAM), [event(60, 20, athlete=BO)])
    assert applied.standing.done == 20
    assert turn_of(p, team(), applied.standing) == BO  # leg 1 of the path: the second member
    finished = apply(p, team(), applied.standing, [event(90, 10, athlete=BO)])
    assert finished.standing.finished_at == 90


def test_a_shared_overshoot_stops_before_a_relay_leg() -> None:
    p = path("For time, teams of 2\n  20 Burpee (sync)\n  10 Pull-up\n")
    applied = apply(p, team(), Standing(entrant_id=TEAM), [event(60, 25, athlete=ANA)])
    assert applied.standing.done == 20
    assert applied.outcomes[0].reason == (
        "5 reps past the end of Burpee not counted: the next leg, Pull-up, is a relay leg"
    )


def test_a_team_policy_needs_the_team_standing() -> None:
    with pytest.raises(ValueError, match="policy of team"):
        apply(path(RELAY), team(), Standing(entrant_id=ANA), [])


# --- Rejected events --------------------------------------------------------------------------


def rejected(p: Path, events: list[Event], policy: Policy | None = None) -> list[tuple[str, str]]:
    standing = Standing(entrant_id=TEAM if policy else ANA)
    applied = apply(p, policy, standing, events)
    assert not applied.ok
    return [(e.field, e.reason) for e in applied.errors]


def test_an_offset_going_backwards_is_rejected() -> None:
    p = path(FRAN)
    first = apply(p, None, Standing(entrant_id=ANA), [event(100, 10)])
    late = event(90, 5)
    applied = apply(p, None, first.standing, [late, event(120, 5)])
    assert [(e.event_id, e.field) for e in applied.errors] == [(late.id, "offset_s")]
    assert "goes back in time" in applied.errors[0].reason
    assert applied.standing.done == 15  # the valid event still applies, the rejected one changes nothing


def test_a_batch_is_applied_in_offset_order() -> None:
    p = path(FRAN)
    applied = apply(p, None, Standing(entrant_id=ANA), [event(90, 5), event(30, 21), event(30, 1)])
    assert applied.ok
    assert [o.done for o in applied.outcomes] == [21, 22, 27]


def test_offsets_before_the_start_or_beyond_the_cap_are_rejected() -> None:
    errors = rejected(path(CAPPED_FRAN), [event(-1, 5), event(300, 5), event(301, 5)])
    assert errors == [
        ("offset_s", "offset -1 s is before the start of the class"),
        ("offset_s", "offset 301 s is beyond the cap (300 s)"),
    ]


def test_an_unknown_movement_is_rejected() -> None:
    errors = rejected(path(FRAN), [event(10, 5, "Burpee")])
    assert errors == [("movement", "'Burpee' is not in this workout (Thruster, Pull-up)")]


def test_a_unit_that_does_not_fit_the_leg_is_rejected() -> None:
    errors = rejected(path(FRAN), [event(10, 60, "pull_up", unit="kg"), event(20, 5, unit="lbs")])
    assert errors == [
        ("unit", "unit 'kg' does not fit Pull-up (counted in reps)"),
        ("unit", "unknown unit 'lbs': use reps, cal, m, s, kg or lb"),
    ]
    row = rejected(path(THERE_AND_BACK), [event(10, 10, unit="reps")], team())
    assert row == [("unit", "unit 'reps' does not fit Row (counted in cal)")]


def test_a_complete_event_needs_a_positive_quantity() -> None:
    errors = rejected(path(FRAN), [event(10), event(20, -3)])
    assert errors == [
        ("quantity", "a complete event needs a quantity"),
        ("quantity", "quantity -3 is negative"),
    ]


def test_events_of_strangers_are_rejected() -> None:
    assert [f for f, _ in rejected(path(RELAY), [event(10, 5, athlete=STRANGER)], team())] == ["athlete_id"]
    assert [f for f, _ in rejected(path(FRAN), [event(10, 5, athlete=BO)])] == ["athlete_id"]


def test_an_unknown_kind_is_rejected() -> None:
    errors = rejected(path(FRAN), [event(10, 5, kind="jump")])  # type: ignore[arg-type]
    assert errors == [("kind", "unknown kind 'jump': use complete, start or rest")]


# --- Loads ------------------------------------------------------------------------------------


def test_a_max_load_keeps_the_best_lift() -> None:
    p = path("Max load, 3 attempts\n  1 Back squat\n")
    events = [event(60, 100), event(180, 225, unit="lb"), event(300, 95, "Back squat", unit="kg")]
    s = apply(p, None, Standing(entrant_id=ANA), events).standing
    assert s.done == 3 and s.finished_at == 300
    assert score_of(p, s) == {"value": 102.058, "secondary": None, "unit": "kg", "capped": False}
    assert rejected(p, [event(10, 5, unit="reps")]) == [
        ("unit", "unit 'reps' does not fit Back squat (counted in kg)")
    ]


# --- Board ------------------------------------------------------------------------------------


def test_the_board_ranks_finishers_before_capped_entrants() -> None:
    p = path(CAPPED_FRAN)
    fresh = {athlete: Standing(entrant_id=athlete) for athlete in (ANA, BO, CY)}
    ana = apply(p, None, fresh[ANA], [event(t, q) for t, q in [(60, 42), (120, 30), (240, 18)]])
    bo = apply(p, None, fresh[BO], [event(100, 42, athlete=BO), event(200, 10, athlete=BO)])
    cy = apply(p, None, fresh[CY], [event(90, 42, athlete=CY), event(210, 10, athlete=CY)])
    rows = board(p, [cy.standing, bo.standing, ana.standing], rx={CY: False})
    assert [(r["rank"], r["tied"], r["entrant_id"]) for r in rows] == [
        (1, False, ANA),
        (2, False, BO),
        (3, False, CY),
    ]
    assert rows[0]["score"] == {"value": 240, "secondary": None, "unit": "s", "capped": False}
    assert rows[0]["current_leg"] is None and rows[0]["finished_at"] == 240
    assert rows[1]["current_leg"] == "Thruster" and rows[1]["done"] == 52 and rows[1]["last_offset"] == 200
    assert rows[2]["rx"] is False
    tied = board(p, [bo.standing, apply(p, None, fresh[CY], [event(300, 52, athlete=CY)]).standing])
    assert [(r["rank"], r["tied"], r["entrant_id"]) for r in tied] == [(1, True, BO), (1, True, CY)]


def test_a_load_board_lists_entrants_without_a_lift_last() -> None:
    p = path("Max load\n  1 Clean\n")
    lifted = apply(p, None, Standing(entrant_id=ANA), [event(60, 80), event(200, 90)]).standing
    rows = board(p, [Standing(entrant_id=BO), lifted])
    assert [(r["entrant_id"], r["score"]["value"]) for r in rows] == [(ANA, 90), (BO, None)]
    assert rows[0]["current_leg"] == "Clean"


# --- Determinism ------------------------------------------------------------------------------


def test_the_same_events_give_the_same_result() -> None:
    p = path(THERE_AND_BACK)
    events = [
        event(t, q, athlete=a) for t, q, a in [(60, 30, ANA), (60, 30, BO), (200, 45, ANA), (500, 90, BO)]
    ]
    first = apply(p, team(), Standing(entrant_id=TEAM), events)
    second = apply(p, team(), Standing(entrant_id=TEAM), events)
    assert first == second


MOVES = st.sampled_from([None, "thruster", "pull_up", "Pull-up"])
STEPS = st.tuples(
    st.integers(0, 40),  # seconds since the previous event (equal offsets included)
    st.sampled_from(["complete", "complete", "complete", "start", "rest"]),
    MOVES,
    st.integers(0, 60).map(lambda half: half / 2),
)


@settings(max_examples=150, deadline=None)
@given(
    source=st.sampled_from([FRAN, CAPPED_FRAN, CINDY.replace("Push-up", "Thruster"), RUN_SWING]),
    steps=st.lists(STEPS, max_size=30),
    cuts=st.lists(st.integers(0, 30), max_size=6),
)
def test_batches_add_up_to_the_whole(
    source: str, steps: list[tuple[int, str, str | None, float]], cuts: list[int]
) -> None:
    p = path(source)
    offset, events = 0.0, []
    for gap, kind, movement, quantity in steps:
        offset += gap
        if source == RUN_SWING:
            movement = None  # that workout has neither thrusters nor pull-ups
        events.append(
            Event(
                id=uuid.uuid4(),
                athlete_id=ANA,
                offset_s=offset,
                kind=kind,  # type: ignore[arg-type]
                movement=movement,
                quantity=quantity if kind == "complete" else None,
            )
        )
    whole = apply(p, None, Standing(entrant_id=ANA), events)
    standing = Standing(entrant_id=ANA)
    outcomes: list[Outcome] = []
    errors: list[EventError] = []
    bounds = sorted({min(c, len(events)) for c in cuts} | {0, len(events)})
    for start, end in itertools.pairwise(bounds):
        applied = apply(p, None, standing, events[start:end])
        standing = applied.standing
        outcomes += applied.outcomes
        errors += applied.errors
    assert standing == whole.standing
    assert tuple(outcomes) == whole.outcomes and tuple(errors) == whole.errors


SPLIT_RELAY = "For time, cap 20:00, teams of 2\n  20 Burpee\n  30 Air squat (split)\n  10 Pull-up\n"
LOAD = "Max load, 5 attempts\n  1 Back squat\n"
ENTRANTS = {  # source → who posts (the entrant's athletes and a judge), the team's policy or none
    THERE_AND_BACK: ((ANA, BO, JUDGE), team()),
    RELAY: ((ANA, BO, JUDGE), team()),
    SPLIT_RELAY: ((ANA, BO, JUDGE), team()),
    CINDY: ((ANA, BO, JUDGE), team()),
    CINDY + " ": ((ANA,), None),
    LOAD: ((ANA,), None),
}
TEAM_STEPS = st.tuples(
    st.integers(0, 40),
    st.sampled_from(["complete", "complete", "complete", "start", "rest"]),
    st.integers(0, 2),  # who posts, among the entrant's
    st.integers(0, 8),  # the movement: one of the path's, or none (the current leg's)
    st.integers(0, 80).map(lambda half: half / 2),
)


def _events_of(source: str, steps: list[tuple[int, str, int, int, float]]) -> list[Event]:
    p, (people, _) = path(source.strip()), ENTRANTS[source]
    movements = [*p.movements, None]
    offset, events = 0.0, []
    for gap, kind, who, movement, quantity in steps:
        offset += gap
        if p.cap_s is not None:
            offset = min(offset, p.cap_s)
        events.append(
            Event(
                id=uuid.uuid4(),
                athlete_id=people[who % len(people)],
                offset_s=offset,
                kind=kind,  # type: ignore[arg-type]
                movement=movements[movement % len(movements)],
                quantity=(quantity * 4 if p.score_type == "load" else quantity)
                if kind == "complete"
                else None,
                unit="kg" if p.score_type == "load" and kind == "complete" else None,
            )
        )
    return events


@settings(max_examples=200, deadline=None)
@given(
    source=st.sampled_from(list(ENTRANTS)),
    steps=st.lists(TEAM_STEPS, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=8),
)
def test_a_standing_resumed_batch_by_batch_equals_the_whole_fold(
    source: str, steps: list[tuple[int, str, int, int, float]], cuts: list[int]
) -> None:
    """Relays, (split), there-and-back, AMRAP and load workouts: the stored standing of each batch
    is all the next batch needs; folding batch by batch gives the standing and the outcomes of one
    fold of every event."""
    p, (_, policy) = path(source.strip()), ENTRANTS[source]
    entrant = policy.team_id if policy else ANA
    events = _events_of(source, steps)
    whole = apply(p, policy, Standing(entrant_id=entrant), events)
    standing = Standing(entrant_id=entrant)
    outcomes: list[Outcome] = []
    bounds = sorted({min(c, len(events)) for c in cuts} | {0, len(events)})
    for start, end in itertools.pairwise(bounds):
        applied = apply(p, policy, standing, events[start:end])
        standing = applied.standing
        outcomes += applied.outcomes
        assert not applied.errors
    assert not whole.errors
    assert standing == whole.standing
    assert tuple(outcomes) == whole.outcomes
