"""Live leaderboard of a class: the work path of a workout, and the events athletes post along it.

Pure logic (no database, no I/O): the service stores the events, calls :func:`apply` to fold them
into each entrant's :class:`Standing`, and :func:`board` to rank the entrants; :func:`position`,
:func:`current_leg`, :func:`turn_of` and :func:`rounds_of` say where an entrant stands.

**The path.** :func:`path_of` lays a compiled WODCraft workout out as the sequence of *legs* an
athlete (or a team) works through, one leg per movement line in the order it is done:

* ``N rounds`` repeat their lines N times; a rep ladder (``21-15-9``) does one round per value,
  and each movement written without a quantity takes that value (times its level ``factor``, if
  the workout was resolved with one); a movement with its own quantity keeps it in every round;
* *there and back* does a round's lines in order, then in reverse back to the first one without
  repeating the last (A, B, C, B, A); a round is that whole path;
* a ``Buy-in:`` is done once before the rounds of its block, a ``Cash-out:`` once after them;
  ``Rest`` lines are not legs;
* an AMRAP, an open ladder (``3-6-9 ...``: the round keeps going, each ladder-valued quantity
  growing by the step) and a ``Max load`` without attempts *repeat* their round until the cap:
  the path has no end (``total`` is None). Work before it (a buy-in, earlier blocks) is the
  ``lead``, done once. Nothing may follow work that never ends (a cash-out inside an AMRAP, a
  block after it): such a workout is refused;
* quantities: reps in ``reps``, calories in ``cal``, distances in metres (``m``; km, mi and ft
  are converted), durations in seconds (``s``); a movement with no quantity counts one rep; a
  dual value (``50/40``) takes the ``category`` asked for (men by default);
* in a load workout (score ``load``, or inside a ``Max load`` block) every leg is one *attempt*,
  worth one unit along the path, and its unit is ``kg``: the event's quantity is the load lifted;
  ``Max load, N attempts`` repeats its lifts N times, a strength line ``5x5`` gives one attempt
  per set.

``done`` counts the units completed along the path (reps, calories, metres, seconds and attempts
all add up, as WODCraft's capped score does), so ``total`` is the sum of the quantities of every
leg (50 + 40 + 10 + 40 + 50 = 190 for the there-and-back example of the spec).

Only the **first scored workout** of a session is tracked (the first section whose score is not
``none``; the first section when none is scored). Its score type is kept when a board can rank it
(``time``, ``rounds+reps``, ``reps``, ``load``, ``calories``); any other (``none``, ``multi``,
``rounds``, ``distance``) is tracked as ``reps``, the units done along the path. Refused with a
``ValueError`` saying why: a workout without movement, clock-paced formats (EMOM, ``Every``,
Tabata, ``Death by``: the clock, not the work, moves the athlete on), ``max`` quantities (work
with no end), and the repeating work above when something follows it.

**Events.** An :class:`Event` is posted at ``offset_s`` seconds from the start of the class: a
``complete`` event reports work done (``quantity`` of ``movement`` in ``unit``), ``start`` and
``rest`` only say the athlete is alive. Events are applied in offset order (stable for equal
offsets). Each one is either *rejected* (an :class:`EventError`: the batch is malformed and the
service refuses it whole, 422), or, once valid, *accepted* (it counts) or *ignored* (it is valid
but does not count, with the reason). Rejected, by the first rule that fails:

* ``offset_s``: not a number, negative, beyond the cap (``cap_s``, when there is one), or earlier
  than the last accepted-or-ignored event of the same athlete (one athlete's offsets never go
  back; events of one batch are sorted first, so only earlier batches can be later);
* ``athlete_id``: for an individual, an event of another athlete; for a team, an event by
  someone who is neither a member nor one of its judges;
* ``kind``: not ``complete``, ``start`` or ``rest``;
* ``movement``: not in the workout. The catalog id (``pull_up``) or the name (``Pull-up``) is
  accepted, ignoring case and spaces, hyphens or underscores; ``None`` means the movement of the
  current leg;
* ``quantity`` (complete events): missing, negative or not a number;
* ``unit``: unknown (accepted: ``reps``/``rep``, ``cal``, ``m``, ``s``, ``kg``, and ``lb``
  converted to kg), or not a unit of that movement in the workout (``kg`` for pull-ups); ``None``
  means the unit of the leg.

``start`` and ``rest`` events never count: they only move the athlete's ``last_offset``. So does
every valid event, counted or not; a rejected event changes nothing.

**Individual rules** (no :class:`Policy`): every complete event of the athlete counts. A movement
of the workout that is not the current leg is credited anyway to the path total — athletes often
log out of order, and the path only tracks how much is done: ``done`` grows by the quantity, the
current leg is wherever that total falls. What goes past the end of the path is not counted
(reported as the accepted event's reason). A team workout applied without a policy follows these
rules too, the entrant being the one athlete.

**Team rules** (a :class:`Policy`: the team's members in relay order, and its judges). The team
works one leg at a time, its current leg; a complete event for another movement (or another unit
of it) is ignored ("not the current leg"). On the current leg:

* ``split``: any member (or judge) posts; the quantities add up for the team;
* ``sync``: the members work together; one member (or a judge) posts the synchronised reps once
  for the team and they count once — a sync rep is a team rep, never multiplied by the members
  who did it (two members posting the same set are two events: the service keeps one per id);
* neither (a relay, "you go, I go"): only the member whose turn it is may post; the turn is
  ``members[leg_number % len(members)]`` where ``leg_number`` counts the legs the team completed
  along the path since the start, lead and rounds included (member 1 does leg 0, member 2 leg 1…,
  wrapping). An event of another member is ignored with the reason ``out of turn: it is <member
  id>'s turn on <leg name>``. A judge's event counts for the member whose turn it is.

A quantity that overshoots the current leg carries over into the next legs while the leg left and
the leg entered are both shared (``split`` or ``sync``) and counted in the same unit; otherwise the
rest is not counted and the reason says so — on a relay leg the carry over stops at the end of the
leg: a member cannot do the next member's leg.

**Finish.** When ``done`` reaches ``total`` the entrant finished at that event's offset
(``finished_at``); later complete events are ignored ("already finished"). A repeating path never
finishes. A ``kg`` event counts one attempt (one unit) and keeps the best load in ``load_kg``.

**Scores** (:func:`score_of`) have the shape ``results.py`` stores (value, secondary, unit,
capped): ``time`` is the finish time in seconds, or — not finished, live or stopped by the cap —
``done`` as reps with ``capped``; ``rounds+reps`` is the full rounds done and the units past them
(a buy-in belongs to the first round); ``reps`` and ``calories`` are ``done``; ``load`` is the best
load, none (a DNF on the board) before the first lift. :func:`board` ranks them with
``ranking.rank``; among tied entrants the one whose last event came first is listed first.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any, Literal

from atelier.training.ranking import RANKED_SCORE_TYPES, Entry, rank
from atelier.wods.metadata import workouts_of

EventKind = Literal["complete", "start", "rest"]
EVENT_KINDS = frozenset({"complete", "start", "rest"})
# The units an event may name, and the unit of a leg each one is counted in.
UNITS = {"rep": "reps", "reps": "reps", "cal": "cal", "m": "m", "s": "s", "kg": "kg", "lb": "kg"}
KG_PER_LB = 0.45359237
METRES = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "ft": 0.3048}
# Quantities are sums of decimals (1609.344 m…): positions compare with this tolerance.
EPSILON = 1e-6
CLOCK_PACED = {
    "emom": "an EMOM",
    "every": "an 'Every' interval block",
    "tabata": "a Tabata",
    "death_by": "a 'Death by'",
}
GROUPS = frozenset({"for_time", "rounds", "ladder", "amrap", "max_load", "buy_in", "cash_out"})
# Board ties are listed by last activity: offsets become instants after this one.
CLASS_START = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Leg:
    """One movement line along the path: ``quantity`` of ``movement`` counted in ``unit``.

    ``index`` is the leg's position in the path as written out (the lead first, then the legs);
    ``step`` is how much the quantity grows each time a repeating round comes back (open ladder).
    """

    index: int
    movement: str
    name: str
    quantity: float
    unit: str
    split: bool = False
    sync: bool = False
    step: float = 0.0

    @property
    def shared(self) -> bool:
        """Team members share the leg (split or sync) rather than take turns on it."""
        return self.split or self.sync


@dataclass(frozen=True)
class Path:
    """The work of a workout, laid out for live tracking (see the module docstring).

    ``legs`` is the whole path, or one round of it when it ``repeat``s until the cap (after the
    ``lead``, done once); ``total`` is the units to finish (None when repeating); ``round_units``
    the units of one round (of the main block's rounds, the first one for a ladder; of the
    repeating round, excluding the lead, when repeating); ``score_type`` the type the board ranks.
    """

    legs: tuple[Leg, ...]
    repeat: bool
    total: float | None
    cap_s: float | None
    score_type: str
    team_size: int
    round_units: float
    lead: tuple[Leg, ...] = ()

    # Cached: every event of a batch asks them (a path never changes once laid out).
    @cached_property
    def movements(self) -> dict[str, str]:
        """Catalog id → name of every movement of the path, in path order."""
        return {leg.movement: leg.name for leg in (*self.lead, *self.legs)}

    @cached_property
    def _units(self) -> dict[str, frozenset[str]]:
        units: dict[str, set[str]] = {}
        for leg in (*self.lead, *self.legs):
            units.setdefault(leg.movement, set()).add(leg.unit)
        return {movement: frozenset(found) for movement, found in units.items()}

    @cached_property
    def first_units(self) -> dict[str, str]:
        """The unit of each movement's first leg (an event naming it without a unit)."""
        units: dict[str, str] = {}
        for leg in (*self.lead, *self.legs):
            units.setdefault(leg.movement, leg.unit)
        return units

    @cached_property
    def movement_keys(self) -> dict[str, str]:
        """The movement each spelling stands for: its catalog id or its name, folded by ``_key``."""
        keys: dict[str, str] = {}
        for movement, name in self.movements.items():
            keys.setdefault(_key(movement), movement)
            keys.setdefault(_key(name), movement)
        return keys

    def units_of(self, movement: str) -> frozenset[str]:
        """The units the movement is counted in along the path."""
        return self._units.get(movement, frozenset())


@dataclass(frozen=True)
class Position:
    """Where an entrant is: ``leg`` (its quantity for this round) starts at ``start`` units
    along the path, after ``number`` legs completed since the start."""

    number: int
    leg: Leg
    start: float

    @property
    def end(self) -> float:
        return self.start + self.leg.quantity


@dataclass(frozen=True, kw_only=True)
class Event:
    """Work reported at ``offset_s`` seconds from the start of the class (see the docstring)."""

    id: uuid.UUID
    athlete_id: uuid.UUID
    offset_s: float
    kind: EventKind
    movement: str | None = None
    quantity: float | None = None
    unit: str | None = None


@dataclass(frozen=True, kw_only=True)
class Standing:
    """An entrant's progress: the athlete, or the team (``entrant_id`` is then the team's id).

    ``done`` units along the path; ``last_offset`` the latest valid event of any of its athletes,
    ``last_offsets`` the latest per athlete (member or judge); ``finished_at`` the offset at which
    ``done`` reached the path's total; ``load_kg`` the best load lifted.
    """

    entrant_id: uuid.UUID
    done: float = 0.0
    last_offset: float = 0.0
    finished_at: float | None = None
    load_kg: float | None = None
    last_offsets: Mapping[uuid.UUID, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """A team: its id, its members in relay order, and the judges who may post for it."""

    team_id: uuid.UUID
    members: tuple[uuid.UUID, ...]
    judges: frozenset[uuid.UUID] = frozenset()

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a team needs at least one member")
        if len(set(self.members)) != len(self.members):
            raise ValueError("a member appears twice in the relay order")
        if self.judges & set(self.members):
            raise ValueError("a member cannot judge their own team")


@dataclass(frozen=True)
class Outcome:
    """What became of one valid event: ``accepted`` when it counts (``credited`` units), else
    ignored with the ``reason``; an accepted event may carry a reason for a part not counted.
    ``done`` is the entrant's total after it."""

    event_id: uuid.UUID
    accepted: bool
    reason: str | None
    done: float
    credited: float = 0.0


@dataclass(frozen=True)
class EventError:
    """A rejected event: ``field`` names the event's field at fault."""

    event_id: uuid.UUID
    field: str
    reason: str


@dataclass(frozen=True)
class Applied:
    """The standing after a batch, one outcome per valid event (in the order they were
    applied) and one error per rejected event; the service refuses a batch with errors."""

    standing: Standing
    outcomes: tuple[Outcome, ...]
    errors: tuple[EventError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- The path -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    category: str
    load: bool


@dataclass(frozen=True)
class _Work:
    """One top-level block: fixed legs, or a lead and a round that repeats."""

    legs: list[Leg]
    round: list[Leg] | None
    round_units: float
    cap_s: float | None


def _number(value: Any, category: str, what: str) -> float:
    if isinstance(value, dict):
        value = value.get(category, value.get("men", value.get("women")))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} has no usable value ({value!r})")
    return float(value)


def _fmt(value: float) -> str:
    return f"{round(value, 3):g}"


def _legs_of(item: dict[str, Any], value: float | None, step: float, ctx: _Context) -> list[Leg]:
    """The legs of one movement item; ``value`` is the ladder's, ``step`` its growth per round."""
    movement = item.get("movement")
    if not isinstance(movement, str) or not movement:
        raise ValueError(f"a movement line has no catalog movement ({item.get('name')!r})")
    name = str(item.get("name") or movement)
    modifiers = {m.strip().lower() for m in item.get("modifiers") or [] if isinstance(m, str)}
    split, sync = "split" in modifiers, "sync" in modifiers
    sets = (item.get("sets") or {}).get("reps")
    if ctx.load:
        count = len(sets) if isinstance(sets, list) and sets else 1
        return [Leg(0, movement, name, 1.0, "kg", split, sync) for _ in range(count)]
    if isinstance(sets, list) and sets:
        amounts = [_number(reps, ctx.category, name) for reps in sets]
        return [Leg(0, movement, name, amount, "reps", split, sync) for amount in amounts]
    quantity = item.get("quantity")
    grows = 0.0
    if not quantity:
        if value is None:
            amount, unit = 1.0, "reps"
        else:
            factor = _number(item.get("factor", 1), ctx.category, f"the factor of {name}")
            amount, unit, grows = value * factor, "reps", step * factor
    else:
        kind = quantity.get("kind")
        if kind == "reps":
            amount, unit = _number(quantity.get("reps"), ctx.category, name), "reps"
        elif kind == "calories":
            amount, unit = _number(quantity.get("cal"), ctx.category, name), "cal"
        elif kind == "distance":
            if "m" in quantity:
                amount = _number(quantity["m"], ctx.category, name)
            else:
                written = quantity.get("unit")
                if written not in METRES:
                    raise ValueError(f"{name}: unknown distance unit {written!r}")
                amount = _number(quantity.get("written"), ctx.category, name) * METRES[written]
            unit = "m"
        elif kind == "time":
            amount, unit = _number(quantity.get("s"), ctx.category, name), "s"
        elif kind == "max":
            raise ValueError(f"'max {name}' is work with no end: it cannot be tracked live")
        else:
            raise ValueError(f"{name}: unknown quantity kind {kind!r}")
    if amount <= 0:
        raise ValueError(f"{name} has no work to track ({_fmt(amount)} {unit})")
    return [Leg(0, movement, name, amount, unit, split, sync, grows)]


def _parts(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """A block's buy-ins, its body (repeated by the rounds) and its cash-outs."""
    buy_in = [i for i in items if i.get("type") == "buy_in"]
    cash_out = [i for i in items if i.get("type") == "cash_out"]
    body = [i for i in items if i.get("type") not in ("buy_in", "cash_out")]
    return buy_in, body, cash_out


def _round(
    items: list[dict[str, Any]], value: float | None, step: float, there_and_back: bool, ctx: _Context
) -> list[Leg]:
    """The legs of one round of ``items`` (there and back: A, B, C, B, A by line)."""
    lines: list[list[Leg]] = []
    for item in items:
        kind = item.get("type")
        if kind == "movement":
            lines.append(_legs_of(item, value, step, ctx))
        elif kind == "rest":
            continue
        elif isinstance(item.get("items"), list):
            lines.append(_fixed(item, value, ctx))
        else:
            raise ValueError(f"a {kind!r} line cannot be tracked live")
    lines = [line for line in lines if line]
    if there_and_back:
        lines = lines + lines[-2::-1]
    return [leg for line in lines for leg in line]


def _refuse_clock(block: dict[str, Any]) -> None:
    kind = str(block.get("type"))
    if kind in CLOCK_PACED:
        raise ValueError(
            f"{CLOCK_PACED[kind]} is paced by the clock, not by a path of work: it cannot be tracked live"
        )
    if kind not in GROUPS:
        raise ValueError(f"a {kind!r} block cannot be tracked live")


def _repeats(block: dict[str, Any]) -> bool:
    kind = block.get("type")
    return (
        kind == "amrap" or bool(block.get("reps_open")) or (kind == "max_load" and not block.get("attempts"))
    )


def _round_values(block: dict[str, Any], value: float | None, category: str) -> list[float | None]:
    """The value each round of a block takes: the ladder's values, or the parent's N times."""
    ladder = block.get("reps")
    if isinstance(ladder, list) and ladder:
        return [_number(v, category, "a ladder value") for v in ladder]
    count = block.get("rounds") or block.get("attempts") or 1
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"a block repeats {count!r} times")
    return [value] * count


def _fixed(block: dict[str, Any], value: float | None, ctx: _Context) -> list[Leg]:
    """Every leg of a block that ends: buy-ins, each round, cash-outs."""
    _refuse_clock(block)
    if _repeats(block):
        raise ValueError(
            f"a {block.get('type')} block inside another repeats until its cap: it cannot be tracked live"
        )
    ctx = replace(ctx, load=True) if block.get("type") == "max_load" else ctx
    buy_in, body, cash_out = _parts(block["items"])
    there_and_back = bool(block.get("there_and_back"))
    legs = _round(buy_in, value, 0.0, False, ctx)
    for round_value in _round_values(block, value, ctx.category):
        legs += _round(body, round_value, 0.0, there_and_back, ctx)
    return legs + _round(cash_out, value, 0.0, False, ctx)


def _top(block: dict[str, Any], ctx: _Context) -> _Work:
    """One block of the workout body, which may repeat until the cap."""
    if block.get("type") == "movement":
        legs = _legs_of(block, None, 0.0, ctx)
        return _Work(legs, None, sum(leg.quantity for leg in legs), None)
    _refuse_clock(block)
    ctx = replace(ctx, load=True) if block.get("type") == "max_load" else ctx
    cap = block.get("cap_s") or block.get("duration_s")
    cap_s = _number(cap, ctx.category, "the cap") if cap is not None else None
    buy_in, body, cash_out = _parts(block.get("items") or [])
    there_and_back = bool(block.get("there_and_back"))
    values = _round_values(block, None, ctx.category)
    if not _repeats(block):
        first = _round(body, values[0], 0.0, there_and_back, ctx)
        return _Work(_fixed(block, None, ctx), None, sum(leg.quantity for leg in first), cap_s)
    if cash_out:
        raise ValueError("a cash-out after work that repeats until the cap cannot be tracked live")
    if block.get("reps_open"):
        ladder = [v for v in values if v is not None]
        step = ladder[1] - ladder[0] if len(ladder) > 1 else ladder[0]
        if step <= 0:
            raise ValueError("an open ladder must grow at each round")
        round_legs = _round(body, ladder[0], step, there_and_back, ctx)
    else:
        round_legs = [leg for v in values for leg in _round(body, v, 0.0, there_and_back, ctx)]
    if not round_legs:
        raise ValueError(f"the {block.get('type')} block has no movement to track")
    lead = _round(buy_in, None, 0.0, False, ctx)
    return _Work(lead, round_legs, sum(leg.quantity for leg in round_legs), cap_s)


def _tracked_workout(document: dict[str, Any]) -> dict[str, Any]:
    workouts = workouts_of(document)
    if not workouts:
        raise ValueError("the document holds no workout")
    scored = [w for w in workouts if str((w.get("score") or {}).get("type", "none")) != "none"]
    return (scored or workouts)[0]


def path_of(document: dict[str, Any], *, category: Literal["men", "women"] = "men") -> Path:
    """The work path of a compiled workout (or of a session's first scored workout).

    Raises ``ValueError``, saying why, for a workout that cannot be tracked live."""
    if category not in ("men", "women"):
        raise ValueError(f"unknown category {category!r}")
    workout = _tracked_workout(document)
    raw_score = str((workout.get("score") or {}).get("type", "none"))
    score_type = raw_score if raw_score in RANKED_SCORE_TYPES else "reps"
    ctx = _Context(category=category, load=raw_score == "load")
    fixed: list[Leg] = []
    repeating: list[Leg] | None = None
    works: list[_Work] = []
    caps: list[float | None] = []
    pending_rest = 0.0
    for block in workout.get("blocks") or []:
        if block.get("type") == "rest":
            pending_rest += _number(block.get("seconds", 0), category, "a rest") if works else 0.0
            continue
        if repeating is not None:
            raise ValueError(
                "work follows a block that repeats until its cap (an AMRAP, an open ladder, a max load "
                "without attempts): it cannot be tracked live as one path"
            )
        work = _top(block, ctx)
        if works:
            caps.append(pending_rest)
        pending_rest = 0.0
        works.append(work)
        caps.append(work.cap_s)
        fixed += work.legs
        repeating = work.round
    if not works or not (fixed or repeating):
        raise ValueError("this workout has no movement to track")
    workout_cap = workout.get("cap_s")
    if workout_cap is not None:
        cap_s: float | None = _number(workout_cap, category, "the cap")
    elif any(cap is None for cap in caps):
        cap_s = None
    else:
        cap_s = sum(cap for cap in caps if cap is not None)
    lead = fixed if repeating is not None else []
    legs = repeating if repeating is not None else fixed
    numbered = [replace(leg, index=i) for i, leg in enumerate([*lead, *legs])]
    team = workout.get("team") or document.get("team") or {}
    return Path(
        legs=tuple(numbered[len(lead) :]),
        repeat=repeating is not None,
        total=None if repeating is not None else sum(leg.quantity for leg in legs),
        cap_s=cap_s,
        score_type=score_type,
        team_size=max(1, int(team.get("size") or 1)),
        round_units=works[-1].round_units if repeating is not None else works[0].round_units,
        lead=tuple(numbered[: len(lead)]),
    )


# --- Positions along the path -----------------------------------------------------------------


def _positions(path: Path, done: float) -> Iterator[Position]:
    """The legs from the one being worked at ``done`` on (endless when the path repeats)."""
    start, number = 0.0, 0
    for leg in path.lead if path.repeat else path.legs:
        if start + leg.quantity > done + EPSILON:
            yield Position(number, leg, start)
        start, number = start + leg.quantity, number + 1
    if not path.repeat:
        return
    base = sum(leg.quantity for leg in path.legs)
    growth = sum(leg.step for leg in path.legs)
    cycle = 0
    if growth == 0 and done > start:
        # Skip whole rounds at once (one short of the arithmetic, to stay on the safe side).
        cycle = max(0, int((done - start) // base) - 1)
        start, number = start + cycle * base, number + cycle * len(path.legs)
    while True:
        for leg in path.legs:
            quantity = leg.quantity + cycle * leg.step
            if start + quantity > done + EPSILON:
                yield Position(number, replace(leg, quantity=quantity) if cycle and leg.step else leg, start)
            start, number = start + quantity, number + 1
        cycle += 1


def position(path: Path, done: float) -> Position | None:
    """Where an entrant with ``done`` units stands; None once the path is finished."""
    if not path.repeat and path.total is not None and done >= path.total - EPSILON:
        return None
    return next(_positions(path, done), None)


def current_leg(path: Path, standing: Standing) -> Leg | None:
    """The leg being worked (its quantity for this round), None once finished."""
    if standing.finished_at is not None:
        return None
    spot = position(path, standing.done)
    return spot.leg if spot else None


def turn_of(path: Path, policy: Policy, standing: Standing) -> uuid.UUID | None:
    """The member whose turn it is on the team's current relay leg (None on a shared leg or
    once finished)."""
    spot = None if standing.finished_at is not None else position(path, standing.done)
    if spot is None or spot.leg.shared:
        return None
    return policy.members[spot.number % len(policy.members)]


def rounds_of(path: Path, done: float) -> tuple[int, float]:
    """Full rounds done and the units past them (a lead belongs to the first round)."""
    if not path.repeat:
        if path.round_units <= 0:
            return 0, done
        rounds = int((done + EPSILON) // path.round_units)
        return rounds, max(0.0, done - rounds * path.round_units)
    base = sum(leg.quantity for leg in path.legs)
    growth = sum(leg.step for leg in path.legs)
    size = base + sum(leg.quantity for leg in path.lead)
    rounds, rest = 0, done
    if growth == 0 and rest >= size - EPSILON:
        rounds, rest = 1, rest - size
        extra = int((rest + EPSILON) // base)
        return rounds + extra, max(0.0, rest - extra * base)
    while rest >= size - EPSILON:
        rounds, rest = rounds + 1, rest - size
        size = base + rounds * growth
    return rounds, max(0.0, rest)


# --- Events -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


def _movement_id(path: Path, given: str) -> str | None:
    return path.movement_keys.get(_key(given))


@dataclass(frozen=True)
class _Report:
    """A valid complete event, read: the movement (None: the current leg's), the unit it is
    counted in, the units it moves along the path and the load it lifted (kg events)."""

    movement: str | None
    unit: str
    amount: float
    load_kg: float | None


def _check(
    path: Path, policy: Policy | None, standing: Standing, spot: Position | None, event: Event
) -> EventError | _Report | None:
    """The event's error, or what a valid complete event reports (None for start and rest)."""

    def error(name: str, reason: str) -> EventError:
        return EventError(event.id, name, reason)

    offset = event.offset_s
    if isinstance(offset, bool) or not isinstance(offset, int | float) or not math.isfinite(offset):
        return error("offset_s", f"offset {offset!r} is not a number of seconds")
    if offset < 0:
        return error("offset_s", f"offset {_fmt(offset)} s is before the start of the class")
    if path.cap_s is not None and offset > path.cap_s + EPSILON:
        return error("offset_s", f"offset {_fmt(offset)} s is beyond the cap ({_fmt(path.cap_s)} s)")
    previous = standing.last_offsets.get(event.athlete_id)
    if previous is not None and offset < previous:
        return error(
            "offset_s",
            f"offset {_fmt(offset)} s goes back in time: athlete {event.athlete_id} already posted "
            f"at {_fmt(previous)} s",
        )
    if policy is None and event.athlete_id != standing.entrant_id:
        return error("athlete_id", f"athlete {event.athlete_id} is not the entrant {standing.entrant_id}")
    if (
        policy is not None
        and event.athlete_id not in policy.members
        and event.athlete_id not in policy.judges
    ):
        return error("athlete_id", f"athlete {event.athlete_id} is not a member of team {policy.team_id}")
    if event.kind not in EVENT_KINDS:
        return error("kind", f"unknown kind {event.kind!r}: use complete, start or rest")
    movement = None
    if event.movement is not None:
        movement = _movement_id(path, event.movement)
        if movement is None:
            listed = ", ".join(path.movements.values())
            return error("movement", f"{event.movement!r} is not in this workout ({listed})")
    if event.kind != "complete":
        return None
    quantity = event.quantity
    if quantity is None:
        return error("quantity", "a complete event needs a quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int | float) or not math.isfinite(quantity):
        return error("quantity", f"quantity {quantity!r} is not a number")
    if quantity < 0:
        return error("quantity", f"quantity {_fmt(quantity)} is negative")
    given_unit = event.unit.strip().lower() if event.unit is not None else None
    if given_unit is not None and given_unit not in UNITS:
        return error("unit", f"unknown unit {event.unit!r}: use reps, cal, m, s, kg or lb")
    if movement is not None:
        units = path.units_of(movement)
        on_leg = spot is not None and spot.leg.movement == movement
        default = spot.leg.unit if on_leg and spot is not None else path.first_units[movement]
        subject = path.movements[movement]
    elif spot is not None:
        units, default, subject = frozenset({spot.leg.unit}), spot.leg.unit, spot.leg.name
    else:  # finished, movement unnamed: nothing to fit, ignored later
        units = frozenset(UNITS.values())
        default, subject = "reps", "the workout"
    unit = UNITS[given_unit] if given_unit is not None else default
    if unit not in units:
        counted = " or ".join(sorted(units))
        return error("unit", f"unit {event.unit!r} does not fit {subject} (counted in {counted})")
    if unit == "kg":
        load = quantity * KG_PER_LB if given_unit == "lb" else float(quantity)
        return _Report(movement, unit, 1.0, load)
    return _Report(movement, unit, float(quantity), None)


def _carry(path: Path, done: float, amount: float, unit: str) -> tuple[float, str | None]:
    """Team credit from the current leg on: the units credited and why the rest was not."""
    credited, remaining = 0.0, amount
    legs = _positions(path, done)
    spot = next(legs)
    while True:
        take = min(remaining, spot.end - (done + credited))
        credited, remaining = credited + take, remaining - take
        if remaining <= EPSILON:
            return credited, None
        past = f"{_fmt(remaining)} {unit} past the end of {spot.leg.name} not counted"
        following = next(legs, None)
        if following is None:
            return credited, f"{_fmt(remaining)} {unit} past the end of the workout not counted"
        if not spot.leg.shared:
            return credited, f"{past}: a member cannot do the next member's leg"
        if not following.leg.shared:
            return credited, f"{past}: the next leg, {following.leg.name}, is a relay leg"
        if following.leg.unit != unit:
            return credited, f"{past}: the next leg, {following.leg.name}, is counted in {following.leg.unit}"
        spot = following


def _credit(
    path: Path, policy: Policy | None, done: float, spot: Position | None, event: Event, work: _Report
) -> tuple[float, str | None, bool]:
    """Units credited by a valid complete event, the reason for what is not, and whether it counts."""
    if spot is None:
        return 0.0, "already finished", False
    if policy is None:
        credited = work.amount
        if path.total is not None and done + credited > path.total + EPSILON:
            over = done + credited - path.total
            return (
                path.total - done,
                f"{_fmt(over)} {work.unit} past the end of the workout not counted",
                True,
            )
        return credited, None, True
    leg = spot.leg
    if (work.movement is not None and work.movement != leg.movement) or work.unit != leg.unit:
        return 0.0, f"not the current leg: the team is on {leg.name} ({leg.unit})", False
    if not leg.shared:
        turn = policy.members[spot.number % len(policy.members)]
        if event.athlete_id in policy.members and event.athlete_id != turn:
            return 0.0, f"out of turn: it is {turn}'s turn on {leg.name}", False
    credited, reason = _carry(path, done, work.amount, work.unit)
    return credited, reason, True


def _order(event: Event) -> tuple[bool, float]:
    offset = event.offset_s
    finite = isinstance(offset, int | float) and not isinstance(offset, bool) and math.isfinite(offset)
    return (not finite, float(offset) if finite else 0.0)


def apply(path: Path, policy: Policy | None, standing: Standing, events: Sequence[Event]) -> Applied:
    """Fold a batch of events into a standing (pure: the given standing is not changed).

    ``policy`` is the team's, None for an individual; a team's standing is the team's
    (``standing.entrant_id == policy.team_id``)."""
    if policy is not None and standing.entrant_id != policy.team_id:
        raise ValueError(
            f"standing of {standing.entrant_id} applied with the policy of team {policy.team_id}"
        )
    done, last_offset = standing.done, standing.last_offset
    finished_at, load_kg = standing.finished_at, standing.load_kg
    last_offsets = dict(standing.last_offsets)
    outcomes: list[Outcome] = []
    errors: list[EventError] = []
    for event in sorted(events, key=_order):
        current = Standing(
            entrant_id=standing.entrant_id,
            done=done,
            last_offset=last_offset,
            finished_at=finished_at,
            load_kg=load_kg,
            last_offsets=last_offsets,
        )
        spot = None if finished_at is not None else position(path, done)
        checked = _check(path, policy, current, spot, event)
        if isinstance(checked, EventError):
            errors.append(checked)
            continue
        offset = float(event.offset_s)
        last_offsets[event.athlete_id] = offset
        last_offset = max(last_offset, offset)
        if checked is None:
            outcomes.append(Outcome(event.id, True, None, done))
            continue
        credited, reason, accepted = _credit(path, policy, done, spot, event, checked)
        if accepted:
            done += credited
            if checked.load_kg is not None:
                load_kg = checked.load_kg if load_kg is None else max(load_kg, checked.load_kg)
            if path.total is not None and done >= path.total - EPSILON:
                done, finished_at = path.total, offset
        outcomes.append(Outcome(event.id, accepted, reason, done, credited if accepted else 0.0))
    final = Standing(
        entrant_id=standing.entrant_id,
        done=done,
        last_offset=last_offset,
        finished_at=finished_at,
        load_kg=load_kg,
        last_offsets=last_offsets,
    )
    return Applied(final, tuple(outcomes), tuple(errors))


# --- Scores and board -------------------------------------------------------------------------


def score_of(path: Path, standing: Standing) -> dict[str, Any]:
    """The entrant's score as ``results.py`` stores it: value, secondary, unit, capped."""
    done = round(standing.done, 3)
    if path.score_type == "time":
        if standing.finished_at is not None:
            return {"value": standing.finished_at, "secondary": None, "unit": "s", "capped": False}
        return {"value": done, "secondary": None, "unit": "reps", "capped": True}
    if path.score_type == "rounds+reps":
        rounds, rest = rounds_of(path, standing.done)
        return {"value": float(rounds), "secondary": round(rest, 3), "unit": "rounds", "capped": False}
    if path.score_type == "load":
        load = None if standing.load_kg is None else round(standing.load_kg, 3)
        return {"value": load, "secondary": None, "unit": "kg", "capped": False}
    unit = "cal" if path.score_type == "calories" else "reps"
    return {"value": done, "secondary": None, "unit": unit, "capped": False}


def board(
    path: Path, standings: Sequence[Standing], rx: Mapping[uuid.UUID, bool] | None = None
) -> list[dict[str, Any]]:
    """The live leaderboard: one ranked row per standing (Rx unless ``rx`` says otherwise)."""
    entries: list[Entry[Standing]] = []
    for standing in sorted(standings, key=lambda s: str(s.entrant_id)):
        score = score_of(path, standing)
        entries.append(
            Entry(
                athlete_id=standing.entrant_id,
                score_type=path.score_type,
                value=score["value"],
                secondary=score["secondary"],
                rx=True if rx is None else rx.get(standing.entrant_id, True),
                dnf=score["value"] is None,
                capped=score["capped"],
                recorded_at=CLASS_START + timedelta(seconds=standing.last_offset),
                ref=standing,
            )
        )
    rows: list[dict[str, Any]] = []
    for row in rank(entries):
        standing = row.entry.ref
        leg = current_leg(path, standing)
        rows.append(
            {
                "rank": row.rank,
                "tied": row.tied,
                "entrant_id": standing.entrant_id,
                "rx": row.entry.rx,
                "done": round(standing.done, 3),
                "finished_at": standing.finished_at,
                "score": score_of(path, standing),
                "current_leg": leg.name if leg else None,
                "last_offset": standing.last_offset,
            }
        )
    return rows
