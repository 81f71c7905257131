"""The documents of an export archive, their item models and JSON Schemas.

Every document is ``{"format": "atelier-export", "version": 1, "document": NAME, "items": [...]}``.
The item models are built from the tables themselves (one field per column, typed and nullable
as the column is), so a column added by a migration travels in the archive without anyone
remembering to add it here; the few columns that point at *other* people's rows (a coach's
routine, a class) or at the owner are left out, because they mean nothing on another server.
The same models validate an archive on import and give the JSON Schemas written beside it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import inspect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from atelier.accounts.models import AthleteProfile
from atelier.forge.models import Activity, Goal, Location, Recording
from atelier.planning.models import Session
from atelier.portability.models import MovementMapping
from atelier.training.models import Attempt, ProgressExercise, Result, TrainingMetrics

FORMAT = "atelier-export"
VERSION = 1  # raised when an item loses or changes a field; added nullable fields keep it


@dataclass(frozen=True)
class Table:
    """How one table travels: which columns stay home."""

    model: type[DeclarativeBase]
    drop: frozenset[str]

    @property
    def item(self) -> type[BaseModel]:
        return ITEMS[self.model.__name__]


def _python_type(column: Any) -> Any:
    kind_of = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    try:
        kind = kind_of.python_type
    except NotImplementedError:  # JSON and the project's own types
        kind = Any
    if kind in (dict, list):
        return kind[Any] if kind is list else dict[str, Any]
    return kind


def _item_model(model: type[DeclarativeBase], drop: frozenset[str]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for attr in inspect(model).column_attrs:
        if attr.key in drop:
            continue
        column = attr.columns[0]
        kind = _python_type(column)
        if column.nullable or kind is Any:
            fields[attr.key] = (kind | None if kind is not Any else Any, None)
        else:
            fields[attr.key] = (kind, ...)
    return create_model(f"{model.__name__}Item", __config__=ConfigDict(extra="forbid"), **fields)


OWNER = frozenset({"user_id", "athlete_id"})
TABLES = {
    "sessions": Table(Session, OWNER | {"created_by", "routine_id", "routine_version_id", "assignment_id"}),
    "attempts": Table(Attempt, OWNER),
    "exercises": Table(ProgressExercise, frozenset({"progress_id"})),
    "metrics": Table(TrainingMetrics, OWNER),
    "results": Table(Result, OWNER | {"class_id", "team_id"}),
    "activities": Table(Activity, OWNER),
    "recordings": Table(Recording, OWNER | {"device_id"}),
    "goals": Table(Goal, OWNER),
    "locations": Table(Location, OWNER),
    "mappings": Table(MovementMapping, OWNER),
    "profile": Table(AthleteProfile, OWNER | {"updated_at"}),
}
ITEMS: dict[str, type[BaseModel]] = {t.model.__name__: _item_model(t.model, t.drop) for t in TABLES.values()}

SessionItem = create_model(
    "SessionItem",
    __base__=ITEMS["Session"],
    wod_library_path=(str | None, Field(None, description="a library WOD it planned, found by path")),
)
ITEMS["Session"] = SessionItem


AttemptItem = ITEMS["Attempt"]
ExerciseItem = ITEMS["ProgressExercise"]
MetricsItem = ITEMS["TrainingMetrics"]
AthleteProfileItem = ITEMS["AthleteProfile"]


class WodVersionItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    title: str
    source: str = Field(description="WODCraft source; compiled again on import")
    created_at: datetime


class WodItem(BaseModel):
    """A WOD the user owns, with every version (sessions and results point at a version)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    title: str
    visibility: str
    version: int
    created_at: datetime
    versions: list[WodVersionItem]


class ProgressItem(BaseModel):
    """A session's performance log: every attempt, every exercise as logged, and its metrics."""

    model_config = ConfigDict(extra="forbid")

    session_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    attempts: list[AttemptItem]  # type: ignore[valid-type]
    exercises: list[ExerciseItem]  # type: ignore[valid-type]
    metrics: MetricsItem | None = None  # type: ignore[valid-type]


class UserItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    name: str
    role: str


class ProfileItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: UserItem
    profile: AthleteProfileItem | None  # type: ignore[valid-type]


# The archive's documents, in the order they are written and imported (a session before its
# progress, a recording before the ledger row that points at it).
DOCUMENTS: dict[str, type[BaseModel]] = {
    "profile": ProfileItem,
    "wods": WodItem,
    "sessions": SessionItem,
    "progress": ProgressItem,
    "results": ITEMS["Result"],
    "recordings": ITEMS["Recording"],
    "activities": ITEMS["Activity"],
    "goals": ITEMS["Goal"],
    "locations": ITEMS["Location"],
    "mappings": ITEMS["MovementMapping"],
}


def schema_of(name: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one document, envelope included."""
    envelope = create_model(
        f"{name.title()}Document",
        __config__=ConfigDict(extra="forbid"),
        format=(str, Field(FORMAT, pattern=f"^{FORMAT}$")),
        version=(int, Field(VERSION, ge=1)),
        document=(str, Field(name, pattern=f"^{name}$")),
        items=(list[DOCUMENTS[name]], ...),  # type: ignore[valid-type]
    )
    schema: dict[str, Any] = envelope.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://atelier.example/schema/export/v{VERSION}/{name}.schema.json"
    return schema


def item_json(model: type[BaseModel], row: Any) -> bytes:
    """One row as an item of its document: only the exported columns, JSON-typed."""
    return model.model_validate(row, from_attributes=True).model_dump_json().encode()
