"""Readiness 0–100 for today (seed 004, ``getTodayContext().readinessScore``), every part explained.

Seed 004 asks for an overall score that is a weighted mean of recovery (hours since the last
session), energy (the wearable's effort score) and consistency (streak and sessions per week). No
published model covers this combination, so the formulas below are Atelier's own, kept simple
enough that each component's sentence lets the athlete redo the arithmetic. They are a nudge, not
a measurement: nothing here is validated against injury or performance data. Pure: the caller
passes ``now`` and ``today`` (in the athlete's zone).

* **Recovery.** A session needs more time the heavier it was: ``needed = 12 h + load / 20 h``
  with load in session-RPE AU (Foster, see ``atelier.forge.load``), capped at 72 h; score =
  ``100 × min(1, hours since it ended / needed)``. A 60-minute session at RPE 7 (420 AU) needs
  33 h; the cap is reached at 1,200 AU. A session with no recorded load is counted as 60 minutes
  at the default RPE 5 (300 AU), and the sentence says so. No session at all scores 100 (nothing
  to recover from). An end time after ``now`` (a device clock ahead) counts as 0 hours.
* **Energy.** A hard recent effort still weighs on the body and fades over a day or two:
  ``score = 100 − effort × e^(−hours / 24)``, with effort the last recording's 0–100 score and
  hours since it was recorded (the weight halves every 24 × ln 2 ≈ 16.6 h). Without a recording
  in the last 72 h (or one without an effort score) energy is unknown: its score is None and the
  overall weights are renormalised over the known components.
* **Consistency.** Over the last 28 days (today included), training days per week =
  days with a finished session / 4, against a target of 3–5: below 3 the score is
  ``100 × per_week / 3``, from 3 to 5 it is 100, above 5 it loses 20 points per extra day a week.
  A streak (consecutive training days ending today, or yesterday when today has none) of 6 days
  or more means no rest day: it costs 15 points per day beyond 5.
* **Overall** = ``Σ weight × score / Σ weight`` over the known components, weights recovery 0.45,
  energy 0.25, consistency 0.30 (recovery matters most for deciding today's session), computed
  from the rounded component scores so the shown numbers add up. Label: ``"ready"`` from 70,
  ``"moderate"`` from 40, ``"low"`` below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from atelier.forge.load import DEFAULT_RPE, LANGUAGES, number, session_load

RECOVERY_BASE_HOURS = 12.0
AU_PER_RECOVERY_HOUR = 20.0
RECOVERY_CAP_HOURS = 72.0
UNKNOWN_SESSION_MINUTES = 60.0
UNKNOWN_SESSION_LOAD = session_load(None, UNKNOWN_SESSION_MINUTES)  # 300 AU
ENERGY_WINDOW_HOURS = 72.0
ENERGY_DECAY_HOURS = 24.0
CONSISTENCY_DAYS = 28
TARGET_LOW = 3.0  # training days a week
TARGET_HIGH = 5.0
POINTS_PER_EXTRA_DAY = 20.0
STREAK_LIMIT = 6  # this many training days in a row without rest starts to cost points
POINTS_PER_STREAK_DAY = 15.0
WEIGHTS = {"recovery": 0.45, "energy": 0.25, "consistency": 0.30}
READY_FROM = 70
MODERATE_FROM = 40

Label = Literal["ready", "moderate", "low"]


@dataclass(frozen=True)
class ReadinessInput:
    """What readiness is computed from; datetimes must be timezone-aware, ``today`` in the user's zone."""

    now: datetime
    today: date
    last_session_end: datetime | None = None
    last_session_load: float | None = None  # session-RPE AU
    last_recording_effort: int | None = None  # 0–100
    last_recording_at: datetime | None = None
    session_days: list[date] = field(default_factory=list)  # days with a finished session
    language: str = "en"


@dataclass(frozen=True)
class Component:
    """One part of readiness: its score (None when unknown) and the sentence behind it."""

    score: int | None
    explanation: str


@dataclass(frozen=True)
class Readiness:
    """The overall score, its label, the components, the weights actually used and a summary."""

    overall: int
    label: Label
    components: dict[str, Component]
    weights: dict[str, float]
    summary: str


def assess(data: ReadinessInput) -> Readiness:
    """Readiness for ``data.today``: recovery, energy and consistency, weighted into 0–100."""
    _check(data)
    components = {
        "recovery": _recovery(data),
        "energy": _energy(data),
        "consistency": _consistency(data),
    }
    known = {name: WEIGHTS[name] for name, part in components.items() if part.score is not None}
    total_weight = sum(known.values())
    weights = {name: weight / total_weight for name, weight in known.items()}
    overall = _round(sum(weights[name] * (components[name].score or 0) for name in weights))
    label: Label = "ready" if overall >= READY_FROM else "moderate" if overall >= MODERATE_FROM else "low"
    return Readiness(
        overall=overall,
        label=label,
        components=components,
        weights=weights,
        summary=_summary(overall, label, components, data.language),
    )


def recovery_hours(load: float) -> float:
    """Hours a session of ``load`` AU needs: 12 h + load / 20 h, at most 72 h."""
    return min(RECOVERY_CAP_HOURS, RECOVERY_BASE_HOURS + load / AU_PER_RECOVERY_HOUR)


def _check(data: ReadinessInput) -> None:
    if data.language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)} (got {data.language!r})")
    for name in ("now", "last_session_end", "last_recording_at"):
        moment = getattr(data, name)
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware (got {moment})")
    if data.last_session_load is not None and not (
        math.isfinite(data.last_session_load) and data.last_session_load >= 0
    ):
        raise ValueError(
            f"last_session_load must be a finite number of AU, 0 or more ({data.last_session_load})"
        )
    if data.last_recording_effort is not None and not 0 <= data.last_recording_effort <= 100:
        raise ValueError(f"last_recording_effort is a 0–100 score (got {data.last_recording_effort})")


def _round(value: float) -> int:
    """Half up (Python's round() sends 72.5 to 72)."""
    return math.floor(round(value, 9) + 0.5)  # round(…, 9) first: 9.4999999999 is 9.5 in disguise


def _hours_since(now: datetime, moment: datetime) -> float:
    return max(0.0, (now - moment).total_seconds() / 3600)


def _recovery(data: ReadinessInput) -> Component:
    fr = data.language == "fr"
    if data.last_session_end is None:
        if fr:
            return Component(
                100, "Aucune séance terminée enregistrée : rien à récupérer, vous partez reposé."
            )
        return Component(100, "No finished session on record, so there is nothing to recover from.")
    hours = _hours_since(data.now, data.last_session_end)
    load = UNKNOWN_SESSION_LOAD if data.last_session_load is None else data.last_session_load
    needed = recovery_hours(load)
    score = _round(100 * min(1.0, hours / needed))
    since, need = _duration(hours, data.language), _duration(needed, data.language)
    au = number(load, data.language)
    if data.last_session_load is None:
        minutes, rpe = number(UNKNOWN_SESSION_MINUTES, data.language), number(DEFAULT_RPE, data.language)
        what = (
            f"charge non enregistrée, comptée {au} UA : {minutes} min à RPE {rpe}"
            if fr
            else f"load not recorded, counted as {au} AU: {minutes} min at RPE {rpe}"
        )
    else:
        what = f"charge {au} UA" if fr else f"load {au} AU"
    if fr:
        return Component(
            score,
            f"Votre dernière séance remonte à {since} ({what}) ; "
            f"une séance de cette charge demande environ {need} de récupération.",
        )
    return Component(
        score,
        f"It has been {since} since your last session ({what}); "
        f"a session of that load needs about {need} to recover.",
    )


def _energy(data: ReadinessInput) -> Component:
    fr = data.language == "fr"
    window = number(ENERGY_WINDOW_HOURS, data.language)
    if data.last_recording_at is None:
        if fr:
            return Component(
                None,
                f"Aucun enregistrement d'objet connecté sur les {window} dernières heures : "
                "énergie inconnue, laissée hors du score global.",
            )
        return Component(
            None,
            f"No wearable recording in the last {window} hours, so energy is unknown "
            "and left out of the overall score.",
        )
    hours = _hours_since(data.now, data.last_recording_at)
    ago = _duration(hours, data.language)
    if hours > ENERGY_WINDOW_HOURS:
        if fr:
            return Component(
                None,
                f"Votre dernier enregistrement date de {ago}, au-delà de {window} heures : "
                "énergie inconnue, laissée hors du score global.",
            )
        return Component(
            None,
            f"Your last wearable recording was {ago} ago, beyond the {window}-hour window, "
            "so energy is unknown and left out of the overall score.",
        )
    if data.last_recording_effort is None:
        if fr:
            return Component(
                None,
                f"Votre dernier enregistrement (il y a {ago}) n'a pas de score d'effort : "
                "énergie inconnue, laissée hors du score global.",
            )
        return Component(
            None,
            f"Your last wearable recording ({ago} ago) has no effort score, so energy is unknown "
            "and left out of the overall score.",
        )
    effort = data.last_recording_effort
    weighing = effort * math.exp(-hours / ENERGY_DECAY_HOURS)
    score = _round(100 - weighing)
    left = number(weighing, data.language)
    if fr:
        return Component(
            score,
            f"Votre dernier enregistrement, il y a {ago}, avait un effort de {effort}/100 ; "
            f"après ce délai, environ {left} de ces {effort} points pèsent encore sur votre énergie.",
        )
    return Component(
        score,
        f"Your last wearable recording, {ago} ago, had an effort score of {effort}/100; "
        f"after that long about {left} of those {effort} points still weigh on your energy.",
    )


def _streak(days: set[date], today: date) -> tuple[int, date | None]:
    """Consecutive training days ending today, or yesterday when today has none, and that end."""
    end = today if today in days else today - timedelta(days=1)
    if end not in days:
        return 0, None
    streak = 0
    while end - timedelta(days=streak) in days:
        streak += 1
    return streak, end


def _consistency(data: ReadinessInput) -> Component:
    start = data.today - timedelta(days=CONSISTENCY_DAYS - 1)
    days = {day for day in data.session_days if start <= day <= data.today}
    per_week = len(days) / (CONSISTENCY_DAYS / 7)
    if per_week < TARGET_LOW:
        frequency = 100 * per_week / TARGET_LOW
    elif per_week <= TARGET_HIGH:
        frequency = 100.0
    else:
        frequency = 100 - POINTS_PER_EXTRA_DAY * (per_week - TARGET_HIGH)
    streak, end = _streak(days, data.today)
    penalty = POINTS_PER_STREAK_DAY * (streak - (STREAK_LIMIT - 1)) if streak >= STREAK_LIMIT else 0.0
    score = _round(max(0.0, frequency - penalty))

    language = data.language
    count, weekly = len(days), number(per_week, language, 1)
    low, high = number(TARGET_LOW, language), number(TARGET_HIGH, language)
    cost = number(penalty, language)
    until_en, until_fr = ("today", "aujourd'hui") if end == data.today else ("yesterday", "hier")
    if language == "fr":
        head = (
            f"Vous vous êtes entraîné {count} jour{'s' if count > 1 else ''} "
            f"sur les {CONSISTENCY_DAYS} derniers "
            f"({weekly} par semaine, objectif {low}–{high})"
        )
        if streak == 0:
            tail = ", aucun aujourd'hui ni hier."
        elif penalty:
            tail = f", dont les {streak} derniers d'affilée sans jour de repos, ce qui coûte {cost} points."
        elif streak == 1:
            tail = f", le dernier {until_fr}."
        else:
            tail = f", dont {streak} d'affilée jusqu'à {until_fr}."
        return Component(score, head + tail)
    head = (
        f"You trained on {count} of the last {CONSISTENCY_DAYS} days ({weekly} a week, target {low}–{high})"
    )
    if streak == 0:
        tail = ", none of them today or yesterday."
    elif penalty:
        tail = f", the last {streak} in a row without a rest day, which costs {cost} points."
    elif streak == 1:
        tail = f", the last one {until_en}."
    else:
        tail = f", {streak} in a row up to {until_en}."
    return Component(score, head + tail)


def _duration(hours: float, language: str) -> str:
    """Whole minutes under an hour, whole hours up to four days, then whole days: '45 minutes',
    '1 hour', '33 hours', '12 days'."""
    if hours < 1:
        minutes = _round(hours * 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if hours >= 96:
        days = _round(hours / 24)
        return f"{number(days, language)} {'jours' if language == 'fr' else 'days'}"
    whole = _round(hours)
    if language == "fr":
        return f"{whole} heure{'s' if whole != 1 else ''}"
    return f"{whole} hour{'s' if whole != 1 else ''}"


def _summary(overall: int, label: Label, components: dict[str, Component], language: str) -> str:
    names = {
        "en": {"recovery": "recovery", "energy": "energy", "consistency": "consistency"},
        "fr": {"recovery": "récupération", "energy": "énergie", "consistency": "régularité"},
    }[language]
    labels = {
        "en": {"ready": "ready", "moderate": "moderate", "low": "low"},
        "fr": {"ready": "bonne", "moderate": "moyenne", "low": "faible"},
    }[language]
    unknown = "inconnue" if language == "fr" else "unknown"
    parts = ", ".join(
        f"{names[name]} {part.score if part.score is not None else unknown}"
        for name, part in components.items()
    )
    if language == "fr":
        return f"Forme {overall}/100 ({labels[label]}) : {parts}."
    return f"Readiness {overall}/100 ({labels[label]}): {parts}."
