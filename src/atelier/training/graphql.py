"""GraphQL: ``leaderboard(wodId, track, limit)`` as seed 003 writes it, with REST's rules."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from atelier.kit.graphql import Context
from atelier.kit.problems import NotFound, Problem
from atelier.training import leaderboards

TRACKS: dict[str, leaderboards.Track | None] = {"RX": "rx", "SCALED": "scaled", "ALL": None}


@strawberry.type(name="AthleteResult")
class BoardRow:
    rank: int
    tied: bool
    athlete_id: strawberry.ID
    athlete_name: str
    score_type: str
    score_value: float | None
    score_secondary: float | None
    score_unit: str | None
    score_display: str
    capped: bool
    is_rx: bool
    is_dnf: bool
    level: str | None
    category: str
    performed_on: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> BoardRow:
        score = row["score"]
        return cls(
            rank=row["rank"],
            tied=row["tied"],
            athlete_id=strawberry.ID(row["athlete"]["id"]),
            athlete_name=row["athlete"]["name"],
            score_type=score["type"],
            score_value=score["value"],
            score_secondary=score["secondary"],
            score_unit=score["unit"],
            score_display=score["display"],
            capped=score["capped"],
            is_rx=row["rx"],
            is_dnf=row["dnf"],
            level=row["level"],
            category=row["category"],
            performed_on=row["performed_on"],
        )


@strawberry.type
class TrainingQueries:
    @strawberry.field(
        description="Each athlete's best on a WOD, ranked (track RX, SCALED or ALL), like "
        "GET /api/v1/wods/{id}/leaderboard; hidden results are left out."
    )
    async def leaderboard(
        self, info: Info[Context, Any], wod_id: strawberry.ID, track: str = "RX", limit: int = 10
    ) -> list[BoardRow]:
        user = await info.context.user()
        try:
            wod = uuid.UUID(str(wod_id))
        except ValueError as exc:
            raise NotFound("wod") from exc
        if track.upper() not in TRACKS:
            raise Problem(422, "track must be RX, SCALED or ALL")
        workout = await leaderboards.workout(info.context.session, user, wod, None)
        rows, _ = await leaderboards.board(
            info.context.session,
            user,
            workout,
            leaderboards.BoardQuery(track=TRACKS[track.upper()], limit=limit),
        )
        return [BoardRow.of(row) for row in rows]
