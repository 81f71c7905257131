"""Forge: the activity ledger, wearable recordings, connected devices, goals and locations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Only new tables: nothing existing changes. Sessions finished before this revision get their ledger
rows from ``forge.sync.backfill``, which ``atelier db upgrade`` and the app's start run after
migrating (the calorie model lives in Python, so the backfill does too, and it is idempotent).

Row-level security: the athlete owns their ledger, recordings and goals, and a linked coach reads
them; connected devices (tokens) and locations are the owner's alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"


def _user() -> sa.Column:
    return sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user(),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Uuid()),
        sa.Column("activity_type", sa.String(32), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("started_at", WHEN),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("calories", sa.Float(), nullable=False),
        sa.Column("calorie_model", sa.String(8), nullable=False),
        sa.Column("calorie_detail", sa.Text(), nullable=False),
        sa.Column("rpe", sa.Float()),
        sa.Column("avg_hr", sa.Integer()),
        sa.Column("effort", sa.Integer()),
        sa.Column("distance_m", sa.Float()),
        sa.Column("notes", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("source", "source_id", name="uq_activities_source_source_id"),
        sa.CheckConstraint("source IN ('training', 'manual', 'wearable')", name="ck_activities_source"),
        sa.CheckConstraint("duration_seconds >= 0", name="ck_activities_duration"),
        sa.CheckConstraint("calories >= 0", name="ck_activities_calories"),
    )
    op.create_index("ix_activities_user_date", "activities", ["user_id", "activity_date"])
    op.create_table(
        "connected_devices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text()),
        sa.Column("token_expires_at", WHEN),
        sa.Column("cursor", sa.String(200)),
        sa.Column("last_synced_at", WHEN),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("user_id", "provider", name="uq_connected_devices_user_id_provider"),
    )
    op.create_table(
        "recordings",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user(),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(200)),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("sport", sa.String(16), nullable=False),
        sa.Column("device_id", sa.Uuid(), sa.ForeignKey("connected_devices.id", ondelete="SET NULL")),
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="SET NULL")),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("avg_hr", sa.Integer()),
        sa.Column("max_hr", sa.Integer()),
        sa.Column("min_hr", sa.Integer()),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("zone_method", sa.String(16)),
        sa.Column("hr_max_used", sa.Integer()),
        sa.Column("hr_max_source", sa.String(16)),
        sa.Column("trimp", sa.Float()),
        sa.Column("effort", sa.Integer()),
        sa.Column("distance_m", sa.Float()),
        sa.Column("calories", sa.Float(), nullable=False),
        sa.Column("calorie_model", sa.String(8), nullable=False),
        sa.Column("calorie_detail", sa.Text(), nullable=False),
        sa.Column("quality", sa.String(10), nullable=False),
        sa.Column("completeness", sa.Float(), nullable=False),
        sa.Column("anomaly_share", sa.Float(), nullable=False),
        sa.Column("spikes", sa.Integer(), nullable=False),
        sa.Column("dropouts", sa.Integer(), nullable=False),
        sa.Column("quality_reasons", sa.JSON(), nullable=False),
        sa.Column("hr_series", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("user_id", "content_hash", name="uq_recordings_user_id_content_hash"),
        sa.UniqueConstraint("session_id", name="uq_recordings_session_id"),
    )
    op.create_index("ix_recordings_user_started", "recordings", ["user_id", "started_at"])
    op.create_table(
        "training_goals",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user(),
        sa.Column("goal_type", sa.String(24), nullable=False),
        sa.Column("movement", sa.String(64)),
        sa.Column("target_value", sa.Float(), nullable=False),
        sa.Column("current_value", sa.Float()),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("deadline", sa.Date()),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("achieved_at", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_training_goals_user", "training_goals", ["user_id", "is_active"])
    op.create_table(
        "training_locations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user(),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("equipment", sa.JSON(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("user_id", "name", name="uq_training_locations_user_id_name"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, (using, check) in POLICIES.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_access ON {table} USING ({using}) WITH CHECK ({check})")


def _coaches(user: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM coach_links l WHERE l.coach_id = {ME} AND l.athlete_id = {user} "
        "AND l.status = 'active')"
    )


POLICIES = {
    "activities": (
        f"user_id = {ME} OR {SYSTEM} OR {_coaches('activities.user_id')}",
        f"user_id = {ME} OR {SYSTEM}",
    ),
    "recordings": (
        f"user_id = {ME} OR {SYSTEM} OR {_coaches('recordings.user_id')}",
        f"user_id = {ME} OR {SYSTEM}",
    ),
    "training_goals": (
        f"user_id = {ME} OR {SYSTEM} OR {_coaches('training_goals.user_id')}",
        f"user_id = {ME} OR {SYSTEM}",
    ),
    "connected_devices": (f"user_id = {ME} OR {SYSTEM}", f"user_id = {ME} OR {SYSTEM}"),
    "training_locations": (f"user_id = {ME} OR {SYSTEM}", f"user_id = {ME} OR {SYSTEM}"),
}


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {table}_access ON {table}")
    for table in ("training_locations", "training_goals", "recordings", "connected_devices", "activities"):
        op.drop_table(table)
