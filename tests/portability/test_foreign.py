"""Strong and Hevy CSV exports: the formats as the apps write them, and the damaged files people
actually upload (other delimiters, encodings, decimal commas, odd dates, bad or cut-off rows)."""

from __future__ import annotations

from datetime import datetime

import pytest

from atelier.portability.foreign import (
    ForeignSet,
    Parsed,
    Skipped,
    Unreadable,
    detect,
    parse,
    parse_hevy,
    parse_strong,
)

STRONG_HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE"
)
HEVY_HEADER = (
    "title,start_time,end_time,description,exercise_title,superset_id,exercise_notes,"
    "set_index,set_type,weight_kg,reps,distance_km,duration_seconds,rpe"
)


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def sets(parsed: Parsed, workout: int, exercise: int) -> list[ForeignSet]:
    return parsed.workouts[workout].exercises[exercise].sets


def lifted(reps: int, kg: float, kind: str = "normal", rpe: float | None = None) -> ForeignSet:
    return ForeignSet(reps=reps, weight_kg=kg, distance_m=None, seconds=None, rpe=rpe, kind=kind)


STRONG = csv(
    STRONG_HEADER,
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),W,60,5,0,0,,Felt strong,",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),1,100,5,0,0,belt on,,8",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),2,100,4,0,0,,,9.5",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),Rest Timer,0,0,0,120,,,",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Plank,1,0,0,0,60,,,",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),D,80,8,0,0,,,",
    "2024-03-01 18:05:03,Leg Day,1h 5m,Squat (Barbell),F,70,6,0,0,,,",
    "2024-03-03 07:30:00,Cardio,45m,Running,1,0,0,5.2,1500,,,",
    "2024-03-05 12:00:00,Quick,58s,Push Up,1,0,20,0,0,,,",
)


def test_a_strong_export_becomes_workouts_exercises_and_sets() -> None:
    parsed = parse_strong(STRONG)

    assert parsed.app == "strong" and parsed.skipped == []
    legs, cardio, quick = parsed.workouts
    assert legs.key == "strong:2024-03-01T18:05:03:Leg Day"
    assert (legs.title, legs.started_at) == ("Leg Day", datetime(2024, 3, 1, 18, 5, 3))
    assert (legs.duration_seconds, legs.notes) == (3900, "Felt strong")
    assert [e.name for e in legs.exercises] == ["Squat (Barbell)", "Plank"]
    assert legs.exercises[0].notes == "belt on" and legs.exercises[0].superset is None
    assert sets(parsed, 0, 0) == [
        lifted(5, 60.0, "warmup"),
        lifted(5, 100.0, rpe=8.0),
        lifted(4, 100.0, rpe=9.5),
        lifted(8, 80.0, "dropset"),
        lifted(6, 70.0, "failure"),
    ]
    assert sets(parsed, 0, 1) == [ForeignSet(None, None, None, 60.0, None)]
    assert (cardio.duration_seconds, quick.duration_seconds) == (2700, 58)
    assert sets(parsed, 1, 0) == [ForeignSet(None, None, 5200.0, 1500.0, None)]
    assert sets(parsed, 2, 0) == [ForeignSet(20, None, None, None, None)]


def test_strong_weights_in_pounds_and_distances_in_miles_become_kg_and_metres() -> None:
    data = csv(
        STRONG_HEADER,
        "2024-03-01 18:05:03,Push,3600,Bench Press (Barbell),1,225,5,0,0,,,",
        "2024-03-01 18:05:03,Push,3600,Rowing (Machine),1,0,0,1.5,600,,,",
    )

    parsed = parse_strong(data, weight_unit="lb", distance_unit="mi")

    assert parsed.workouts[0].duration_seconds == 3600
    assert sets(parsed, 0, 0)[0].weight_kg == pytest.approx(102.05828325)
    assert sets(parsed, 0, 1)[0].distance_m == pytest.approx(2414.016)


def test_an_old_semicolon_strong_export_with_unit_columns_and_decimal_commas() -> None:
    data = csv(
        "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;Distance Unit;"
        "Seconds;Notes;Workout Notes;Workout Duration",
        '2019-01-11 12:31:54;"Leg";"Deadlift (Barbell)";1;82,5;kg;5;;;;0;"";"";1h',
        '2019-01-11 12:31:54;"Leg";"Deadlift (Barbell)";2;200;lbs;3;;;;0;;;1h',
        '2019-01-11 12:31:54;"Leg";"Walk";1;0;kg;0;;2,5;km;0;;;1h',
        '2019-01-11 12:31:54;"Leg";"Deadlift (Barbell)";3;100;st;3;;;;0;;;1h',
    )

    parsed = parse(data, weight_unit="lb")  # the file's own unit column wins

    assert parsed.app == "strong" and parsed.workouts[0].duration_seconds == 3600
    deadlift = sets(parsed, 0, 0)
    assert [s.weight_kg for s in deadlift] == [82.5, pytest.approx(90.718474)]
    assert sets(parsed, 0, 1)[0].distance_m == 2500.0
    assert parsed.skipped == [Skipped(5, "line 5: weight unit 'st' is not one of kg, kgs, lb, lbs")]


PUSH = '"Push A","21 Nov 2024, 18:05","21 Nov 2024, 19:20","Felt good",'
HEVY = csv(
    HEVY_HEADER,
    PUSH + '"Bench Press (Barbell)",,"Pause at chest",0,warmup,40,10,,,',
    PUSH + '"Bench Press (Barbell)",,,2,normal,80,6,,,9',
    PUSH + '"Bench Press (Barbell)",,,1,normal,80,8,,,8.5',
    PUSH + '"Chest Fly (Cable)",0,,0,normal,15,12,,,',
    PUSH + '"Triceps Pushdown (Cable)",0,,0,dropset,25,10,,,',
    PUSH + '"Chest Fly (Cable)",0,,1,failure,15,9,,,',
    '"Run","23 Nov 2024, 07:00","23 Nov 2024, 07:31",,"Running",,,0,normal,,,5.25,1860,',
)


def test_a_hevy_export_keeps_supersets_set_types_and_set_order() -> None:
    parsed = parse_hevy(HEVY)

    assert parsed.app == "hevy" and parsed.skipped == []
    push, run = parsed.workouts
    assert push.key == "hevy:2024-11-21T18:05:00:Push A"
    assert (push.started_at, push.duration_seconds, push.notes) == (
        datetime(2024, 11, 21, 18, 5),
        4500,
        "Felt good",
    )
    bench, fly, pushdown = push.exercises
    assert (bench.name, bench.superset, bench.notes) == ("Bench Press (Barbell)", None, "Pause at chest")
    assert bench.sets == [lifted(10, 40.0, "warmup"), lifted(8, 80.0, rpe=8.5), lifted(6, 80.0, rpe=9.0)]
    assert (fly.superset, pushdown.superset) == ("0", "0")
    assert fly.sets == [lifted(12, 15.0), lifted(9, 15.0, "failure")]
    assert pushdown.sets == [lifted(10, 25.0, "dropset")]
    assert run.duration_seconds == 1860
    assert run.exercises[0].sets == [ForeignSet(None, None, 5250.0, 1860.0, None)]


def test_an_imperial_hevy_export_in_pounds_and_miles_separated_by_tabs() -> None:
    header = HEVY_HEADER.replace("weight_kg", "weight_lbs").replace("distance_km", "distance_miles")
    rows = [
        "Legs\t2024-11-21 18:05\t\t\tSquat (Barbell)\t\t\t0\tnormal\t225\t5\t\t\t",
        "Legs\t2024-11-21 18:05\t\t\tWalking\t\t\t0\tnormal\t\t\t2\t1800\t",
    ]
    data = csv(header.replace(",", "\t"), *rows)

    parsed = parse(data, weight_unit="kg")  # a Strong option, dropped for a Hevy file

    squat, walk = parsed.workouts[0].exercises
    assert squat.sets[0].weight_kg == pytest.approx(102.05828325)
    assert walk.sets[0].distance_m == pytest.approx(3218.688)
    assert parsed.workouts[0].duration_seconds is None


def test_a_bom_and_a_windows_1252_file_are_read() -> None:
    bom = "\ufeff".encode() + STRONG
    assert parse(bom).workouts[0].title == "Leg Day"

    accented = csv(STRONG_HEADER, "2024-03-01 18:05:03,Séance,45m,Développé couché,1,60,5,0,0,,Très bien,")
    for encoding in ("cp1252", "latin-1"):
        parsed = parse(accented.decode().encode(encoding))
        workout = parsed.workouts[0]
        assert (workout.title, workout.exercises[0].name, workout.notes) == (
            "Séance",
            "Développé couché",
            "Très bien",
        )


def test_bytes_that_are_neither_utf8_nor_windows_1252_still_read_as_latin1() -> None:
    data = STRONG_HEADER.encode() + b"\n2024-03-01 18:05:03,Leg\x81,45m,Squat,1,60,5,0,0,,,\n"
    assert parse_strong(data).workouts[0].title == "Leg\x81"


def test_missing_columns_are_named_and_extra_columns_ignored() -> None:
    with pytest.raises(
        Unreadable, match="not a complete Strong export: the header lacks 'Set Order', 'Reps'"
    ):
        parse_strong(csv("Date,Workout Name,Exercise Name,Weight", "2024-03-01 18:05:03,A,B,1"))
    with pytest.raises(Unreadable, match="lacks 'weight_kg'"):
        parse_hevy(csv("title,start_time,exercise_title,reps", "A,21 Nov 2024, 18:05,B,5"))

    extra = csv(
        STRONG_HEADER + ",Workout #,Mood",
        "2024-03-01 18:05:03,Leg Day,45m,Squat,1,100,5,0,0,,,,1,happy",
    )
    assert sets(parse_strong(extra), 0, 0) == [lifted(5, 100.0)]


@pytest.mark.parametrize(
    ("written", "kg"),
    [("82,5", 82.5), ("1 000", 1000.0), ("1\u00a0000,5", 1000.5), ("1.000,5", 1000.5), ("1,000.5", 1000.5)],
)
def test_localised_numbers(written: str, kg: float) -> None:
    data = csv(STRONG_HEADER.replace(",", ";"), f"2024-03-01 18:05:03;A;45m;Squat;1;{written};5;0;0;;;")
    assert sets(parse_strong(data), 0, 0)[0].weight_kg == kg


def test_a_quoted_decimal_comma_in_a_comma_separated_file() -> None:
    data = csv(STRONG_HEADER, '2024-03-01 18:05:03,A,45m,Squat,1,"82,5",5,0,0,,,"7,5"')
    assert sets(parse_strong(data), 0, 0) == [lifted(5, 82.5, rpe=7.5)]


@pytest.mark.parametrize(
    ("written", "day_first", "started_at"),
    [
        ("2024-03-01 18:05", True, datetime(2024, 3, 1, 18, 5)),
        ("2024-03-01T18:05:03", True, datetime(2024, 3, 1, 18, 5, 3)),
        ("2024-03-01T18:05:03+01:00", True, datetime(2024, 3, 1, 18, 5, 3)),
        ("01/03/2024 18:05", True, datetime(2024, 3, 1, 18, 5)),
        ("01/03/2024 18:05", False, datetime(2024, 1, 3, 18, 5)),
        ("03/25/2024 18:05", True, datetime(2024, 3, 25, 18, 5)),
        ("01.03.2024 18:05", False, datetime(2024, 3, 1, 18, 5)),
        ("21 Nov 2024, 18:05", True, datetime(2024, 11, 21, 18, 5)),
        ("2024-03-01 6:05:03\u202fPM", True, datetime(2024, 3, 1, 18, 5, 3)),
    ],
)
def test_dates_in_the_formats_found_in_exports(written: str, day_first: bool, started_at: datetime) -> None:
    data = csv(STRONG_HEADER, f'"{written}",A,45m,Squat,1,100,5,0,0,,,')
    assert parse_strong(data, day_first=day_first).workouts[0].started_at == started_at


def test_bad_rows_are_skipped_with_their_line_and_reason_and_the_rest_imported() -> None:
    data = csv(
        STRONG_HEADER,
        "2024-03-01 18:05:03,A,45m,Squat,1,100,5,0,0,,,",
        '2024-03-01 18:05:03,A,45m,Squat,2,100,5,0,0,"two lines',
        'of notes",,',
        "2024-03-01 18:05:03,A,45m,Squat,3,82..5,5,0,0,,,",
        "2024-03-01 18:05:03,A,45m,Squat,4,-20,5,0,0,,,",
        "2024-03-01 18:05:03,A,45m,Squat,5,100,-5,0,0,,,",
        "2024-03-01 18:05:03,A,45m,Squat,6,100,5.5,0,0,,,",
        "31/31/2024 18:05,A,45m,Squat,1,100,5,0,0,,,",
        "2024-03-01 18:05:03,A,45m,Squat,7,100,5,0,0,,,12",
        "2024-03-01 18:05:03,A,45m,Squat,X,100,5,0,0,,,",
        "2024-03-01 18:05:03,A,45m,Squat,8,0,0,0,0,,,",
        "2024-03-01 18:05:03,A,45m,Squat,9,100",
    )

    parsed = parse_strong(data)

    assert [s.reps for s in sets(parsed, 0, 0)] == [5, 5]
    assert parsed.workouts[0].exercises[0].notes == "two lines\nof notes"
    assert parsed.skipped == [
        Skipped(5, "line 5: weight '82..5' is not a number"),
        Skipped(6, "line 6: weight '-20' is negative"),
        Skipped(7, "line 7: reps '-5' is negative"),
        Skipped(8, "line 8: reps '5.5' is not a whole number"),
        Skipped(9, "line 9: date '31/31/2024 18:05' is not a date and time this importer reads"),
        Skipped(10, "line 10: RPE '12' is above 10"),
        Skipped(11, "line 11: set order 'X' is not a number, W, D or F"),
        Skipped(12, "line 12: the set has no reps, weight, distance or time"),
        Skipped(13, "line 13: the row has 6 fields where the header has 12"),
    ]


def test_an_unreadable_duration_keeps_the_workout_and_says_so() -> None:
    data = csv(
        STRONG_HEADER,
        "2024-03-01 18:05:03,A,1 Std.,Squat,1,100,5,0,0,,,",
        "2024-03-01 18:05:03,A,1 Std.,Squat,2,100,5,0,0,,,",
    )

    parsed = parse_strong(data)

    assert parsed.workouts[0].duration_seconds is None and len(sets(parsed, 0, 0)) == 2
    assert parsed.skipped == [
        Skipped(
            2,
            "line 2: duration '1 Std.' is not a duration like '1h 5m';"
            " the workout is imported without a duration",
        )
    ]


def test_a_hevy_row_with_an_unreadable_start_or_set_type_is_skipped() -> None:
    data = csv(
        HEVY_HEADER,
        '"A","21 Nov 2024, 18:05",,,"Squat",,,0,normal,100,5,,,',
        '"A","yesterday",,,"Squat",,,1,normal,100,5,,,',
        '"A","21 Nov 2024, 18:05",,,"Squat",,,1,cluster,100,5,,,',
    )

    parsed = parse_hevy(data)

    assert sets(parsed, 0, 0) == [lifted(5, 100.0)]
    assert parsed.skipped == [
        Skipped(3, "line 3: start_time 'yesterday' is not a date and time this importer reads"),
        Skipped(4, "line 4: set_type 'cluster' is not normal, warmup, dropset or failure"),
    ]


def test_empty_and_header_only_files_are_unreadable_and_all_bad_rows_are_a_report() -> None:
    with pytest.raises(Unreadable, match="the file is empty"):
        parse(b"")
    with pytest.raises(Unreadable, match="the file is empty"):
        parse_strong(b"\n  \n")
    with pytest.raises(Unreadable, match="the file has no workouts"):
        parse_strong(csv(STRONG_HEADER))

    all_bad = parse_strong(csv(STRONG_HEADER, "2024-03-01 18:05:03,A,45m,Squat,1,abc,5,0,0,,,"))
    assert all_bad.workouts == []
    assert all_bad.skipped == [Skipped(2, "line 2: weight 'abc' is not a number")]


def test_detect_reads_the_header_and_names_what_it_found_otherwise() -> None:
    assert detect(STRONG) == "strong"
    assert detect(HEVY) == "hevy"
    assert detect(STRONG_HEADER.replace(",", ";").encode()) == "strong"
    with pytest.raises(Unreadable, match="not a Strong or Hevy export: the header has 'id', 'date', 'steps'"):
        detect(b"id,date,steps\n1,2024-03-01,9000\n")


def test_parse_refuses_options_no_parser_knows_and_units_that_do_not_exist() -> None:
    with pytest.raises(TypeError, match="unknown options: colour"):
        parse(STRONG, colour="red")
    with pytest.raises(ValueError, match="weight unit 'stone'"):
        parse_strong(STRONG, weight_unit="stone")


def test_the_same_file_gives_the_same_keys_again() -> None:
    assert [w.key for w in parse(HEVY).workouts] == [w.key for w in parse(HEVY).workouts]
