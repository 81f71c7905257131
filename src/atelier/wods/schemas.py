"""WOD request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_SOURCE_CHARS = 20_000


class WodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=MAX_SOURCE_CHARS, description="WODCraft source")
    visibility: Literal["private", "public"] = "private"


class WodEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(default=None, min_length=1, max_length=MAX_SOURCE_CHARS)
    visibility: Literal["private", "public"] | None = None


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=MAX_SOURCE_CHARS)


class DiagnosticOut(BaseModel):
    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    line: int
    col: int
    end_col: int | None = None
    suggestion: str | None = None


class CheckOut(BaseModel):
    ok: bool
    diagnostics: list[DiagnosticOut]
    compiled: dict[str, Any] | None


class WodSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    title: str
    visibility: Literal["private", "public"]
    owner_id: uuid.UUID | None
    format: str
    score_type: str
    movements: list[str]
    equipment: list[str]
    modalities: list[str]
    categories: list[str]
    estimated_duration_seconds: int = Field(validation_alias="duration_seconds")
    difficulty: int
    team_size: int
    library_path: str | None


class WodOut(WodSummary):
    source: str
    compiled: dict[str, Any]
    source_hash: str
    created_at: datetime
    updated_at: datetime
    warnings: list[DiagnosticOut] = Field(default_factory=list)


class WodPage(BaseModel):
    items: list[WodSummary]
    total: int = Field(description="matches, exact up to 1000")
    total_capped: bool = Field(description="true when more than 1000 match: read `total` as 1000+")
    limit: int
    offset: int


class WodVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    wod_id: uuid.UUID
    version: int
    title: str
    source: str
    compiled: dict[str, Any]
    source_hash: str
    created_at: datetime


class BoardOut(BaseModel):
    wod_id: uuid.UUID
    version: int
    language: Literal["en", "fr"]
    profile: dict[str, Any]
    text: str
    resolved: dict[str, Any]


class TimelineOut(BaseModel):
    wod_id: uuid.UUID
    version: int
    cap_s: float | None
    segments: list[dict[str, Any]]


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    name_fr: str
    aliases: list[str]
    aliases_fr: list[str]
    family: str
    category: str
    modality: str
    muscle_groups: list[str]
    complexity: int
    equipment: list[str]
    quantities: list[str]
    params: list[str]
    rx: dict[str, Any] | None
    default_loads: dict[str, Any] | None
    scaling: list[str]
