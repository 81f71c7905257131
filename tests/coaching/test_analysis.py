"""The local insights and progression analyser: schema-valid for any data, different data giving
different text, and each finding (trend, imbalance, stall, load spike) stated with its numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.coaching.analysis import (
    insights,
    progression,
    starter_insights,
    starter_progression,
)
from atelier.coaching.facts import PERIOD_DAYS, AthleteFacts, GoalFact, LiftFact, Period, SessionFact
from atelier.coaching.schemas import Insights, ProgressionContent
from atelier.forge.load import number, ratio_flag
from atelier.training.estimates import e1rm

TODAY = date(2024, 6, 30)
PERIODS: tuple[Period, ...] = ("week", "month", "quarter")


def lift(movement: str, reps: int, load_kg: float, rpe: float | None = None) -> LiftFact:
    return LiftFact(movement=movement, reps=reps, load_kg=load_kg, rpe=rpe)


def session(
    days_ago: int,
    discipline: str = "strength",
    minutes: int = 60,
    rpe: float | None = 7.0,
    lifts: tuple[LiftFact, ...] = (),
    movements: tuple[str, ...] = (),
) -> SessionFact:
    return SessionFact(
        day=TODAY - timedelta(days=days_ago),
        discipline=discipline,
        session_type="sets",
        duration_seconds=minutes * 60,
        rpe=rpe,
        volume_kg=sum(one.load_kg * one.reps for one in lifts),
        reps=sum(one.reps for one in lifts),
        distance_m=0.0,
        movements=movements,
        lifts=lifts,
    )


def athlete(sessions: list[SessionFact], **values: object) -> AthleteFacts:
    ordered = tuple(sorted(sessions, key=lambda one: one.day))
    return AthleteFacts(today=TODAY, sessions=ordered, **values)  # type: ignore[arg-type]


def every(days: int, span: int = 90, **values: object) -> list[SessionFact]:
    """A session every ``days`` days over the last ``span`` days."""
    return [session(ago, **values) for ago in range(0, span, days)]  # type: ignore[arg-type]


def mixed_athlete(**values: object) -> AthleteFacts:
    """Strength 3 times a week, balanced push/pull, squat and deadlift progressing, some running."""
    sessions = []
    for ago in range(0, 90, 2):
        step = (90 - ago) / 10
        lifts = (
            *[lift("back_squat", 5, 100 + step, 8)] * 2,
            *[lift("deadlift", 5, 130 + step, 8)] * 2,
            *[lift("bench_press", 5, 70, 8)] * 2,
            *[lift("pull_up", 8, 0.0)] * 2,
        )
        sessions.append(session(ago, lifts=lifts))
    sessions += every(7, discipline="endurance", minutes=45, rpe=4.0)
    return athlete(sessions, **values)


# --------------------------------------------------------------------------------------- property
LIFTS = ("back_squat", "front_squat", "deadlift", "bench_press", "strict_press", "clean", "snatch")
MOVEMENTS = (*LIFTS, "pull_up", "push_up", "run", "kettlebell_swing", "mystery_move")
lifts_strategy = st.builds(
    lift,
    st.sampled_from(MOVEMENTS),
    st.integers(0, 15),
    st.floats(0, 250, allow_nan=False),
    st.none() | st.floats(1, 10),
)
sessions_strategy = st.builds(
    session,
    st.integers(0, 89),
    st.sampled_from(("strength", "endurance", "functional", "competition", "calisthenics")),
    st.integers(0, 180),
    st.none() | st.floats(1, 10),
    st.lists(lifts_strategy, max_size=6).map(tuple),
    st.lists(st.sampled_from(MOVEMENTS), max_size=4).map(tuple),
)
goals_strategy = st.lists(
    st.builds(
        GoalFact,
        st.sampled_from(
            ("sessions_per_week", "training_minutes_per_week", "calories_per_week", "movement_1rm")
        ),
        st.floats(1, 300),
        st.none() | st.floats(0, 300),
        st.none() | st.sampled_from(LIFTS),
    ),
    max_size=3,
)


@settings(max_examples=80, deadline=None)
@given(
    sessions=st.lists(sessions_strategy, max_size=40),
    language=st.sampled_from(("en", "fr")),
    planned=st.integers(0, 60),
    acwr=st.none() | st.floats(0.2, 2.5),
    goals=goals_strategy,
    one_rep_maxes=st.dictionaries(st.sampled_from(LIFTS), st.floats(20, 300), max_size=4),
)
def test_any_data_gives_valid_insights_and_progression(
    sessions: list[SessionFact],
    language: str,
    planned: int,
    acwr: float | None,
    goals: list[GoalFact],
    one_rep_maxes: dict[str, float],
) -> None:
    facts = athlete(
        sessions,
        language=language,
        planned=planned,
        acwr=acwr,
        acwr_flag=ratio_flag(acwr),
        goals=tuple(goals),
        one_rep_maxes=one_rep_maxes,
    )
    result = insights(facts)
    assert Insights.model_validate(result.model_dump()) == result
    assert 3 <= len(result.recommendations) <= 6
    assert len({rec.id for rec in result.recommendations}) == len(result.recommendations)
    split = result.nextWeekFocus.intensityDistribution
    assert split.easy + split.moderate + split.hard == 100
    assert 0 <= result.progressionTrends.consistency.percentage <= 100
    for period in PERIODS:
        content, analysed = progression(facts, period)
        assert ProgressionContent.model_validate(content.model_dump()) == content
        assert len(content.recommendations) == 3
        assert analysed == sum((TODAY - one.day).days < PERIOD_DAYS[period] for one in sessions)


# ---------------------------------------------------------------------------------------- starter
def test_no_session_gives_the_starter_message_in_each_language() -> None:
    english, french = insights(athlete([])), insights(athlete([], language="fr"))
    assert english == starter_insights("en") and french == starter_insights("fr")
    assert english.summary != french.summary
    assert "first" in english.summary and "première séance" in french.summary
    assert english.imbalances == english.weakPoints == []
    data_driven = insights(mixed_athlete()).summary
    assert data_driven not in (english.summary, french.summary)
    for period in PERIODS:
        assert progression(athlete([], language="fr"), period) == (starter_progression("fr"), 0)
    assert starter_progression("en").paragraph1 == english.summary


# ------------------------------------------------------------------------------ different athletes
def test_increasing_and_decreasing_volume_give_different_trends_with_their_numbers() -> None:
    # Up: 45 min sessions 28–55 days ago, 75 min in the last 4 weeks (+66.7 %); down: the reverse.
    rising = athlete([session(a, minutes=75 if a < 28 else 45) for a in range(0, 56, 2)])
    falling = athlete([session(a, minutes=45 if a < 28 else 75) for a in range(0, 56, 2)])
    up, down = insights(rising), insights(falling)
    assert up.progressionTrends.volume.trend == "up"
    assert up.progressionTrends.volume.percentage == 66.7
    assert down.progressionTrends.volume.trend == "down"
    assert down.progressionTrends.volume.percentage == -40.0
    assert up.summary != down.summary
    assert "66.7%" in up.progressionTrends.volume.comment and "66.7%" in up.summary
    assert "40.0%" in down.summary and "(630 vs 1,050 min)" in down.summary
    assert "restore-volume" in {rec.id for rec in down.recommendations}
    assert "restore-volume" not in {rec.id for rec in up.recommendations}


def test_intensity_trend_and_average_rpe_come_from_the_logged_rpes() -> None:
    facts = athlete([session(a, rpe=8.5 if a < 28 else 6.0) for a in range(0, 56, 3)])
    trend = insights(facts).progressionTrends.intensity
    assert (trend.trend, trend.avgRPE) == ("up", 8.5)
    assert "8.5" in trend.comment and "6.0" in trend.comment
    unrated = insights(athlete([session(a, rpe=None) for a in range(0, 56, 3)]))
    assert unrated.progressionTrends.intensity.avgRPE is None
    assert "log-rpe" in {rec.id for rec in unrated.recommendations}


def test_consistency_is_finished_over_planned_or_weeks_with_training() -> None:
    sessions = every(7)  # one session in each of the 13 weeks
    assert insights(athlete(sessions, planned=26)).progressionTrends.consistency.percentage == 50.0
    weekly = insights(athlete(sessions)).progressionTrends.consistency
    assert weekly.percentage == 100.0 and "13 of the last 13 weeks" in weekly.comment
    patchy = insights(athlete(every(14), planned=0)).progressionTrends.consistency
    assert patchy.percentage == round(7 / 13 * 100, 1)
    low = insights(athlete(sessions, planned=40))
    assert any(rec.id == "improve-consistency" and rec.priority == "high" for rec in low.recommendations)


# ------------------------------------------------------------------------------------ the findings
def test_push_heavy_athlete_gets_a_push_pull_imbalance_and_pull_advice() -> None:
    press = (lift("bench_press", 5, 80), lift("bench_press", 5, 80), lift("strict_press", 5, 45))
    sessions = [session(a, lifts=(*press, lift("pull_up", 5, 0.0))) for a in range(0, 90, 3)]
    result = insights(athlete(sessions))
    push_pull = next(one for one in result.imbalances if one.type == "push_pull")
    assert push_pull.severity == "high"  # 90 push sets vs 30 pull: 3.0 to 1
    assert "3.0 to 1" in push_pull.description and "(90 vs 30 sets)" in push_pull.description
    assert "add-pull-volume" in {rec.id for rec in result.recommendations}
    balanced = insights(mixed_athlete())  # 2 push, 2 pull, 4 lower, 4 upper sets a session
    assert {"push_pull", "lower_upper"}.isdisjoint(one.type for one in balanced.imbalances)


def test_a_stalled_deadlift_is_a_weak_point_and_a_lagging_one_too() -> None:
    sessions = [
        session(a, lifts=(lift("deadlift", 5, 140, 8), lift("back_squat", 5, 100 + (90 - a) / 3, 8)))
        for a in range(0, 90, 3)
    ]
    result = insights(athlete(sessions))
    deadlift = [one for one in result.weakPoints if one.exercise == "Deadlift"]
    assert any("stalled" in one.issue for one in deadlift)
    assert not any(one.exercise == "Back squat" for one in result.weakPoints)
    stall = next(one for one in deadlift if "stalled" in one.issue)
    assert "172.6 kg" in stall.issue  # 140 kg × 5 at RPE 8: 140 / 81.1 % (RTS chart)
    assert number(e1rm(140, 5, 8) or 0, "en", 1) == "172.6"
    facts = athlete(sessions, one_rep_maxes={"back_squat": 200.0})
    lagging = [one for one in insights(facts).weakPoints if "rule of thumb" in one.issue]
    assert lagging and "1.10 ×" in lagging[0].issue


def test_high_acwr_gives_high_priority_recovery_and_an_easier_week() -> None:
    normal = insights(mixed_athlete(acwr=1.1, acwr_flag=None))
    spike = insights(mixed_athlete(acwr=1.7, acwr_flag="high"))
    first = spike.recommendations[0]
    assert (first.id, first.category, first.priority) == ("reduce-load-spike", "recovery", "high")
    assert "1.70" in first.description and "1.70" in spike.summary
    assert "reduce-load-spike" not in {rec.id for rec in normal.recommendations}
    assert spike.nextWeekFocus.suggestedSessions < normal.nextWeekFocus.suggestedSessions
    hard = spike.nextWeekFocus.intensityDistribution.hard
    assert hard < normal.nextWeekFocus.intensityDistribution.hard
    assert spike.nextWeekFocus.restDaysRecommended >= 2


def test_endurance_heavy_athletes_get_a_polarised_week() -> None:
    runner = insights(athlete(every(2, discipline="endurance", minutes=50, rpe=4.0)))
    split = runner.nextWeekFocus.intensityDistribution
    assert (split.easy, split.moderate, split.hard) == (80, 5, 15)
    assert "discipline_strength" in {one.type for one in runner.imbalances}


def test_french_output_is_french_with_comma_decimals() -> None:
    result = insights(mixed_athlete(language="fr", acwr=1.42, acwr_flag="elevated"))
    assert "séances" in result.summary and "dernières semaines" in result.summary
    assert re.search(r"\d,\d", result.summary) and "1,42" in result.summary
    assert not re.search(r"\d\.\d", result.summary)
    assert all(rec.title and "the " not in rec.description for rec in result.recommendations)
    content, _ = progression(mixed_athlete(language="fr"), "month")
    assert "Sur les 28 derniers jours" in content.paragraph1
    assert "Squat arrière" in content.paragraph1  # movement names in French
    assert number(1234.5, "fr", 1) == "1\u202f234,5"


def test_a_goal_behind_schedule_gives_a_goal_recommendation() -> None:
    facts = mixed_athlete(goals=(GoalFact("sessions_per_week", 6),))
    goal = next(rec for rec in insights(facts).recommendations if rec.category == "goal")
    assert goal.id == "goal-sessions_per_week" and "6 sessions a week" in goal.title


# ------------------------------------------------------------------------------------- progression
def test_progression_periods_analyse_their_own_sessions() -> None:
    facts = mixed_athlete()
    week, in_week = progression(facts, "week")
    quarter, in_quarter = progression(facts, "quarter")
    assert in_week == sum((TODAY - one.day).days < 7 for one in facts.sessions)
    assert in_quarter == len(facts.sessions) > in_week
    assert f"Over the last 7 days: {in_week} sessions" in week.paragraph1
    assert f"Over the last 91 days: {in_quarter} sessions" in quarter.paragraph1
    assert "The last 45 days against the 45 before" in quarter.paragraph1
    assert week.paragraph1 != quarter.paragraph1
    assert "Back squat" in quarter.paragraph1  # its e1RM rose between the halves


def test_progression_compares_with_the_previous_period() -> None:
    facts = athlete([session(a, minutes=90 if a < 7 else 60) for a in range(14)])
    content, analysed = progression(facts, "week")
    assert analysed == 7
    assert "7 vs 7 sessions, 630 vs 420 min (+50.0% in time)" in content.paragraph1
    assert content.paragraph2.startswith("Time rose +50.0%")


def test_an_empty_period_after_older_sessions_says_so_instead_of_the_starter() -> None:
    facts = athlete([session(a) for a in range(20, 60, 4)])
    content, analysed = progression(facts, "week")
    assert analysed == 0
    assert content != starter_progression("en")
    assert "No session in the last 7 days; the last one was 20 days ago (2024-06-10)" in content.paragraph1
    assert len(content.recommendations) == 3


def test_every_sentence_exists_in_both_languages_with_the_same_placeholders() -> None:
    import string

    from atelier.coaching.analysis_text import TEXT

    assert set(TEXT["en"]) == set(TEXT["fr"])
    for key, english in TEXT["en"].items():
        fields = {name for _, name, _, _ in string.Formatter().parse(english) if name}
        french = {name for _, name, _, _ in string.Formatter().parse(TEXT["fr"][key]) if name}
        assert fields == french, key


def test_a_rare_trainer_is_told_to_add_a_day_and_a_frequent_one_to_keep_rest_days() -> None:
    def alternating(step: int) -> list[SessionFact]:
        kinds = ("strength", "endurance")
        return [session(ago, discipline=kinds[(ago // step) % 2], rpe=None) for ago in range(0, 90, step)]

    rare, _ = progression(athlete(alternating(7)), "month")
    frequent, _ = progression(athlete(alternating(1)), "month")
    assert "add one session on a fixed day to reach 2 a week" in rare.paragraph2
    assert "Train 2 days a week." in rare.recommendations
    assert "rest days" in frequent.paragraph2 and "add one session on a fixed day" not in frequent.paragraph2
