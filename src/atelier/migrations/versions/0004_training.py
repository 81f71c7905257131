"""Running a session: attempts, progress and its exercises, idempotent writes, recovery, metrics.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{table}_{column}")


def _session(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "session_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=nullable
    )


def _athlete(column: str = "athlete_id") -> sa.Column:
    return sa.Column(column, sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _session(),
        _athlete(),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN),
        sa.Column("duration_seconds", sa.Integer()),
        sa.Column("exercises_completed", sa.Integer(), nullable=False),
        sa.Column("exercises_total", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rest_period_seconds", sa.Integer()),
        _check("attempts", "status", ("in_progress", "completed", "abandoned")),
    )
    op.create_index("ix_attempts_session_started", "attempts", ["session_id", "started_at"])
    op.create_table(
        "progress",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _session(),
        _athlete(),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("session_id", "athlete_id", name="uq_progress_session_athlete"),
    )
    op.create_table(
        "progress_exercises",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("progress_id", sa.Uuid(), sa.ForeignKey("progress.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("movement", sa.String(64)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text()),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("progress_id", "position", name="uq_progress_exercises_position"),
        _check("progress_exercises", "kind", ("standard", "EMOM", "AMRAP", "circuit")),
        _check("progress_exercises", "status", ("not_started", "in_progress", "completed", "skipped")),
    )
    op.create_table(
        "idempotent_requests",
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_idempotent_requests_created_at", "idempotent_requests", ["created_at"])
    op.create_table(
        "recovery_snapshots",
        sa.Column(
            "session_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
        ),
        _athlete(),
        sa.Column("attempt_id", sa.Uuid(), sa.ForeignKey("attempts.id", ondelete="SET NULL")),
        sa.Column("current_exercise", sa.Integer(), nullable=False),
        sa.Column("current_set", sa.Integer(), nullable=False),
        sa.Column("completed_exercises", sa.JSON(), nullable=False),
        sa.Column("completed_sets", sa.JSON(), nullable=False),
        sa.Column("timers", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_recovery_snapshots_athlete_id", "recovery_snapshots", ["athlete_id"])
    op.create_index("ix_recovery_snapshots_updated_at", "recovery_snapshots", ["updated_at"])
    op.create_table(
        "training_metrics",
        sa.Column(
            "session_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
        ),
        _athlete(),
        sa.Column("volume_kg", sa.Float(), nullable=False),
        sa.Column("reps_total", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("calories", sa.Float(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("rpe_avg", sa.Float()),
        sa.Column("discipline", sa.String(16), nullable=False),
        sa.Column("session_type", sa.String(20), nullable=False),
        sa.Column("computed_at", WHEN, nullable=False),
    )
    op.create_index("ix_training_metrics_athlete_id", "training_metrics", ["athlete_id"])
    op.create_table(
        "results",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _session(),
        _athlete(),
        sa.Column("wod_id", sa.Uuid(), sa.ForeignKey("wods.id", ondelete="SET NULL")),
        sa.Column("wod_version", sa.Integer()),
        sa.Column("workout_hash", sa.String(64), nullable=False),
        sa.Column("score_type", sa.String(16), nullable=False),
        sa.Column("score_value", sa.Float()),
        sa.Column("score_secondary", sa.Float()),
        sa.Column("score_unit", sa.String(10)),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("is_rx", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(16)),
        sa.Column("is_dnf", sa.Boolean(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text()),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("session_id", name="uq_results_session_id"),
    )
    op.create_index("ix_results_athlete_id", "results", ["athlete_id"])
    op.create_index("ix_results_workout_hash", "results", ["workout_hash"])
    if op.get_bind().dialect.name == "postgresql":
        for table, (using, check) in POLICIES.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_access ON {table} USING ({using}) WITH CHECK ({check})")


def _coaches(athlete: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM coach_links l WHERE l.coach_id = {ME} AND l.athlete_id = {athlete} "
        "AND l.status = 'active')"
    )


# The athlete owns what they did; a coach reads it while linked. Only the athlete writes it.
POLICIES = {
    "attempts": (
        f"athlete_id = {ME} OR {SYSTEM} OR {_coaches('attempts.athlete_id')}",
        f"athlete_id = {ME} OR {SYSTEM}",
    ),
    "progress": (
        f"athlete_id = {ME} OR {SYSTEM} OR {_coaches('progress.athlete_id')}",
        f"athlete_id = {ME} OR {SYSTEM}",
    ),
    "progress_exercises": (
        "EXISTS (SELECT 1 FROM progress p WHERE p.id = progress_exercises.progress_id)",
        f"{SYSTEM} OR EXISTS (SELECT 1 FROM progress p WHERE p.id = progress_exercises.progress_id "
        f"AND p.athlete_id = {ME})",
    ),
    "idempotent_requests": (f"user_id = {ME} OR {SYSTEM}", f"user_id = {ME} OR {SYSTEM}"),
    "recovery_snapshots": (f"athlete_id = {ME} OR {SYSTEM}", f"athlete_id = {ME} OR {SYSTEM}"),
    "training_metrics": (
        f"athlete_id = {ME} OR {SYSTEM} OR {_coaches('training_metrics.athlete_id')}",
        f"athlete_id = {ME} OR {SYSTEM}",
    ),
    # Leaderboards (issue 5) will read others' results through their own rules; until then, like metrics.
    "results": (
        f"athlete_id = {ME} OR {SYSTEM} OR {_coaches('results.athlete_id')}",
        f"athlete_id = {ME} OR {SYSTEM}",
    ),
}


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {table}_access ON {table}")
    for table in (
        "results",
        "training_metrics",
        "recovery_snapshots",
        "idempotent_requests",
        "progress_exercises",
        "progress",
        "attempts",
    ):
        op.drop_table(table)
