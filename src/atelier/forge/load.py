"""Training load: session-RPE, the EWMA acute:chronic ratio, weekly monotony and strain.

A load number alone says little; what hurts athletes is load they are not used to, and weeks
without easy days. This module turns logged sessions into both signals, with every figure and
threshold visible so an athlete or coach can check the arithmetic. It is pure: no database, no
clock — the caller passes the entries and the dates.

Formulas (``shared/SCIENCE.md``, "HR zones / load"):

* **Session-RPE** (Foster et al. 2001, J Strength Cond Res 15:109–115): load = RPE on the CR-10
  scale × minutes, in arbitrary units (AU). A session logged without an RPE is counted at
  ``DEFAULT_RPE`` = 5, the middle of the scale (Foster's wording for 5 is "hard"), so an unrated
  session is never silently counted as easy; ``LoadEntry.assumed_rpe`` records that it was guessed.
* **EWMA acute:chronic workload ratio** (Williams et al. 2017, Br J Sports Med 51:209–210):
  ``λ = 2 / (N + 1)``, N = 7 days (acute, λ = 0.25) and 28 days (chronic, λ = 2/29 ≈ 0.069);
  ``EWMA_today = load_today × λ + (1 − λ) × EWMA_yesterday``. Both averages start at 0 on the day
  before ``history_start`` — the athlete's first day of data, not the first day shown — so the
  same day always gets the same numbers whatever window is displayed. Days without a session
  count as load 0. The ratio is acute / chronic; it is None before the 28th day of history
  (the chronic average has not seen 28 days yet) and when the chronic average is 0.
* **Flags on the ratio**: above 1.5 ``"high"`` (a spike: Gabbett 2016, Br J Sports Med 50:273–280,
  calls it the danger zone), above 1.3 ``"elevated"``, below 0.8 ``"low"`` (detraining). The
  0.8–1.3 "sweet spot" between them is disputed (Impellizzeri et al. 2020, Int J Sports Physiol
  Perform 15:907–913: the ratio's statistics are fragile and the injury link is not causal), so
  the sentences call it a band often recommended — a guide, not a rule.
* **Monotony and strain** (Foster 1998, Med Sci Sports Exerc 30:1164–1168): over the 7 daily
  loads of a week, monotony = mean / standard deviation (population SD, the 7 days are the whole
  week) and strain = weekly total × monotony. Flags: monotony above 2.0 (hard and easy days too
  alike), strain above 6,000.

Weeks are ISO weeks, Monday to Sunday, so a weekly view lines up with a calendar and a week's
numbers do not change from one day to the next. A week still running on ``last`` (it ends after
``last``) reports its total, mean and SD over the days elapsed, and no monotony or strain: Foster's
numbers are defined on 7 days. SD = 0 has two cases: an all-zero week has no monotony (None) and
strain 0; a week with the same non-zero load every day has unbounded monotony — reported as None
with the ``"monotony"`` flag and a note saying why — and no strain figure (None).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

DEFAULT_RPE = 5.0  # CR-10 value assumed when a session has no RPE (see the module docstring)
ACUTE_DAYS = 7
CHRONIC_DAYS = 28
ACUTE_LAMBDA = 2 / (ACUTE_DAYS + 1)  # 0.25
CHRONIC_LAMBDA = 2 / (CHRONIC_DAYS + 1)  # ≈ 0.069
HIGH_RATIO = 1.5
ELEVATED_RATIO = 1.3
LOW_RATIO = 0.8
MONOTONY_LIMIT = 2.0
STRAIN_LIMIT = 6000.0
LANGUAGES = ("en", "fr")

Flag = Literal["high", "elevated", "low"]
WeekFlag = Literal["monotony", "strain"]


@dataclass(frozen=True)
class LoadEntry:
    """One session's load (AU) on the day it was done; ``assumed_rpe`` when its RPE was guessed."""

    day: date
    load: float
    assumed_rpe: bool = False


@dataclass(frozen=True)
class DayLoad:
    """The summed load of one day, how many sessions made it and how many had a guessed RPE."""

    day: date
    load: float
    sessions: int
    assumed_rpe: int


@dataclass(frozen=True)
class DayReport:
    """One day: its load, the acute and chronic EWMAs (AU/day), their ratio and its flag."""

    day: date
    load: float
    acute: float
    chronic: float
    ratio: float | None
    flag: Flag | None


@dataclass(frozen=True)
class WeekReport:
    """One ISO week (``start`` is its Monday): Foster's monotony and strain, flags and notes."""

    start: date
    days: int  # days counted: 7, fewer for the week still running on ``last``
    total: float
    mean: float
    sd: float
    monotony: float | None
    strain: float | None
    complete: bool
    flags: tuple[WeekFlag, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class CurrentLoad:
    """The state on ``last``; ``warning`` repeats ``explanation`` when the ratio is flagged."""

    day: date
    last_7_days: float
    acute: float
    chronic: float
    ratio: float | None
    flag: Flag | None
    explanation: str
    warning: str | None


@dataclass(frozen=True)
class LoadReport:
    """Daily and weekly load from ``first`` to ``last``, and where the athlete stands on ``last``."""

    days: list[DayReport]
    weeks: list[WeekReport]
    current: CurrentLoad
    language: str


def session_load(rpe: float | None, minutes: float) -> float:
    """Foster's session-RPE load in AU: RPE (CR-10, ``DEFAULT_RPE`` when None) × minutes."""
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"minutes must be a finite number, 0 or more (got {minutes})")
    if rpe is None:
        return DEFAULT_RPE * minutes
    if not math.isfinite(rpe) or not 0 <= rpe <= 10:
        raise ValueError(f"RPE is on the CR-10 scale, 0 to 10 (got {rpe})")
    return rpe * minutes


def load_entry(day: date, rpe: float | None, minutes: float) -> LoadEntry:
    """A session's ``LoadEntry``, marked ``assumed_rpe`` when it had no RPE."""
    return LoadEntry(day=day, load=session_load(rpe, minutes), assumed_rpe=rpe is None)


def daily_loads(entries: Iterable[LoadEntry], first: date, last: date) -> list[DayLoad]:
    """Loads summed per day from ``first`` to ``last`` inclusive; days without a session are 0."""
    if first > last:
        raise ValueError(f"first ({first}) is after last ({last})")
    span = (last - first).days + 1
    loads = [0.0] * span
    sessions = [0] * span
    assumed = [0] * span
    for entry in entries:
        if not first <= entry.day <= last:
            continue
        index = (entry.day - first).days
        loads[index] += entry.load
        sessions[index] += 1
        assumed[index] += entry.assumed_rpe
    return [
        DayLoad(day=first + timedelta(days=i), load=loads[i], sessions=sessions[i], assumed_rpe=assumed[i])
        for i in range(span)
    ]


def ratio_flag(ratio: float | None) -> Flag | None:
    """``"high"`` above 1.5, ``"elevated"`` above 1.3, ``"low"`` below 0.8, else None."""
    if ratio is None:
        return None
    if ratio > HIGH_RATIO:
        return "high"
    if ratio > ELEVATED_RATIO:
        return "elevated"
    if ratio < LOW_RATIO:
        return "low"
    return None


def number(value: float, language: str, decimals: int = 0) -> str:
    """``value`` written for ``language``: 3,150.5 in English, 3 150,5 in French (narrow spaces).

    Halves round up, as people do by hand (format() would round 0.25 to 0.2 and 2.75 to 2.8).
    """
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}"
    if language == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def report(
    entries: Iterable[LoadEntry],
    *,
    history_start: date,
    first: date,
    last: date,
    language: str = "en",
) -> LoadReport:
    """Daily EWMAs and ratio, ISO-week monotony and strain, and the current state, in EN or FR.

    ``entries`` must hold every session since ``history_start`` (the EWMAs run from there), and
    may hold more: sessions after ``last`` are ignored.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)} (got {language!r})")
    if first > last:
        raise ValueError(f"first ({first}) is after last ({last})")
    entries = list(entries)
    early = [entry.day for entry in entries if entry.day < history_start]
    if early:
        raise ValueError(f"an entry on {min(early)} is before history_start ({history_start})")

    # Loads from the earlier of history_start and the Monday of first's ISO week, up to last.
    week_start = first - timedelta(days=first.weekday())
    origin = min(history_start, week_start)
    loads = {day.day: day.load for day in daily_loads(entries, origin, last)}

    days: list[DayReport] = []
    acute = chronic = 0.0
    day = history_start
    while day <= last:
        load = loads[day]
        acute = load * ACUTE_LAMBDA + (1 - ACUTE_LAMBDA) * acute
        chronic = load * CHRONIC_LAMBDA + (1 - CHRONIC_LAMBDA) * chronic
        if day >= first:
            ratio = _ratio(acute, chronic, (day - history_start).days + 1)
            days.append(DayReport(day, load, acute, chronic, ratio, ratio_flag(ratio)))
        day += timedelta(days=1)
    before = [
        DayReport(first + timedelta(days=i), 0.0, 0.0, 0.0, None, None)
        for i in range((min(history_start, last + timedelta(days=1)) - first).days)
    ]
    days = before + days

    weeks = [_week(monday, loads, last, language) for monday in _mondays(week_start, last)]
    return LoadReport(
        days=days,
        weeks=weeks,
        current=_current(days[-1], loads, history_start, language),
        language=language,
    )


def _ratio(acute: float, chronic: float, days_of_history: int) -> float | None:
    if days_of_history < CHRONIC_DAYS or chronic == 0:
        return None
    return acute / chronic


def _mondays(week_start: date, last: date) -> list[date]:
    return [week_start + timedelta(weeks=i) for i in range((last - week_start).days // 7 + 1)]


def _week(monday: date, loads: dict[date, float], last: date, language: str) -> WeekReport:
    values = [loads[monday + timedelta(days=i)] for i in range(7) if monday + timedelta(days=i) <= last]
    total = sum(values)
    mean = total / len(values)
    sd = math.sqrt(sum((value - mean) ** 2 for value in values) / len(values))
    complete = len(values) == 7
    monotony: float | None = None
    strain: float | None = None
    flags: list[WeekFlag] = []
    notes: list[str] = []
    if complete and sd > 0:
        monotony = mean / sd
        strain = total * monotony
        if monotony > MONOTONY_LIMIT:
            flags.append("monotony")
            notes.append(_monotony_note(monday, monotony, language))
        if strain > STRAIN_LIMIT:
            flags.append("strain")
            notes.append(_strain_note(monday, strain, total, monotony, language))
    elif complete and total == 0:
        strain = 0.0
    elif complete:
        flags.append("monotony")
        notes.append(_same_every_day_note(monday, mean, language))
    return WeekReport(
        start=monday,
        days=len(values),
        total=total,
        mean=mean,
        sd=sd,
        monotony=monotony,
        strain=strain,
        complete=complete,
        flags=tuple(flags),
        notes=tuple(notes),
    )


def _monotony_note(monday: date, monotony: float, language: str) -> str:
    value, limit = number(monotony, language, 2), number(MONOTONY_LIMIT, language, 1)
    if language == "fr":
        return (
            f"Semaine du {monday.isoformat()} : monotonie {value} (au-dessus de {limit}) — "
            "trop peu d'écart entre jours durs et jours faciles."
        )
    return (
        f"Week of {monday.isoformat()}: monotony {value} (over {limit}) — "
        "too little difference between hard and easy days."
    )


def _strain_note(monday: date, strain: float, total: float, monotony: float, language: str) -> str:
    value, limit = number(strain, language), number(STRAIN_LIMIT, language)
    load, factor = number(total, language), number(monotony, language, 2)
    if language == "fr":
        return (
            f"Semaine du {monday.isoformat()} : contrainte {value} (au-dessus de {limit}), "
            f"soit {load} UA × monotonie {factor}."
        )
    return f"Week of {monday.isoformat()}: strain {value} (over {limit}), from {load} AU × monotony {factor}."


def _same_every_day_note(monday: date, load: float, language: str) -> str:
    value = number(load, language)
    if language == "fr":
        return (
            f"Semaine du {monday.isoformat()} : {value} UA chaque jour — aucun jour plus facile, "
            "la monotonie n'a pas de borne."
        )
    return (
        f"Week of {monday.isoformat()}: the same {value} AU every day — no easier day at all, "
        "so monotony has no upper bound."
    )


def _current(today: DayReport, loads: dict[date, float], history_start: date, language: str) -> CurrentLoad:
    last_7_days = sum(loads.get(today.day - timedelta(days=i), 0.0) for i in range(ACUTE_DAYS))
    days_of_history = max(0, (today.day - history_start).days + 1)
    if today.ratio is not None:
        explanation = _ratio_sentence(last_7_days, today.ratio, today.flag, language)
    elif days_of_history >= CHRONIC_DAYS:
        explanation = _no_load_sentence(days_of_history, language)
    else:
        explanation = _too_early_sentence(last_7_days, days_of_history, language)
    return CurrentLoad(
        day=today.day,
        last_7_days=last_7_days,
        acute=today.acute,
        chronic=today.chronic,
        ratio=today.ratio,
        flag=today.flag,
        explanation=explanation,
        warning=explanation if today.flag is not None else None,
    )


def _ratio_sentence(last_7_days: float, ratio: float, flag: Flag | None, language: str) -> str:
    load, times = number(last_7_days, language), number(ratio, language, 2)
    low, elevated = number(LOW_RATIO, language, 1), number(ELEVATED_RATIO, language, 1)
    high = number(HIGH_RATIO, language, 1)
    if language == "fr":
        head = f"7 derniers jours : {load} UA, {times}× votre moyenne sur 28 jours — "
        band = f"la plage {low}–{elevated} souvent conseillée (un repère discuté, pas une règle)"
        tails = {
            "high": f"bien au-dessus de ce à quoi vous êtes habitué (seuil {high}) ; levez le pied.",
            "elevated": f"au-dessus de {band} ; augmentez plus progressivement.",
            "low": f"en dessous de {band} ; votre charge baisse.",
            None: f"dans {band}.",
        }
        return head + tails[flag]
    head = f"Last 7 days: {load} AU, {times}× your 28-day average — "
    band = f"the {low}–{elevated} band often recommended (a disputed guide, not a rule)"
    tails = {
        "high": f"well above what you are used to (over {high}); ease off.",
        "elevated": f"above {band}; build up more gradually.",
        "low": f"below {band}; your load is falling.",
        None: f"inside {band}.",
    }
    return head + tails[flag]


def _no_load_sentence(days_of_history: int, language: str) -> str:
    if language == "fr":
        return f"Aucune charge sur vos {days_of_history} jours d'historique, donc pas encore de rapport."
    return f"No load in your {days_of_history} days of history, so there is no ratio yet."


def _too_early_sentence(last_7_days: float, days_of_history: int, language: str) -> str:
    load = number(last_7_days, language)
    if language == "fr":
        return (
            f"7 derniers jours : {load} UA ; le rapport à votre moyenne sur {CHRONIC_DAYS} jours demande "
            f"{CHRONIC_DAYS} jours d'historique et vous en avez {days_of_history}."
        )
    return (
        f"Last 7 days: {load} AU; a ratio to your {CHRONIC_DAYS}-day average needs {CHRONIC_DAYS} days "
        f"of history and you have {days_of_history}."
    )
