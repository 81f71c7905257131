"""Training insights (Advice tab) and progression analysis (Progression tab), computed locally.

Seed 004's ``training-insights-generator`` and ``training-progression-analyzer`` asked an LLM; this
module answers the same JSON shapes (``schemas.Insights``, ``schemas.ProgressionContent``) from the
athlete's own sessions, deterministically, in English or French. Every sentence is built from a
computed number, and states it. It is pure: the caller gathers ``AthleteFacts`` (90 days of finished
sessions, oldest first, and ``today``). "Days ago" is ``today − session day``: 0 is today.

Windows and trends (``insights``):

* **Recent vs previous**: the last 4 weeks (0–27 days ago) against the 4 before (28–55 days ago).
* **Volume**: training minutes (Σ duration / 60) and tonnage (Σ ``volume_kg``);
  change = (recent − previous) / previous × 100. ``up`` from +10 %, ``down`` from −10 %, else
  ``stable``. With nothing (under 0.5 min or kg) in the previous 4 weeks the change is reported as
  +100 % (all new); the same rule applies to every change below.
* **Intensity**: mean session RPE (sessions with an RPE) recent vs previous; a change of 0.5
  CR-10 point or more is a trend. ``avgRPE`` is the recent mean, else the 90-day mean, else None.
* **Consistency**: finished / planned × 100 (capped at 100). Without planned sessions: 7-day blocks
  counted back from today, from the block of the first session: blocks with a session / blocks.
  ≥ 80 % is steady, 60–80 % fair, below 60 % low; below 70 % a recommendation is made (high
  priority below 50 %).
* **Load**: the EWMA acute:chronic ratio and flag come from ``forge.load`` (high > 1.5,
  elevated > 1.3, low < 0.8).

Balance (``imbalances``), over the 90 days. A work unit is a logged set, or one per session for a
movement done without logged sets. A movement's primary muscle is the first of its catalog
``muscle_groups`` (the catalog lists ExRx's target muscles first); cardio and mobility movements
are left out. Primary chest, shoulders or triceps = push; lats, biceps or upper back = pull; both,
with forearms and traps, = upper body; quadriceps, hamstrings, glutes, calves, hip flexors or
adductors = lower body; quadriceps = knee-dominant, hamstrings or glutes = hip-dominant. For push vs
pull, lower vs upper and knee vs hip, with at least 6 units on the two sides together, ratio =
larger / smaller: ≥ 1.5 low, ≥ 2 medium, ≥ 3 (or nothing on one side) high severity. Disciplines
(with at least 6 sessions): no endurance or no strength session in 90 days is medium, under 10 %
of the sessions is low.

Weak points, from e1RM (``training.estimates.e1rm``: RTS chart with an RPE, else Epley):

* **Stalls**: best e1RM in the first half of the window (45–89 days ago) vs the second (0–44):
  below −2 % is a drop, below +1 % a stall. The advice is a 3-week block at 80–85 % of the current
  e1RM (sets of 3–5, the RTS chart's RPE 7–9 band for those reps).
* **Ratios** (rules of thumb from strength and weightlifting coaching, not laws): deadlift ≥ 1.1 ×
  back squat; front squat ≥ 0.8 × back squat (commonly 85 %); strict press ≥ 0.6 × bench press
  (commonly 60–65 %); clean ≥ 0.8 × front squat; snatch ≥ 0.75 × clean (commonly 80 %). A lift's
  strength is its best 90-day e1RM, else ``one_rep_maxes``.

Next week: base sessions = round(recent sessions / 4), at least 1; high ACWR −1 (at least 1) and
at least 2 rest days, low ACWR +1 unless consistency is below 60 %. Rest days = 7 − sessions, at
least 1. Intensity split (easy/moderate/hard %) by the main discipline: endurance 80/5/15 (about
Seiler's polarised 80/20, Int J Sports Physiol Perform 2010;5:276–291), functional or competition
40/40/20, strength or calisthenics 30/50/20, mixed 50/35/15; high ACWR moves half the hard share
to easy, elevated ACWR moves 5 points. The main discipline is the one with half the sessions or
more. ``focusAreas`` are the titles of the first 3 recommendations.

Recommendations (3 to 6, high priority first, ids unique and stable): ACWR high →
``reduce-load-spike`` (recovery, high; next week's minutes = 0.8 × the recent weekly average),
elevated → the same id at medium priority (× 0.9), low → ``rebuild-load`` (volume, × 1.1);
consistency below 70 % → ``improve-consistency``; training minutes down 10 % or more (ACWR not
high) → ``restore-volume`` at the previous weekly average; recent RPE ≥ 8 → ``ease-intensity``; no
RPE at all → ``log-rpe``; each imbalance → ``add-…`` (balance, priority = severity; sets to add a
week for 4 weeks = ⌈(major / 1.5 − minor) / 4⌉); each stall → ``break-plateau-<lift>``
(intensity); each lagging ratio → ``bring-up-<lift>`` (technique); each goal not reached →
``goal-<type>`` (medium when more than 10 % away, else low; weekly goals are judged on the last
4 weeks). Under 3, low-priority advice from the same numbers fills in: ``keep-frequency``,
``progress-volume`` (+10 % a week at most), ``plan-rest``.

Progression (``progression``): the period (7, 28 or 91 days) is totalled, then compared with the
previous period of the same length. Facts hold 90 days only, so a quarter cannot be compared with
the quarter before: it is compared half against half (the last 45 days vs the 45 before), and the
advice speaks of the next 45 days. Advice: minutes up 10 % or more → hold the recent minutes,
down 10 % or more → return to the previous period's sessions and minutes, stable → +10 %, high
ACWR → 0.8 × recent minutes; recent RPE ≥ 8 high, ≤ 5 low, between them sustainable; then a lift
whose e1RM fell more than 2 % (80–85 % block), else the best e1RM gain (next target +2.5 %),
else a discipline (endurance, strength) missing from the window, else rest days = 7 − the
training days per week, at least 1. An empty period after older sessions reports the last
session and a restart at the 90-day weekly frequency and median session length.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import mean, median
from typing import Literal

from atelier.coaching.analysis_text import TEXT, N
from atelier.coaching.facts import PERIOD_DAYS, AthleteFacts, Language, LiftFact, Period, SessionFact
from atelier.coaching.schemas import (
    Consistency,
    Imbalance,
    Insights,
    IntensityDistribution,
    IntensityTrend,
    NextWeekFocus,
    ProgressionContent,
    ProgressionTrends,
    Recommendation,
    VolumeTrend,
    WeakPoint,
)
from atelier.forge.load import number
from atelier.training.estimates import e1rm
from atelier.wods.catalog import movement_catalog

Trend = Literal["up", "down", "stable"]
Severity = Literal["low", "medium", "high"]
Category = Literal["volume", "intensity", "recovery", "consistency", "balance", "technique", "goal"]

HISTORY_DAYS = 90
BLOCK = 28  # days in the "last 4 weeks" compared with the 4 before
TREND_PERCENT = 10.0
RPE_STEP = 0.5
CONSISTENCY_GOOD, CONSISTENCY_REC, CONSISTENCY_LOW, CONSISTENCY_HIGH_PRIORITY = 80.0, 70.0, 60.0, 50.0
IMBALANCE_RATIOS: tuple[tuple[float, Severity], ...] = ((3.0, "high"), (2.0, "medium"), (1.5, "low"))
MIN_UNITS = 6
MIN_LOAD_KG = 0.5  # lighter "loads" are bodyweight sets: no e1RM
MIN_SESSIONS = 6
FEW_DAYS = 3  # training days a week under which the advice is to add one, not to rest
MINOR_SHARE = 10.0
DROP_PERCENT, STALL_PERCENT = -2.0, 1.0
# (lift, reference, minimum ratio): the rules of thumb of the module docstring.
STRENGTH_NORMS = (
    ("deadlift", "back_squat", 1.1),
    ("front_squat", "back_squat", 0.8),
    ("strict_press", "bench_press", 0.6),
    ("clean", "front_squat", 0.8),
    ("snatch", "clean", 0.75),
)
SPLITS: dict[str, tuple[int, int, int]] = {
    "endurance": (80, 5, 15),
    "functional": (40, 40, 20),
    "competition": (40, 40, 20),
    "strength": (30, 50, 20),
    "calisthenics": (30, 50, 20),
    "mixed": (50, 35, 15),
}
PUSH, PULL = {"chest", "shoulders", "triceps"}, {"lats", "biceps", "upper_back"}
UPPER = PUSH | PULL | {"forearms", "traps"}
LOWER = {"quadriceps", "hamstrings", "glutes", "calves", "hip_flexors", "adductors"}
PAIRS = (("push_pull", "push", "pull"), ("lower_upper", "lower", "upper"), ("knee_hip", "knee", "hip"))
PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
ADD_IDS = {
    "push": "add-push-volume",
    "pull": "add-pull-volume",
    "lower": "add-lower-body",
    "upper": "add-upper-body",
    "knee": "add-knee-dominant",
    "hip": "add-hip-hinge",
}
# Next week's minutes as a share of the recent weekly average, by ACWR flag.
LOAD_FACTORS = {"high": 0.8, "elevated": 0.9, "low": 1.1}


@dataclass(frozen=True)
class _Stats:
    """Totals of a list of sessions."""

    sessions: int
    minutes: float
    tonnage: float
    rpe: float | None
    disciplines: Counter[str]
    best: dict[str, float]  # best e1RM per movement, kg


@dataclass(frozen=True)
class _Analysis:
    """What ``insights`` computed, shared by the recommendation rules."""

    facts: AthleteFacts
    recent: _Stats
    previous: _Stats
    whole: _Stats
    consistency: float
    sessions_next: int
    rest_days: int

    @property
    def lang(self) -> Language:
        return self.facts.language


# --------------------------------------------------------------------------------------------- text
def _t(lang: Language, key: str, **values: object) -> str:
    return TEXT[lang][key].format(**values)


def _n(value: float, lang: Language, decimals: int = 0) -> str:
    return number(value, lang, decimals)


def _signed(value: float, lang: Language, decimals: int = 0) -> str:
    text = number(value, lang, decimals)
    return text if text.startswith("-") or not text.strip("0,.") else "+" + text


def _pct(value: float, lang: Language, decimals: int = 0, signed: bool = False) -> str:
    text = _signed(value, lang, decimals) if signed else number(value, lang, decimals)
    return text + (f"{N}%" if lang == "fr" else "%")


def _sessions(count: int, lang: Language) -> str:
    return _t(lang, "session_one" if count == 1 else "session_many", count=count)


def _name(movement: str, lang: Language) -> str:
    entry = movement_catalog().get(movement)
    if entry is None:
        return movement.replace("_", " ")
    return entry.name_fr if lang == "fr" else entry.name


def _discipline(discipline: str, lang: Language) -> str:
    return TEXT[lang].get(f"discipline.{discipline}", discipline)


def _mix(stats: _Stats, lang: Language) -> str:
    """The two main disciplines with their share of the sessions: "strength (60%) and ..."."""
    top = [
        f"{_discipline(d, lang)} ({_pct(k / stats.sessions * 100, lang)})"
        for d, k in stats.disciplines.most_common(2)
    ]
    return TEXT[lang]["and"].join(top)


# ------------------------------------------------------------------------------------------ numbers
def _between(facts: AthleteFacts, start: int, end: int) -> list[SessionFact]:
    """Sessions done from ``start`` to ``end`` − 1 days ago."""
    return [s for s in facts.sessions if start <= (facts.today - s.day).days < end]


def _set_e1rm(lift: LiftFact) -> float | None:
    if lift.reps < 1 or not math.isfinite(lift.load_kg) or lift.load_kg < MIN_LOAD_KG:
        return None
    rpe = lift.rpe if lift.rpe is not None and 0 <= lift.rpe <= 10 else None
    return e1rm(lift.load_kg, lift.reps, rpe)


def _stats(sessions: Sequence[SessionFact]) -> _Stats:
    rpes = [s.rpe for s in sessions if s.rpe is not None]
    best: dict[str, float] = {}
    for lift in (lift for s in sessions for lift in s.lifts):
        value = _set_e1rm(lift)
        if value is not None and value > best.get(lift.movement, 0.0):
            best[lift.movement] = value
    return _Stats(
        sessions=len(sessions),
        minutes=sum(s.duration_seconds for s in sessions) / 60,
        tonnage=sum(s.volume_kg for s in sessions),
        rpe=mean(rpes) if rpes else None,
        disciplines=Counter(s.discipline for s in sessions),
        best=best,
    )


def _change(recent: float, previous: float) -> float:
    """(recent − previous) / previous × 100; +100 when only the recent side has any (≥ 0.5)."""
    if previous < 0.5:
        return 100.0 if recent > 0 else 0.0
    return (recent - previous) / previous * 100


def _trend(change: float, step: float = TREND_PERCENT) -> Trend:
    return "up" if change >= step else "down" if change <= -step else "stable"


def _weekly_blocks(facts: AthleteFacts) -> tuple[int, int]:
    """(7-day blocks with a session, blocks since the first session's), counted back from today."""
    blocks = {(facts.today - s.day).days // 7 for s in facts.sessions}
    return len(blocks), max(blocks) + 1


def _sides(movement: str) -> set[str]:
    """The balance sides a movement counts for, from its primary muscle (module docstring)."""
    entry = movement_catalog().get(movement)
    if entry is None or entry.category in ("cardio", "mobility") or not entry.muscle_groups:
        return set()
    primary = entry.muscle_groups[0]
    sides = {"push"} if primary in PUSH else {"pull"} if primary in PULL else set()
    if primary in UPPER:
        sides.add("upper")
    if primary in LOWER:
        sides.add("lower")
        sides |= (
            {"knee"} if primary == "quadriceps" else {"hip"} if primary in ("hamstrings", "glutes") else set()
        )
    return sides


def _units(sessions: Iterable[SessionFact]) -> Counter[str]:
    """Work units per balance side: logged sets, or 1 per session for a movement without sets."""
    units: Counter[str] = Counter()
    for session in sessions:
        logged = Counter(lift.movement for lift in session.lifts)
        logged.update({m: 1 for m in set(session.movements) if m not in logged})
        for movement, count in logged.items():
            units.update({side: count for side in _sides(movement)})
    return units


def _severity(major: int, minor: int) -> Severity | None:
    if minor == 0:
        return "high"
    return next((level for ratio, level in IMBALANCE_RATIOS if major / minor >= ratio), None)


# ------------------------------------------------------------------------------------------- trends
def _volume(recent: _Stats, previous: _Stats, lang: Language) -> tuple[VolumeTrend, str]:
    """The volume trend and its first sentence (minutes), which the summary repeats."""
    change = _change(recent.minutes, previous.minutes)
    trend = _trend(change)
    key = "volume.new" if previous.minutes <= 0 < recent.minutes else f"volume.{trend}"
    values = {"recent": _n(recent.minutes, lang), "previous": _n(previous.minutes, lang)}
    sentence = _t(lang, key, pct=_pct(abs(change), lang, 1), **values)
    comment = sentence
    if recent.tonnage > 0 or previous.tonnage > 0:
        tonnage = {"recent": _n(recent.tonnage, lang), "previous": _n(previous.tonnage, lang)}
        change_t = _pct(_change(recent.tonnage, previous.tonnage), lang, 1, signed=True)
        comment += " " + _t(lang, "tonnage", pct=change_t, **tonnage)
    return VolumeTrend(trend=trend, percentage=round(change, 1), comment=comment), sentence


def _intensity(recent: _Stats, previous: _Stats, whole: _Stats, lang: Language) -> IntensityTrend:
    if recent.rpe is not None and previous.rpe is not None:
        diff = recent.rpe - previous.rpe
        values = {"recent": _n(recent.rpe, lang, 1), "previous": _n(previous.rpe, lang, 1)}
        comment = _t(lang, "rpe.both", diff=_signed(diff, lang, 1), **values)
        return IntensityTrend(trend=_trend(diff, RPE_STEP), avgRPE=round(recent.rpe, 1), comment=comment)
    if recent.rpe is not None:
        comment = _t(lang, "rpe.recent", recent=_n(recent.rpe, lang, 1))
        return IntensityTrend(trend="stable", avgRPE=round(recent.rpe, 1), comment=comment)
    if whole.rpe is not None:
        comment = _t(lang, "rpe.old", average=_n(whole.rpe, lang, 1))
        return IntensityTrend(trend="stable", avgRPE=round(whole.rpe, 1), comment=comment)
    comment = _t(lang, "rpe.none", sessions=_sessions(whole.sessions, lang))
    return IntensityTrend(trend="stable", avgRPE=None, comment=comment)


def _consistency(facts: AthleteFacts) -> tuple[float, str, str]:
    """The consistency percentage, the sentence stating how it was counted, and the verdict."""
    lang, done = facts.language, len(facts.sessions)
    if facts.planned > 0:
        percent = min(100.0, done / facts.planned * 100)
        text = _t(lang, "consistency.planned", done=done, planned=facts.planned, pct=_pct(percent, lang))
    else:
        weeks, total = _weekly_blocks(facts)
        percent = weeks / total * 100
        text = _t(lang, "consistency.weeks", weeks=weeks, total=total, pct=_pct(percent, lang))
    verdict = "good" if percent >= CONSISTENCY_GOOD else "fair" if percent >= CONSISTENCY_LOW else "low"
    return percent, text, _t(lang, f"consistency.{verdict}")


# ------------------------------------------------------------------------------- balance and lifts
def _rec(
    lang: Language,
    key: str,
    category: Category,
    priority: Severity,
    values: Mapping[str, object],
    rec_id: str = "",
) -> Recommendation:
    return Recommendation(
        id=rec_id or key,
        title=_t(lang, f"rec.{key}.title", **values),
        description=_t(lang, f"rec.{key}", **values),
        category=category,
        priority=priority,
        actionable=True,
    )


Finding = tuple[Imbalance, Recommendation]


def _side_imbalances(facts: AthleteFacts) -> list[Finding]:
    lang, units, found = facts.language, _units(facts.sessions), []
    for kind, first, second in PAIRS:
        major, minor = (first, second) if units[first] >= units[second] else (second, first)
        severity = _severity(units[major], units[minor])
        if units[first] + units[second] < MIN_UNITS or severity is None:
            continue
        values = {
            "major": _t(lang, f"side.{major}"),
            "minor": _t(lang, f"side.{minor}"),
            "major_units": units[major],
            "minor_units": units[minor],
            "ratio": _n(units[major] / max(units[minor], 1), lang, 1),
            # Sets to add each week, for 4 weeks, to bring the ratio under 1.5:1.
            "per_week": max(1, math.ceil((units[major] / 1.5 - units[minor]) / 4)),
        }
        text = _t(lang, "imbalance.ratio" if units[minor] else "imbalance.none", **values)
        rec = _rec(lang, "add-side", "balance", severity, values, ADD_IDS[minor])
        found.append((Imbalance(type=kind, description=text, severity=severity), rec))
    return found


def _discipline_imbalances(facts: AthleteFacts, whole: _Stats) -> list[Finding]:
    lang, found = facts.language, []
    typical = median(s.duration_seconds for s in facts.sessions) / 60
    for discipline in ("endurance", "strength"):
        share = whole.disciplines[discipline] / whole.sessions * 100
        if whole.sessions < MIN_SESSIONS or share >= MINOR_SHARE:
            continue
        severity: Severity = "medium" if share == 0 else "low"
        values = {
            "discipline": _discipline(discipline, lang),
            "count": whole.disciplines[discipline],
            "sessions": _sessions(whole.sessions, lang),
            "pct": _pct(share, lang),
            "minutes": _n(max(20.0, typical), lang),
        }
        text = _t(lang, "imbalance.discipline_none" if share == 0 else "imbalance.discipline_low", **values)
        rec = _rec(lang, "add-discipline", "balance", severity, values, f"add-{discipline}")
        found.append((Imbalance(type=f"discipline_{discipline}", description=text, severity=severity), rec))
    return found


def _block(e1rm_kg: float, lang: Language) -> dict[str, str]:
    """80–85 % of an e1RM: the working range of the advice (module docstring)."""
    return {"low": _n(e1rm_kg * 0.8, lang, 1), "high": _n(e1rm_kg * 0.85, lang, 1)}


def _stalls(facts: AthleteFacts) -> list[tuple[WeakPoint, Recommendation]]:
    lang, half = facts.language, HISTORY_DAYS // 2
    before, after = _stats(_between(facts, half, HISTORY_DAYS)).best, _stats(_between(facts, 0, half)).best
    found = []
    for movement in sorted(before.keys() & after.keys()):
        change = _change(after[movement], before[movement])
        if change >= STALL_PERCENT:
            continue
        values = {
            "name": _name(movement, lang),
            "before": _n(before[movement], lang, 1),
            "after": _n(after[movement], lang, 1),
            "pct": _pct(change, lang, 1, signed=True),
            **_block(after[movement], lang),
        }
        advice = _t(lang, "weak.stall_advice", **values)
        issue = _t(lang, "weak.dropped" if change < DROP_PERCENT else "weak.stalled", **values)
        rec = _rec(
            lang,
            "break-plateau",
            "intensity",
            "medium",
            {**values, "advice": advice},
            f"break-plateau-{movement}",
        )
        found.append((WeakPoint(exercise=values["name"], issue=issue, recommendation=advice), rec))
    return found


def _lagging(facts: AthleteFacts, whole: _Stats) -> list[tuple[WeakPoint, Recommendation]]:
    lang, found = facts.language, []
    strength = {**facts.one_rep_maxes, **whole.best}
    for lift, reference, norm in STRENGTH_NORMS:
        if strength.get(lift, 0) <= 0 or strength.get(reference, 0) <= 0:
            continue
        ratio = strength[lift] / strength[reference]
        if ratio >= norm:
            continue
        values = {
            "name": _name(lift, lang),
            "ref": _name(reference, lang),
            "value": _n(strength[lift], lang, 1),
            "ref_value": _n(strength[reference], lang, 1),
            "ratio": _n(ratio, lang, 2),
            "norm": _n(norm, lang, 2),
            "target": _n(strength[reference] * norm, lang, 1),
            **_block(strength[lift], lang),
        }
        advice = _t(lang, "weak.ratio_advice", **values)
        rec = _rec(lang, "bring-up", "technique", "medium", {**values, "advice": advice}, f"bring-up-{lift}")
        found.append(
            (
                WeakPoint(
                    exercise=values["name"], issue=_t(lang, "weak.ratio", **values), recommendation=advice
                ),
                rec,
            )
        )
    return found


# -------------------------------------------------------------------------------- recommendations
def _load_recs(a: _Analysis) -> list[Recommendation]:
    """High ACWR: recovery (high priority), elevated: recovery (medium), low: rebuild volume."""
    flag, lang = a.facts.acwr_flag, a.lang
    if a.facts.acwr is None or flag not in LOAD_FACTORS:
        return []
    weekly = a.recent.minutes / 4
    values = {
        "acwr": _n(a.facts.acwr, lang, 2),
        "sessions": _sessions(a.sessions_next, lang),
        "minutes": _n(weekly * LOAD_FACTORS[flag], lang),
        "average": _n(weekly, lang),
    }
    if flag == "low":
        return [_rec(lang, "rebuild-load", "volume", "medium", values)]
    priority: Severity = "high" if flag == "high" else "medium"
    return [_rec(lang, f"reduce-load-{flag}", "recovery", priority, values, "reduce-load-spike")]


def _habit_recs(a: _Analysis) -> list[Recommendation]:
    """Consistency under 70 %, volume down 10 % or more, recent RPE ≥ 8, or no RPE at all."""
    lang, recs = a.lang, []
    if a.consistency < CONSISTENCY_REC:
        priority: Severity = "high" if a.consistency < CONSISTENCY_HIGH_PRIORITY else "medium"
        values = {"pct": _pct(a.consistency, lang), "sessions": _sessions(a.sessions_next, lang)}
        recs.append(_rec(lang, "improve-consistency", "consistency", priority, values))
    change = _change(a.recent.minutes, a.previous.minutes)
    if change <= -TREND_PERCENT and a.facts.acwr_flag != "high":
        values = {"pct": _pct(-change, lang, 1), "minutes": _n(a.previous.minutes / 4, lang)}
        recs.append(_rec(lang, "restore-volume", "volume", "medium", values))
    if a.recent.rpe is not None and a.recent.rpe >= 8:
        values = {"rpe": _n(a.recent.rpe, lang, 1), "sessions": _sessions(a.sessions_next, lang)}
        recs.append(_rec(lang, "ease-intensity", "intensity", "medium", values))
    elif a.whole.rpe is None:
        recs.append(
            _rec(lang, "log-rpe", "intensity", "low", {"sessions": _sessions(a.whole.sessions, lang)})
        )
    return recs


def _goal_recs(a: _Analysis) -> list[Recommendation]:
    """A goal not reached yet: medium priority when more than 10 % away, else low."""
    lang, recs = a.lang, []
    weekly = {"sessions_per_week": a.recent.sessions / 4, "training_minutes_per_week": a.recent.minutes / 4}
    for goal in a.facts.goals:
        if goal.goal_type == "movement_1rm":
            current = a.whole.best.get(goal.movement or "") or a.facts.one_rep_maxes.get(goal.movement or "")
            current = current or goal.current
        else:
            current = weekly.get(goal.goal_type, goal.current)
        if f"rec.goal-{goal.goal_type}" not in TEXT[lang] or not current or not 0 < current < goal.target:
            continue
        values = {
            "target": _n(goal.target, lang, 1 if goal.goal_type == "movement_1rm" else 0),
            "current": _n(current, lang, 1),
            "gap": _n(goal.target - current, lang, 1),
            "name": _name(goal.movement or "", lang),
            **_block(current, lang),
        }
        priority: Severity = "medium" if (goal.target - current) / goal.target > 0.1 else "low"
        rec_id = "-".join(filter(None, ("goal", goal.goal_type, goal.movement)))
        recs.append(_rec(lang, f"goal-{goal.goal_type}", "goal", priority, values, rec_id))
    return recs


def _filler_recs(a: _Analysis) -> list[Recommendation]:
    """Low-priority, number-driven advice that tops the list up to 3."""
    lang, weekly = a.lang, a.recent.minutes / 4
    values = {
        "frequency": _n(a.recent.sessions / 4, lang, 1),
        "sessions": _sessions(a.sessions_next, lang),
        "average": _n(weekly, lang),
        "target": _n(weekly * 1.1, lang),
        "rest": a.rest_days,
    }
    return [
        _rec(lang, "keep-frequency", "consistency", "low", values),
        _rec(lang, "progress-volume", "volume", "low", values),
        _rec(lang, "plan-rest", "recovery", "low", values),
    ]


def _recommendations(a: _Analysis, found: list[Recommendation]) -> list[Recommendation]:
    """3 to 6 recommendations, most urgent first (stable order within a priority), unique ids."""
    chosen: dict[str, Recommendation] = {}
    for rec in sorted(
        [*_load_recs(a), *_habit_recs(a), *found, *_goal_recs(a)], key=lambda r: PRIORITY_ORDER[r.priority]
    ):
        chosen.setdefault(rec.id, rec)
    for rec in _filler_recs(a):
        if len(chosen) < 3:
            chosen.setdefault(rec.id, rec)
    return list(chosen.values())[:6]


# --------------------------------------------------------------------------------------- next week
def _plan(facts: AthleteFacts, recent: _Stats, consistency: float) -> tuple[int, int]:
    """(sessions, rest days) for next week, from the recent frequency and the ACWR flag."""
    sessions = max(1, math.floor(recent.sessions / 4 + 0.5))
    if facts.acwr_flag == "high":
        sessions = max(1, sessions - 1)
    elif facts.acwr_flag == "low" and consistency >= CONSISTENCY_LOW:
        sessions += 1
    sessions = min(sessions, 12)
    return sessions, min(7, max(2 if facts.acwr_flag == "high" else 1, 7 - sessions))


def _split(facts: AthleteFacts, whole: _Stats) -> IntensityDistribution:
    top, count = whole.disciplines.most_common(1)[0]
    easy, moderate, hard = SPLITS[top if count / whole.sessions >= 0.5 and top in SPLITS else "mixed"]
    shift = hard // 2 if facts.acwr_flag == "high" else 5 if facts.acwr_flag == "elevated" else 0
    return IntensityDistribution(easy=easy + shift, moderate=moderate, hard=hard - shift)


# ------------------------------------------------------------------------------------------ insights
STARTER_RECS: tuple[tuple[str, Category, Severity], ...] = (
    ("first-session", "consistency", "high"),
    ("log-rpe", "intensity", "low"),
    ("set-goal", "goal", "low"),
)


def starter_insights(language: Language) -> Insights:
    """The seed's "starter message" for an athlete without any finished session.

    With no data there is nothing to compute: the welcome, empty findings, and a first week of
    2 sessions, 5 rest days and a mostly easy 60/30/10 split, the gentlest of the splits above.
    """
    none = _t(language, "starter.none")
    return Insights(
        summary=_t(language, "starter"),
        progressionTrends=ProgressionTrends(
            volume=VolumeTrend(trend="stable", percentage=0.0, comment=none),
            intensity=IntensityTrend(trend="stable", avgRPE=None, comment=_t(language, "starter.rpe")),
            consistency=Consistency(percentage=0.0, comment=none),
        ),
        imbalances=[],
        weakPoints=[],
        recommendations=[
            Recommendation(
                id=key,
                title=_t(language, f"starter.{key}.title"),
                description=_t(language, f"starter.{key}"),
                category=category,
                priority=priority,
                actionable=True,
            )
            for key, category, priority in STARTER_RECS
        ],
        nextWeekFocus=NextWeekFocus(
            suggestedSessions=2,
            focusAreas=[_t(language, "starter.first-session.title")],
            intensityDistribution=IntensityDistribution(easy=60, moderate=30, hard=10),
            restDaysRecommended=5,
        ),
    )


def insights(facts: AthleteFacts) -> Insights:
    """The Advice tab from ``facts.sessions`` (the last 90 days); the starter without sessions."""
    if not facts.sessions:
        return starter_insights(facts.language)
    lang, whole = facts.language, _stats(facts.sessions)
    recent, previous = _stats(_between(facts, 0, BLOCK)), _stats(_between(facts, BLOCK, 2 * BLOCK))
    consistency, counted, verdict = _consistency(facts)
    sessions_next, rest_days = _plan(facts, recent, consistency)
    analysis = _Analysis(facts, recent, previous, whole, consistency, sessions_next, rest_days)
    balance = _side_imbalances(facts) + _discipline_imbalances(facts, whole)
    weak = _stalls(facts) + _lagging(facts, whole)
    recommendations = _recommendations(analysis, [rec for _, rec in balance + weak])
    volume, volume_sentence = _volume(recent, previous, lang)
    if facts.acwr is not None and facts.acwr_flag in LOAD_FACTORS:
        headline = _t(lang, f"acwr.{facts.acwr_flag}", acwr=_n(facts.acwr, lang, 2))
    else:
        headline = counted
    opening = _t(
        lang,
        "summary",
        sessions=_sessions(whole.sessions, lang),
        hours=_n(whole.minutes / 60, lang, 1),
        mix=_mix(whole, lang),
    )
    return Insights(
        summary=" ".join((opening, volume_sentence, headline)),
        progressionTrends=ProgressionTrends(
            volume=volume,
            intensity=_intensity(recent, previous, whole, lang),
            consistency=Consistency(percentage=round(consistency, 1), comment=f"{counted} {verdict}"),
        ),
        imbalances=[imbalance for imbalance, _ in balance],
        weakPoints=[point for point, _ in weak],
        recommendations=recommendations,
        nextWeekFocus=NextWeekFocus(
            suggestedSessions=sessions_next,
            focusAreas=[rec.title for rec in recommendations[:3]],
            intensityDistribution=_split(facts, whole),
            restDaysRecommended=rest_days,
        ),
    )


# --------------------------------------------------------------------------------------- progression
def starter_progression(language: Language) -> ProgressionContent:
    """The Progression tab's starter message for an athlete without any finished session."""
    return ProgressionContent(
        paragraph1=_t(language, "starter"),
        paragraph2=_t(language, "starter.progression"),
        recommendations=[_t(language, f"starter.{key}.title") for key, _, _ in STARTER_RECS],
    )


def _windows(period: Period) -> tuple[int, int]:
    """(period days, comparison days): the period, or half the history when 2 periods exceed it."""
    days = PERIOD_DAYS[period]
    return days, days if 2 * days <= HISTORY_DAYS else HISTORY_DAYS // 2


def _lift_changes(recent: _Stats, before: _Stats) -> dict[str, float]:
    """e1RM change in kg for each movement with an estimate in both windows."""
    return {m: recent.best[m] - before.best[m] for m in sorted(recent.best.keys() & before.best.keys())}


def _details(total: _Stats, recent: _Stats, before: _Stats, lang: Language) -> str:
    """Discipline mix, RPE and best e1RM gains, as one sentence."""
    parts = [_t(lang, "prog.mix", mix=_mix(total, lang))]
    if recent.rpe is None:
        parts.append(_t(lang, "prog.norpe"))
    else:
        earlier = _t(lang, "prog.rpe_before", rpe=_n(before.rpe, lang, 1)) if before.rpe is not None else ""
        parts.append(_t(lang, "prog.rpe", rpe=_n(recent.rpe, lang, 1)) + earlier)
    changes = _lift_changes(recent, before)
    gains = sorted((m for m in changes if changes[m] > 0), key=lambda m: -changes[m])[:3]
    if gains:
        lifts = ", ".join(
            f"{_name(m, lang)} {_n(recent.best[m], lang, 1)} kg ({_signed(changes[m], lang, 1)} kg)"
            for m in gains
        )
        parts.append(_t(lang, "prog.gains", lifts=lifts))
    elif changes:
        parts.append(_t(lang, "prog.nogains", count=len(changes)))
    return TEXT[lang]["sep"].join(parts) + "."


def _volume_advice(facts: AthleteFacts, recent: _Stats, before: _Stats, span: int) -> tuple[str, str]:
    """Hold at −20 % on a high ACWR, consolidate after a rise, restore after a fall, else +10 %."""
    lang, change = facts.language, _change(recent.minutes, before.minutes)
    key, minutes, sessions = f"prog.volume.{_trend(change)}", recent.minutes * 1.1, recent.sessions
    if before.minutes <= 0:
        key, minutes = "prog.volume.new", recent.minutes
    elif facts.acwr_flag == "high" and facts.acwr is not None:
        key, minutes = "prog.volume.spike", recent.minutes * 0.8
    elif key == "prog.volume.up":
        minutes = recent.minutes
    elif key == "prog.volume.down":
        minutes, sessions = before.minutes, before.sessions
    values = {
        "pct": _pct(change, lang, 1, signed=True),
        "acwr": _n(facts.acwr or 0.0, lang, 2),
        "minutes": _n(minutes, lang),
        "sessions": _sessions(max(1, sessions), lang),
        "span": span,
    }
    return _t(lang, key, **values), _t(lang, "prog.short.volume", **values)


def _rpe_advice(recent: _Stats, lang: Language) -> tuple[str, str]:
    """RPE ≥ 8 is high, ≤ 5 low, between them sustainable; none logged asks for it."""
    rpe = recent.rpe
    level = "none" if rpe is None else "high" if rpe >= 8 else "low" if rpe <= 5 else "mid"
    values = {"rpe": _n(rpe or 0.0, lang, 1), "sessions": _sessions(max(1, recent.sessions), lang)}
    return _t(lang, f"prog.rpe.{level}", **values), _t(lang, f"prog.short.rpe.{level}", **values)


def _third_advice(facts: AthleteFacts, recent: _Stats, before: _Stats, span: int) -> tuple[str, str]:
    """A lift that dropped over 2 %, else the best gain, else a missing discipline, else the week's
    rhythm: fewer than ``FEW_DAYS`` training days a week → one more; otherwise the rest days to keep."""
    lang, changes = facts.language, _lift_changes(recent, before)
    missing = [d for d in ("endurance", "strength") if recent.disciplines[d] == 0] + [""]
    worst = min(changes, key=lambda m: changes[m] / before.best[m], default=None)
    best = max(changes, key=lambda m: changes[m], default=None)
    if worst is not None and changes[worst] / before.best[worst] * 100 < DROP_PERCENT:
        key, movement = "lift.drop", worst
    elif best is not None and changes[best] > 0:
        key, movement = "lift.gain", best
    else:
        key, movement = ("discipline", "") if missing[0] else ("rest", "")
    active = len({s.day for s in _between(facts, 0, span)})
    weekly = active / span * 7
    if key == "rest" and weekly < FEW_DAYS:
        key = "frequency"
    values = {
        "name": _name(movement, lang),
        "before": _n(before.best.get(movement, 0.0), lang, 1),
        "after": _n(recent.best.get(movement, 0.0), lang, 1),
        "gain": _n(changes.get(movement, 0.0), lang, 1),
        "target": _n(recent.best.get(movement, 0.0) * 1.025, lang, 1),
        "discipline": _discipline(missing[0], lang),
        "days": span,
        "active": active,
        "rest": max(1, 7 - math.floor(weekly + 0.5)),
        "weekly": _n(weekly, lang, 1),
        "next": math.floor(weekly + 0.5) + 1,
        **_block(recent.best.get(movement, 0.0), lang),
    }
    return _t(lang, f"prog.{key}", **values), _t(lang, f"prog.short.{key}", **values)


def _idle(facts: AthleteFacts, days: int) -> ProgressionContent:
    """An empty period after older sessions: when the last one was, and how to restart."""
    lang, last, whole = facts.language, facts.sessions[-1], _stats(facts.sessions)
    weeks = _weekly_blocks(facts)[1]
    top, count = whole.disciplines.most_common(1)[0]
    values = {
        "days": days,
        "ago": (facts.today - last.day).days,
        "day": last.day.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d"),
        "discipline": _discipline(last.discipline, lang),
        "minutes": _n(last.duration_seconds / 60, lang),
        "frequency": _n(whole.sessions / weeks, lang, 1),
        "mix": _mix(whole, lang),
    }
    restart = {
        "sessions": _sessions(max(1, math.floor(whole.sessions / weeks + 0.5)), lang),
        "minutes": _n(median(s.duration_seconds for s in facts.sessions) / 60, lang),
        "discipline": _discipline(top, lang),
        "count": count,
        "total": _sessions(whole.sessions, lang),
    }
    return ProgressionContent(
        paragraph1=" ".join((_t(lang, "prog.idle", **values), _t(lang, "prog.idle.history", **values))),
        paragraph2=" ".join(
            (_t(lang, "prog.idle.advice", **restart), _t(lang, "prog.idle.start", **restart))
        ),
        recommendations=[
            _t(lang, f"prog.short.idle.{k}", **restart) for k in ("plan", "length", "discipline")
        ],
    )


def progression(facts: AthleteFacts, period: Period) -> tuple[ProgressionContent, int]:
    """The Progression tab for ``period`` and the number of sessions in it (module docstring)."""
    lang, (days, span) = facts.language, _windows(period)
    current = _between(facts, 0, days)
    if not facts.sessions:
        return starter_progression(lang), 0
    if not current:
        return _idle(facts, days), 0
    total = _stats(current)
    recent, before = _stats(_between(facts, 0, span)), _stats(_between(facts, span, 2 * span))
    totals = {"days": days, "sessions": _sessions(total.sessions, lang), "minutes": _n(total.minutes, lang)}
    compare = {
        "span": span,
        "s1": recent.sessions,
        "s2": before.sessions,
        "m1": _n(recent.minutes, lang),
        "m2": _n(before.minutes, lang),
        "pct": _pct(_change(recent.minutes, before.minutes), lang, 1, signed=True),
    }
    paragraph1 = (
        _t(lang, "prog.totals", tonnage=_n(total.tonnage, lang), **totals),
        _t(lang, "prog.compare" if before.sessions else "prog.compare_new", **compare),
        _details(total, recent, before, lang),
    )
    advice = (
        _volume_advice(facts, recent, before, span),
        _rpe_advice(recent, lang),
        _third_advice(facts, recent, before, span),
    )
    content = ProgressionContent(
        paragraph1=" ".join(paragraph1),
        paragraph2=" ".join(sentence for sentence, _ in advice),
        recommendations=[short for _, short in advice],
    )
    return content, len(current)
