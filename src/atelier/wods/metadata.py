"""What Atelier indexes about a compiled workout: movements, kit, format, duration, difficulty, hash.

Difficulty (0–100) is Atelier's model, documented in the README and tested for monotonicity.
It adds four bounded parts, each of which only grows with what makes a workout harder:

* duration (0–35): ``35 × sqrt(min(duration, 60 min) / 60 min)`` — long work is harder, with
  diminishing returns;
* intensity (0–30): the heaviest load relative to the movement's men's Rx reference
  (``30 × min(ratio, 1.5) / 1.5``); a percentage of 1RM counts as ``percent / 60`` of the
  reference and an RPE as ``RPE / 7``;
* complexity (0–25): the catalog's 1–5 skill rating, 60 % from the hardest movement and 40 %
  from the average;
* volume (0–10): total reps prescribed, saturating at 500.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from atelier.wods.catalog import MovementEntry, movement_catalog

POSITION_KEYS = frozenset({"source", "estimate"})
AUTHOR_SPELLING_KEYS = frozenset({"unit", "written"})
# The INTEGER columns hold 2³¹−1; WODCraft only warns about a 99999999-minute AMRAP or a team of a
# billion, so what it estimates or reads beyond that is indexed at this ceiling.
INDEX_CEILING = 2**31 - 1


@dataclass
class WodMetadata:
    title: str
    format: str
    score_type: str
    movements: list[str]
    equipment: list[str]
    modalities: list[str]
    categories: list[str]
    duration_seconds: int
    difficulty: int
    team_size: int = 1
    details: dict[str, Any] = field(default_factory=dict)


def workouts_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    if document.get("kind") == "session":
        return [section["workout"] for section in document.get("sections", [])]
    return [document]


def movement_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every movement item in the Rx work, depth first (alternatives are not required work)."""
    for item in items:
        if item.get("type") == "movement":
            yield item
        elif "items" in item:
            yield from movement_items(item["items"])


def _all_items(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for workout in workouts_of(document):
        found.extend(movement_items(workout.get("blocks", [])))
    return found


def _format(document: dict[str, Any]) -> str:
    if document.get("kind") == "session":
        return "session"
    blocks = document.get("blocks", [])
    timed = [b for b in blocks if b.get("type") not in ("movement", "rest")]
    if not timed:
        return "sets" if any(b.get("sets") for b in blocks) else "single"
    kinds = {b["type"] for b in timed}
    return timed[0]["type"] if len(kinds) == 1 else "multi"


def _score_type(document: dict[str, Any]) -> str:
    if document.get("kind") == "session":
        return "multi"
    return str((document.get("score") or {}).get("type", "none"))


def estimated_seconds(document: dict[str, Any]) -> int:
    estimate = document.get("estimate") or {}
    low, high = estimate.get("min_s"), estimate.get("max_s")
    if low is None or high is None:
        return 0
    # Clamp before converting: an absurd estimate can be an integer too large for a float.
    middle = (float(min(low, INDEX_CEILING)) + float(min(high, INDEX_CEILING))) / 2
    cap = estimate.get("capped_s")
    return round(min(middle, float(min(cap, INDEX_CEILING))) if cap else middle)


def _men(amount: Any) -> float:
    if isinstance(amount, dict):
        return float(amount.get("men", amount.get("women")) or 0)
    return float(amount or 0)


def _relative_load(item: dict[str, Any], entry: MovementEntry | None) -> float:
    if "percent" in item:
        return _men(item["percent"].get("value")) / 60
    if "rpe" in item:
        return _men(item["rpe"]) / 7
    load = item.get("load")
    if not load:
        return 0.0
    reference = entry.reference_load_kg() if entry else None
    return _men(load.get("kg")) / (reference or 100.0)


def _reps(item: dict[str, Any], multiplier: int) -> float:
    quantity = item.get("quantity") or {}
    sets = item.get("sets")
    if sets:
        return float(sum(sets.get("reps", [])))
    if quantity.get("kind") == "reps":
        return _men(quantity.get("reps")) * multiplier
    return 0.0


def _volume(items: list[dict[str, Any]], multiplier: int) -> float:
    total = 0.0
    for item in items:
        if item.get("type") == "movement":
            total += _reps(item, multiplier)
        elif "items" in item:
            rounds = int(item.get("rounds") or 1)
            ladder = item.get("reps")
            if ladder:
                inner = sum(
                    _men(child.get("quantity", {}).get("reps")) if child.get("quantity") else value
                    for value in ladder
                    for child in item["items"]
                    if child.get("type") == "movement"
                )
                total += inner * multiplier
            else:
                total += _volume(item["items"], multiplier * rounds)
    return total


def difficulty_score(
    *, duration_seconds: float, relative_load: float, complexities: list[int], volume_reps: float
) -> int:
    duration_part = 35 * math.sqrt(min(max(duration_seconds, 0.0), 3600.0) / 3600.0)
    intensity_part = 30 * min(max(relative_load, 0.0), 1.5) / 1.5
    if complexities:
        hardest = (max(complexities) - 1) / 4
        average = (sum(complexities) / len(complexities) - 1) / 4
        complexity_part = 25 * (0.6 * hardest + 0.4 * average)
    else:
        complexity_part = 0.0
    volume_part = 10 * min(max(volume_reps, 0.0), 500.0) / 500
    return max(0, min(100, round(duration_part + intensity_part + complexity_part + volume_part)))


def _auto_title(document: dict[str, Any], names: list[str]) -> str:
    head = _format(document).replace("_", " ")
    listed = ", ".join(dict.fromkeys(names))
    title = f"{head.capitalize()}: {listed}" if listed else head.capitalize()
    return title[:200]


def describe(document: dict[str, Any]) -> WodMetadata:
    """Index a compiled document (workout or session)."""
    catalog = movement_catalog()
    items = _all_items(document)
    ids = list(dict.fromkeys(item["movement"] for item in items))
    entries = [catalog[m] for m in ids if m in catalog]
    equipment = sorted({kit for entry in entries for kit in entry.equipment})
    duration = estimated_seconds(document)
    relative = max((_relative_load(item, catalog.get(item["movement"])) for item in items), default=0.0)
    volume = sum(_volume(w.get("blocks", []), 1) for w in workouts_of(document))
    team = min((document.get("team") or {}).get("size") or 1, INDEX_CEILING)
    return WodMetadata(
        title=(document.get("title") or _auto_title(document, [e.name for e in entries])).strip(),
        format=_format(document),
        score_type=_score_type(document),
        movements=sorted(ids),
        equipment=equipment,
        modalities=sorted({entry.modality for entry in entries}),
        categories=sorted({entry.category for entry in entries}),
        duration_seconds=duration,
        difficulty=difficulty_score(
            duration_seconds=duration,
            relative_load=relative,
            complexities=[entry.complexity for entry in entries],
            volume_reps=volume,
        ),
        team_size=int(team),
    )


def _strip(node: Any, *, in_measure: bool = False) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in POSITION_KEYS or (in_measure and key in AUTHOR_SPELLING_KEYS):
                continue
            out[key] = _strip(value, in_measure=key in ("load", "height", "vest"))
        return out
    if isinstance(node, list):
        return [_strip(value) for value in node]
    return node


def workout_hash(document: dict[str, Any]) -> str:
    """SHA-256 of what the workout *is*: no source positions, no estimate, no author spelling.

    ``pull ups`` and ``Pull-up``, ``95 lb`` and ``43 kg``, other spacing or case all hash alike;
    the title counts, case-insensitively, so two differently named workouts stay two WODs.
    """
    canonical = _strip(document)
    if canonical.get("title"):
        canonical["title"] = " ".join(str(canonical["title"]).lower().split())
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
