"""Coaching: offered prescriptions, the insights cache, manual refreshes, the illustration queue.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

Six new tables, and one column widened: ``training_goals.goal_type`` was 24 characters, one short
of ``training_minutes_per_week``, so PostgreSQL refused that goal; it becomes 32 (no row changes).

Row-level security: prescriptions, insights and refreshes are their owner's alone. The illustration
library and its queue hold no personal data (a picture of a movement is everyone's) and have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"
OWNED = {
    "coach_prescriptions": "athlete_id",
    "training_insights": "user_id",
    "training_progression_insights": "user_id",
    "coaching_refreshes": "user_id",
}


def _user(name: str = "user_id", *, primary_key: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.Uuid(),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _cached() -> list[sa.Column]:
    return [
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("content", sa.JSON()),
        sa.Column("sessions_analyzed", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("generated_at", WHEN),
        sa.Column("expires_at", WHEN),
    ]


def upgrade() -> None:
    with op.batch_alter_table("training_goals") as batch:
        batch.alter_column(
            "goal_type", type_=sa.String(32), existing_type=sa.String(24), existing_nullable=False
        )
    op.create_table(
        "coach_prescriptions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user("athlete_id"),
        sa.Column("discipline", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Uuid(), sa.ForeignKey("training_locations.id", ondelete="SET NULL")),
        sa.Column("equipment", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("accepted_at", WHEN),
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="SET NULL")),
    )
    op.create_index("ix_coach_prescriptions_athlete", "coach_prescriptions", ["athlete_id", "created_at"])
    op.create_table(
        "training_insights",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user(),
        sa.Column("insight_type", sa.String(16), nullable=False),
        sa.Column("discipline", sa.String(16), nullable=False),
        *_cached(),
        sa.UniqueConstraint("user_id", "language", name="uq_training_insights_user_language"),
    )
    op.create_table(
        "training_progression_insights",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user(),
        sa.Column("period", sa.String(8), nullable=False),
        *_cached(),
        sa.UniqueConstraint(
            "user_id", "period", "language", name="uq_training_progression_insights_user_period_language"
        ),
    )
    op.create_table(
        "coaching_refreshes",
        _user(primary_key=True),
        sa.Column("refreshed_at", WHEN, nullable=False),
    )
    op.create_table(
        "illustration_library",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("movement", sa.String(64), nullable=False, unique=True),
        sa.Column("discipline", sa.String(16)),
        sa.Column("muscle_groups", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("generator", sa.String(16), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "illustration_generation_queue",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("movement", sa.String(64), nullable=False, unique=True),
        sa.Column("discipline", sa.String(16)),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("locked_until", WHEN),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("completed_at", WHEN),
    )
    op.create_index(
        "ix_illustration_queue_due",
        "illustration_generation_queue",
        ["status", "priority", "next_attempt_at"],
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, owner in OWNED.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY {table}_access ON {table} "
                f"USING ({owner} = {ME} OR {SYSTEM}) WITH CHECK ({owner} = {ME} OR {SYSTEM})"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in OWNED:
            op.execute(f"DROP POLICY IF EXISTS {table}_access ON {table}")
    for table in (
        "illustration_generation_queue",
        "illustration_library",
        "coaching_refreshes",
        "training_progression_insights",
        "training_insights",
        "coach_prescriptions",
    ):
        op.drop_table(table)
    with op.batch_alter_table("training_goals") as batch:
        batch.alter_column(
            "goal_type", type_=sa.String(24), existing_type=sa.String(32), existing_nullable=False
        )
