"""GraphQL: searchWods and wod, with the same visibility rules as REST."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from atelier.kit.graphql import Context
from atelier.kit.problems import Problem
from atelier.wods import repository
from atelier.wods.catalog import normalize_equipment
from atelier.wods.models import Wod


@strawberry.type(name="WODDefinition")
class WodType:
    id: strawberry.ID
    title: str
    dsl_source: str
    version: int
    visibility: str
    format: str
    score_type: str
    movements: list[str]
    equipment: list[str]
    modalities: list[str]
    categories: list[str]
    duration: int
    difficulty: int

    @classmethod
    def of(cls, wod: Wod) -> WodType:
        return cls(
            id=strawberry.ID(str(wod.id)),
            title=wod.title,
            dsl_source=wod.source,
            version=wod.version,
            visibility=wod.visibility.value,
            format=wod.format,
            score_type=wod.score_type,
            movements=list(wod.movements),
            equipment=list(wod.equipment),
            modalities=list(wod.modalities),
            categories=list(wod.categories),
            duration=wod.duration_seconds,
            difficulty=wod.difficulty,
        )


@strawberry.type
class WodSearchResult:
    items: list[WodType]
    total: int
    total_capped: bool


@strawberry.type
class WodQueries:
    @strawberry.field(description="Public WODs and your own, filtered like GET /api/v1/wods.")
    async def search_wods(
        self,
        info: Info[Context, Any],
        movements: list[str] | None = None,
        match: str = "all",
        equipment: list[str] | None = None,
        categories: list[str] | None = None,
        modalities: list[str] | None = None,
        formats: list[str] | None = None,
        duration_min: int | None = None,
        duration_max: int | None = None,
        difficulty_min: int | None = None,
        difficulty_max: int | None = None,
        q: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> WodSearchResult:
        from atelier.wods.api import checked_query, movement_ids

        user = await info.context.user()
        if match not in ("all", "any"):
            raise Problem(422, "match must be 'all' or 'any'")
        if not 1 <= limit <= 100 or offset < 0:
            raise Problem(422, "limit must be 1–100 and offset at least 0")
        query = repository.WodQuery(
            movements=movement_ids(movements or []),
            match="all" if match == "all" else "any",
            equipment=normalize_equipment(equipment) if equipment is not None else None,
            categories=[c.lower() for c in categories or []],
            modalities=[m.lower() for m in modalities or []],
            formats=[f.lower() for f in formats or []],
            duration_min=duration_min,
            duration_max=duration_max,
            difficulty_min=difficulty_min,
            difficulty_max=difficulty_max,
            text=q,
            limit=limit,
            offset=offset,
        )
        found = await repository.search(info.context.session, user.id, checked_query(query), with_source=True)
        return WodSearchResult(
            items=[WodType.of(w) for w in found.items], total=found.total, total_capped=found.total_capped
        )

    @strawberry.field(description="One WOD you can see, or null.")
    async def wod(self, info: Info[Context, Any], id: strawberry.ID) -> WodType | None:
        user = await info.context.user()
        try:
            wod_id = uuid.UUID(str(id))
        except ValueError:
            return None
        found = await repository.get_readable(info.context.session, user.id, wod_id)
        return WodType.of(found) if found else None
