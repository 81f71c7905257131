"""Leaderboard order: by score type, Rx before scaled, DNF last, ties sharing a rank, best per athlete."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atelier.training.ranking import RANKED_SCORE_TYPES, Entry, best_per_athlete, rank
from atelier.training.results import NEEDS

T0 = datetime(2027, 1, 5, 18, 0, tzinfo=UTC)
ATHLETES = {name: uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.atelier.test") for name in "abcdefgh"}


def entry(
    ref: str,
    value: float | None,
    *,
    score_type: str = "time",
    athlete: str | None = None,
    secondary: float | None = None,
    rx: bool = True,
    dnf: bool = False,
    capped: bool = False,
    minutes: int = 0,
) -> Entry[str]:
    """An entry whose ``ref`` names it; the athlete defaults to the ref's first letter."""
    return Entry(
        athlete_id=ATHLETES[athlete or ref[0]],
        score_type=score_type,
        value=value,
        secondary=secondary,
        rx=rx,
        dnf=dnf,
        capped=capped,
        recorded_at=T0 + timedelta(minutes=minutes),
        ref=ref,
    )


def board(entries: list[Entry[str]]) -> list[tuple[int, str]]:
    return [(row.rank, row.entry.ref) for row in rank(entries)]


def test_the_ranked_score_types_are_those_results_records() -> None:
    assert set(NEEDS) == RANKED_SCORE_TYPES


def test_times_rank_fastest_first() -> None:
    assert board([entry("a", 300), entry("b", 185.5), entry("c", 240)]) == [(1, "b"), (2, "c"), (3, "a")]


def test_capped_athletes_come_after_every_finisher_by_reps() -> None:
    entries = [
        entry("a", 150, capped=True),
        entry("b", 599),
        entry("c", 170, capped=True),
        entry("d", 245),
        entry("e", 90, capped=True),
    ]

    assert board(entries) == [(1, "d"), (2, "b"), (3, "c"), (4, "a"), (5, "e")]


def test_rounds_rank_first_then_reps_past_the_last_round() -> None:
    entries = [
        entry("a", 19, secondary=29, score_type="rounds+reps"),
        entry("b", 20, secondary=3, score_type="rounds+reps"),
        entry("c", 20, secondary=15, score_type="rounds+reps"),
        entry("d", 20, score_type="rounds+reps"),
    ]

    assert board(entries) == [(1, "c"), (2, "b"), (3, "d"), (4, "a")]


def test_no_reps_past_the_last_round_ties_with_zero() -> None:
    entries = [
        entry("a", 12, score_type="rounds+reps"),
        entry("b", 12, secondary=0, score_type="rounds+reps"),
    ]

    assert board(entries) == [(1, "a"), (1, "b")]


@pytest.mark.parametrize("score_type", ["reps", "load", "calories"])
def test_counted_scores_rank_most_first(score_type: str) -> None:
    entries = [entry("a", 80, score_type=score_type), entry("b", 102.5, score_type=score_type)]

    assert board(entries) == [(1, "b"), (2, "a")]


def test_rx_comes_before_scaled_whatever_the_score() -> None:
    entries = [entry("a", 120, rx=False), entry("b", 400), entry("c", 90, capped=True)]

    assert board(entries) == [(1, "b"), (2, "c"), (3, "a")]


def test_a_scaled_finisher_comes_after_a_capped_rx_athlete() -> None:
    entries = [entry("a", 200, rx=False), entry("b", 40, capped=True)]

    assert board(entries) == [(1, "b"), (2, "a")]


def test_dnf_comes_last_even_after_scaled_and_all_dnfs_tie() -> None:
    entries = [
        entry("a", None, dnf=True),
        entry("b", 500, rx=False),
        entry("c", 12, dnf=True, rx=False, minutes=-5),
        entry("d", 30, capped=True, rx=False),
    ]

    assert board(entries) == [(1, "b"), (2, "d"), (3, "c"), (3, "a")]


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    entries = [entry("a", 200), entry("b", 180), entry("c", 200), entry("d", 210)]

    rows = rank(entries)

    assert [(r.rank, r.entry.ref, r.tied) for r in rows] == [
        (1, "b", False),
        (2, "a", True),
        (2, "c", True),
        (4, "d", False),
    ]


def test_a_tie_is_equal_on_everything_that_orders() -> None:
    rx_and_scaled = [entry("a", 200), entry("b", 200, rx=False)]
    capped_and_finished = [entry("a", 200), entry("b", 200, capped=True)]
    capped_alike = [entry("a", 150, capped=True), entry("b", 150, capped=True)]

    assert board(rx_and_scaled) == [(1, "a"), (2, "b")]
    assert board(capped_and_finished) == [(1, "a"), (2, "b")]
    assert board(capped_alike) == [(1, "a"), (1, "b")]


def test_when_a_score_was_recorded_orders_tied_rows_but_never_breaks_the_tie() -> None:
    entries = [entry("a", 200, minutes=30), entry("b", 200, minutes=10), entry("c", 200, minutes=20)]

    assert board(entries) == [(1, "b"), (1, "c"), (1, "a")]


def test_an_empty_board_has_no_rows() -> None:
    assert rank([]) == []
    assert best_per_athlete([]) == []


def test_each_athlete_keeps_their_best() -> None:
    entries = [
        entry("a-slow", 300),
        entry("b-only", 250),
        entry("a-fast", 200),
        entry("a-capped", 180, capped=True),
        entry("a-dnf", None, dnf=True),
    ]

    best = best_per_athlete(entries)

    assert [e.ref for e in best] == ["a-fast", "b-only"]
    assert board(best) == [(1, "a-fast"), (2, "b-only")]


def test_an_rx_score_is_better_than_a_faster_scaled_one() -> None:
    entries = [entry("a-scaled", 150, rx=False), entry("a-rx", 400)]

    assert [e.ref for e in best_per_athlete(entries)] == ["a-rx"]


def test_a_dnf_is_kept_only_when_the_athlete_has_nothing_else() -> None:
    entries = [
        entry("a-dnf", None, dnf=True),
        entry("b-dnf", None, dnf=True),
        entry("b-capped", 10, capped=True),
    ]

    assert [e.ref for e in best_per_athlete(entries)] == ["b-capped", "a-dnf"]


def test_the_first_of_equal_bests_is_kept() -> None:
    entries = [entry("a-again", 95, score_type="load", minutes=60), entry("a-first", 95, score_type="load")]

    assert [e.ref for e in best_per_athlete(entries)] == ["a-first"]


def test_the_best_rounds_and_reps_compare_rounds_first() -> None:
    entries = [
        entry("a-more-reps", 15, secondary=29, score_type="rounds+reps"),
        entry("a-more-rounds", 16, secondary=2, score_type="rounds+reps"),
    ]

    assert [e.ref for e in best_per_athlete(entries)] == ["a-more-rounds"]


def test_refs_come_back_untouched() -> None:
    result = object()
    row = rank([Entry(athlete_id=ATHLETES["a"], score_type="reps", value=50, recorded_at=T0, ref=result)])

    assert row[0].entry.ref is result


def test_a_board_mixing_score_types_is_refused() -> None:
    entries = [entry("a", 200), entry("b", 20, score_type="reps")]

    with pytest.raises(ValueError, match="one score type"):
        rank(entries)
    with pytest.raises(ValueError, match="one score type"):
        best_per_athlete(entries)


@pytest.mark.parametrize("score_type", ["multi", "none", "distance"])
def test_a_score_type_without_an_order_is_refused(score_type: str) -> None:
    with pytest.raises(ValueError, match="no leaderboard order"):
        rank([entry("a", 1, score_type=score_type)])


def test_a_finished_score_without_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a value"):
        rank([entry("a", None)])
    with pytest.raises(ValueError, match="needs a value"):
        best_per_athlete([entry("a", float("nan"), score_type="load")])


def test_only_a_time_can_be_capped() -> None:
    with pytest.raises(ValueError, match="capped"):
        rank([entry("a", 120, score_type="reps", capped=True)])


def test_entries_are_frozen() -> None:
    first = entry("a", 200)

    with pytest.raises(AttributeError):
        first.value = 100  # type: ignore[misc]


scores = st.builds(
    lambda athlete, value, rx, dnf, capped: entry(
        f"{athlete}{value}", value, athlete=athlete, rx=rx, dnf=dnf, capped=capped
    ),
    athlete=st.sampled_from("abcdefgh"),
    value=st.integers(min_value=1, max_value=6),
    rx=st.booleans(),
    dnf=st.booleans(),
    capped=st.booleans(),
)


def better(x: Entry[str], y: Entry[str]) -> bool:
    """The time-board rules written out pairwise: is x strictly better than y?"""
    if x.dnf or y.dnf:
        return y.dnf and not x.dnf
    if x.rx != y.rx:
        return x.rx
    if x.capped != y.capped:
        return y.capped
    assert x.value is not None and y.value is not None
    return x.value > y.value if x.capped else x.value < y.value


@given(st.lists(scores, max_size=12))
def test_a_rank_is_one_more_than_the_number_of_better_entries(entries: list[Entry[str]]) -> None:
    rows = rank(entries)

    assert sorted(id(r.entry) for r in rows) == sorted(id(e) for e in entries)
    for row in rows:
        assert row.rank == 1 + sum(better(other, row.entry) for other in entries)
        assert row.tied == any(
            other is not row.entry and not better(other, row.entry) and not better(row.entry, other)
            for other in entries
        )


def score_of(e: Entry[str]) -> tuple[bool, bool, float | None] | None:
    """What orders an entry: nothing for a DNF."""
    return None if e.dnf else (e.rx, e.capped, e.value)


@given(st.lists(scores, max_size=12), st.data())
def test_each_athlete_keeps_a_best_whatever_the_input_order(
    entries: list[Entry[str]], data: st.DataObject
) -> None:
    best = best_per_athlete(entries)

    assert sorted(e.athlete_id for e in best) == sorted({e.athlete_id for e in entries})
    for kept in best:
        assert not any(better(other, kept) for other in entries if other.athlete_id == kept.athlete_id)
    reordered = data.draw(st.permutations(entries))
    assert {(e.athlete_id, score_of(e)) for e in best_per_athlete(reordered)} == {
        (e.athlete_id, score_of(e)) for e in best
    }
