"""Workout history exported by other apps (Strong, Hevy), read into plain dataclasses.

Nothing here touches the database: a parser turns the bytes of an export into ``Parsed``
(workouts, exercises, sets) plus the list of what it could not use, each with its line number
and a reason a person can act on. Turning that into sessions is the caller's business.

The formats, as checked against public material (third-party code and docs, not vendor specs):

* **Strong** — one row per set. Header ``Date,Workout Name,Duration,Exercise Name,Set Order,
  Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE`` (the adapters in several public
  converters, e.g. the ``StrongAdapter`` of a workout-converter project, and the OpenBody mapping
  page https://openbody-docs.pages.dev/mapping/strong/ which notes "``,`` or ``;`` delimited" and
  a trailing ``Workout No`` column). Older exports are ``;``-delimited with ``Weight Unit`` and
  ``Distance Unit`` columns (mtanzim/vis-strong-go README, mwcaisse/strong-data-viz
  ``StrongExportRow.ts``); some variants write ``Workout Duration`` instead of ``Duration`` and
  ``Weight (kg)``-style headers. ``Date`` is ``2019-01-11 12:31:54`` in most files, but recent
  app versions write a 12-hour clock (``yyyy-MM-dd h:mm:ss a`` with a narrow no-break space
  before AM/PM, as parsed by that converter), so both are read. ``Duration`` is ``1h 5m``, ``45m``
  or plain seconds (``3600`` in the OpenBody example). ``Set Order`` is a number, or ``W``/``D``/
  ``F`` for warm-up/drop/failure sets; rows whose Set Order is ``Rest Timer`` are not sets and are
  passed over silently. Weights are in the user's unit, hence ``weight_unit`` unless the file
  says. Zeros mean "not recorded" (a plank is ``Weight 0, Reps 0, Seconds 60``).
* **Hevy** — one row per set. Header ``title,start_time,end_time,description,exercise_title,
  superset_id,exercise_notes,set_index,set_type,weight_kg,reps,distance_km,duration_seconds,rpe``
  (strong-statistics' Hevy importer, adrianbb05/training_charts); files of imperial users carry
  ``weight_lbs`` and ``distance_miles`` instead (Jake-Leicht/Hevy-Dashboard-App, the "Weighty"
  README). ``start_time`` is ``21 Nov 2024, 18:05``; ``set_type`` is normal, warmup, dropset or
  failure; ``set_index`` counts from 0 within an exercise.

Robustness: the delimiter is sniffed from the header line (``,`` ``;`` or tab), a UTF-8 BOM is
dropped and a file that is not UTF-8 is read as Windows-1252 (what spreadsheet programs on
Windows save). Numbers may use a decimal comma (``82,5`` — a comma can only be inside a field
when the delimiter is not a comma or the field was quoted) and thousands separators (``1 000``,
``1.000,5``). A row that cannot be read is skipped with its reason; the rest is imported.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

LB_IN_KG = 0.45359237
MILE_IN_M = 1609.344


@dataclass(frozen=True)
class ForeignSet:
    """One set as the other app recorded it, in SI units (kg, metres, seconds)."""

    reps: int | None
    weight_kg: float | None
    distance_m: float | None
    seconds: float | None
    rpe: float | None
    kind: str = "normal"


@dataclass
class ForeignExercise:
    """An exercise of one workout under the other app's own name; the caller maps names."""

    name: str
    sets: list[ForeignSet]
    superset: str | None = None
    notes: str | None = None


@dataclass
class ForeignWorkout:
    """One workout. ``key`` stays the same when the same file is imported again, so re-imports
    can be recognised; ``started_at`` is naive wall-clock time, the caller applies the zone."""

    key: str
    title: str
    started_at: datetime
    duration_seconds: int | None
    notes: str | None
    exercises: list[ForeignExercise]


@dataclass(frozen=True)
class Skipped:
    """Something left out, with where (1-based line, header = 1; None for API items) and why."""

    line: int | None
    reason: str


@dataclass
class Parsed:
    """Everything read from one source, and the report of what was not."""

    app: str
    workouts: list[ForeignWorkout]
    skipped: list[Skipped]


class Unreadable(ValueError):
    """The whole file cannot be read; the message says why in one line."""


class _RowError(ValueError):
    """One row cannot be used; the message is the reason shown to the user."""


# ---------------------------------------------------------------- reading the table


def _decode(data: bytes) -> str:
    """UTF-8 (BOM or not) first; exports re-saved by a spreadsheet on Windows are cp1252, and
    latin-1 reads any byte, so a file is never refused for its encoding alone."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _delimiter(header: str) -> str:
    """The most frequent of ``,`` ``;`` tab outside quotes in the header line; a tie is ``,``."""
    counts = dict.fromkeys((",", ";", "\t"), 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(counts, key=lambda d: (counts[d], d == ","))


def _column(name: str) -> str:
    """Header names compared case- and spacing-insensitively ("Set  order" is "set order")."""
    return " ".join(name.replace("\ufeff", "").split()).lower()


@dataclass
class _Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line of the row's first physical line, fields)


def _table(data: bytes) -> _Table:
    text = _decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise Unreadable("the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    consumed = 0
    for fields in reader:
        line, consumed = consumed + 1, reader.line_num
        if not any(value.strip() for value in fields):
            continue
        if header is None:
            header = [_column(name) for name in fields]
        else:
            rows.append((line, fields))
    if header is None:
        raise Unreadable("the file has no header: its first line holds only delimiters")
    if not rows:
        raise Unreadable("the file has no workouts: it holds a header and no rows")
    return _Table(header, rows)


def _require(table: _Table, app: str, groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """For each required column (shown name → accepted spellings) the spelling this file uses;
    ``Unreadable`` names every missing one at once."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for shown, spellings in groups.items():
        present = next((s for s in spellings if s in table.header), None)
        if present is None:
            missing.append(shown)
        else:
            found[shown] = present
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise Unreadable(f"not a complete {app} export: the header lacks {names}")
    return found


def _records(table: _Table) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Rows as column → stripped text, or the reason a row has the wrong shape: fewer fields
    (a truncated last line) or more non-empty ones (an unquoted delimiter shifted the columns)."""
    width = len(table.header)
    for line, fields in table.rows:
        if len(fields) < width or any(value.strip() for value in fields[width:]):
            yield line, f"the row has {len(fields)} fields where the header has {width}"
        else:
            yield line, {name: value.strip() for name, value in zip(table.header, fields, strict=False)}


# ---------------------------------------------------------------- reading values

_PLAIN = re.compile(r"[+-]?\d+(?:\.\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{3})+")


def _number(text: str, what: str) -> float | None:
    """A decimal in any of the notations exports use; empty is None. With both ``.`` and ``,`` the
    last one is the decimal mark; repeated marks in groups of three are thousands; a lone comma is
    a decimal comma. Spaces (also no-break) and apostrophes group thousands."""
    value = re.sub(r"[\s\u00a0\u202f']", "", text)
    if not value:
        return None
    if "," in value and "." in value:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        value = value.replace(thousands, "").replace(decimal, ".")
    elif value.count(",") > 1 or value.count(".") > 1:
        if not _GROUPED.fullmatch(value):
            raise _RowError(f"{what} '{text}' is not a number")
        value = value.replace(",", "").replace(".", "")
    else:
        value = value.replace(",", ".")
    if not _PLAIN.fullmatch(value):
        raise _RowError(f"{what} '{text}' is not a number")
    number = float(value)
    if number < 0:
        raise _RowError(f"{what} '{text}' is negative")
    return number


def _whole(text: str, what: str) -> int | None:
    number = _number(text, what)
    if number is None:
        return None
    if not number.is_integer():
        raise _RowError(f"{what} '{text}' is not a whole number")
    return int(number)


def _rpe(text: str) -> float | None:
    rpe = _number(text, "RPE")
    if rpe is not None and rpe > 10:
        raise _RowError(f"RPE '{text}' is above 10")
    return rpe


def _nonzero(number: float | None) -> float | None:
    """Both apps write 0 for "not recorded" (a plank's weight, a squat's distance)."""
    return number if number else None


_TIMES = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")
_WRITTEN = tuple(
    f"{day}{sep}{time}"
    for day in ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y")
    for sep in (", ", " ")
    for time in _TIMES
)
_DOTTED = tuple(f"%d.%m.{year} {time}" for year in ("%Y", "%y") for time in _TIMES)
_ISO_12H = tuple(f"%Y-%m-%d {time}" for time in _TIMES[2:])


def _slashed(day_first: bool) -> tuple[str, ...]:
    """``01/03/2024``: the caller says which is the day; the other order is tried when the
    preferred one cannot be a date (``03/25/2024`` has no month 25)."""
    orders = ("%d/%m", "%m/%d") if day_first else ("%m/%d", "%d/%m")
    return tuple(f"{order}/{year} {time}" for order in orders for year in ("%Y", "%y") for time in _TIMES)


def _set(
    row: dict[str, str],
    weight: float | None,
    distance: float | None,
    seconds: float | None,
    kind: str,
    to_kg: float,
    to_m: float,
) -> ForeignSet:
    """One set from a row's numbers (in the file's units), checked: it must hold some work."""
    reps = _whole(row["reps"], "reps")
    if reps == 0 and (seconds or distance):
        reps = None
    if not (reps or weight or distance or seconds):
        raise _RowError("the set has no reps, weight, distance or time")
    return ForeignSet(
        reps=reps,
        weight_kg=weight * to_kg if weight is not None else None,
        distance_m=distance * to_m if distance is not None else None,
        seconds=seconds,
        rpe=_rpe(row.get("rpe", "")),
        kind=kind,
    )


def _datetime(text: str, day_first: bool, what: str = "date") -> datetime:
    """Naive wall-clock time as written; an offset, if any, is dropped (the caller knows the
    user's zone, and the apps write local time)."""
    value = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
    if not value:
        raise _RowError(f"the {what} is empty")
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        pass
    for pattern in (*_ISO_12H, *_WRITTEN, *_DOTTED, *_slashed(day_first)):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise _RowError(f"{what} '{text}' is not a date and time this importer reads")


_DURATION = re.compile(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?", re.IGNORECASE)
_CLOCK = re.compile(r"(\d+):([0-5]\d):([0-5]\d)")


def _duration(text: str) -> int | None:
    """``1h 5m``, ``45m``, ``58s``, ``1:05:00`` or plain seconds; empty is None."""
    value = text.strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    clock = _CLOCK.fullmatch(value)
    if clock:
        hours, minutes, seconds = (int(part) for part in clock.groups())
        return hours * 3600 + minutes * 60 + seconds
    spelled = _DURATION.fullmatch(value)
    if spelled and any(spelled.groups()):
        hours, minutes, seconds = (int(part or 0) for part in spelled.groups())
        return hours * 3600 + minutes * 60 + seconds
    raise _RowError(f"duration '{text}' is not a duration like '1h 5m'")


# ---------------------------------------------------------------- assembling workouts


@dataclass
class _ExerciseDraft:
    name: str
    superset: str | None = None
    notes: list[str] = field(default_factory=list)
    sets: list[tuple[tuple[int, int, int], ForeignSet]] = field(default_factory=list)


@dataclass
class _WorkoutDraft:
    workout: ForeignWorkout
    exercises: dict[str, _ExerciseDraft] = field(default_factory=dict)
    blocks: int = 0
    last: str | None = None


class _Collector:
    """Groups set rows into workouts (by key) and exercises (by name, first appearance first).

    Sets are ordered by (block, index, file position): a block is a run of adjacent rows of one
    exercise, so an exercise that comes back later in the same workout keeps its later sets after
    the earlier ones even when each run counts its set index from 0 again."""

    def __init__(self, app: str) -> None:
        self.app = app
        self.drafts: dict[str, _WorkoutDraft] = {}
        self.skipped: list[Skipped] = []
        self.position = 0

    def skip(self, line: int, reason: str) -> None:
        self.skipped.append(Skipped(line, f"line {line}: {reason}"))

    def workout(self, title: str, started_at: datetime) -> tuple[_WorkoutDraft, bool]:
        """The draft for this workout and whether it is new (so workout-level fields are read
        from its first row only)."""
        key = f"{self.app}:{started_at.isoformat()}:{title}"
        draft = self.drafts.get(key)
        if draft is not None:
            return draft, False
        draft = _WorkoutDraft(ForeignWorkout(key, title, started_at, None, None, []))
        self.drafts[key] = draft
        return draft, True

    def add(
        self,
        draft: _WorkoutDraft,
        name: str,
        done: ForeignSet,
        *,
        index: int | None = None,
        superset: str | None = None,
        notes: str | None = None,
    ) -> None:
        exercise = draft.exercises.setdefault(name, _ExerciseDraft(name))
        if draft.last != name:
            draft.blocks += 1
            draft.last = name
        self.position += 1
        exercise.sets.append(((draft.blocks, index if index is not None else 0, self.position), done))
        if exercise.superset is None and superset:
            exercise.superset = superset
        if notes and notes not in exercise.notes:
            exercise.notes.append(notes)

    def result(self) -> Parsed:
        workouts: list[ForeignWorkout] = []
        for draft in self.drafts.values():
            for exercise in draft.exercises.values():
                draft.workout.exercises.append(
                    ForeignExercise(
                        name=exercise.name,
                        sets=[done for _, done in sorted(exercise.sets, key=lambda pair: pair[0])],
                        superset=exercise.superset,
                        notes="\n".join(exercise.notes) or None,
                    )
                )
            workouts.append(draft.workout)
        return Parsed(self.app, workouts, self.skipped)


def _read_rows(table: _Table, collector: _Collector, read: Callable[[int, dict[str, str]], None]) -> Parsed:
    for line, record in _records(table):
        try:
            if isinstance(record, str):
                raise _RowError(record)
            read(line, record)
        except _RowError as error:
            collector.skip(line, str(error))
    return collector.result()


def _set_duration(
    collector: _Collector, draft: _WorkoutDraft, line: int, read: Callable[[], int | None]
) -> None:
    """A workout's duration is a nice-to-have: when unreadable the sets still count, and the
    report says the duration was left out."""
    try:
        draft.workout.duration_seconds = read()
    except _RowError as error:
        collector.skip(line, f"{error}; the workout is imported without a duration")


# ---------------------------------------------------------------- detection

_STRONG_MARKS = ("exercise name", "set order")
_HEVY_MARKS = ("exercise_title", "start_time")


def detect(data: bytes) -> str:
    """The app that wrote the file ("strong" or "hevy"), told from the header's columns."""
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise Unreadable("the file is empty")
    header = [_column(name) for name in next(csv.reader([first], delimiter=_delimiter(first)))]
    if all(mark in header for mark in _HEVY_MARKS):
        return "hevy"
    if all(mark in header for mark in _STRONG_MARKS):
        return "strong"
    shown = ", ".join(f"'{name}'" for name in header[:8]) + (", …" if len(header) > 8 else "")
    raise Unreadable(f"not a Strong or Hevy export: the header has {shown}")


# ---------------------------------------------------------------- Strong

_WEIGHT_UNITS = {"kg": 1.0, "kgs": 1.0, "lb": LB_IN_KG, "lbs": LB_IN_KG}
_DISTANCE_UNITS = {"km": 1000.0, "m": 1.0, "mi": MILE_IN_M, "mile": MILE_IN_M, "miles": MILE_IN_M}
_STRONG_KINDS = {"w": "warmup", "d": "dropset", "f": "failure"}
_STRONG_WEIGHT_COLUMNS = {"weight": None, "weight (kg)": "kg", "weight (kgs)": "kg", "weight (lbs)": "lb"}
_STRONG_DISTANCE_COLUMNS = {
    "distance": None,
    "distance (km)": "km",
    "distance (m)": "m",
    "distance (mi)": "mi",
}


def _unit(text: str, units: dict[str, float], what: str) -> float:
    factor = units.get(text.strip().lower().rstrip("."))
    if factor is None:
        raise _RowError(f"{what} unit '{text}' is not one of {', '.join(units)}")
    return factor


def _option_unit(text: str, units: dict[str, float], what: str) -> float:
    """A unit passed by the caller: a wrong one is a programming error, not a bad row."""
    try:
        return _unit(text, units, what)
    except _RowError as error:
        raise ValueError(str(error)) from None


def parse_strong(
    data: bytes, *, weight_unit: str = "kg", distance_unit: str = "km", day_first: bool = True
) -> Parsed:
    """A Strong CSV export. ``weight_unit``/``distance_unit`` are the units set in the user's app,
    used unless the file has unit columns; ``day_first`` reads ``01/03/2024`` as 1 March."""
    default_kg = _option_unit(weight_unit, _WEIGHT_UNITS, "weight")
    default_m = _option_unit(distance_unit, _DISTANCE_UNITS, "distance")
    table = _table(data)
    columns = _require(
        table,
        "Strong",
        {
            "Date": ("date",),
            "Workout Name": ("workout name",),
            "Exercise Name": ("exercise name",),
            "Set Order": ("set order",),
            "Weight": tuple(_STRONG_WEIGHT_COLUMNS),
            "Reps": ("reps",),
        },
    )
    weight_column = columns["Weight"]
    named_weight = _STRONG_WEIGHT_COLUMNS[weight_column]
    column_kg = _WEIGHT_UNITS[named_weight] if named_weight else default_kg
    distance_column = next((c for c in _STRONG_DISTANCE_COLUMNS if c in table.header), None)
    named_distance = _STRONG_DISTANCE_COLUMNS[distance_column] if distance_column else None
    column_m = _DISTANCE_UNITS[named_distance] if named_distance else default_m
    duration_column = next((c for c in ("duration", "workout duration") if c in table.header), None)
    collector = _Collector("strong")

    def read(line: int, row: dict[str, str]) -> None:
        order = row["set order"]
        if order.lower() == "rest timer":
            return
        kind = _STRONG_KINDS.get(order.lower(), "normal")
        if kind == "normal" and order and not order.isdigit():
            raise _RowError(f"set order '{order}' is not a number, W, D or F")
        title = row["workout name"]
        started_at = _datetime(row["date"], day_first)
        name = row["exercise name"]
        if not name:
            raise _RowError("the exercise name is empty")
        written_weight, written_distance = row.get("weight unit"), row.get("distance unit")
        to_kg = _unit(written_weight, _WEIGHT_UNITS, "weight") if written_weight else column_kg
        to_m = _unit(written_distance, _DISTANCE_UNITS, "distance") if written_distance else column_m
        weight = _nonzero(_number(row[weight_column], "weight"))
        distance = _nonzero(_number(row[distance_column], "distance")) if distance_column else None
        seconds = _nonzero(_number(row.get("seconds", ""), "seconds"))
        done = _set(row, weight, distance, seconds, kind, to_kg, to_m)
        draft, new = collector.workout(title, started_at)
        if new and duration_column:
            _set_duration(collector, draft, line, lambda: _duration(row[duration_column]))
        draft.workout.notes = draft.workout.notes or row.get("workout notes") or None
        collector.add(draft, name, done, notes=row.get("notes") or None)

    return _read_rows(table, collector, read)


# ---------------------------------------------------------------- Hevy

_HEVY_KINDS = {"normal": "normal", "warmup": "warmup", "dropset": "dropset", "failure": "failure"}


def parse_hevy(data: bytes, *, day_first: bool = True) -> Parsed:
    """A Hevy CSV export (metric ``weight_kg``/``distance_km`` or imperial ``weight_lbs``/
    ``distance_miles`` columns). ``day_first`` only matters for slashed dates."""
    table = _table(data)
    columns = _require(
        table,
        "Hevy",
        {
            "title": ("title",),
            "start_time": ("start_time",),
            "exercise_title": ("exercise_title",),
            "weight_kg": ("weight_kg", "weight_lbs"),
            "reps": ("reps",),
        },
    )
    weight_column = columns["weight_kg"]
    to_kg = 1.0 if weight_column == "weight_kg" else LB_IN_KG
    distance_column = next((c for c in ("distance_km", "distance_miles") if c in table.header), None)
    to_m = 1000.0 if distance_column == "distance_km" else MILE_IN_M
    collector = _Collector("hevy")

    def read(line: int, row: dict[str, str]) -> None:
        title = row["title"]
        started_at = _datetime(row["start_time"], day_first, "start_time")
        name = row["exercise_title"]
        if not name:
            raise _RowError("the exercise title is empty")
        written_kind = re.sub(r"[\s_-]", "", row.get("set_type", "").lower()) or "normal"
        kind = _HEVY_KINDS.get(written_kind)
        if kind is None:
            raise _RowError(f"set_type '{row['set_type']}' is not normal, warmup, dropset or failure")
        index = _whole(row.get("set_index", ""), "set_index")
        weight = _nonzero(_number(row[weight_column], weight_column))
        distance = _nonzero(_number(row[distance_column], distance_column)) if distance_column else None
        seconds = _nonzero(_number(row.get("duration_seconds", ""), "duration_seconds"))
        done = _set(row, weight, distance, seconds, kind, to_kg, to_m)
        draft, new = collector.workout(title, started_at)
        if new and row.get("end_time"):

            def length() -> int | None:
                ended = _datetime(row["end_time"], day_first, "end_time")
                return max(0, int((ended - started_at).total_seconds()))

            _set_duration(collector, draft, line, length)
        draft.workout.notes = draft.workout.notes or row.get("description") or None
        collector.add(
            draft,
            name,
            done,
            index=index,
            superset=row.get("superset_id") or None,
            notes=row.get("exercise_notes") or None,
        )

    return _read_rows(table, collector, read)


# ---------------------------------------------------------------- either

_PARSERS: dict[str, Callable[..., Parsed]] = {"strong": parse_strong, "hevy": parse_hevy}


def parse(data: bytes, **options: Any) -> Parsed:
    """Detect the app and parse. Options meant for the other app's parser (``weight_unit`` for a
    Hevy file) are dropped, so one form can offer them all; an option no parser knows is an error."""
    known = {name for parser in _PARSERS.values() for name in inspect.signature(parser).parameters}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"parse() got unknown options: {', '.join(unknown)}")
    parser = _PARSERS[detect(data)]
    accepted = inspect.signature(parser).parameters
    return parser(data, **{name: value for name, value in options.items() if name in accepted})
