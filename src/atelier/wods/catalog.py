"""The movement catalog: WODCraft's entries enriched with Atelier's coaching data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from wodcraft.catalog import Catalog, load_catalog, normalize

FAMILY_NAMES = {"M": "monostructural", "G": "gymnastics", "W": "weightlifting"}

# Search by equipment names what a user has, in their words; "barbell" means a loaded one.
EQUIPMENT_ALIASES = {
    "bar": "pull_up_bar",
    "pull-up bar": "pull_up_bar",
    "pullup bar": "pull_up_bar",
    "pull up bar": "pull_up_bar",
    "barre de traction": "pull_up_bar",
    "barre": "barbell",
    "kb": "kettlebell",
    "db": "dumbbell",
    "haltère": "dumbbell",
    "med ball": "medicine_ball",
    "wall ball": "medicine_ball",
    "rameur": "rower",
    "row": "rower",
    "ski": "ski_erg",
    "assault bike": "bike",
    "air bike": "bike",
    "corde à sauter": "jump_rope",
    "skipping rope": "jump_rope",
    "anneaux": "rings",
}
EQUIPMENT_IMPLIES = {
    "barbell": {"plates", "plate"},
    "pull_up_bar": {"rig"},
    "rig": {"pull_up_bar"},
    "medicine_ball": {"wall_target"},
}
# Every gym (and most homes) has these; a WOD needing only them needs "nothing".
ALWAYS_AVAILABLE = frozenset({"wall", "track"})


@dataclass(frozen=True)
class MovementEntry:
    id: str
    name: str
    name_fr: str
    aliases: tuple[str, ...]
    aliases_fr: tuple[str, ...]
    family: str
    category: str
    modality: str
    muscle_groups: tuple[str, ...]
    complexity: int
    equipment: tuple[str, ...]
    quantities: tuple[str, ...]
    params: tuple[str, ...]
    rx: dict[str, Any] | None
    default_loads: dict[str, Any] | None
    scaling: tuple[str, ...]

    def reference_load_kg(self) -> float | None:
        """The men's Rx load in kg, the yardstick for "heavy" in difficulty (None for heights)."""
        if "load" not in self.params:
            return None
        source = self.rx or (self.default_loads or {}).get("rx")
        if not source:
            return None
        unit = (self.rx or self.default_loads or {}).get("unit", "kg")
        men = float(source["men"])
        return men * 0.45359237 if unit == "lb" else men

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "name_fr": self.name_fr,
            "aliases": list(self.aliases),
            "aliases_fr": list(self.aliases_fr),
            "family": self.family,
            "category": self.category,
            "modality": self.modality,
            "muscle_groups": list(self.muscle_groups),
            "complexity": self.complexity,
            "equipment": list(self.equipment),
            "quantities": list(self.quantities),
            "params": list(self.params),
            "rx": self.rx,
            "default_loads": self.default_loads,
            "scaling": list(self.scaling),
        }


def _enrichment() -> dict[str, dict[str, Any]]:
    text = resources.files("atelier.wods").joinpath("data/movements.toml").read_text(encoding="utf-8")
    movements: dict[str, dict[str, Any]] = tomllib.loads(text)["movements"]
    return movements


@lru_cache(maxsize=1)
def movement_catalog() -> dict[str, MovementEntry]:
    """Every WODCraft movement with its enrichment, by id."""
    extra = _enrichment()
    entries: dict[str, MovementEntry] = {}
    for movement_id, movement in load_catalog().movements.items():
        more = extra[movement_id]  # a missing entry is a packaging bug, caught by the data test
        entries[movement_id] = MovementEntry(
            id=movement_id,
            name=movement.name,
            name_fr=movement.display_name("fr"),
            aliases=movement.aliases,
            aliases_fr=movement.fr,
            family=FAMILY_NAMES.get(movement.family, movement.family),
            category=more["category"],
            modality=more["modality"],
            muscle_groups=tuple(more.get("muscle_groups", ())),
            complexity=int(more["complexity"]),
            equipment=tuple(more.get("equipment", ())),
            quantities=movement.quantities,
            params=movement.params,
            rx=movement.rx,
            default_loads=more.get("default_loads"),
            scaling=tuple(more.get("scaling", ())),
        )
    return entries


def wodcraft_catalog() -> Catalog:
    return load_catalog()


def resolve_movement(name: str) -> MovementEntry | None:
    """A movement by id, name or alias in English or French (plural and spelling tolerant)."""
    entries = movement_catalog()
    if name in entries:
        return entries[name]
    found = load_catalog().get(name)
    return entries.get(found.id) if found else None


def suggest_movements(name: str) -> list[str]:
    return load_catalog().suggest(name)


def find_movements(query: str) -> list[MovementEntry]:
    """Movements whose id, name or any alias matches ``query`` exactly first, then by substring."""
    entries = movement_catalog()
    needle = normalize(query) if query.strip() else ""
    if not needle:
        return sorted(entries.values(), key=lambda e: e.name)
    exact = resolve_movement(query)
    ranked: list[MovementEntry] = [exact] if exact else []
    compact = needle.replace(" ", "")
    for entry in sorted(entries.values(), key=lambda e: e.name):
        if entry is exact:
            continue
        names = (entry.id.replace("_", " "), entry.name, *entry.aliases, *entry.aliases_fr)
        if any(needle in normalize(n) or compact in normalize(n).replace(" ", "") for n in names):
            ranked.append(entry)
    return ranked


def normalize_equipment(names: list[str]) -> set[str]:
    """What a user says they have → the catalog's kit, with what each piece implies."""
    have: set[str] = set(ALWAYS_AVAILABLE)
    for raw in names:
        key = " ".join(raw.strip().lower().replace("_", " ").split())
        kit = EQUIPMENT_ALIASES.get(key, key.replace(" ", "_").replace("-", "_"))
        have.add(kit)
        have |= EQUIPMENT_IMPLIES.get(kit, set())
    return have


def known_equipment() -> set[str]:
    return {kit for entry in movement_catalog().values() for kit in entry.equipment} | set(EQUIPMENT_IMPLIES)
