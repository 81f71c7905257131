"""Leaderboard order for one workout's results (issue 5): best per athlete, competition ranks.

Scores are read as ``results.py`` stores them. Any finished score comes before any DNF (a DNF has
no score, so DNFs all tie), and among finished scores Rx comes before scaled; then, by score type:

* ``time``: seconds ascending; athletes stopped by the cap (``capped``, value = reps) come after
  every finisher, by reps descending;
* ``rounds+reps``: rounds (value) descending, then reps past the last round (secondary, 0 if none);
* ``reps``, ``load``, ``calories``: value descending.

Entries equal on all of that tie and share a rank, and the next rank skips ("1224"). When entries
were recorded is not part of the score: it only orders tied rows, earliest first, and picks an
athlete's first result among equal bests. A ``multi`` score has no single order (rank its parts);
a board mixing score types is a bug of the caller.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

R = TypeVar("R")

ASCENDING = frozenset({"time"})
DESCENDING = frozenset({"rounds+reps", "reps", "load", "calories"})
RANKED_SCORE_TYPES = ASCENDING | DESCENDING


@dataclass(frozen=True, kw_only=True)
class Entry(Generic[R]):
    """One score on the board; ``ref`` is the caller's own handle (a ``Result``, its id, …)."""

    athlete_id: uuid.UUID
    score_type: str
    value: float | None
    secondary: float | None = None
    rx: bool = True
    dnf: bool = False
    capped: bool = False
    recorded_at: datetime
    ref: R


@dataclass(frozen=True)
class Row(Generic[R]):
    """A ranked entry; ``tied`` when another row shares its rank."""

    rank: int
    tied: bool
    entry: Entry[R]


def _score_type(entries: Sequence[Entry[R]]) -> str | None:
    """The board's one score type, after checking every entry can be ordered."""
    types = {e.score_type for e in entries}
    if len(types) > 1:
        raise ValueError(f"one board, one score type (got {', '.join(sorted(types))})")
    if not types:
        return None
    (score_type,) = types
    if score_type not in RANKED_SCORE_TYPES:
        raise ValueError(f"a {score_type!r} score has no leaderboard order")
    for e in entries:
        if e.dnf:
            continue
        if e.value is None or not math.isfinite(e.value):
            raise ValueError(f"a finished {score_type} score needs a value (athlete {e.athlete_id})")
        if e.capped and score_type != "time":
            raise ValueError(f"only a time score can be capped (athlete {e.athlete_id})")
    return score_type


def _order(entry: Entry[R]) -> tuple[float, ...]:
    """Sort key of a checked entry: smaller is better, equal keys tie."""
    if entry.dnf:
        return (1,)
    assert entry.value is not None
    rx = 0 if entry.rx else 1
    if entry.score_type == "time":
        return (0, rx, 1, -entry.value) if entry.capped else (0, rx, 0, entry.value)
    if entry.score_type == "rounds+reps":
        return (0, rx, -entry.value, -(entry.secondary or 0))
    return (0, rx, -entry.value)


def is_better(candidate: Entry[R], than: Entry[R]) -> bool:
    """Whether ``candidate`` ranks strictly ahead of ``than`` (same score type)."""
    _score_type([candidate, than])
    return _order(candidate) < _order(than)


def _board_order(entries: Iterable[Entry[R]]) -> list[Entry[R]]:
    return sorted(entries, key=lambda e: (_order(e), e.recorded_at))


def best_per_athlete(entries: Sequence[Entry[R]]) -> list[Entry[R]]:
    """Each athlete's best entry (the earliest among equal bests), in board order."""
    _score_type(entries)
    best: dict[uuid.UUID, Entry[R]] = {}
    for entry in _board_order(entries):
        best.setdefault(entry.athlete_id, entry)
    return list(best.values())


def rank(entries: Sequence[Entry[R]]) -> list[Row[R]]:
    """Entries in board order with 1-based competition ranks; an athlete appears once per entry,
    so pass ``best_per_athlete(entries)`` for a board of one row per athlete."""
    _score_type(entries)
    ordered = _board_order(entries)
    keys = [_order(e) for e in ordered]
    rows: list[Row[R]] = []
    for i, entry in enumerate(ordered):
        same_as_previous = i > 0 and keys[i] == keys[i - 1]
        same_as_next = i + 1 < len(keys) and keys[i] == keys[i + 1]
        position = rows[-1].rank if same_as_previous else i + 1
        rows.append(Row(rank=position, tied=same_as_previous or same_as_next, entry=entry))
    return rows
