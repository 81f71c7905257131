"""Readiness: recovery, energy and consistency, each score worked by hand and each sentence checked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from atelier.forge.readiness import ReadinessInput, assess, recovery_hours

NOW = datetime(2024, 3, 10, 8, 0, tzinfo=UTC)  # a Sunday morning
TODAY = date(2024, 3, 10)
MONDAYS = [date(2024, 2, 12) + timedelta(weeks=i) for i in range(4)]  # the 4 weeks ending today
# Monday, Tuesday, Thursday, Friday of each week: 16 days, 4 a week, never more than 2 in a row.
FOUR_A_WEEK = [monday + timedelta(days=d) for monday in MONDAYS for d in (0, 1, 3, 4)]


def rested(**changes: object) -> ReadinessInput:
    """Friday's 420 AU session ended 38 h ago, recorded with effort 60; four training days a week."""
    data = ReadinessInput(
        now=NOW,
        today=TODAY,
        last_session_end=NOW - timedelta(hours=38),
        last_session_load=420,
        last_recording_effort=60,
        last_recording_at=NOW - timedelta(hours=38),
        session_days=FOUR_A_WEEK,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def test_a_rested_athlete_is_ready() -> None:
    # recovery: 420 AU needs 12 + 420/20 = 33 h; 38 h have passed → 100
    # energy: 100 − 60 × e^(−38/24) = 100 − 60 × 0.2053 = 100 − 12.32 = 87.68 → 88
    # consistency: 16 days / 4 weeks = 4.0 a week, inside 3–5 → 100; no streak
    # overall: 0.45 × 100 + 0.25 × 88 + 0.30 × 100 = 45 + 22 + 30 = 97
    result = assess(rested())
    scores = {name: part.score for name, part in result.components.items()}
    assert scores == {"recovery": 100, "energy": 88, "consistency": 100}
    assert (result.overall, result.label) == (97, "ready")
    assert result.components["recovery"].explanation == (
        "It has been 38 hours since your last session (load 420 AU); "
        "a session of that load needs about 33 hours to recover."
    )
    assert result.components["energy"].explanation == (
        "Your last wearable recording, 38 hours ago, had an effort score of 60/100; "
        "after that long about 12 of those 60 points still weigh on your energy."
    )
    assert result.components["consistency"].explanation == (
        "You trained on 16 of the last 28 days (4.0 a week, target 3–5), none of them today or yesterday."
    )
    assert result.summary == "Readiness 97/100 (ready): recovery 100, energy 88, consistency 100."


def test_recovery_grows_with_the_hours_since_the_session() -> None:
    # 20 h after 420 AU: 100 × 20 / 33 = 60.6 → 61
    recovery = assess(rested(last_session_end=NOW - timedelta(hours=20))).components["recovery"]
    assert recovery.score == 61
    assert recovery.explanation == (
        "It has been 20 hours since your last session (load 420 AU); "
        "a session of that load needs about 33 hours to recover."
    )


def test_a_heavy_session_just_finished_lowers_recovery_and_readiness() -> None:
    # 1,000 AU needs 12 + 1000/20 = 62 h; after 1 h: 100 × 1/62 = 1.6 → 2.
    # A recording of that session (effort 90, 1 h ago): 100 − 90 × e^(−1/24) = 100 − 86.33 = 13.67 → 14.
    # overall: 0.45 × 2 + 0.25 × 14 + 0.30 × 100 = 0.9 + 3.5 + 30 = 34.4 → 34, "low"
    result = assess(
        rested(
            last_session_end=NOW - timedelta(hours=1),
            last_session_load=1000,
            last_recording_at=NOW - timedelta(hours=1),
            last_recording_effort=90,
        )
    )
    assert result.components["recovery"].score == 2
    assert result.components["energy"].score == 14
    assert (result.overall, result.label) == (34, "low")
    assert result.components["recovery"].explanation == (
        "It has been 1 hour since your last session (load 1,000 AU); "
        "a session of that load needs about 62 hours to recover."
    )


def test_recovery_time_is_capped_at_72_hours() -> None:
    assert recovery_hours(420) == 33
    assert recovery_hours(1200) == 72
    assert recovery_hours(3000) == 72


def test_a_session_without_a_load_counts_as_an_hour_at_rpe_5() -> None:
    # 300 AU needs 12 + 300/20 = 27 h; after 9 h: 100 × 9/27 = 33.3 → 33
    recovery = assess(rested(last_session_end=NOW - timedelta(hours=9), last_session_load=None)).components[
        "recovery"
    ]
    assert recovery.score == 33
    assert recovery.explanation == (
        "It has been 9 hours since your last session "
        "(load not recorded, counted as 300 AU: 60 min at RPE 5); "
        "a session of that load needs about 27 hours to recover."
    )


def test_no_session_at_all_means_nothing_to_recover_from() -> None:
    recovery = assess(rested(last_session_end=None, last_session_load=None)).components["recovery"]
    assert recovery.score == 100
    assert recovery.explanation == "No finished session on record, so there is nothing to recover from."


def test_without_a_wearable_energy_is_unknown_and_the_weights_are_renormalised() -> None:
    # recovery 61 (20 h after 420 AU), consistency 100; weights 0.45 and 0.30 over 0.75 → 0.6 and 0.4:
    # overall = 0.6 × 61 + 0.4 × 100 = 36.6 + 40 = 76.6 → 77
    result = assess(
        rested(last_session_end=NOW - timedelta(hours=20), last_recording_at=None, last_recording_effort=None)
    )
    assert result.components["energy"].score is None
    assert result.components["energy"].explanation == (
        "No wearable recording in the last 72 hours, so energy is unknown and left out of the overall score."
    )
    assert result.weights == pytest.approx({"recovery": 0.6, "consistency": 0.4})
    assert (result.overall, result.label) == (77, "ready")
    assert result.summary == "Readiness 77/100 (ready): recovery 61, energy unknown, consistency 100."


def test_a_recording_older_than_three_days_or_without_effort_does_not_count() -> None:
    old = assess(rested(last_recording_at=NOW - timedelta(hours=96))).components["energy"]
    assert old.score is None
    assert old.explanation == (
        "Your last wearable recording was 4 days ago, beyond the 72-hour window, "
        "so energy is unknown and left out of the overall score."
    )
    blank = assess(rested(last_recording_at=NOW - timedelta(hours=5), last_recording_effort=None))
    assert blank.components["energy"].score is None
    assert "5 hours ago" in blank.components["energy"].explanation


def test_seven_training_days_in_a_row_lower_consistency() -> None:
    # 12 days in 28 = 3.0 a week, inside 3–5 → 100 before the streak.
    spread = [date(2024, 2, d) for d in (12, 14, 16, 19, 21, 23, 26, 28)] + [
        date(2024, 3, d) for d in (1, 4, 6, 8)
    ]
    # The same count, the last 7 in a row (4 to 10 March): 15 × (7 − 5) = 30 points off → 70.
    streaky = [date(2024, 2, d) for d in (13, 16, 20, 23, 27)] + [date(2024, 3, d) for d in range(4, 11)]
    assert len(spread) == len(streaky) == 12
    calm = assess(rested(session_days=spread)).components["consistency"]
    busy = assess(rested(session_days=streaky)).components["consistency"]
    assert calm.score == 100
    assert busy.score == 70
    assert busy.explanation == (
        "You trained on 12 of the last 28 days (3.0 a week, target 3–5), "
        "the last 7 in a row without a rest day, which costs 30 points."
    )
    assert calm.explanation != busy.explanation


def test_five_days_in_a_row_cost_nothing() -> None:
    days = [date(2024, 2, d) for d in (13, 16, 20, 23, 27, 29)] + [date(2024, 3, d) for d in range(5, 10)]
    consistency = assess(rested(session_days=days)).components["consistency"]
    # 11 days = 2.75 a week → 100 × 2.75 / 3 = 91.7 → 92; the streak of 5 ends yesterday and is free.
    assert consistency.score == 92
    assert consistency.explanation == (
        "You trained on 11 of the last 28 days (2.8 a week, target 3–5), 5 in a row up to yesterday."
    )


def test_training_every_day_for_four_weeks_scores_zero_consistency() -> None:
    # 7 a week: 100 − 20 × (7 − 5) = 60; a 28-day streak costs 15 × 23 = 345 → 0.
    every_day = [TODAY - timedelta(days=i) for i in range(28)]
    assert assess(rested(session_days=every_day)).components["consistency"].score == 0


def test_sessions_outside_the_28_days_are_ignored() -> None:
    days = [TODAY - timedelta(days=28), TODAY + timedelta(days=1), TODAY - timedelta(days=2)]
    consistency = assess(rested(session_days=days)).components["consistency"]
    # 1 day = 0.25 a week → 100 × 0.25 / 3 = 8.3 → 8
    assert consistency.score == 8
    assert consistency.explanation.startswith("You trained on 1 of the last 28 days (0.3 a week")


def test_different_data_give_different_sentences() -> None:
    a = assess(rested(last_session_end=NOW - timedelta(hours=20)))
    b = assess(rested(last_session_end=NOW - timedelta(hours=30), last_session_load=600))
    for name in ("recovery",):
        assert a.components[name].explanation != b.components[name].explanation
    assert "30 hours" in b.components["recovery"].explanation
    assert "600 AU" in b.components["recovery"].explanation
    assert "42 hours" in b.components["recovery"].explanation  # 12 + 600/20


def test_french_sentences_carry_the_same_numbers() -> None:
    result = assess(rested(last_session_end=NOW - timedelta(hours=20), language="fr"))
    parts = result.components
    assert parts["recovery"].explanation == (
        "Votre dernière séance remonte à 20 heures (charge 420 UA) ; "
        "une séance de cette charge demande environ 33 heures de récupération."
    )
    assert parts["energy"].explanation == (
        "Votre dernier enregistrement, il y a 38 heures, avait un effort de 60/100 ; "
        "après ce délai, environ 12 de ces 60 points pèsent encore sur votre énergie."
    )
    assert parts["consistency"].explanation == (
        "Vous vous êtes entraîné 16 jours sur les 28 derniers (4,0 par semaine, objectif 3–5), "
        "aucun aujourd'hui ni hier."
    )
    # 0.45 × 61 + 0.25 × 88 + 0.30 × 100 = 27.45 + 22 + 30 = 79.45 → 79
    assert result.summary == "Forme 79/100 (bonne) : récupération 61, énergie 88, régularité 100."


def test_naive_datetimes_and_bad_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        assess(rested(now=datetime(2024, 3, 10, 8, 0)))
    with pytest.raises(ValueError, match="0–100"):
        assess(rested(last_recording_effort=120))
    with pytest.raises(ValueError, match="language"):
        assess(rested(language="de"))


def test_an_old_recording_is_dated_in_days() -> None:
    now = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    found = assess(
        ReadinessInput(
            now=now, today=now.date(), last_recording_effort=60, last_recording_at=now - timedelta(days=12)
        )
    )
    assert "12 days ago" in found.components["energy"].explanation
