"""Moving in from a wger server: its REST API read into the same dataclasses as the CSV imports.

wger (https://github.com/wger-project/wger) is self-hosted, so the user gives a server URL and
an API token; we only read. What the API looks like, checked in wger's source
(``wger/manager/api/serializers.py``, ``wger/manager/models/log.py``, ``wger/manager/consts.py``,
``wger/exercises/api/serializers.py``) and wger's front-end constants:

* Authentication is the header ``Authorization: Token <key>``; lists are paginated as
  ``{"count", "next", "previous", "results"}`` and ``next`` is followed until it is null.
* ``/api/v2/workoutsession/``: ``id``, ``date`` (``YYYY-MM-DD``), ``notes``, ``time_start``,
  ``time_end`` (``HH:MM[:SS]`` or null), plus routine/day/impression we do not need.
* ``/api/v2/workoutlog/``, current servers: ``id`` (a UUID since 2.4), ``date`` (an ISO
  datetime), ``session`` (id or null), ``exercise``, ``repetitions``, ``repetitions_unit``,
  ``weight``, ``weight_unit``, ``rir`` — decimals arrive as strings (``"82.50"``). Older servers
  wrote ``reps``, ``repetition_unit`` and ``exercise_base``, had a plain date and no ``session``
  (a log belonged to the session of its date). Both spellings are read.
* Units (``wger/manager/consts.py``): weight 1 = kg, 2 = lb (other ids such as body weight or
  plates carry no load and give no weight); repetitions 1 = repetitions, 2 = until failure,
  3 = seconds, 4 = minutes, 5 = miles, 6 = kilometres, 7 = max reps, 8 = metres.
* Names: ``/api/v2/exerciseinfo/{id}/`` has ``translations`` (each with ``name`` and
  ``language``; 2 is English). Servers that still log ``exercise_base`` serve the same thing at
  ``/api/v2/exercisebaseinfo/{id}/`` with the list called ``exercises``. Each name is fetched once.

Grouping: logs with a session become that session's workout (``wger:<session id>``); logs
without one join the session of their date when there is exactly one, else form a workout per
calendar date (``wger:<date>``). RiR is turned into RPE as ``10 - RiR``, the usual RIR-based
RPE scale.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from atelier.portability.foreign import (
    LB_IN_KG,
    MILE_IN_M,
    ForeignExercise,
    ForeignSet,
    ForeignWorkout,
    Parsed,
    Skipped,
)

ENGLISH = 2
WEIGHT_FACTORS = {1: 1.0, 2: LB_IN_KG}
REPETITIONS, UNTIL_FAILURE, SECONDS, MINUTES, MILES, KILOMETRES, MAX_REPS, METRES = range(1, 9)


class WgerError(Exception):
    """The server could not be read at all; the message says why in one line."""


class _LogError(ValueError):
    """One log entry cannot be used; the message is the reason shown to the user."""


@dataclass(frozen=True)
class _Log:
    """One usable log entry, before grouping."""

    ident: str
    when: datetime
    has_time: bool
    session: str | None
    exercise: int
    info_path: str
    done: ForeignSet


class _Api:
    """GETs against one server with the token, turning every failure into a ``WgerError``."""

    def __init__(self, http: httpx.AsyncClient, root: str, token: str, timeout: float) -> None:
        self.http, self.root, self.timeout = http, root, timeout
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    async def get(self, url: str, *, missing_ok: bool = False) -> Any:
        try:
            response = await self.http.get(url, headers=self.headers, timeout=self.timeout)
        except httpx.TransportError as error:
            raise WgerError(
                f"cannot reach wger at {self.root}: {str(error) or type(error).__name__}"
            ) from error
        if response.status_code in (401, 403):
            raise WgerError(f"wger refused the token ({response.status_code})")
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code >= 400:
            raise WgerError(f"wger answered {response.status_code} for {url}")
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise WgerError(
                f"wger at {self.root} did not answer with JSON ({kind}) for {url}; is the URL the server's?"
            ) from None

    async def all(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paginated list, following ``next``."""
        items: list[dict[str, Any]] = []
        url: str | None = f"{self.root}/api/v2/{path}/?limit=100"
        while url:
            page = await self.get(url)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise WgerError(f"wger answered {url} with something that is not a paginated list")
            items.extend(item for item in page["results"] if isinstance(item, dict))
            url = page.get("next") or None
        return items


def _decimal(value: object, what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _LogError(f"{what} '{value}' is not a number") from None
    if not number.is_finite():
        raise _LogError(f"{what} '{value}' is not a number")
    if number < 0:
        raise _LogError(f"{what} '{value}' is negative")
    return number


def _when(value: object) -> tuple[datetime, bool]:
    """The log's wall-clock time and whether it had a time at all (old servers: a plain date)."""
    text = str(value or "")
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time()), False
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None), True
    except ValueError:
        raise _LogError(f"date '{text}' is not a date") from None


def _unit(log: dict[str, Any], *names: str, default: int) -> int:
    value = next((log[name] for name in names if name in log), default)
    return default if value is None else int(value)


def _read_log(log: dict[str, Any]) -> _Log:
    """One log entry in SI units; ``_LogError`` says why it cannot be used."""
    when, has_time = _when(log.get("date"))
    exercise = log.get("exercise", log.get("exercise_base"))
    if not isinstance(exercise, int):
        raise _LogError("it names no exercise")
    info_path = "exerciseinfo" if "exercise" in log else "exercisebaseinfo"
    amount = _decimal(log.get("repetitions", log.get("reps")), "repetitions")
    weight = _decimal(log.get("weight"), "weight")
    rir = _decimal(log.get("rir"), "rir")
    if amount is None and weight is None:
        raise _LogError("it has neither repetitions nor weight")
    weight_factor = WEIGHT_FACTORS.get(_unit(log, "weight_unit", default=1))
    unit = _unit(log, "repetitions_unit", "repetition_unit", default=REPETITIONS)
    reps: int | None = None
    distance_m: float | None = None
    seconds: float | None = None
    kind = "normal"
    if amount is not None:
        if unit in (REPETITIONS, UNTIL_FAILURE, MAX_REPS):
            if amount != amount.to_integral_value():
                raise _LogError(f"repetitions '{log.get('repetitions', log.get('reps'))}' is not whole")
            reps = int(amount)
            kind = "failure" if unit == UNTIL_FAILURE else "normal"
        elif unit in (SECONDS, MINUTES):
            seconds = float(amount) * (60 if unit == MINUTES else 1)
        elif unit in (MILES, KILOMETRES, METRES):
            distance_m = float(amount) * {MILES: MILE_IN_M, KILOMETRES: 1000.0, METRES: 1.0}[unit]
        else:
            raise _LogError(f"repetition unit {unit} is not one this importer knows")
    done = ForeignSet(
        reps=reps,
        weight_kg=float(weight) * weight_factor if weight and weight_factor else None,
        distance_m=distance_m or None,
        seconds=seconds or None,
        rpe=float(10 - rir) if rir is not None else None,
        kind=kind,
    )
    session = log.get("session")
    return _Log(
        ident=str(log.get("id")),
        when=when,
        has_time=has_time,
        session=str(session) if session is not None else None,
        exercise=exercise,
        info_path=info_path,
        done=done,
    )


def _name(info: Any, exercise: int) -> str:
    """The English name, else the first translation's, else a placeholder naming the id."""
    if isinstance(info, dict):
        translations = info.get("translations", info.get("exercises"))
        if isinstance(translations, list):
            named = [t for t in translations if isinstance(t, dict) and str(t.get("name") or "").strip()]
            english = [t for t in named if t.get("language") == ENGLISH]
            if english or named:
                return str((english or named)[0]["name"]).strip()
        if str(info.get("name") or "").strip():
            return str(info["name"]).strip()
    return f"wger exercise {exercise}"


def _clock(value: object) -> time | None:
    try:
        return time.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _order(log: _Log) -> tuple[datetime, int, str]:
    """Time, then id: integer ids (old servers) by value, UUID7 ids (new) sort by creation."""
    return (log.when, int(log.ident) if log.ident.isdigit() else 0, log.ident)


async def fetch_wger(
    base_url: str,
    token: str,
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = 20.0,  # noqa: ASYNC109 (httpx's per-request timeout, not a deadline for the fetch)
) -> Parsed:
    """Every workout session and set log of the token's user on a wger server.

    ``base_url`` is the server (``https://wger.example``); a URL ending in ``/api/v2`` works too.
    Pass ``client`` to reuse a connection pool; otherwise one is opened and closed here."""
    root = base_url.rstrip("/").removesuffix("/api/v2").rstrip("/")
    http = client or httpx.AsyncClient()
    try:
        api = _Api(http, root, token, timeout)
        sessions = await api.all("workoutsession")
        raw_logs = await api.all("workoutlog")
        skipped: list[Skipped] = []
        logs: list[_Log] = []
        for raw in raw_logs:
            try:
                logs.append(_read_log(raw))
            except _LogError as error:
                skipped.append(Skipped(None, f"log {raw.get('id')}: {error}"))
        names: dict[int, str] = {}
        for log in logs:
            if log.exercise not in names:
                info = await api.get(f"{root}/api/v2/{log.info_path}/{log.exercise}/", missing_ok=True)
                names[log.exercise] = _name(info, log.exercise)
    finally:
        if client is None:
            await http.aclose()
    return Parsed("wger", _workouts(sessions, logs, names, skipped), skipped)


def _workouts(
    sessions: list[dict[str, Any]], logs: list[_Log], names: dict[int, str], skipped: list[Skipped]
) -> list[ForeignWorkout]:
    by_id: dict[str, dict[str, Any]] = {}
    by_date: dict[date, list[str]] = defaultdict(list)
    for session in sessions:
        try:
            day = date.fromisoformat(str(session.get("date")))
        except ValueError:
            skipped.append(
                Skipped(None, f"session {session.get('id')}: date '{session.get('date')}' is not a date")
            )
            continue
        ident = str(session.get("id"))
        by_id[ident] = {**session, "date": day}
        by_date[day].append(ident)

    grouped: dict[str, list[_Log]] = defaultdict(list)
    for log in sorted(logs, key=_order):
        if log.session in by_id:
            grouped[log.session].append(log)
        elif len(by_date.get(log.when.date(), [])) == 1:
            grouped[by_date[log.when.date()][0]].append(log)
        else:
            grouped[log.when.date().isoformat()].append(log)

    for ident, session in by_id.items():
        if not grouped.get(ident):
            skipped.append(Skipped(None, f"session {ident} on {session['date']}: it has no logged sets"))
    workouts = [_workout(group, members, by_id.get(group), names) for group, members in grouped.items()]
    return sorted(workouts, key=lambda workout: workout.started_at)


def _workout(
    group: str, members: list[_Log], session: dict[str, Any] | None, names: dict[int, str]
) -> ForeignWorkout:
    """One workout from its logs (in time order) and its session, if it has one. The session's
    start time wins; without it the first log's time stands in (midnight on old servers)."""
    first = members[0]
    day = session["date"] if session else first.when.date()
    start_clock = _clock(session.get("time_start")) if session else None
    end_clock = _clock(session.get("time_end")) if session else None
    started_at = datetime.combine(day, start_clock or (first.when.time() if first.has_time else time()))
    duration: int | None = None
    if start_clock is not None and end_clock is not None:
        ended = datetime.combine(day, end_clock)
        if ended < started_at:  # the session ran past midnight
            ended += timedelta(days=1)
        duration = int((ended - started_at).total_seconds())
    exercises: dict[str, ForeignExercise] = {}
    for log in members:
        name = names[log.exercise]
        exercises.setdefault(name, ForeignExercise(name=name, sets=[])).sets.append(log.done)
    notes = str(session.get("notes") or "").strip() if session else ""
    return ForeignWorkout(
        key=f"wger:{group}",
        title="wger workout",
        started_at=started_at,
        duration_seconds=duration,
        notes=notes or None,
        exercises=list(exercises.values()),
    )
