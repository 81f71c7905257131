"""The WOD store: a WOD and its frozen versions; the movement catalog table."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db import Base
from atelier.kit.clock import utcnow
from atelier.kit.types import JSONDocument, TextList, UTCDateTime


class Visibility(enum.StrEnum):
    private = "private"
    public = "public"


class Movement(Base):
    """A catalog entry (seeded from WODCraft + Atelier's enrichment file on every upgrade)."""

    __tablename__ = "movements"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    aliases: Mapped[list[str]] = mapped_column(TextList())
    aliases_fr: Mapped[list[str]] = mapped_column(TextList())
    family: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20), index=True)
    modality: Mapped[str] = mapped_column(String(20))
    muscle_groups: Mapped[list[str]] = mapped_column(TextList())
    complexity: Mapped[int] = mapped_column(Integer)
    equipment: Mapped[list[str]] = mapped_column(TextList())
    quantities: Mapped[list[str]] = mapped_column(TextList())
    params: Mapped[list[str]] = mapped_column(TextList())
    rx: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    default_loads: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    scaling: Mapped[list[str]] = mapped_column(TextList())


class Wod(Base):
    """A stored workout; its searchable columns describe the current version."""

    __tablename__ = "wods"
    __table_args__ = (
        Index("ix_wods_duration_difficulty", "duration_seconds", "difficulty"),
        # Search pages are ordered by (title, id): walking this index stops after one page.
        Index("ix_wods_title_id", "title", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    visibility: Mapped[Visibility] = mapped_column(
        Enum(Visibility, name="visibility", native_enum=False, create_constraint=True, length=10)
    )
    library_path: Mapped[str | None] = mapped_column(String(200), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    compiled: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(20), index=True)
    score_type: Mapped[str] = mapped_column(String(20))
    movements: Mapped[list[str]] = mapped_column(TextList())
    equipment: Mapped[list[str]] = mapped_column(TextList())
    modalities: Mapped[list[str]] = mapped_column(TextList())
    categories: Mapped[list[str]] = mapped_column(TextList())
    duration_seconds: Mapped[int] = mapped_column(Integer, index=True)
    difficulty: Mapped[int] = mapped_column(Integer, index=True)
    team_size: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WodVersion(Base):
    """A frozen version: results and snapshots point at (wod, version), so it never changes."""

    __tablename__ = "wod_versions"
    __table_args__ = (UniqueConstraint("wod_id", "version", name="uq_wod_versions_wod_version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    wod_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wods.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    compiled: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
