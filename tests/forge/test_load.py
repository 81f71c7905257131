"""Training load: session-RPE, EWMA acute:chronic ratio, ISO-week monotony and strain, worked by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from atelier.forge.load import (
    LoadEntry,
    daily_loads,
    load_entry,
    number,
    ratio_flag,
    report,
    session_load,
)

START = date(2024, 1, 1)  # a Monday


def constant(load: float, days: int, start: date = START) -> list[LoadEntry]:
    return [LoadEntry(start + timedelta(days=i), load) for i in range(days)]


def week(loads: Sequence[float], monday: date) -> list[LoadEntry]:
    return [LoadEntry(monday + timedelta(days=i), load) for i, load in enumerate(loads) if load]


def test_session_load_is_rpe_times_minutes_and_a_missing_rpe_is_assumed_at_5() -> None:
    assert session_load(7, 60) == 420  # 7 × 60
    assert session_load(None, 60) == 300  # 5 × 60
    assert load_entry(START, None, 60) == LoadEntry(START, 300, assumed_rpe=True)
    assert load_entry(START, 8, 45) == LoadEntry(START, 360, assumed_rpe=False)


@pytest.mark.parametrize(("rpe", "minutes"), [(11, 60), (-1, 60), (5, -10), (math.nan, 60), (5, math.inf)])
def test_session_load_refuses_values_off_the_scale(rpe: float, minutes: float) -> None:
    with pytest.raises(ValueError):
        session_load(rpe, minutes)


def test_daily_loads_sum_each_day_and_fill_empty_days_with_zero() -> None:
    entries = [
        LoadEntry(START, 300),
        LoadEntry(START, 120, assumed_rpe=True),
        LoadEntry(START + timedelta(days=2), 200),
        LoadEntry(START + timedelta(days=9), 999),  # outside the window
    ]
    days = daily_loads(entries, START, START + timedelta(days=3))
    assert [(d.load, d.sessions, d.assumed_rpe) for d in days] == [
        (420, 2, 1),
        (0, 0, 0),
        (200, 1, 0),
        (0, 0, 0),
    ]
    assert [d.day for d in days] == [START + timedelta(days=i) for i in range(4)]


def test_ewma_after_three_days_of_constant_load() -> None:
    # 100 AU a day from the first day of history, both averages seeded at 0:
    # acute   (λ = 0.25):  25, then 100×0.25 + 0.75×25 = 43.75, then 25 + 0.75×43.75 = 57.8125
    # chronic (λ = 2/29):  100×2/29 = 6.8966, then 100×(1 − (27/29)²) = 100×112/841 = 13.3175,
    #                      then 100×(1 − (27/29)³) = 100×4706/24389 = 19.2956
    result = report(constant(100, 3), history_start=START, first=START, last=START + timedelta(days=2))
    assert [d.acute for d in result.days] == pytest.approx([25, 43.75, 57.8125])
    assert [d.chronic for d in result.days] == pytest.approx([200 / 29, 11200 / 841, 470600 / 24389])
    assert all(d.ratio is None for d in result.days)


def test_the_window_start_does_not_reset_the_averages() -> None:
    entries = constant(100, 3)
    shown_from_day_3 = report(
        entries, history_start=START, first=START + timedelta(days=2), last=START + timedelta(days=2)
    )
    assert len(shown_from_day_3.days) == 1
    assert shown_from_day_3.days[0].acute == pytest.approx(57.8125)  # not 25, as a restart would give


def test_no_ratio_before_the_28th_day_of_history() -> None:
    # Day 28 of 100 AU a day: acute = 100×(1 − 0.75^28) = 99.968, chronic = 100×(1 − (27/29)^28) = 86.478,
    # ratio = 1.156, inside 0.8–1.3, so no flag.
    entries = constant(100, 28)
    result = report(entries, history_start=START, first=START, last=START + timedelta(days=27))
    assert result.days[26].ratio is None  # day 27
    assert result.days[27].ratio == pytest.approx((1 - 0.75**28) / (1 - (27 / 29) ** 28))
    assert result.days[27].ratio == pytest.approx(1.156, abs=1e-3)
    assert result.current.flag is None
    assert result.current.warning is None
    assert result.current.explanation == (
        "Last 7 days: 700 AU, 1.16× your 28-day average — "
        "inside the 0.8–1.3 band often recommended (a disputed guide, not a rule)."
    )


def test_too_early_for_a_ratio_says_how_many_days_there_are() -> None:
    result = report(constant(100, 12), history_start=START, first=START, last=START + timedelta(days=11))
    assert result.current.ratio is None
    assert result.current.explanation == (
        "Last 7 days: 700 AU; a ratio to your 28-day average needs 28 days of history and you have 12."
    )


def spike() -> list[LoadEntry]:
    # 28 days at 100 AU, then 7 days at 450 AU (3,150 AU in the last 7 days).
    return constant(100, 28) + constant(450, 7, START + timedelta(days=28))


def test_a_spike_week_is_flagged_high_with_a_warning_built_from_its_numbers() -> None:
    # Day 35: acute   = 450×(1 − 0.75^7) + 0.75^7 × 99.968          = 389.93 + 13.34 = 403.28
    #         chronic = 450×(1 − (27/29)^7) + (27/29)^7 × 86.478    = 177.12 + 52.44 = 229.56
    #         ratio   = 403.28 / 229.56 = 1.757 > 1.5
    last = START + timedelta(days=34)
    result = report(spike(), history_start=START, first=START + timedelta(days=28), last=last)
    current = result.current
    assert current.acute == pytest.approx(403.276, abs=1e-3)
    assert current.chronic == pytest.approx(229.560, abs=1e-3)
    assert current.ratio == pytest.approx(1.757, abs=1e-3)
    assert current.flag == "high"
    assert current.last_7_days == 3150
    assert current.warning == (
        "Last 7 days: 3,150 AU, 1.76× your 28-day average — "
        "well above what you are used to (over 1.5); ease off."
    )
    assert current.warning == current.explanation


def test_the_french_report_says_the_same_numbers_in_french() -> None:
    last = START + timedelta(days=34)
    result = report(spike(), history_start=START, first=last, last=last, language="fr")
    assert result.current.warning == (
        "7 derniers jours : 3\u202f150 UA, 1,76× votre moyenne sur 28 jours — "
        "bien au-dessus de ce à quoi vous êtes habitué (seuil 1,5) ; levez le pied."
    )


def test_a_week_off_after_a_steady_month_is_flagged_low() -> None:
    # Day 35 after 28 days at 100 AU and 7 at 0: acute = 0.75^7 × 99.968 = 13.344,
    # chronic = (27/29)^7 × 86.478 = 52.440, ratio = 0.254 < 0.8.
    last = START + timedelta(days=34)
    result = report(constant(100, 28), history_start=START, first=last, last=last)
    assert result.current.ratio == pytest.approx(0.2545, abs=1e-4)
    assert result.current.flag == "low"
    assert result.current.warning == (
        "Last 7 days: 0 AU, 0.25× your 28-day average — "
        "below the 0.8–1.3 band often recommended (a disputed guide, not a rule); your load is falling."
    )


@pytest.mark.parametrize(
    ("ratio", "flag"),
    [
        (None, None),
        (0.79, "low"),
        (0.8, None),
        (1.3, None),
        (1.31, "elevated"),
        (1.5, "elevated"),
        (1.51, "high"),
    ],
)
def test_ratio_flags_and_their_boundaries(ratio: float | None, flag: str | None) -> None:
    assert ratio_flag(ratio) == flag


def test_monotony_and_strain_of_known_weeks() -> None:
    weeks = [START + timedelta(weeks=i) for i in range(6)]
    entries = (
        # 6 × 1000 then a rest day: mean 6000/7, population SD 1000×√6/7, monotony √6 = 2.449,
        # strain 6000 × √6 = 14,697: both flags.
        week([1000] * 6 + [0], weeks[0])
        # 6 × 100 then rest: same monotony √6, strain 600 × √6 = 1,470: monotony only.
        + week([100] * 6 + [0], weeks[1])
        # 1500 every other day: mean 6000/7, SD 1500×√12/7, monotony 4/√12 = 1.155, strain 6,928: strain only.
        + week([1500, 0, 1500, 0, 1500, 0, 1500], weeks[2])
        # weeks[3]: nothing at all.
        + week([300] * 7, weeks[4])  # the same load every day: SD 0, monotony unbounded.
        + week([200, 0, 400], weeks[5])  # Monday to Wednesday of the running week.
    )
    result = report(entries, history_start=START, first=START, last=weeks[5] + timedelta(days=2))
    w = result.weeks
    assert [x.start for x in w] == weeks

    assert w[0].total == 6000
    assert w[0].mean == pytest.approx(6000 / 7)
    assert w[0].sd == pytest.approx(1000 * math.sqrt(6) / 7)
    assert w[0].monotony == pytest.approx(math.sqrt(6))
    assert w[0].strain == pytest.approx(6000 * math.sqrt(6))
    assert w[0].flags == ("monotony", "strain")
    assert w[0].notes == (
        "Week of 2024-01-01: monotony 2.45 (over 2.0) — too little difference between hard and easy days.",
        "Week of 2024-01-01: strain 14,697 (over 6,000), from 6,000 AU × monotony 2.45.",
    )

    assert w[1].monotony == pytest.approx(math.sqrt(6))
    assert w[1].strain == pytest.approx(600 * math.sqrt(6))
    assert w[1].flags == ("monotony",)

    assert w[2].monotony == pytest.approx(4 / math.sqrt(12))
    assert w[2].strain == pytest.approx(6000 * 4 / math.sqrt(12))
    assert w[2].flags == ("strain",)
    assert w[2].notes == ("Week of 2024-01-15: strain 6,928 (over 6,000), from 6,000 AU × monotony 1.15.",)

    # An all-zero week: no monotony, no strain, nothing to flag.
    assert (w[3].total, w[3].sd, w[3].monotony, w[3].strain, w[3].flags) == (0, 0, None, 0, ())

    assert (w[4].monotony, w[4].strain, w[4].flags) == (None, None, ("monotony",))
    assert w[4].notes == (
        "Week of 2024-01-29: the same 300 AU every day — "
        "no easier day at all, so monotony has no upper bound.",
    )

    # The running week: 3 days counted, mean 200, SD √(80000/3); no monotony before Sunday.
    assert (w[5].days, w[5].complete, w[5].total, w[5].mean) == (3, False, 600, 200)
    assert w[5].sd == pytest.approx(math.sqrt(80000 / 3))
    assert (w[5].monotony, w[5].strain, w[5].flags) == (None, None, ())


def test_french_week_notes_keep_the_numbers() -> None:
    result = report(
        week([1000] * 6 + [0], START),
        history_start=START,
        first=START,
        last=START + timedelta(days=6),
        language="fr",
    )
    assert result.weeks[0].notes == (
        "Semaine du 2024-01-01 : monotonie 2,45 (au-dessus de 2,0) — "
        "trop peu d'écart entre jours durs et jours faciles.",
        "Semaine du 2024-01-01 : contrainte 14\u202f697 (au-dessus de 6\u202f000), "
        "soit 6\u202f000 UA × monotonie 2,45.",
    )


def test_a_window_starting_mid_week_shows_the_whole_iso_week() -> None:
    # The window starts on Thursday; Monday to Wednesday come from the entries all the same.
    entries = week([1000] * 6 + [0], START)
    result = report(
        entries, history_start=START, first=START + timedelta(days=3), last=START + timedelta(days=6)
    )
    assert len(result.days) == 4
    assert result.weeks[0].start == START
    assert result.weeks[0].total == 6000


def test_days_shown_before_the_history_starts_are_empty() -> None:
    history_start = START + timedelta(days=2)
    result = report(
        constant(100, 1, history_start), history_start=history_start, first=START, last=history_start
    )
    assert [(d.load, d.acute, d.ratio) for d in result.days] == [(0, 0, None), (0, 0, None), (100, 25, None)]


def test_no_load_at_all_gives_no_ratio_and_says_so() -> None:
    last = START + timedelta(days=39)
    result = report([], history_start=START, first=last, last=last)
    assert result.current.ratio is None
    assert result.current.explanation == "No load in your 40 days of history, so there is no ratio yet."


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="before history_start"):
        report([LoadEntry(START, 100)], history_start=START + timedelta(days=1), first=START, last=START)
    with pytest.raises(ValueError, match="language"):
        report([], history_start=START, first=START, last=START, language="de")
    with pytest.raises(ValueError, match="after last"):
        report([], history_start=START, first=START + timedelta(days=1), last=START)


def test_numbers_are_written_for_each_language() -> None:
    assert number(3150, "en") == "3,150"
    assert number(3150, "fr") == "3\u202f150"
    assert number(1.7567, "en", 2) == "1.76"
    assert number(1.7567, "fr", 2) == "1,76"
    assert (number(0.25, "en", 1), number(2.75, "en", 1), number(0.5, "en")) == ("0.3", "2.8", "1")
