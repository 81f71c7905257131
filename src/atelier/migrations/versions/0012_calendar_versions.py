"""Calendar versions: a counter per user, raised by the database whenever their calendar changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23

A calendar read is a function of rows in four tables: the athlete's ``sessions``, their
``class_bookings``, the ``class_sessions`` they hold a place in or run, and the ``coach_links`` that
decide what a coach may see. Triggers on those tables raise ``calendar_versions.version`` of every
user whose calendar a write touches, in the writing transaction, so a process can keep a calendar
it built and serve it again while the versions it was built at are still the current ones
(``planning/calendar.py``). Triggers rather than application code: every write path — the API, a
routine assignment, a restore, a job, a hand-written UPDATE — moves the counter.

Only the columns a calendar shows fire the update triggers: a class's ``booked`` count or a
session's ``updated_at`` do not.

PostgreSQL: the trigger functions are ``SECURITY DEFINER`` (they run as the table owner, who
bypasses the policies of ``calendar_versions``, where row-level security is enabled but not
forced), because a coach's write raises the counters of their athletes. The application role may
only read the table, and only its own row or those of athletes it coaches. A class's bookers are
read with ``app.system`` on for the length of that one statement (``class_bookings`` forces its
policies on its owner too), and the caller's setting is put back before the function returns.

No data to carry: a user without a row is at version 0, and a calendar built before the upgrade
was never kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"
APP_ROLE = "atelier_app"

# The columns a calendar entry is built from (calendar.ROW, classes.calendar_selects).
SESSION_COLUMNS = (
    "kind", "title", "status", "session_date", "session_time", "timezone", "parent_id",
    "occurrence_date", "athlete_id", "routine_id", "rule", "exceptions", "ends_on",
)  # fmt: skip
CLASS_COLUMNS = ("coach_id", "title", "status", "session_date", "session_time", "timezone")

POSTGRES_FUNCTIONS = [
    """
    CREATE FUNCTION atelier_bump_calendars(p_users uuid[]) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        -- In a stable order, so two transactions raising the same users cannot deadlock; only
        -- users that still exist (a deleted account's cascade has nothing left to raise).
        INSERT INTO calendar_versions AS v (user_id, version)
        SELECT u.id, 1 FROM users u WHERE u.id = ANY (p_users) ORDER BY u.id
        ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1
    $$
    """,
    """
    CREATE FUNCTION atelier_calendar_of_athlete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        -- sessions and class_bookings: the athlete the row is for, before and after.
        IF TG_OP = 'INSERT' THEN
            PERFORM atelier_bump_calendars(ARRAY[NEW.athlete_id]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM atelier_bump_calendars(ARRAY[OLD.athlete_id]);
        ELSE
            PERFORM atelier_bump_calendars(ARRAY[OLD.athlete_id, NEW.athlete_id]);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION atelier_calendar_of_link() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM atelier_bump_calendars(ARRAY[NEW.coach_id, NEW.athlete_id]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM atelier_bump_calendars(ARRAY[OLD.coach_id, OLD.athlete_id]);
        ELSE
            PERFORM atelier_bump_calendars(
                ARRAY[OLD.coach_id, OLD.athlete_id, NEW.coach_id, NEW.athlete_id]);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION atelier_calendar_of_class() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        caller_system text := current_setting('app.system', true);
        target uuid;
        coaches uuid[];
        bookers uuid[];
    BEGIN
        IF TG_OP = 'DELETE' THEN
            target := OLD.id;
            coaches := ARRAY[OLD.coach_id];
        ELSIF TG_OP = 'INSERT' THEN
            target := NEW.id;
            coaches := ARRAY[NEW.coach_id];
        ELSE
            target := NEW.id;
            coaches := ARRAY[OLD.coach_id, NEW.coach_id];
        END IF;
        -- Everyone holding a place, whoever is writing: class_bookings forces its policies.
        PERFORM set_config('app.system', 'on', true);
        SELECT array_agg(b.athlete_id) INTO bookers FROM class_bookings b WHERE b.class_id = target;
        PERFORM set_config('app.system', COALESCE(caller_system, 'off'), true);
        PERFORM atelier_bump_calendars(coaches || COALESCE(bookers, '{}'::uuid[]));
        RETURN NULL;
    END
    $$
    """,
]


def _postgres_triggers() -> list[str]:
    sessions = ", ".join(SESSION_COLUMNS)
    classes = ", ".join(CLASS_COLUMNS)
    return [
        "CREATE TRIGGER calendar_sessions AFTER INSERT OR DELETE OR UPDATE OF "
        f"{sessions} ON sessions FOR EACH ROW EXECUTE FUNCTION atelier_calendar_of_athlete()",
        "CREATE TRIGGER calendar_bookings AFTER INSERT OR DELETE OR UPDATE OF athlete_id, status "
        "ON class_bookings FOR EACH ROW EXECUTE FUNCTION atelier_calendar_of_athlete()",
        f"CREATE TRIGGER calendar_classes AFTER INSERT OR DELETE OR UPDATE OF {classes} "
        "ON class_sessions FOR EACH ROW EXECUTE FUNCTION atelier_calendar_of_class()",
        "CREATE TRIGGER calendar_links AFTER INSERT OR DELETE OR UPDATE OF coach_id, athlete_id, status "
        "ON coach_links FOR EACH ROW EXECUTE FUNCTION atelier_calendar_of_link()",
    ]


def _sqlite_bump(users: str) -> str:
    """SQLite: raise the counters of the users ``users`` (a SQL list or subquery) selects."""
    return (
        "INSERT INTO calendar_versions (user_id, version) "
        f"SELECT id, 1 FROM users WHERE id IN ({users}) "
        "ON CONFLICT (user_id) DO UPDATE SET version = version + 1;"
    )


def _sqlite_triggers() -> list[str]:
    statements = []
    whose = {
        "sessions": ("athlete_id", SESSION_COLUMNS),
        "class_bookings": ("athlete_id", ("athlete_id", "status")),
        "coach_links": ("coach_id, {row}.athlete_id", ("coach_id", "athlete_id", "status")),
    }
    for table, (column, watched) in whose.items():
        new = "NEW." + column.format(row="NEW")
        old = "OLD." + column.format(row="OLD")
        for event, users in (
            ("INSERT", new),
            ("DELETE", old),
            (f"UPDATE OF {', '.join(watched)}", f"{old}, {new}"),
        ):
            name = f"calendar_{table}_{event.split()[0].lower()}"
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {_sqlite_bump(users)} END"
            )
    booked = "SELECT athlete_id FROM class_bookings WHERE class_id = {row}.id"
    for event, users in (
        ("INSERT", f"SELECT NEW.coach_id UNION {booked.format(row='NEW')}"),
        ("DELETE", f"SELECT OLD.coach_id UNION {booked.format(row='OLD')}"),
        (
            f"UPDATE OF {', '.join(CLASS_COLUMNS)}",
            f"SELECT OLD.coach_id UNION SELECT NEW.coach_id UNION {booked.format(row='NEW')}",
        ),
    ):
        name = f"calendar_class_sessions_{event.split()[0].lower()}"
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON class_sessions FOR EACH ROW "
            f"BEGIN {_sqlite_bump(users)} END"
        )
    return statements


SQLITE_TRIGGER_NAMES = [
    f"calendar_{table}_{event}"
    for table in ("sessions", "class_bookings", "coach_links", "class_sessions")
    for event in ("insert", "delete", "update")
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "calendar_versions",
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_calendar_versions"),
    )
    if not postgres:
        for statement in _sqlite_triggers():
            op.execute(statement)
        return
    for statement in POSTGRES_FUNCTIONS + _postgres_triggers():
        op.execute(statement)
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON calendar_versions FROM {APP_ROLE}")
    op.execute("ALTER TABLE calendar_versions ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY calendar_versions_read ON calendar_versions FOR SELECT USING ("
        f"user_id = {ME} OR {SYSTEM} OR EXISTS (SELECT 1 FROM coach_links l "
        f"WHERE l.coach_id = {ME} AND l.athlete_id = calendar_versions.user_id AND l.status = 'active'))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (
            ("calendar_sessions", "sessions"),
            ("calendar_bookings", "class_bookings"),
            ("calendar_classes", "class_sessions"),
            ("calendar_links", "coach_links"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in (
            "atelier_calendar_of_athlete()",
            "atelier_calendar_of_link()",
            "atelier_calendar_of_class()",
            "atelier_bump_calendars(uuid[])",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("calendar_versions")
