"""Planning: sessions (one-off, series, occurrence), routines and assignments, classes, calendar feeds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"
STATUSES = ("scheduled", "in_progress", "completed", "skipped", "cancelled")


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{table}_{column}")


def _user(column: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:
    return sa.Column(column, sa.Uuid(), sa.ForeignKey("users.id", ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "routines",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user("coach_id"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_routines_coach_id", "routines", ["coach_id"])
    op.create_table(
        "routine_versions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("routine_id", sa.Uuid(), sa.ForeignKey("routines.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("frozen_at", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("routine_id", "version", name="uq_routine_versions_routine_version"),
    )
    op.create_table(
        "routine_assignments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("routine_id", sa.Uuid(), sa.ForeignKey("routines.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "routine_version_id",
            sa.Uuid(),
            sa.ForeignKey("routine_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("athlete_id"),
        _user("coach_id", nullable=True, ondelete="SET NULL"),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("replaced_by_id", sa.Uuid(), sa.ForeignKey("routine_assignments.id", ondelete="SET NULL")),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN),
        _check("routine_assignments", "status", ("active", "replaced", "ended")),
    )
    op.create_index("ix_routine_assignments_routine_id", "routine_assignments", ["routine_id"])
    op.create_index("ix_routine_assignments_athlete_id", "routine_assignments", ["athlete_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user("athlete_id"),
        _user("created_by", nullable=True, ondelete="SET NULL"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="SET NULL")),
        sa.Column("occurrence_date", sa.Date()),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("wod_id", sa.Uuid(), sa.ForeignKey("wods.id", ondelete="SET NULL")),
        sa.Column("wod_version", sa.Integer()),
        sa.Column("source", sa.Text()),
        sa.Column("notes", sa.Text()),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("session_time", sa.Time()),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("rule", sa.JSON()),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("ends_on", sa.Date()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("snapshot", DOCUMENT),
        sa.Column("snapshot_at", WHEN),
        sa.Column("started_at", WHEN),
        sa.Column("ended_at", WHEN),
        sa.Column("routine_id", sa.Uuid(), sa.ForeignKey("routines.id", ondelete="SET NULL")),
        sa.Column("routine_version_id", sa.Uuid(), sa.ForeignKey("routine_versions.id", ondelete="SET NULL")),
        sa.Column("assignment_id", sa.Uuid(), sa.ForeignKey("routine_assignments.id", ondelete="SET NULL")),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("parent_id", "occurrence_date", name="uq_sessions_parent_occurrence"),
        _check("sessions", "kind", ("one_off", "series", "occurrence")),
        _check("sessions", "status", STATUSES),
    )
    op.create_index("ix_sessions_athlete_date", "sessions", ["athlete_id", "session_date"])
    op.create_index("ix_sessions_athlete_occurrence", "sessions", ["athlete_id", "occurrence_date"])
    op.create_index(
        "ix_sessions_athlete_series",
        "sessions",
        ["athlete_id"],
        postgresql_where=sa.text("kind = 'series'"),
        sqlite_where=sa.text("kind = 'series'"),
    )
    op.create_index("ix_sessions_parent_id", "sessions", ["parent_id"])
    op.create_index("ix_sessions_assignment_id", "sessions", ["assignment_id"])
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user("coach_id"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("wod_id", sa.Uuid(), sa.ForeignKey("wods.id", ondelete="SET NULL")),
        sa.Column("wod_version", sa.Integer()),
        sa.Column("source", sa.Text()),
        sa.Column("snapshot", DOCUMENT, nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("session_time", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(255)),
        sa.Column("tracks", sa.JSON(), nullable=False),
        sa.Column("gender_mode", sa.String(8), nullable=False),
        sa.Column("team_size", sa.Integer(), nullable=False),
        sa.Column("coach_notes", sa.Text()),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _check("class_sessions", "status", ("scheduled", "cancelled")),
    )
    op.create_index("ix_class_sessions_coach_date", "class_sessions", ["coach_id", "session_date"])
    op.create_table(
        "class_bookings",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "class_id", sa.Uuid(), sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        _user("athlete_id"),
        sa.Column("track", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("class_id", "athlete_id", name="uq_class_bookings_class_athlete"),
        _check("class_bookings", "status", ("booked", "waitlisted", "cancelled")),
    )
    op.create_index("ix_class_bookings_athlete", "class_bookings", ["athlete_id"])
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _user("user_id"),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )
    op.create_index("ix_calendar_feeds_user_id", "calendar_feeds", ["user_id"])
    if op.get_bind().dialect.name == "postgresql":
        _row_level_security()


def _coaches(athlete: str) -> str:
    """The caller coaches this athlete right now (an ended or pending link gives nothing)."""
    return (
        f"EXISTS (SELECT 1 FROM coach_links l WHERE l.coach_id = {ME} AND l.athlete_id = {athlete} "
        "AND l.status = 'active')"
    )


# Who may see a row (USING) and who may write one (WITH CHECK). Policies only read tables whose own
# policies do not read back, so none of them recurses.
POLICIES = {
    "sessions": (
        f"athlete_id = {ME} OR {SYSTEM} OR {_coaches('sessions.athlete_id')}",
        f"athlete_id = {ME} OR {SYSTEM} OR {_coaches('sessions.athlete_id')}",
    ),
    "routine_assignments": (
        f"athlete_id = {ME} OR coach_id = {ME} OR {SYSTEM}",
        f"{SYSTEM} OR (coach_id = {ME} AND atelier_routine_coach(routine_id) = {ME} "
        f"AND {_coaches('routine_assignments.athlete_id')})",
    ),
    "routines": (
        f"coach_id = {ME} OR {SYSTEM} OR EXISTS (SELECT 1 FROM routine_assignments a "
        "WHERE a.routine_id = routines.id)",
        f"coach_id = {ME} OR {SYSTEM}",
    ),
    "routine_versions": (
        "EXISTS (SELECT 1 FROM routines r WHERE r.id = routine_versions.routine_id)",
        f"{SYSTEM} OR EXISTS (SELECT 1 FROM routines r WHERE r.id = routine_versions.routine_id "
        f"AND r.coach_id = {ME})",
    ),
    "class_sessions": (
        f"coach_id = {ME} OR {SYSTEM} OR EXISTS (SELECT 1 FROM coach_links l WHERE "
        f"l.coach_id = class_sessions.coach_id AND l.athlete_id = {ME} AND l.status = 'active')",
        f"coach_id = {ME} OR {SYSTEM}",
    ),
    "class_bookings": (
        f"athlete_id = {ME} OR {SYSTEM} OR EXISTS (SELECT 1 FROM class_sessions c "
        "WHERE c.id = class_bookings.class_id)",
        f"athlete_id = {ME} OR {SYSTEM} OR EXISTS (SELECT 1 FROM class_sessions c "
        f"WHERE c.id = class_bookings.class_id AND c.coach_id = {ME})",
    ),
    "calendar_feeds": (f"user_id = {ME} OR {SYSTEM}", f"user_id = {ME} OR {SYSTEM}"),
}


# Who owns a routine, for the assignments policy. A subquery on routines there would recurse
# (routines' own policy reads assignments), so the lookup is a function that runs as its owner
# with the system context on, and returns one id, nothing else.
ROUTINE_COACH = """
CREATE FUNCTION atelier_routine_coach(routine uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET app.system = 'on' SET search_path = public, pg_temp
AS 'SELECT coach_id FROM routines WHERE id = routine'
"""


def _row_level_security() -> None:
    op.execute(ROUTINE_COACH)
    # 0001 granted the application role every table created later (ALTER DEFAULT PRIVILEGES).
    for table, (using, check) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_access ON {table} USING ({using}) WITH CHECK ({check})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {table}_access ON {table}")
        op.execute("DROP FUNCTION IF EXISTS atelier_routine_coach(uuid)")
    for table in (
        "calendar_feeds",
        "class_bookings",
        "class_sessions",
        "sessions",
        "routine_assignments",
        "routine_versions",
        "routines",
    ):
        op.drop_table(table)
