"""Recurrence rules: the dates they produce, in wall-clock time, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atelier.planning.recurrence import InvalidRule, Rule, Schedule, local_instant, validate


def test_back_squat_every_monday_and_thursday_until_the_end_of_march() -> None:
    schedule = validate(
        Rule("weekly", by_weekday=("MO", "TH"), until=date(2027, 3, 31)), date(2026, 11, 23), time(18), "UTC"
    )
    dates = schedule.dates(date(2026, 11, 1), date(2027, 12, 31))
    assert dates[0] == date(2026, 11, 23)
    assert dates[-1] == date(2027, 3, 29)
    assert {d.weekday() for d in dates} == {0, 3}
    assert len(dates) == 37
    assert schedule.last_date() == date(2027, 3, 29)


def test_eighteen_hundred_stays_eighteen_hundred_across_the_dst_change() -> None:
    schedule = validate(Rule("weekly", by_weekday=("MO",)), date(2027, 3, 22), time(18), "Europe/Paris")
    before, after = schedule.dates(date(2027, 3, 22), date(2027, 3, 29))
    paris = ZoneInfo("Europe/Paris")
    assert schedule.starts_at(before) == datetime(2027, 3, 22, 17, tzinfo=UTC)
    assert schedule.starts_at(after) == datetime(2027, 3, 29, 16, tzinfo=UTC)
    assert schedule.starts_at(after).astimezone(paris).time() == time(18)


def test_a_wall_time_skipped_by_dst_moves_forward_by_the_gap() -> None:
    instant = local_instant(date(2027, 3, 28), time(2, 30), "Europe/Paris")
    assert instant.astimezone(ZoneInfo("Europe/Paris")).time() == time(3, 30)


def test_the_second_tuesday_of_each_month() -> None:
    schedule = validate(
        Rule("monthly", by_weekday=("TU",), by_set_position=2), date(2026, 11, 1), time(18), "UTC"
    )
    assert schedule.dates(date(2026, 11, 1), date(2027, 2, 28)) == [
        date(2026, 11, 10),
        date(2026, 12, 8),
        date(2027, 1, 12),
        date(2027, 2, 9),
    ]


def test_a_monthly_31st_skips_short_months_and_minus_one_means_the_last_day() -> None:
    on_31 = validate(Rule("monthly", by_month_day=(31,)), date(2026, 1, 31), time(7), "UTC")
    assert on_31.dates(date(2026, 1, 1), date(2026, 6, 30)) == [
        date(2026, 1, 31),
        date(2026, 3, 31),
        date(2026, 5, 31),
    ]
    last = validate(Rule("monthly", by_month_day=(-1,)), date(2026, 1, 31), time(7), "UTC")
    assert last.dates(date(2026, 1, 1), date(2026, 3, 31)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]


def test_every_other_day_with_a_count() -> None:
    schedule = validate(Rule("daily", interval=2, count=3), date(2026, 12, 30), time(6), "UTC")
    assert schedule.dates(date(2026, 12, 1), date(2027, 1, 31)) == [
        date(2026, 12, 30),
        date(2027, 1, 1),
        date(2027, 1, 3),
    ]


def test_exceptions_are_not_produced() -> None:
    schedule = validate(Rule("daily"), date(2026, 12, 1), time(6), "UTC")
    skipped = type(schedule)(
        schedule.rule, schedule.start, schedule.at, schedule.zone, frozenset({date(2026, 12, 2)})
    )
    assert skipped.dates(date(2026, 12, 1), date(2026, 12, 3)) == [date(2026, 12, 1), date(2026, 12, 3)]
    assert not skipped.produces(date(2026, 12, 2))
    assert skipped.produces(date(2026, 12, 3))


def test_the_rrule_text_is_rfc_5545() -> None:
    rule = Rule("weekly", interval=2, by_weekday=("MO", "TH"), until=date(2027, 3, 31))
    assert rule.to_rrule() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20270331"


@pytest.mark.parametrize(
    ("rule", "start", "zone", "message"),
    [
        (Rule("monthly", by_month_day=(30,)), date(2027, 2, 1), "UTC", None),
        (Rule("yearly", by_month_day=(31,)), date(2027, 2, 1), "UTC", None),
        (Rule("weekly", until=date(2026, 1, 1)), date(2026, 6, 1), "UTC", "before the first date"),
        (Rule("weekly"), date(2026, 6, 1), "Mars/Olympus_Mons", "unknown time zone"),
        (Rule("weekly", by_weekday=("XX",)), date(2026, 6, 1), "UTC", "unknown weekday"),
        (Rule("daily", interval=0), date(2026, 6, 1), "UTC", "interval"),
        (Rule("daily", count=0), date(2026, 6, 1), "UTC", "count"),
        (Rule("weekly", by_month_day=(3,)), date(2026, 6, 1), "UTC", "month days"),
        (Rule("monthly", by_set_position=2), date(2026, 6, 1), "UTC", "position"),
        (Rule("daily", count=3, until=date(2026, 7, 1)), date(2026, 6, 1), "UTC", "either until or count"),
    ],
)
def test_rules_that_cannot_describe_a_schedule_are_refused(
    rule: Rule, start: date, zone: str, message: str | None
) -> None:
    if message is None:  # valid on its face, but e.g. February has no 30th or 31st
        rule = Rule(rule.freq, by_month_day=rule.by_month_day, until=date(2027, 2, 28))
        message = "produces no date"
    with pytest.raises(InvalidRule, match=message):
        validate(rule, start, time(7), zone)


@given(
    weekdays=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    span=st.integers(min_value=0, max_value=400),
)
def test_weekly_dates_fall_on_the_chosen_weekdays_inside_the_window(
    weekdays: set[str], start: date, span: int
) -> None:
    schedule = validate(
        Rule("weekly", by_weekday=tuple(sorted(weekdays))), start, time(12), "America/New_York"
    )
    last = date.fromordinal(start.toordinal() + span)
    produced = schedule.dates(start, last)
    names = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    expected = [
        date.fromordinal(o)
        for o in range(start.toordinal(), last.toordinal() + 1)
        if names[date.fromordinal(o).weekday()] in weekdays
    ]
    assert produced == expected


@given(
    freq=st.sampled_from(["daily", "weekly"]),
    interval=st.integers(min_value=1, max_value=5),
    weekdays=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), max_size=3),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    offset=st.integers(min_value=0, max_value=900),
    span=st.integers(min_value=0, max_value=70),
)
def test_a_window_far_into_a_series_has_the_dates_of_walking_from_its_start(
    freq: str, interval: int, weekdays: set[str], start: date, offset: int, span: int
) -> None:
    by_weekday = tuple(sorted(weekdays)) if freq == "weekly" else ()
    schedule = validate(Rule(freq, interval=interval, by_weekday=by_weekday), start, time(6), "Europe/Paris")  # type: ignore[arg-type]
    first = date.fromordinal(start.toordinal() + offset)
    last = date.fromordinal(first.toordinal() + span)
    walked = [
        moment.date()
        for moment in schedule._rrule().between(
            datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True
        )
    ]
    assert schedule.dates(first, last) == walked


@given(
    freq=st.sampled_from(["daily", "weekly"]),
    interval=st.integers(min_value=1, max_value=6),
    weekdays=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), max_size=4),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    until_after=st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
    offset=st.integers(min_value=-30, max_value=700),
    span=st.integers(min_value=0, max_value=120),
)
def test_computed_dates_equal_the_rrule_ones(
    freq: str,
    interval: int,
    weekdays: set[str],
    start: date,
    until_after: int | None,
    offset: int,
    span: int,
) -> None:
    until = date.fromordinal(start.toordinal() + until_after) if until_after is not None else None
    by_weekday = tuple(sorted(weekdays)) if freq == "weekly" else ()
    schedule = Schedule(
        Rule(freq, interval=interval, by_weekday=by_weekday, until=until), start, time(18), "UTC"
    )  # type: ignore[arg-type]
    first = date.fromordinal(start.toordinal() + offset)
    last = date.fromordinal(first.toordinal() + span)
    computed = schedule._counted(first, last)
    walked = [
        moment.date()
        for moment in schedule._rrule().between(
            datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True
        )
    ]
    assert computed == walked


@given(
    interval=st.integers(min_value=1, max_value=4),
    shape=st.sampled_from(["implied", "days", "position"]),
    days=st.sets(st.integers(min_value=-31, max_value=31).filter(bool), min_size=1, max_size=3),
    weekday=st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
    position=st.sampled_from([1, 2, 3, 4, -1]),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    offset=st.integers(min_value=0, max_value=1500),
    span=st.integers(min_value=0, max_value=400),
)
def test_a_window_far_into_a_monthly_series_has_the_dates_of_walking_from_its_start(
    interval: int,
    shape: str,
    days: set[int],
    weekday: str,
    position: int,
    start: date,
    offset: int,
    span: int,
) -> None:
    rule = {
        "implied": Rule("monthly", interval=interval),
        "days": Rule("monthly", interval=interval, by_month_day=tuple(sorted(days))),
        "position": Rule("monthly", interval=interval, by_weekday=(weekday,), by_set_position=position),
    }[shape]
    schedule = Schedule(rule, start, time(7), "Europe/Paris")
    first = date.fromordinal(start.toordinal() + offset)
    last = date.fromordinal(first.toordinal() + span)
    walked = [
        moment.date()
        for moment in schedule._rrule().between(
            datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True
        )
    ]
    assert schedule.dates(first, last) == walked
