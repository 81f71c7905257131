"""Exercises from a snapshot, and the data an athlete may log for each kind.

DESIGN.md maps compiled WODCraft blocks onto seed 001's exercise kinds: a strength line or a single
movement is ``standard``; ``emom`` and ``every`` are ``EMOM``; ``amrap`` is ``AMRAP``; ``rounds``,
``for_time``, ladders, ``tabata`` and ``death_by`` are ``circuit``. One exercise per compiled
movement item, keyed by its path in the snapshot (section, block, item), so what is logged stays
attached to what was planned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from atelier.training.models import ExerciseKind

BLOCK_KINDS = {
    "emom": ExerciseKind.emom,
    "every": ExerciseKind.emom,
    "amrap": ExerciseKind.amrap,
}
# Block fields a prescription carries over to the exercise (the rest is layout or source position).
BLOCK_FIELDS = ("rounds", "reps", "duration_s", "interval_s", "cap_s", "work_s", "rest_s", "type")
ITEM_FIELDS = ("sets", "quantity", "load", "percent", "rpe", "tempo", "rest_s")


def _movements(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Movement items in order, through slots ("odd minute") and nested groups."""
    for item in items:
        if item.get("type") == "movement":
            yield item
        elif isinstance(item.get("items"), list):
            yield from _movements(item["items"])


def exercises_of(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The exercises a progress starts with: position, path, name, movement, kind, config."""
    found: list[dict[str, Any]] = []
    for s, section in enumerate(snapshot.get("sections", [])):
        workout = section.get("workout", {})
        for b, block in enumerate(workout.get("blocks", [])):
            if block.get("type") == "movement":
                items: list[tuple[int, dict[str, Any]]] = [(0, block)]
                kind = ExerciseKind.standard
                block_config: dict[str, Any] = {}
            else:
                items = list(enumerate(_movements(block.get("items", []))))
                kind = BLOCK_KINDS.get(block.get("type", ""), ExerciseKind.circuit)
                block_config = {k: block[k] for k in BLOCK_FIELDS if k in block}
            for i, item in items:
                config = {"block": block_config} if block_config else {}
                config |= {k: item[k] for k in ITEM_FIELDS if k in item}
                found.append(
                    {
                        "position": len(found),
                        "path": f"s{s}.b{b}.i{i}",
                        "name": item.get("name") or item.get("movement") or "exercise",
                        "movement": item.get("movement"),
                        "kind": kind,
                        "config": config,
                    }
                )
    return found


class Load(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float = Field(ge=0, le=2000)
    unit: Literal["kg", "lb"]

    @property
    def kg(self) -> float:
        return self.value if self.unit == "kg" else self.value * 0.45359237


class Effort(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rpe: float | None = Field(None, ge=1, le=10)
    notes: str | None = Field(None, max_length=2000)


class StandardSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reps: int = Field(ge=0, le=10_000)
    load: Load | None = None
    rpe: float | None = Field(None, ge=1, le=10)
    rir: int | None = Field(None, ge=0, le=10)


class StandardData(Effort):
    sets: list[StandardSet] = Field(default_factory=list, max_length=100)


class EmomData(Effort):
    reps_per_minute: list[Annotated[int, Field(ge=0, le=1000)]] = Field(default_factory=list, max_length=600)
    load: Load | None = None


class AmrapData(Effort):
    rounds: int = Field(0, ge=0, le=10_000)
    reps: int = Field(0, ge=0, le=100_000)
    load: Load | None = None


class CircuitData(Effort):
    rounds: int = Field(0, ge=0, le=10_000)
    reps: int = Field(0, ge=0, le=100_000)
    load: Load | None = None
    distance_m: float | None = Field(None, ge=0, le=1_000_000)
    calories: float | None = Field(None, ge=0, le=100_000)
    time_s: float | None = Field(None, ge=0, le=86_400)


DATA_MODELS: dict[ExerciseKind, type[Effort]] = {
    ExerciseKind.standard: StandardData,
    ExerciseKind.emom: EmomData,
    ExerciseKind.amrap: AmrapData,
    ExerciseKind.circuit: CircuitData,
}


def checked_data(kind: ExerciseKind, data: dict[str, Any]) -> Effort:
    """The data, validated for its kind (pydantic raises with the field that is wrong)."""
    return DATA_MODELS[kind].model_validate(data)
