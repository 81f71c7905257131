"""Atelier's movement enrichment data must cover WODCraft's catalog exactly and stay consistent.

WODCraft (the ``wodcraft`` package) owns the movement catalog: ids, names, aliases, family and
its optional ``rx`` reference. Atelier's ``src/atelier/wods/data/movements.toml`` adds category,
modality, muscle groups, complexity, equipment, default loads and scaling options on top of it.
"""

import math
import tomllib
from importlib.resources import files
from pathlib import Path

ATELIER_FILE = Path(__file__).parents[2] / "src/atelier/wods/data/movements.toml"

CATEGORIES = {
    "weightlifting",
    "gymnastics",
    "cardio",
    "strength",
    "plyometric",
    "core",
    "carry",
    "mobility",
}
MODALITIES = {"strength", "cardio", "gymnastics"}
MUSCLE_GROUPS = {
    "quadriceps",
    "hamstrings",
    "glutes",
    "calves",
    "hip_flexors",
    "adductors",
    "lower_back",
    "upper_back",
    "lats",
    "traps",
    "chest",
    "shoulders",
    "biceps",
    "triceps",
    "forearms",
    "core",
    "obliques",
    "cardiovascular",
}
EQUIPMENT = {
    "barbell",
    "plates",
    "dumbbell",
    "kettlebell",
    "medicine_ball",
    "wall_target",
    "pull_up_bar",
    "rings",
    "box",
    "jump_rope",
    "rower",
    "bike",
    "ski_erg",
    "rope",
    "sandbag",
    "sled",
    "ghd",
    "parallettes",
    "wall",
    "rig",
    "plate",
    "abmat",
    "bench",
    "yoke",
    "treadmill",
    "track",
    "pool",
    "other",
}
REQUIRED_KEYS = {"category", "modality", "muscle_groups", "complexity", "equipment", "scaling"}
OPTIONAL_KEYS = {"default_loads"}

# Conversion of each unit to a base unit per dimension: mass -> kg, height -> cm.
UNIT_TO_BASE = {
    "kg": ("mass", 1.0),
    "lb": ("mass", 0.45359237),
    "cm": ("length", 1.0),
    "in": ("length", 2.54),
}
TOLERANCE = 1.0  # kg (or cm for box heights)


def _load_toml(source) -> dict:
    with source.open("rb") as handle:
        return tomllib.load(handle)


def _wodcraft_movements() -> dict:
    catalog = files("wodcraft.catalog") / "movements.toml"
    return _load_toml(catalog)["movements"]


def _atelier_movements() -> dict:
    return _load_toml(ATELIER_FILE)["movements"]


def _to_base(value: float, unit: str) -> tuple[str, float]:
    dimension, factor = UNIT_TO_BASE[unit]
    return dimension, value * factor


def test_every_wodcraft_movement_is_enriched_once():
    # tomllib rejects a table defined twice, so parsing the file proves each id appears once.
    wodcraft_ids = set(_wodcraft_movements())
    atelier_ids = set(_atelier_movements())

    assert len(wodcraft_ids) == 228
    assert sorted(wodcraft_ids - atelier_ids) == [], "WODCraft movements without enrichment"
    assert sorted(atelier_ids - wodcraft_ids) == [], "enrichment for ids unknown to WODCraft"


def test_enrichment_file_has_only_the_movements_table():
    assert set(_load_toml(ATELIER_FILE)) == {"movements"}


def test_every_entry_has_exactly_the_documented_keys():
    for movement_id, entry in _atelier_movements().items():
        keys = set(entry)
        assert keys >= REQUIRED_KEYS, f"{movement_id}: missing {sorted(REQUIRED_KEYS - keys)}"
        extra = keys - REQUIRED_KEYS - OPTIONAL_KEYS
        assert not extra, f"{movement_id}: unexpected keys {sorted(extra)}"


def test_complexity_is_an_integer_from_one_to_five():
    for movement_id, entry in _atelier_movements().items():
        complexity = entry["complexity"]
        assert type(complexity) is int, f"{movement_id}: complexity {complexity!r} is not an int"
        assert 1 <= complexity <= 5, f"{movement_id}: complexity {complexity} out of 1..5"


def test_category_and_modality_come_from_their_vocabularies():
    for movement_id, entry in _atelier_movements().items():
        assert entry["category"] in CATEGORIES, f"{movement_id}: category {entry['category']!r}"
        assert entry["modality"] in MODALITIES, f"{movement_id}: modality {entry['modality']!r}"


def test_muscle_groups_are_a_non_empty_list_from_the_vocabulary_without_duplicates():
    for movement_id, entry in _atelier_movements().items():
        groups = entry["muscle_groups"]
        assert isinstance(groups, list) and groups, f"{movement_id}: no muscle groups"
        assert len(groups) == len(set(groups)), f"{movement_id}: duplicated muscle group"
        unknown = set(groups) - MUSCLE_GROUPS
        assert not unknown, f"{movement_id}: unknown muscle groups {sorted(unknown)}"


def test_equipment_is_a_list_from_the_vocabulary_without_duplicates():
    for movement_id, entry in _atelier_movements().items():
        equipment = entry["equipment"]
        assert isinstance(equipment, list), f"{movement_id}: equipment is not a list"
        assert len(equipment) == len(set(equipment)), f"{movement_id}: duplicated equipment"
        unknown = set(equipment) - EQUIPMENT
        assert not unknown, f"{movement_id}: unknown equipment {sorted(unknown)}"


def test_default_loads_have_rx_and_scaled_for_men_and_women_in_a_known_unit():
    for movement_id, entry in _atelier_movements().items():
        loads = entry.get("default_loads")
        if loads is None:
            continue
        assert set(loads) == {"rx", "scaled", "unit"}, f"{movement_id}: keys {sorted(loads)}"
        assert loads["unit"] in UNIT_TO_BASE, f"{movement_id}: unit {loads['unit']!r}"
        for level in ("rx", "scaled"):
            assert set(loads[level]) == {"men", "women"}, f"{movement_id}: {level} keys"
            for sex, value in loads[level].items():
                assert isinstance(value, int | float) and not isinstance(value, bool)
                assert math.isfinite(value) and value > 0, f"{movement_id}: {level}.{sex}={value}"


def test_every_wodcraft_rx_is_matched_by_the_default_rx_load():
    atelier = _atelier_movements()
    for movement_id, movement in _wodcraft_movements().items():
        rx = movement.get("rx")
        if rx is None:
            continue
        loads = atelier[movement_id].get("default_loads")
        assert loads is not None, f"{movement_id}: WODCraft has an rx but we have no default_loads"
        for sex in ("men", "women"):
            theirs_dimension, theirs = _to_base(rx[sex], rx["unit"])
            ours_dimension, ours = _to_base(loads["rx"][sex], loads["unit"])
            assert ours_dimension == theirs_dimension, (
                f"{movement_id}: rx is a {theirs_dimension} in WODCraft, a {ours_dimension} here"
            )
            assert abs(ours - theirs) <= TOLERANCE, (
                f"{movement_id}: rx {sex} {loads['rx'][sex]} {loads['unit']} "
                f"!= WODCraft {rx[sex]} {rx['unit']}"
            )


def test_scaled_loads_are_lighter_than_rx():
    for movement_id, entry in _atelier_movements().items():
        loads = entry.get("default_loads")
        if loads is None:
            continue
        for sex in ("men", "women"):
            assert loads["scaled"][sex] < loads["rx"][sex], (
                f"{movement_id}: scaled {sex} {loads['scaled'][sex]} is not below rx {loads['rx'][sex]}"
            )


def test_scaling_lists_one_to_three_non_empty_options():
    for movement_id, entry in _atelier_movements().items():
        scaling = entry["scaling"]
        assert isinstance(scaling, list), f"{movement_id}: scaling is not a list"
        assert 1 <= len(scaling) <= 3, f"{movement_id}: {len(scaling)} scaling options"
        assert len(scaling) == len(set(scaling)), f"{movement_id}: duplicated scaling option"
        for option in scaling:
            assert isinstance(option, str) and option.strip(), f"{movement_id}: empty option"
