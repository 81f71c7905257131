"""Estimated 1RM: Epley, Brzycki and the RTS RPE chart of shared/SCIENCE.md, on worked values."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from atelier.training.estimates import MAX_REPS, RPE_CHART, brzycki, e1rm, epley, rpe_chart, rpe_percent

KG = 0.05  # worked values are published to one decimal


def test_epley_of_100_kg_for_5_is_116_7_kg() -> None:
    assert epley(100, 5) == pytest.approx(116.7, abs=KG)


def test_brzycki_of_100_kg_for_5_is_112_5_kg() -> None:
    assert brzycki(100, 5) == pytest.approx(112.5, abs=KG)


@pytest.mark.parametrize("formula", [epley, brzycki])
def test_a_single_is_its_own_max(formula: Callable[[float, int], float]) -> None:
    assert formula(142.5, 1) == 142.5


def test_epley_and_brzycki_agree_at_10_reps() -> None:
    assert epley(90, 10) == pytest.approx(120.0)
    assert brzycki(90, 10) == pytest.approx(120.0)


def test_epley_stays_within_4_percent_of_brzycki_up_to_the_rep_cap() -> None:
    for reps in range(1, MAX_REPS + 1):
        assert abs(epley(100, reps) / brzycki(100, reps) - 1) < 0.04


def test_brzycki_is_undefined_from_37_reps() -> None:
    assert brzycki(20, 36) == pytest.approx(720.0)
    with pytest.raises(ValueError, match="37"):
        brzycki(20, 37)


def test_the_rpe_chart_is_the_one_in_science_md() -> None:
    assert RPE_CHART == (100, 95.5, 92.2, 89.2, 86.3, 83.7, 81.1, 78.6, 76.2, 73.9, 70.7, 68.0)


@pytest.mark.parametrize("reps_plus_rir", range(1, 13))
def test_the_chart_is_read_by_reps_plus_reps_in_reserve(reps_plus_rir: int) -> None:
    expected = RPE_CHART[reps_plus_rir - 1]
    assert rpe_percent(reps_plus_rir, 10) == pytest.approx(expected)
    if reps_plus_rir > 2:
        assert rpe_percent(reps_plus_rir - 2, 8) == pytest.approx(expected)


def test_five_at_rpe_8_is_81_1_percent_so_100_kg_gives_123_3_kg() -> None:
    assert rpe_percent(5, 8) == pytest.approx(81.1)
    assert rpe_chart(100, 5, 8) == pytest.approx(123.3, abs=KG)


def test_a_triple_at_rpe_9_is_89_2_percent() -> None:
    assert rpe_chart(200, 3, 9) == pytest.approx(200 / 0.892)


def test_a_half_rpe_falls_halfway_between_two_entries() -> None:
    assert rpe_percent(1, 9.5) == pytest.approx((100 + 95.5) / 2)
    assert rpe_percent(5, 8.5) == pytest.approx((83.7 + 81.1) / 2)


def test_off_the_chart_is_none() -> None:
    assert rpe_percent(12, 10) == pytest.approx(68.0)
    assert rpe_percent(10, 7) is None
    assert rpe_chart(100, 13, 10) is None


def test_e1rm_defaults_to_epley() -> None:
    assert e1rm(100, 5) == epley(100, 5)
    assert e1rm(100, 1) == 100


def test_e1rm_with_an_rpe_reads_the_chart() -> None:
    assert e1rm(100, 5, rpe=8) == rpe_chart(100, 5, 8)
    assert e1rm(100, 1, rpe=10) == 100


def test_a_single_below_rpe_10_estimates_more_than_its_load() -> None:
    assert e1rm(100, 1, rpe=8) == pytest.approx(100 / 0.922)


def test_e1rm_is_not_trusted_past_12_reps() -> None:
    assert e1rm(60, MAX_REPS) == pytest.approx(84.0)
    assert e1rm(60, MAX_REPS + 1) is None
    assert e1rm(60, 13, rpe=10) is None


def test_e1rm_is_not_trusted_off_the_chart_or_below_rpe_6() -> None:
    assert e1rm(100, 8, rpe=6) == pytest.approx(100 / 0.68)  # 8 reps + 4 in reserve: the last entry
    assert e1rm(100, 9, rpe=6) is None
    assert e1rm(100, 1, rpe=5.5) is None


def test_no_load_estimates_no_max() -> None:
    assert e1rm(0, 5) == 0


@pytest.mark.parametrize(
    ("load_kg", "reps"),
    [(100, 0), (100, -3), (-1, 5), (math.nan, 5), (math.inf, 5)],
)
def test_impossible_sets_are_refused(load_kg: float, reps: int) -> None:
    for estimate in (epley, brzycki, e1rm):
        with pytest.raises(ValueError):
            estimate(load_kg, reps)
    with pytest.raises(ValueError):
        rpe_chart(load_kg, reps, 8)


@pytest.mark.parametrize("rpe", [-1, 10.5, 11, math.nan])
def test_an_rpe_off_the_scale_is_refused(rpe: float) -> None:
    with pytest.raises(ValueError, match="RPE"):
        e1rm(100, 5, rpe=rpe)
    with pytest.raises(ValueError, match="RPE"):
        rpe_percent(5, rpe)
