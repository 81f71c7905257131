"""The demo (``atelier demo``): a coach, an athlete with three months of history, and enough around
them that every page has something to show.

Everything goes through the services the API uses — sessions are planned, started, logged exercise
by exercise, scored and finished like ``atelier session log`` does, so metrics, records and the
Training → Forge sync happen as they always do — and in one transaction: a demo is either all
there or not there at all, so "the demo accounts exist" is the whole idempotency check.

What to build is a pure ``Plan`` (dates, loads, scores) computed from the current time; ``build``
writes it. The history ends today in the athlete's zone: a slot later today is left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import gpxpy
import gpxpy.gpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import service as accounts
from atelier.accounts.models import Role, User
from atelier.accounts.repository import user_by_email
from atelier.accounts.schemas import ProfileIn
from atelier.db import set_rls_context, unit_of_work
from atelier.forge import ledger, recordings
from atelier.forge.models import Activity
from atelier.kit.runtime import Runtime
from atelier.planning import classes, routines
from atelier.planning import service as planning
from atelier.planning.models import Session, Status
from atelier.planning.recurrence import local_instant
from atelier.planning.schemas import RuleIn, SessionIn
from atelier.training import records, results
from atelier.training import service as training
from atelier.training.models import ExerciseStatus, Result
from atelier.wods.repository import by_library_path
from atelier.wods.service import import_library

ZONE = "Europe/Paris"
PASSWORD = "demo-password"
LOGIN_URL = "http://127.0.0.1:8000/login"
COACH = "coach@demo.atelier"
ATHLETE = "athlete@demo.atelier"
FULL_WEEKS = 13  # three months

# The one athlete whose history is built: her maxes are where three months of work took her.
PROFILE: dict[str, Any] = {
    "category": "women",
    "level": "rx",
    "units": "kg",
    "language": "en",
    "timezone": ZONE,
    "bodyweight_kg": 63.5,
    "birth_date": date(1993, 4, 12),
    "resting_hr": 52,
    "max_hr": 189,
    "one_rep_maxes": {"Back squat": 100, "Deadlift": 125, "Bench press": 57.5, "Strict press": 42.5},
}
# Other members of the box, so a leaderboard has rows: (e-mail, name, category, Fran in seconds).
MEMBERS = (
    ("athlete2@demo.atelier", "Léa Bernard", "women", 287.0),
    ("athlete3@demo.atelier", "Hugo Petit", "men", 254.0),
    ("athlete4@demo.atelier", "Inès Moreau", "women", 341.0),
    ("athlete5@demo.atelier", "Lucas Girard", "men", 412.0),
)
EMAILS = (COACH, ATHLETE, *(m[0] for m in MEMBERS))

SQUAT_DAY = "# Squat and bench\n## A\nBack squat 5x5 @ 75%\n## B\nBench press 5x5 @ 75%\n"
PULL_DAY = "# Deadlift and press\n## A\nDeadlift 5x3 @ 80%\n## B\nStrict press 5x5 @ 70%\n"
ROW = "# Row 5k\nFor time\n  5000 m Row\n"
RUN = "# Tempo run\nFor time\n  5 km Run\n"
# The Saturday benchmark, rotating; each comes back every four weeks a little faster.
BENCHMARKS = ("girls/fran", "girls/helen", "girls/cindy", "girls/grace")
UPCOMING_SQUATS = "# Back squat 5x5\nBack squat 5x5 @ 77.5%\n"
ENGINE = "# Engine builder\nEMOM 12\n  12 cal Row\n"
CHIPPER = (
    "# Saturday chipper\nFor time\n  50 Wall ball 9/6 kg\n  40 Box jump 24/20 in\n"
    "  30 Kettlebell swing 24/16 kg\n  20 Burpee\n"
)


@dataclass(frozen=True)
class Workout:
    """One finished session of the history: what was planned, what was logged, how it scored."""

    day: date
    at: time
    minutes: int
    source: str | None = None
    library: str | None = None  # a library WOD by its path, instead of source
    # Exercise position → the data logged for it; every exercise is marked completed either way.
    logged: dict[int, dict[str, Any]] = field(default_factory=dict)
    score: dict[str, Any] | None = None  # the result, as ``POST /sessions/{id}/result`` takes it


@dataclass(frozen=True)
class Outing:
    """An activity that never was a training session: a manual entry, or a recorded run (GPX)."""

    day: date
    at: time
    minutes: int
    name: str
    kind: str
    distance_m: float | None = None
    rpe: float | None = None
    recorded: bool = False


@dataclass(frozen=True)
class Plan:
    today: date
    workouts: list[Workout]
    outings: list[Outing]

    @property
    def steps(self) -> int:
        """Progress-bar units: accounts, each workout and outing, the members' results, the future."""
        return 1 + len(self.workouts) + len(self.outings) + len(MEMBERS) + 1


@dataclass
class Built:
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, role)
    finished_sessions: int = 0
    results: int = 0
    records: int = 0
    activities: int = 0
    upcoming: int = 0  # planned sessions ahead (the routine's days; a series counts once)


def today_in_zone(now: datetime) -> date:
    return now.astimezone(ZoneInfo(ZONE)).date()


def _kg(value: float, step: float = 2.5) -> float:
    return round(value / step) * step


def _sets(reps: int, count: int, load: float, last_rpe: float) -> dict[str, Any]:
    sets: list[dict[str, Any]] = [{"reps": reps, "load": {"value": load, "unit": "kg"}} for _ in range(count)]
    sets[-1]["rpe"] = last_rpe
    return {"sets": sets}


def _strength(day: date, week: int, squat_day: bool) -> Workout:
    """Linear progression: a little more each week, the last set a touch harder as it climbs."""
    rpe = min(9.0, 7.0 + week * 0.15)
    if squat_day:
        logged = {
            0: _sets(5, 5, _kg(67.5 + 1.25 * week), rpe),
            1: _sets(5, 5, _kg(40 + 0.6 * week, 1.25), rpe),
        }
        return Workout(day, time(18, 30), 65, source=SQUAT_DAY, logged=logged)
    logged = {0: _sets(3, 5, _kg(85 + 1.9 * week), rpe), 1: _sets(5, 5, _kg(27.5 + 0.5 * week, 1.25), rpe)}
    return Workout(day, time(18, 30), 60, source=PULL_DAY, logged=logged)


def _conditioning(day: date, week: int) -> Workout:
    """5 km on the rower (about 23 minutes) or on foot (about 26), a little faster each time."""
    source, seconds = (ROW, 1395 - 6 * week) if week % 2 == 0 else (RUN, 1590 - 8 * week)
    logged = {0: {"distance_m": 5000.0, "time_s": float(seconds), "rpe": 7.0}}
    return Workout(
        day, time(7, 0), seconds // 60 + 15, source=source, logged=logged, score={"time_s": seconds}
    )


def _benchmark(day: date, week: int) -> Workout:
    """The Saturday benchmark: each score better than the last time it came round."""
    path = BENCHMARKS[week % len(BENCHMARKS)]
    turn = week // len(BENCHMARKS)
    scores: dict[str, dict[str, Any]] = {
        "girls/fran": {"time_s": 372 - 24 * turn},
        "girls/helen": {"time_s": 745 - 28 * turn},
        "girls/cindy": {"rounds": 15 + turn, "reps": (3 + 7 * turn) % 30},
        "girls/grace": {"time_s": 248 - 19 * turn},
    }
    return Workout(day, time(10, 0), 45, library=path, logged={0: {"rpe": 9.0}}, score=scores[path])


def plan_for(now: datetime, weeks: int = FULL_WEEKS) -> Plan:
    """The history of ``weeks`` weeks ending today: Monday and Thursday strength, a Tuesday row or run
    three weeks in four, a Saturday benchmark; a Wednesday bike commute, and on Sundays either a
    recorded long run or yoga."""
    today = today_in_zone(now)
    first_monday = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    workouts: list[Workout] = []
    outings: list[Outing] = []
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        workouts.append(_strength(monday, week, squat_day=True))
        if week % 4 != 3:
            workouts.append(_conditioning(monday + timedelta(days=1), week))
        workouts.append(_strength(monday + timedelta(days=3), week, squat_day=False))
        workouts.append(_benchmark(monday + timedelta(days=5), week))
        outings.append(
            Outing(monday + timedelta(days=2), time(8, 10), 28, "Bike commute", "cycling", 9_400, 4)
        )
        sunday = monday + timedelta(days=6)
        if week % 2 == 0:
            km = 10 + week // 2
            minutes = round(km * 5.6)
            outings.append(
                Outing(sunday, time(9, 0), minutes, "Sunday long run", "running", km * 1000.0, 6, True)
            )
        else:
            outings.append(Outing(sunday, time(17, 30), 50, "Yoga flow", "other", None, 3))

    def over(day: date, at: time, minutes: int) -> bool:
        ends = datetime.combine(day, at, ZoneInfo(ZONE)) + timedelta(minutes=minutes)
        return ends <= now

    return Plan(
        today=today,
        workouts=[w for w in workouts if over(w.day, w.at, w.minutes)],
        outings=[o for o in outings if over(o.day, o.at, o.minutes)],
    )


def gpx_run(started: datetime, minutes: int, distance_m: float, max_hr: int) -> bytes:
    """A GPX track of a steady run due north from Paris, a point every 5 s, heart rate drifting up
    from an easy 70 % to 85 % of max (Garmin's TrackPointExtension, as a watch writes it)."""
    tpx = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Atelier demo"
    gpx.nsmap["gpxtpx"] = tpx
    track = gpxpy.gpx.GPXTrack(name="Sunday long run")
    track.type = "running"  # type: ignore[assignment]  # gpxpy annotates the field as always None
    gpx.tracks.append(track)
    segment = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(segment)
    points = minutes * 12 + 1
    metres_per_degree = 111_195.0
    step = distance_m / (points - 1) / metres_per_degree
    for i in range(points):
        point = gpxpy.gpx.GPXTrackPoint(
            round(48.8566 + i * step, 7), 2.3522, elevation=35.0, time=started + timedelta(seconds=5 * i)
        )
        extension = ET.Element(f"{{{tpx}}}TrackPointExtension")
        ET.SubElement(extension, f"{{{tpx}}}hr").text = str(round(max_hr * (0.70 + 0.15 * i / points)))
        point.extensions.append(extension)
        segment.points.append(point)
    return gpx.to_xml().encode()


# --- writing -----------------------------------------------------------------------------------


async def has_users(runtime: Runtime) -> bool:
    """Whether anyone has an account (``users`` has no row policy: any context may count them)."""
    async with unit_of_work(runtime.sessions, system=True) as session:
        return bool(await session.scalar(select(func.count()).select_from(User)))


async def _exists(session: AsyncSession) -> bool:
    for email in EMAILS:
        if await user_by_email(session, email) is not None:
            return True
    return False


async def exists(runtime: Runtime) -> bool:
    """Whether any demo account is there (then ``build`` writes nothing)."""
    async with unit_of_work(runtime.sessions, system=True) as session:
        return await _exists(session)


async def build(runtime: Runtime, plan: Plan, *, tick: Callable[[], None] | None = None) -> Built | None:
    """Write the demo; None (and nothing written) when any demo account already exists."""
    advance = tick or (lambda: None)
    async with unit_of_work(runtime.sessions, system=True) as session:
        if await _exists(session):
            return None
        await import_library(session, runtime)
        built = Built()
        coach, athlete, members = await _accounts(session, runtime, built)
        advance()
        for workout in plan.workouts:
            await _finish(session, runtime, athlete, workout)
            advance()
        for outing in plan.outings:
            await _outing(session, athlete, outing)
            advance()
        for member, (_, _, _, seconds) in zip(members, MEMBERS, strict=True):
            fran = Workout(
                plan.today - timedelta(days=9),
                time(18, 0),
                30,
                library="girls/fran",
                score={"time_s": seconds},
            )
            await _finish(session, runtime, member, fran)
            advance()
        await _ahead(session, runtime, plan.today, coach, athlete, members, built)
        advance()
        await _count(session, athlete, built)
        return built


async def _as(session: AsyncSession, user: User) -> None:
    """Act as ``user`` for what follows (PostgreSQL's row policies; nothing on SQLite)."""
    await set_rls_context(session, user_id=user.id)


async def _accounts(session: AsyncSession, runtime: Runtime, built: Built) -> tuple[User, User, list[User]]:
    async def person(email: str, name: str, role: Role, profile: dict[str, Any]) -> User:
        user = await accounts.register(session, runtime, email=email, password=PASSWORD, name=name, role=role)
        await accounts.update_profile(session, user, ProfileIn.model_validate(profile))
        built.accounts.append((email, role.value))
        return user

    coach = await person(COACH, "Coach Marc Dubois", Role.coach, {"timezone": ZONE, "units": "kg"})
    athlete = await person(ATHLETE, "Camille Laurent", Role.athlete, PROFILE)
    members = [
        await person(email, name, Role.athlete, {"timezone": ZONE, "category": category})
        for email, name, category, _ in MEMBERS
    ]
    for member in (athlete, *members):
        await _as(session, coach)
        link = await accounts.invite(session, coach, member.email)
        await _as(session, member)
        await accounts.accept(session, member, link.id)
    return coach, athlete, members


async def _library_wod(session: AsyncSession, path: str) -> uuid.UUID:

    wod = await by_library_path(session, path)
    assert wod is not None, f"{path} is in WODCraft's library"
    return wod.id


async def _finish(session: AsyncSession, runtime: Runtime, athlete: User, workout: Workout) -> None:
    """Plan, start, log, score and finish one session, then give it the time it really happened."""
    await _as(session, athlete)
    wod_id = await _library_wod(session, workout.library) if workout.library else None
    planned = await planning.create(
        session,
        runtime,
        athlete,
        SessionIn(source=workout.source, wod_id=wod_id, date=workout.day, time=workout.at),
    )
    await planning.act(session, runtime, athlete, planned.id, "start")
    view = await training.progress_view(session, athlete, planned.id)
    for exercise in view.exercises:
        data = workout.logged.get(exercise.position, {})
        change = training.ExerciseSave(
            version=exercise.version,
            status=ExerciseStatus.completed,
            notes=None,
            media=None,
            data=data,
            correction=False,
            fields={"status", "data"} if data else {"status"},
        )
        await training.save_exercise(session, athlete, planned.id, exercise.position, change)
    if workout.score is not None:
        await results.record(
            session, runtime, athlete, planned.id, results.ResultIn.model_validate(workout.score)
        )
    else:
        await planning.act(session, runtime, athlete, planned.id, "complete")
    started = local_instant(workout.day, workout.at, planned.timezone)
    await training.backfill_times(session, planned, started, workout.minutes * 60)


async def _outing(session: AsyncSession, athlete: User, outing: Outing) -> None:
    """A manual entry, or a recorded run imported as its watch file (a wearable activity)."""
    await _as(session, athlete)
    if outing.recorded:
        started = datetime.combine(outing.day, outing.at, ZoneInfo(ZONE)).astimezone(UTC)
        data = gpx_run(started, outing.minutes, outing.distance_m or 0.0, PROFILE["max_hr"])
        await recordings.import_file(session, athlete.id, data, f"run-{outing.day.isoformat()}.gpx")
        return
    entry = ledger.ManualEntry(
        name=outing.name,
        activity_type=outing.kind,
        activity_date=outing.day,
        duration_minutes=outing.minutes,
        start_time=outing.at,
        rpe=outing.rpe,
        distance_m=outing.distance_m,
    )
    await ledger.create_manual(session, athlete, entry)


async def _ahead(
    session: AsyncSession,
    runtime: Runtime,
    today: date,
    coach: User,
    athlete: User,
    members: list[User],
    built: Built,
) -> None:
    """What the coach prepared: a squat series and a four-week routine from next Monday, and a class
    tomorrow evening that the athlete and two members booked."""
    monday = today + timedelta(days=7 - today.weekday())
    await _as(session, coach)
    weekly = RuleIn(freq="weekly", by_weekday=["MO", "TH"], count=16)
    series = SessionIn(
        source=UPCOMING_SQUATS, date=monday, time=time(18, 30), repeat=weekly, athlete_id=athlete.id
    )
    await planning.create(session, runtime, coach, series)
    days = [
        routines.DayPlan(week=week, weekday=weekday, source=source, time=at)
        for week in range(1, 5)
        for weekday, source, at in (("WE", ENGINE, time(7, 0)), ("SA", CHIPPER, time(10, 0)))
    ]
    routine, version = await routines.create_routine(
        session,
        runtime,
        coach,
        title="Engine and grit",
        description="Four weeks of aerobic EMOMs and Saturday chippers, alongside the squat cycle.",
        weeks=4,
        days=days,
    )
    assigned = await routines.assign(
        session,
        runtime,
        coach,
        routine.id,
        version.version,
        athlete_id=athlete.id,
        start_date=monday,
        timezone=None,
    )
    built.upcoming = 1 + assigned.sessions_created
    evening = classes.NewClass(
        date=today + timedelta(days=1),
        time=time(18, 0),
        capacity=12,
        wod_id=await _library_wod(session, "girls/helen"),
        title="Evening class: Helen",
        location="Atelier box, main floor",
        tracks=("RX", "SCALED"),
    )
    made = await classes.create(session, runtime, coach, evening)
    for member, track in ((athlete, "RX"), (members[0], "RX"), (members[2], "SCALED")):
        await _as(session, member)
        await classes.book(session, member, made.row.id, track)


async def _count(session: AsyncSession, athlete: User, built: Built) -> None:
    """The summary, read back from what was written."""
    await set_rls_context(session, user_id=None, system=True)
    built.finished_sessions = int(
        await session.scalar(
            select(func.count())
            .select_from(Session)
            .where(Session.athlete_id == athlete.id, Session.status == Status.completed)
        )
        or 0
    )
    built.results = int(await session.scalar(select(func.count()).select_from(Result)) or 0)
    built.activities = int(
        await session.scalar(select(func.count()).select_from(Activity).where(Activity.user_id == athlete.id))
        or 0
    )
    book = records.book_of(
        await records.history(session, athlete.id), await records.results(session, athlete.id)
    )
    built.records = len(book.current)
