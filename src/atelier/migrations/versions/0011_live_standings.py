"""Live standings: each entrant's folded standing in a class, upserted with every batch of events.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

``live_standings`` holds, per (class, entrant), what ``live.apply`` needs to go on folding events
(``done``, the offsets, ``finished_at``, ``load_kg``) and how many of the entrant's events are
stored, so a batch no longer re-reads every stored event of its class. This migration fills it by
folding each class's stored events again, in the order they were applied (``standings.refold``'s
order), with the workout and teams the class has now.

Row-level security as on ``realized_events``: whoever sees the class reads its standings; a row is
written by whoever posts (``updated_by`` is the caller) in a class they see, or by the system.
"""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"
VISIBLE = "EXISTS (SELECT 1 FROM class_sessions c WHERE c.id = live_standings.class_id)"

CLASSES = sa.table(
    "class_sessions",
    sa.column("id", sa.Uuid()),
    sa.column("session_date", sa.Date()),
    sa.column("source", sa.Text()),
    sa.column("coach_id", sa.Uuid()),
)
TEAMS = sa.table(
    "class_teams",
    sa.column("id", sa.Uuid()),
    sa.column("class_id", sa.Uuid()),
    sa.column("members", sa.JSON()),
)
BOOKINGS = sa.table(
    "class_bookings",
    sa.column("class_id", sa.Uuid()),
    sa.column("athlete_id", sa.Uuid()),
    sa.column("status", sa.String()),
)
PROFILES = sa.table("athlete_profiles", sa.column("user_id", sa.Uuid()), sa.column("category", sa.String()))
EVENTS = sa.table(
    "realized_events",
    *(sa.column(name, sa.Uuid()) for name in ("id", "class_id", "athlete_id", "entrant_id")),
    sa.column("class_date", sa.Date()),
    sa.column("offset_s", sa.Float()),
    sa.column("kind", sa.String()),
    sa.column("movement", sa.String()),
    sa.column("quantity", sa.Float()),
    sa.column("unit", sa.String()),
    sa.column("done_after", sa.Float()),
    sa.column("recorded_at", WHEN),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    standings = op.create_table(
        "live_standings",
        sa.Column(
            "class_id", sa.Uuid(), sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("entrant_id", sa.Uuid(), nullable=False),
        sa.Column("done", sa.Float(), nullable=False),
        sa.Column("last_offset", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float()),
        sa.Column("load_kg", sa.Float()),
        sa.Column("last_offsets", sa.JSON(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("class_id", "entrant_id", name="pk_live_standings"),
    )
    if postgres:  # realized_events forces row-level security, on its owner too
        op.execute("SELECT set_config('app.system', 'on', true)")
    rows = [row for class_row in _classes_with_events() for row in _standings_of(class_row)]
    if rows:
        op.bulk_insert(standings, rows)
    if postgres:
        op.execute("ALTER TABLE live_standings ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE live_standings FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY live_standings_access ON live_standings USING ({SYSTEM} OR {VISIBLE}) "
            f"WITH CHECK ({SYSTEM} OR (updated_by = {ME} AND {VISIBLE}))"
        )


def _classes_with_events() -> list[Any]:
    having = sa.select(EVENTS.c.class_id).distinct()
    return list(op.get_bind().execute(sa.select(CLASSES).where(CLASSES.c.id.in_(having))).all())


def _standings_of(class_row: Any) -> list[dict[str, Any]]:
    """The class's standings folded from its stored events (as ``standings.refold`` does)."""
    from atelier.kit.clock import utcnow
    from atelier.training import live
    from atelier.training.standings import fold_all
    from atelier.wods.compiler import compile_now

    bind = op.get_bind()
    compiled = compile_now(class_row.source or "")
    if compiled.document is None:
        return []  # nothing could be posted to a class whose workout does not compile
    try:
        paths = {c: live.path_of(compiled.document, category=c) for c in ("men", "women")}
    except ValueError:
        return []  # nor to a class whose workout cannot be tracked live
    policies = {
        team.id: live.Policy(
            team.id, tuple(uuid.UUID(str(m)) for m in team.members), frozenset({class_row.coach_id})
        )
        for team in bind.execute(sa.select(TEAMS).where(TEAMS.c.class_id == class_row.id))
    }
    categories = dict(
        bind.execute(
            sa.select(BOOKINGS.c.athlete_id, PROFILES.c.category)
            .join(PROFILES, PROFILES.c.user_id == BOOKINGS.c.athlete_id)
            .where(BOOKINGS.c.class_id == class_row.id, BOOKINGS.c.status == "booked")
        ).all()
    )

    def path_of(entrant_id: uuid.UUID) -> live.Path:
        policy = policies.get(entrant_id)
        first = policy.members[0] if policy else entrant_id
        return paths["women" if categories.get(first) == "women" else "men"]

    by_entrant: dict[uuid.UUID, list[live.Event]] = {}
    for e in bind.execute(
        sa.select(EVENTS)
        .where(EVENTS.c.class_date == class_row.session_date, EVENTS.c.class_id == class_row.id)
        .order_by(EVENTS.c.recorded_at, EVENTS.c.offset_s, EVENTS.c.done_after)
    ):
        by_entrant.setdefault(e.entrant_id, []).append(
            live.Event(
                id=e.id,
                athlete_id=e.athlete_id,
                offset_s=e.offset_s,
                kind=e.kind,
                movement=e.movement,
                quantity=e.quantity,
                unit=e.unit,
            )
        )
    folded = fold_all(by_entrant, path_of, policies.get)
    now = utcnow()
    return [
        {
            "class_id": class_row.id,
            "entrant_id": entrant_id,
            "done": standing.done,
            "last_offset": standing.last_offset,
            "finished_at": standing.finished_at,
            "load_kg": standing.load_kg,
            "last_offsets": {str(k): v for k, v in standing.last_offsets.items()},
            "events": folded.counts[entrant_id],
            "updated_by": class_row.coach_id,
            "updated_at": now,
        }
        for entrant_id, standing in folded.found.items()
    ]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS live_standings_access ON live_standings")
    op.drop_table("live_standings")
