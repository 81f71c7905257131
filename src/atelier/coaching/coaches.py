"""The local coaches: today's session for one discipline, written as WODCraft, from the facts alone.

``prescribe`` is deterministic (no randomness, no clock: ``facts.today`` is "today") and every source
it returns compiles with :func:`atelier.wods.compiler.compile_now` and fits ``request.minutes`` by
WODCraft's own duration estimate. The coaching rules:

* **Load management** (Gabbett 2016, the acute:chronic workload ratio): every coach cuts its volume
  by 40 % when the ACWR is high (> 1.5) and by 20 % when it is elevated (> 1.3); no intervals then.
* **Strength**: a 4-week wave whose sets and reps stay inside Prilepin's chart (total reps per
  zone: 12-24 at 70-80 %, 10-20 at 80-90 %): 4x5 @ 70 %, 5x4 @ 75 %, 5x3 @ 80 %, deload 3x5 @ 60 %.
  The week is the number of ISO weeks with strength training before this one, modulo 4. Loads are
  absolute, from the estimated 1RM, rounded to 2.5 kg or 5 lb; without a 1RM the sets are by RPE
  (RTS scale). The main lift is the least recently trained pattern, unless a 1RM goal names one;
  accessories that balance it fill the remaining minutes.
* **Endurance**: Seiler's polarised model (about 80 % of sessions easy, 20 % hard): intervals only
  when the last 7 days hold easy sessions and no hard one (RPE >= 7), or enough easy ones to keep
  hard work under 20 %, never the day after a hard one. Zones are shares of the max HR (the
  measured one, else 220 - age, Fox); hard work is capped at ~24 min a session.
* **Functional / competition**: a library workout the athlete has the kit and the time for, not done
  in the last 2 (functional) or 6 (competition: retest cadence) weeks, whose difficulty is nearest
  the level's target; competition prefers benchmarks, functional mixed modal work. Otherwise an
  AMRAP composed from the catalog.
* **Calisthenics**: skill ladders; a step is mastered after 3 sets of 5 reps (20 s for holds) in
  one session, and the athlete works the step after the highest mastered one.
* **Level**: scaled never gets complexity-5 movements and foundations at most complexity 3; they
  work 5 and 10 points of 1RM lower.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from atelier.coaching.facts import AthleteFacts, CoachRequest, Discipline, LibraryWod, Prescription
from atelier.wods.catalog import ALWAYS_AVAILABLE, EQUIPMENT_IMPLIES, MovementEntry, movement_catalog
from atelier.wods.compiler import compile_now
from atelier.wods.metadata import describe

LB_PER_KG = 1 / 0.45359237
# (sets, reps, %1RM, RPE, rest) for weeks 1-4 of the wave; week 4 is the deload.
WAVE = ((4, 5, 70, 7.0, "2:00"), (5, 4, 75, 7.5, "2:00"), (5, 3, 80, 8.0, "3:00"), (3, 5, 60, 6.0, "1:30"))
LEVEL_PERCENT_OFFSET = {"rx": 0, "intermediate": 0, "scaled": -5, "foundations": -10}
LEVEL_MAX_COMPLEXITY = {"rx": 5, "intermediate": 5, "scaled": 4, "foundations": 3}
LEVEL_TARGET_DIFFICULTY = {"rx": 65, "intermediate": 50, "scaled": 40, "foundations": 25}
# Main-lift patterns, each from the barbell lift down to what a bare floor allows.
PATTERNS: dict[str, tuple[str, ...]] = {
    "squat": ("back_squat", "front_squat", "goblet_squat", "dumbbell_front_squat", "sandbag_squat",
              "pistol", "air_squat"),
    "bench": ("bench_press", "dumbbell_bench_press", "ring_push_up", "push_up"),
    "hinge": ("deadlift", "dumbbell_deadlift", "kettlebell_deadlift", "glute_bridge"),
    "overhead": ("strict_press", "dumbbell_strict_press", "kettlebell_press", "strict_handstand_push_up",
                 "push_up"),
}  # fmt: skip
# Accessories balancing each pattern: one slot per group, the first movement the kit allows.
ACCESSORIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "squat": (("romanian_deadlift", "dumbbell_deadlift", "kettlebell_deadlift", "glute_bridge"),
              ("dumbbell_lunge", "kettlebell_lunge", "reverse_lunge"), ("hanging_knee_raise", "hollow_rock")),
    "bench": (("barbell_row", "dumbbell_row", "ring_row", "renegade_row", "superman"),
              ("dumbbell_strict_press", "kettlebell_press", "push_up"), ("hollow_rock", "v_up")),
    "hinge": (("dumbbell_step_up", "dumbbell_lunge", "kettlebell_lunge", "reverse_lunge"),
              ("strict_pull_up", "dumbbell_row", "ring_row", "superman"), ("hanging_knee_raise", "bird_dog")),
    "overhead": (("strict_pull_up", "ring_row", "dumbbell_row", "renegade_row", "superman"),
                 ("dumbbell_bench_press", "push_up"), ("v_up", "hollow_rock")),
}  # fmt: skip
MACHINES = ("row", "bike_erg", "ski_erg", "run")
HR_ZONES = {1: (50, 60), 2: (60, 70), 4: (80, 90), 5: (90, 100)}
# (work seconds, interval seconds) by level: 4x4-style intervals for the fit, shorter for the rest.
INTERVALS = {"rx": (240, 360), "intermediate": (180, 300), "scaled": (120, 240), "foundations": (60, 180)}
# Skill ladders, easiest first, as (id, modifier); a step missing its kit is skipped.
LADDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "pull": (("dead_hang", ""), ("scapular_pull_up", ""), ("ring_row", ""),
             ("jumping_pull_up", '"5 s lowering"'), ("strict_pull_up", ""), ("chest_to_bar_pull_up", ""),
             ("bar_muscle_up", ""), ("ring_muscle_up", "")),
    "push": (("knee_push_up", ""), ("push_up", ""), ("bench_dip", ""), ("bar_dip", ""), ("ring_dip", ""),
             ("handstand_hold", ""), ("strict_handstand_push_up", ""), ("deficit_handstand_push_up", "")),
    "legs": (("air_squat", ""), ("reverse_lunge", ""), ("jumping_squat", ""), ("pistol", "")),
    "core": (("hollow_hold", ""), ("hollow_rock", ""), ("v_up", ""), ("hanging_knee_raise", ""),
             ("toes_to_bar", "")),
}  # fmt: skip
MASTERY_SETS, MASTERY_REPS, MASTERY_HOLD_S = 3, 5, 20

# What the coaches say, by language: ``str.format`` templates.
EN = {
    "acwr_high": "Your acute:chronic load is high{ratio}: volume cut by 40 %.",
    "acwr_elevated": "Your acute:chronic load is elevated{ratio}: volume cut by 20 %.",
    "strength": "Strength: {lift} (week {week}/4)",
    "wave_load": "Week {week} of 4: {sets}×{reps} at {percent} % of your estimated 1RM of {one_rm}.",
    "wave_rpe": "Week {week} of 4: {sets}×{reps} at RPE {rpe} (no known 1RM for the {lift}).",
    "wave_bodyweight": "Week {week} of 4: {sets}×{reps} {lift}, the bodyweight variant your kit allows.",
    "deload": " Deload week.",
    "rotation": "{lift}: the pattern you trained least recently.",
    "goal": "Your goal is a {target} {lift}{now}: it leads today.",
    "zone2": "Zone 2: {machine} {minutes} min",
    "intervals": "Intervals: {machine} {count} × {work}",
    "week": "Last 7 days: {hard} hard and {easy} easy endurance sessions",
    "easy_day": "{week}: today stays easy, about 80 % of the work in zone 2 (Seiler).",
    "hard_day": "{week}: today is the hard day, {count} intervals in zone {zone} (Seiler's 80/20).",
    "machine": "{machine}: the machine you used least recently.",
    "zone": "zone {zone}, {low}-{high}% of max HR{bpm}",
    "minutes_goal": "It counts towards your goal of {target} training minutes a week.",
    "picked": "{title}: a {kind} of about {minutes} min that fits your kit and your time.",
    "difficulty": "Difficulty {difficulty}/100 for the {level} level, not done recently.",
    "composed": "No library workout fitted: an AMRAP {minutes} of {names}.",
    "heavy": "First {sets} heavy triples of {lift} every 2 minutes.",
    "functional": "Functional: AMRAP {minutes}",
    "competition": "Competition: AMRAP {minutes}",
    "calisthenics": "Calisthenics: skill progressions",
    "step": "{lift}: step {step}/{steps} of your {ladder} progression, {sets}×{reps} ({rule} moves you up).",
    "floor": "No pull-up bar or rings: floor progressions.",
    "fallback": "A simple bodyweight EMOM that fits your time.",
    "fallback_why": "Today's plan could not be written; this one is safe at any level.",
    "sized": "Sized to {minutes} min of work with {loads} loads for the {level} level.",
    "logged": "Your level on each progression comes from {count} logged sets.",
}
FR = {
    "acwr_high": "Ta charge aiguë:chronique est élevée{ratio} : volume réduit de 40 %.",
    "acwr_elevated": "Ta charge aiguë:chronique est en hausse{ratio} : volume réduit de 20 %.",
    "strength": "Force : {lift} (semaine {week}/4)",
    "wave_load": "Semaine {week} sur 4 : {sets}×{reps} à {percent} % de ton 1RM estimé de {one_rm}.",
    "wave_rpe": "Semaine {week} sur 4 : {sets}×{reps} à RPE {rpe} (pas de 1RM connu en {lift}).",
    "wave_bodyweight": "Semaine {week} sur 4 : {sets}×{reps} en {lift}, la variante au poids du corps.",
    "deload": " Semaine de décharge.",
    "rotation": "{lift} : le mouvement que tu as travaillé le moins récemment.",
    "goal": "Ton objectif : {target} en {lift}{now}, il passe en premier aujourd'hui.",
    "zone2": "Zone 2 : {machine} {minutes} min",
    "intervals": "Intervalles : {machine} {count} × {work}",
    "week": "7 derniers jours : {hard} séance(s) d'endurance dure(s) et {easy} facile(s)",
    "easy_day": "{week} : aujourd'hui reste facile, environ 80 % du travail en zone 2 (Seiler).",
    "hard_day": "{week} : aujourd'hui, séance dure, {count} intervalles en zone {zone} (80/20 de Seiler).",
    "machine": "{machine} : la machine utilisée le moins récemment.",
    "zone": "zone {zone}, {low}-{high} % de la FC max{bpm}",
    "minutes_goal": "Elle compte pour ton objectif de {target} minutes d'entraînement par semaine.",
    "picked": "{title} : un {kind} d'environ {minutes} min adapté à ton matériel et à ton temps.",
    "difficulty": "Difficulté {difficulty}/100 pour le niveau {level}, pas fait récemment.",
    "composed": "Aucun WOD de la bibliothèque ne convenait : AMRAP {minutes} avec {names}.",
    "heavy": "D'abord {sets} triples lourds en {lift} toutes les 2 minutes.",
    "functional": "Fonctionnel : AMRAP {minutes}",
    "competition": "Compétition : AMRAP {minutes}",
    "calisthenics": "Callisthénie : progressions",
    "step": "{lift} : étape {step}/{steps} de ta progression {ladder}, {sets}×{reps} ({rule} pour avancer).",
    "floor": "Pas de barre ni d'anneaux : progressions au sol.",
    "fallback": "Un EMOM simple au poids du corps qui tient dans ton temps.",
    "fallback_why": "Le plan du jour n'a pas pu être écrit ; celui-ci convient à tous les niveaux.",
    "sized": "Calibré pour {minutes} min de travail avec des charges {loads} pour le niveau {level}.",
    "logged": "Ton niveau sur chaque progression vient de {count} séries enregistrées.",
}
LADDER_NAMES = {"en": {"pull": "pull", "push": "push", "legs": "legs", "core": "core"},
                "fr": {"pull": "tirage", "push": "poussée", "legs": "jambes", "core": "gainage"}}  # fmt: skip


@dataclass(frozen=True)
class _Draft:
    title: str
    source: str
    reasons: tuple[str, ...]
    wod_key: str | None = None


def _say(facts: AthleteFacts, key: str, **values: object) -> str:
    return (FR if facts.language == "fr" else EN)[key].format(**values)


def _name(entry: MovementEntry, facts: AthleteFacts) -> str:
    return entry.name_fr if facts.language == "fr" else entry.name


def _kit(request: CoachRequest) -> frozenset[str]:
    have = set(request.equipment) | ALWAYS_AVAILABLE
    for kit in list(have):
        have |= EQUIPMENT_IMPLIES.get(kit, set())
    return frozenset(have)


def _usable(movement: str, kit: frozenset[str], facts: AthleteFacts) -> MovementEntry | None:
    """The catalog entry when the athlete has its kit and the level allows its complexity."""
    entry = movement_catalog().get(movement)
    if entry is None or not set(entry.equipment) <= kit:
        return None
    return entry if entry.complexity <= LEVEL_MAX_COMPLEXITY.get(facts.level, 5) else None


def _first_usable(ids: Sequence[str], kit: frozenset[str], facts: AthleteFacts) -> MovementEntry | None:
    return next((e for e in (_usable(m, kit, facts) for m in ids) if e is not None), None)


def _load_factor(facts: AthleteFacts) -> tuple[float, str | None]:
    """Gabbett's ACWR bands: (volume factor, reason): -40 % above 1.5, -20 % above 1.3."""
    flag = facts.acwr_flag
    if facts.acwr is not None:
        flag = "high" if facts.acwr > 1.5 else "elevated" if facts.acwr > 1.3 else flag
    ratio = f" ({facts.acwr:.2f})" if facts.acwr is not None else ""
    if flag == "high":
        return 0.6, _say(facts, "acwr_high", ratio=ratio)
    if flag == "elevated":
        return 0.8, _say(facts, "acwr_elevated", ratio=ratio)
    return 1.0, None


def _scaled(count: int, factor: float, minimum: int = 1) -> int:
    return max(minimum, math.floor(count * factor + 0.5))


def _warmup_minutes(budget: int) -> int:
    return 0 if budget < 15 else 5 if budget < 45 else 8


def _warmup(kit: frozenset[str], minutes: int) -> str:
    """A general EMOM warm-up: a machine (or a run), a squat, a mobility drill."""
    machine = next(movement_catalog()[m] for m in MACHINES if set(movement_catalog()[m].equipment) <= kit)
    return (
        f"## Warm-up\nEMOM {minutes}\n  Min 1: 40 s {machine.name}\n  Min 2: 10 Air squat\n"
        "  Min 3: 5 Inchworm\nnote: easy pace, raise the temperature\n"
    )


def _last_day(facts: AthleteFacts, movement_ids: Sequence[str]) -> date:
    """The last day any of the movements was trained (``date.min`` when never)."""
    wanted = set(movement_ids)
    days = [s.day for s in facts.sessions if wanted & ({*s.movements} | {lift.movement for lift in s.lifts})]
    return max(days, default=date.min)


def _weekly_goal(facts: AthleteFacts) -> list[str]:
    goal = next((g for g in facts.goals if g.goal_type == "training_minutes_per_week"), None)
    return [_say(facts, "minutes_goal", target=f"{goal.target:g}")] if goal else []


# ---------------------------------------------------------------------------------------- strength


def _strength_week(facts: AthleteFacts) -> int:
    """1-4: ISO weeks with a strength session before the current one, modulo the 4-week wave."""
    current = facts.today.isocalendar()[:2]
    weeks = {
        s.day.isocalendar()[:2]
        for s in facts.sessions
        if (s.discipline == "strength" or s.coach == "strength") and s.day.isocalendar()[:2] < current
    }
    return len(weeks) % 4 + 1


def _weight(kg: float, facts: AthleteFacts) -> str:
    return f"{round(kg * LB_PER_KG):g} lb" if facts.units == "lb" else f"{kg:g} kg"


def _load_clause(entry: MovementEntry, percent: int, rpe: float, facts: AthleteFacts) -> str:
    """`` @ 102.5 kg`` from the 1RM (2.5 kg / 5 lb plates), `` @ RPE 7`` without one, or nothing."""
    one_rm = facts.one_rep_maxes.get(entry.id)
    if "load" not in entry.params:
        return ""
    if not one_rm:
        return f" @ RPE {rpe:g}"
    kg, barbell = one_rm * percent / 100, "barbell" in entry.equipment
    if facts.units == "lb":
        return f" @ {max(45.0 if barbell else 5.0, round(kg * LB_PER_KG / 5) * 5):g} lb"
    return f" @ {max(20.0 if barbell else 2.5, round(kg / 2.5) * 2.5):g} kg"


def _main_lifts(facts: AthleteFacts, kit: frozenset[str]) -> tuple[list[MovementEntry], str | None]:
    """One lift per pattern, least recently trained first; a 1RM goal's pattern leads."""
    order = sorted(PATTERNS, key=lambda p: (_last_day(facts, PATTERNS[p]), list(PATTERNS).index(p)))
    lifts = [e for e in (_first_usable(PATTERNS[p], kit, facts) for p in order) if e is not None]
    for goal in facts.goals:
        if goal.goal_type != "movement_1rm" or not goal.movement:
            continue
        pattern = next((ids for ids in PATTERNS.values() if goal.movement in ids), (goal.movement,))
        entry = _usable(goal.movement, kit, facts) or _first_usable(pattern, kit, facts)
        if entry is not None:
            now = f" ({_weight(goal.current, facts)})" if goal.current else ""
            target = _weight(goal.target, facts)
            lift = movement_catalog().get(goal.movement, entry)
            note = _say(facts, "goal", target=target, lift=_name(lift, facts).lower(), now=now)
            return [entry, *[e for e in lifts if e.id != entry.id]], note
    return lifts, None


def _accessories(facts: AthleteFacts, kit: frozenset[str], main: MovementEntry, minutes: int) -> str:
    """An EMOM of the accessories that balance the main lift's pattern, filling ``minutes``."""
    pattern = next((p for p, ids in PATTERNS.items() if main.id in ids), "squat")
    chosen = [_first_usable(group, kit, facts) for group in ACCESSORIES[pattern]]
    slots = [e for e in chosen if e is not None and e.id != main.id and "reps" in e.quantities]
    length = minutes // max(1, len(slots)) * len(slots)
    if not slots or length < 2 * len(slots):
        return ""
    lines = "".join(
        f"  Min {n}: {_reps_for(e)} {e.name}{' @ RPE 7' if 'load' in e.params else ''}\n"
        for n, e in enumerate(slots, 1)
    )
    return f"## Accessories\nEMOM {length}\n{lines}"


def _reps_for(entry: MovementEntry) -> int:
    """Reps per set: 10 loaded, and 12 / 8 / 5 bodyweight as the movement gets harder."""
    if "load" in entry.params:
        return 10
    return 12 if entry.complexity <= 2 else 8 if entry.complexity == 3 else 5


def _strength(facts: AthleteFacts, request: CoachRequest, budget: int) -> _Draft:
    kit, (factor, load_note) = _kit(request), _load_factor(facts)
    week = _strength_week(facts)
    sets, reps, percent, rpe, rest = WAVE[week - 1]
    percent += LEVEL_PERCENT_OFFSET.get(facts.level, 0)
    lifts, goal_note = _main_lifts(facts, kit)
    main = lifts[0]
    sets = _scaled(sets, factor)
    title = _say(facts, "strength", lift=_name(main, facts), week=week)
    clause = _load_clause(main, percent, rpe, facts)
    if budget < 12:  # too short for sets with full rests: the lift on the minute
        sets, reps = max(2, budget), min(reps, 3)
        source = f"# {title}\nEMOM {sets}\n  {reps} {main.name}{clause}\n"
    else:
        warm = _warmup_minutes(budget)
        source = f"# {title}\n" + (_warmup(kit, warm) if warm else "")
        source += f"## {main.name}\n{main.name} {sets}x{reps}{clause} (rest {rest})\n"
        for extra in lifts[1 : 1 + (budget >= 60) + (budget >= 100)]:  # further lifts, 10 points lighter
            more = _load_clause(extra, percent - 10, rpe - 1, facts)
            source += f"{extra.name} {_scaled(3, factor)}x{reps}{more} (rest {rest})\n"
        left = budget - math.ceil((_duration(source) or budget * 60) / 60)
        source += _accessories(facts, kit, main, _scaled(min(30, left), factor, 0))
    one_rm = facts.one_rep_maxes.get(main.id)
    values = {"week": week, "sets": sets, "reps": reps, "lift": _name(main, facts).lower()}
    if "load" not in main.params:
        plan = _say(facts, "wave_bodyweight", **values)
    elif one_rm:
        plan = _say(facts, "wave_load", percent=percent, one_rm=_weight(one_rm, facts), **values)
    else:
        plan = _say(facts, "wave_rpe", rpe=f"{rpe:g}", **values)
    plan += _say(facts, "deload") if week == 4 else ""
    reasons = [plan, goal_note or _say(facts, "rotation", lift=_name(main, facts))]
    return _Draft(title, source, (*reasons, *([load_note] if load_note else [])))


# --------------------------------------------------------------------------------------- endurance


def _hard_day(facts: AthleteFacts) -> tuple[bool, int, int]:
    """Seiler's 80/20: (intervals today?, hard sessions, easy sessions) over the last 7 days."""
    week = [
        s
        for s in facts.sessions
        if (s.discipline == "endurance" or s.coach == "endurance")
        and facts.today - timedelta(days=7) < s.day <= facts.today
    ]
    hard = [s for s in week if (s.rpe or 0) >= 7]
    easy = len(week) - len(hard)
    yesterday_hard = any(s.day >= facts.today - timedelta(days=1) for s in hard)
    allowed = (not hard and easy >= 1) or (bool(hard) and easy >= 4 * (len(hard) + 1))
    return allowed and not yesterday_hard and _load_factor(facts)[0] == 1.0, len(hard), easy


def _zone_note(facts: AthleteFacts, zone: int) -> str:
    low, high = HR_ZONES[zone]
    max_hr = facts.max_hr or (220 - facts.age if facts.age else None)
    bpm = f" (≈ {round(max_hr * low / 100)}-{round(max_hr * high / 100)} bpm)" if max_hr else ""
    return _say(facts, "zone", zone=zone, low=low, high=high, bpm=bpm)


def _steady(section: str, machine: MovementEntry, minutes: int, note: str) -> str:
    """Steady work in 5-minute blocks, whose duration WODCraft estimates exactly."""
    return f"## {section}\nEvery 5:00 x {minutes // 5}\n  5:00 {machine.name}\nnote: {note}, continuous\n"


def _intervals(facts: AthleteFacts, machine: MovementEntry, budget: int) -> tuple[str, str, int, int]:
    """(title, source, repeats, zone): warm-up, intervals, aerobic work and cool-down."""
    work, period = INTERVALS.get(facts.level, INTERVALS["intermediate"])
    warm = 10 if budget >= 30 else 5 if budget >= 15 else 0
    if budget - warm < 3 * period // 60:
        work, period = (30, 60) if budget < 15 else (60, 120)
    count = min(10, 1440 // work, max(2, (budget - warm) * 60 // period))  # <= 24 min hard
    zone, clock = (4 if work >= 120 else 5), f"{work // 60}:{work % 60:02d}"
    left = (budget - warm - count * period // 60) // 5 * 5
    cool = min(10, left) if warm else 0
    title = _say(facts, "intervals", machine=_name(machine, facts), count=count, work=clock)
    main = f"Every {period // 60}:{period % 60:02d} x {count}\n  {clock} {machine.name}\n"
    main += f"note: {_zone_note(facts, zone)}; easy between\n"
    if not warm:
        return title, f"# {title}\n{main}", count, zone
    source = (
        f"# {title}\n" + _steady("Warm-up", machine, warm, _zone_note(facts, 2)) + "## Intervals\n" + main
    )
    if left - cool >= 10:
        source += _steady("Aerobic", machine, left - cool, _zone_note(facts, 2))
    if cool >= 5:
        source += _steady("Cool-down", machine, cool, _zone_note(facts, 1))
    return title, source, count, zone


def _endurance(facts: AthleteFacts, request: CoachRequest, budget: int) -> _Draft:
    kit, (factor, load_note) = _kit(request), _load_factor(facts)
    available = [m for m in MACHINES if set(movement_catalog()[m].equipment) <= kit]
    machine = movement_catalog()[min(available, key=lambda m: (_last_day(facts, [m]), MACHINES.index(m)))]
    hard, hard_count, easy_count = _hard_day(facts)
    week = _say(facts, "week", hard=hard_count, easy=easy_count)
    if hard:
        title, source, count, zone = _intervals(facts, machine, budget)
        reasons = [_say(facts, "hard_day", week=week, count=count, zone=zone)]
    else:
        minutes = _scaled(budget, factor, 3)
        title = _say(facts, "zone2", machine=_name(machine, facts), minutes=minutes)
        source = (
            f"# {title}\nnote: {_zone_note(facts, 2)}\nnote: conversational pace, nasal breathing\n"
            f"cap: {minutes}:00\n{minutes}:00 {machine.name}\n"
        )
        reasons = [_say(facts, "easy_day", week=week)]
    reasons.append(_say(facts, "machine", machine=_name(machine, facts)))
    return _Draft(title, source, (*reasons, *([load_note] if load_note else []), *_weekly_goal(facts)))


# --------------------------------------------------------------------- functional and competition


def _library_path(key: str) -> bool:
    return "/" in key and compile_now(f"# Check\nuse {key}\n").ok


def _library_pick(
    facts: AthleteFacts, request: CoachRequest, library: Sequence[LibraryWod], budget: int
) -> LibraryWod | None:
    """The best library workout for today, or None: see the module's rules."""
    competition = request.discipline == "competition"
    kit, catalog = _kit(request), movement_catalog()
    fresh_days = 42 if competition else 14
    recent = {m for s in facts.sessions if s.day > facts.today - timedelta(days=7) for m in s.movements}
    # Library workouts carry their own Scaled/Foundations levels: foundations may meet complexity 4.
    limit = max(4, LEVEL_MAX_COMPLEXITY.get(facts.level, 5))
    target = LEVEL_TARGET_DIFFICULTY.get(facts.level, 50)

    def fits(wod: LibraryWod) -> bool:
        return (
            wod.equipment <= kit
            and 0 < wod.duration_seconds <= (budget - _warmup_minutes(budget)) * 60
            and (wod.last_done is None or (facts.today - wod.last_done).days >= fresh_days)
            and all(catalog[m].complexity <= limit for m in wod.movements if m in catalog)
        )

    def rank(wod: LibraryWod) -> tuple[float, str]:
        score = abs(wod.difficulty - target) + 5 * len(recent & set(wod.movements))
        if competition:
            score -= 40 * wod.benchmark + 10 * (wod.score_type in ("time", "rounds+reps", "load", "reps"))
        else:
            score -= 10 * min(3, len({catalog[m].modality for m in wod.movements if m in catalog}))
        return score, wod.key

    return min((w for w in library if fits(w)), key=rank, default=None)


def _body(source: str) -> str | None:
    """A library workout's body without its ``# Title``; None for a session (it cannot be nested)."""
    lines = source.strip("\n").splitlines()
    if any(line.startswith("## ") for line in lines):
        return None
    return "\n".join(line for line in lines if not line.startswith("# ")) + "\n"


def _adopted(facts: AthleteFacts, pick: LibraryWod, body: str, warm: int, kit: frozenset[str]) -> _Draft:
    kind = "benchmark" if pick.benchmark else "WOD" if facts.language == "fr" else "workout"
    minutes = max(1, round(pick.duration_seconds / 60))
    reasons = (
        _say(facts, "picked", title=pick.title, kind=kind, minutes=minutes),
        _say(facts, "difficulty", difficulty=pick.difficulty, level=facts.level),
    )
    if warm or body.startswith("use "):
        body = (_warmup(kit, warm) if warm else "") + f"## {pick.title}\n" + body
    return _Draft(pick.title, f"# {pick.title}\n{body}", reasons, pick.key)


def _composed(facts: AthleteFacts, kit: frozenset[str], minutes: int, factor: float) -> tuple[str, list[str]]:
    """An AMRAP of a cardio, a loaded, a gymnastics and two bodyweight pieces the athlete can do."""
    pieces = (
        ("row", "bike_erg", "ski_erg", "single_under"),
        ("kettlebell_swing", "dumbbell_thruster", "wall_ball", "thruster", "dumbbell_snatch"),
        ("pull_up", "toes_to_bar", "ring_row", "push_up"),
        ("burpee", "mountain_climber"),
        ("air_squat", "reverse_lunge"),
    )
    lines, names = [], []
    for entry in (e for e in (_first_usable(ids, kit, facts) for ids in pieces) if e is not None):
        if "calories" in entry.quantities:
            quantity = "12/9 cal"
        else:
            quantity = str(_scaled(50 if entry.id == "single_under" else _reps_for(entry), factor))
        load = ""
        if entry.default_loads and "load" in entry.params:
            values = entry.default_loads["rx" if facts.level in ("rx", "intermediate") else "scaled"]
            load = f" {values['men']:g}/{values['women']:g} {entry.default_loads.get('unit', 'kg')}"
        lines.append(f"  {quantity} {entry.name}{load}\n")
        names.append(_name(entry, facts).lower())
    return f"AMRAP {minutes}\n" + "".join(lines), names


def _metcon(facts: AthleteFacts, request: CoachRequest, library: Sequence[LibraryWod], budget: int) -> _Draft:
    kit, (factor, load_note) = _kit(request), _load_factor(facts)
    warm = _warmup_minutes(budget)
    pick = _library_pick(facts, request, library, budget)
    body = None
    if pick is not None:
        body = f"use {pick.key}\n" if _library_path(pick.key) else _body(pick.source)
    notes = [*([load_note] if load_note else []), *_weekly_goal(facts)]
    if pick is not None and body is not None:
        draft = _adopted(facts, pick, body, warm, kit)
        return _Draft(draft.title, draft.source, (*draft.reasons, *notes), draft.wod_key)
    heavy, reasons = "", []
    strength = min(10, (budget - warm - 30) // 2)  # long sessions open with a heavy piece
    if strength >= 3:
        lift, sets = _main_lifts(facts, kit)[0][0], _scaled(strength, factor, 3)
        heavy = f"## {lift.name}\nEvery 2:00 x {sets}\n  3 {lift.name}{_load_clause(lift, 75, 8.0, facts)}\n"
        reasons.append(_say(facts, "heavy", sets=sets, lift=_name(lift, facts).lower()))
    minutes = _scaled(min(30, budget - warm - 2 * max(0, strength)), factor, 3)
    metcon, names = _composed(facts, kit, minutes, factor)
    if request.discipline == "competition":
        metcon += "note: test effort, log your rounds and reps\n"
    loads = "Rx" if facts.level in ("rx", "intermediate") else "scaled"
    reasons[:0] = [
        _say(facts, "composed", minutes=minutes, names=", ".join(names)),
        _say(facts, "sized", minutes=minutes, loads=loads, level=facts.level),
    ]
    title = _say(
        facts, request.discipline if request.discipline == "competition" else "functional", minutes=minutes
    )
    head = (_warmup(kit, warm) if warm else "") + heavy + ("## Metcon\n" if warm or heavy else "")
    return _Draft(title, f"# {title}\n{head}{metcon}", (*reasons, *notes))


# ------------------------------------------------------------------------------------ calisthenics


def _ladder_step(facts: AthleteFacts, steps: list[MovementEntry]) -> tuple[int, int]:
    """(today's step, best reps logged on it): the step after the highest mastered one, or the
    highest one attempted when that is further (an athlete never goes back down)."""
    mastered, attempted = -1, -1
    for session in facts.sessions:
        for index, entry in enumerate(steps):
            sets = [lift.reps for lift in session.lifts if lift.movement == entry.id]
            threshold = MASTERY_REPS if "reps" in entry.quantities else MASTERY_HOLD_S
            attempted = max(attempted, index) if sets else attempted
            if sum(reps >= threshold for reps in sets) >= MASTERY_SETS:
                mastered = max(mastered, index)
    current = min(len(steps) - 1, max(mastered + 1, attempted, 0))
    logged = [lift.reps for s in facts.sessions for lift in s.lifts if lift.movement == steps[current].id]
    return current, max(logged, default=0)


def _calisthenics(facts: AthleteFacts, request: CoachRequest, budget: int) -> _Draft:
    kit, (factor, load_note) = _kit(request), _load_factor(facts)
    bar = bool({"pull_up_bar", "rings"} & kit)
    ladders = ("pull", "push", "core", "legs") if bar else ("push", "legs", "core")
    count = 1 if budget < 12 else 2 if budget < 25 else 3 if budget < 40 else 4
    warm = _warmup_minutes(budget)
    source, reasons = "", []
    for ladder in ladders[:count]:
        modifiers = dict(LADDERS[ladder])
        steps = [e for e in (_usable(step, kit, facts) for step, _ in LADDERS[ladder]) if e is not None]
        if not steps:
            continue
        index, best = _ladder_step(facts, steps)
        entry, sets = steps[index], _scaled(4 if budget >= 20 else 3, factor)
        extra = f"{modifiers[entry.id]}, " if modifiers[entry.id] else ""
        if "reps" in entry.quantities:
            first = 3 if entry.complexity >= 4 else MASTERY_REPS  # a new hard skill starts with triples
            reps, unit, rule = (min(MASTERY_REPS + 3, max(3, best + 1)) if best else first), "", "3×5"
            work = f"{entry.name} {sets}x{reps} ({extra}rest 1:30)"
        else:
            reps, unit, rule = (max(MASTERY_HOLD_S, best + 5) if best else MASTERY_HOLD_S), " s", "3×20 s"
            work = f"{sets} rounds\n  {reps} s {entry.name}\n  Rest 1:00"
        source += f"## {LADDER_NAMES[facts.language][ladder].capitalize()}\n{work}\n"
        step = {"step": index + 1, "steps": len(steps), "ladder": LADDER_NAMES[facts.language][ladder]}
        reasons.append(
            _say(facts, "step", lift=_name(entry, facts), sets=sets, reps=f"{reps}{unit}", rule=rule, **step)
        )
    if budget >= 45:  # volume on the easy steps
        source += f"## Volume\nEMOM {_scaled(min(30, budget - warm - 35), factor, 4)}\n"
        source += "  Odd: 10 Air squat\n  Even: 20 s Hollow hold\n"
    title = _say(facts, "calisthenics")
    ladder_ids = {step for ladder in ladders for step, _ in LADDERS[ladder]}
    logged = sum(lift.movement in ladder_ids for s in facts.sessions for lift in s.lifts)
    notes = [_say(facts, "logged", count=logged)] + ([] if bar else [_say(facts, "floor")])
    notes += [load_note] if load_note else []
    return _Draft(
        title, f"# {title}\n" + (_warmup(kit, warm) if warm else "") + source, (*reasons[:2], *notes)[:5]
    )


# ------------------------------------------------------------------------------------------ public


def _fallback(facts: AthleteFacts, minutes: int) -> _Draft:
    """Known to compile for every duration: an EMOM of air squats and hollow holds."""
    source = f"# EMOM {minutes}\nEMOM {minutes}\n  Odd: 10 Air squat\n  Even: 20 s Hollow hold\n"
    return _Draft(f"EMOM {minutes}", source, (_say(facts, "fallback"), _say(facts, "fallback_why")))


def _duration(source: str) -> int | None:
    """WODCraft's estimate of the source in seconds; None when it does not compile."""
    compilation = compile_now(source)
    if not compilation.ok or compilation.document is None:
        return None
    return describe(compilation.document).duration_seconds


def prescribe(facts: AthleteFacts, request: CoachRequest, library: Sequence[LibraryWod] = ()) -> Prescription:
    """Today's session for ``request.discipline``, compiled and within ``request.minutes`` (5-240).

    Each coach writes for a time budget; the budget shrinks by 10 % until WODCraft's estimate of the
    session fits the minutes. A source that does not compile (a coaching bug) is replaced by a plain
    bodyweight EMOM, so the caller always gets a workout."""
    builders: dict[Discipline, Callable[[int], _Draft]] = {
        "strength": lambda b: _strength(facts, request, b),
        "endurance": lambda b: _endurance(facts, request, b),
        "functional": lambda b: _metcon(facts, request, library, b),
        "competition": lambda b: _metcon(facts, request, library, b),
        "calisthenics": lambda b: _calisthenics(facts, request, b),
    }
    minutes = max(1, request.minutes)
    budget, chosen, seconds = minutes, None, 0
    while budget >= 3 and chosen is None:
        try:
            draft = builders[request.discipline](budget)
        except (KeyError, IndexError, ValueError, StopIteration, ZeroDivisionError):
            break
        measured = _duration(draft.source)
        if measured is not None and measured <= minutes * 60:
            chosen, seconds = draft, measured
        budget = min(budget - 1, math.floor(budget * 0.9))
    if chosen is None:
        chosen, seconds = _fallback(facts, minutes), minutes * 60
    return Prescription(
        discipline=request.discipline,
        title=chosen.title,
        source=chosen.source,
        minutes=min(minutes, max(1, round(seconds / 60))) if seconds else minutes,
        reasons=chosen.reasons[:5],
        wod_key=chosen.wod_key,
    )
