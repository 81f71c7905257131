"""Results that rank: results carry their date, category and visibility; class teams; live events.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

* ``athlete_profiles.results_visibility`` (``public`` or ``private``): a private athlete's results
  leave every board except their own and their coaches'.
* ``results`` is rebuilt with ``performed_on`` (the session's date: what a period filter and a
  progression read), ``category`` (men or women when it was done), ``class_id`` and ``team_id``
  (results written by closing a class) and ``is_public`` (the athlete's visibility, kept on the row
  so a policy can read it without a join). Every existing result is carried over, its date from its
  session and its category and visibility from its athlete's profile.
* ``class_sessions.closed_at``: a closed class takes no more events.
* ``class_teams``: a class's teams and their relay order.
* ``realized_events``: what athletes (or a judge) report during a class.

On PostgreSQL ``results`` (by ``performed_on``) and ``realized_events`` (by ``class_date``) are
partitioned by month. ``atelier_month_partitions(table, first, last)`` creates the months between two
dates, moving any row the DEFAULT partition caught in the meantime; the app calls it at start and
daily (``atelier db partitions`` by hand). Partitions are reached only through their parent, whose
policies apply: the application role has no privilege on a partition itself. With a partitioned
table, a unique key must hold the partition key, so a result's key is (session, date): a session has
one date, so it stays one result per session.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"
APP_ROLE = "atelier_app"

RESULT_COLUMNS = (
    "id, session_id, athlete_id, wod_id, wod_version, workout_hash, score_type, score_value, "
    "score_secondary, score_unit, capped, is_rx, level, is_dnf, parts, notes, recorded_at, updated_at"
)

MONTH_PARTITIONS = f"""
CREATE FUNCTION atelier_month_partitions(p_table text, p_first date, p_last date) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    first_day date := date_trunc('month', p_first)::date;
    following date;
    part text;
    key text;
    made integer := 0;
BEGIN
    key := CASE p_table WHEN 'results' THEN 'performed_on' WHEN 'realized_events' THEN 'class_date' END;
    IF key IS NULL THEN
        RAISE EXCEPTION 'not a table partitioned by month: %', p_table USING ERRCODE = '22023';
    END IF;
    IF p_last - p_first > 3660 THEN
        RAISE EXCEPTION 'at most ten years of months at once' USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('atelier_month_partitions:' || p_table));
    WHILE first_day <= p_last LOOP
        following := (first_day + interval '1 month')::date;
        part := format('%s_y%sm%s', p_table, to_char(first_day, 'YYYY'), to_char(first_day, 'MM'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                           part, p_table);
            EXECUTE format('INSERT INTO %I SELECT * FROM %I WHERE %I >= %L AND %I < %L',
                           part, p_table || '_default', key, first_day, key, following);
            EXECUTE format('DELETE FROM %I WHERE %I >= %L AND %I < %L',
                           p_table || '_default', key, first_day, key, following);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           p_table, part, first_day, following);
            EXECUTE format('REVOKE ALL ON %I FROM {APP_ROLE}', part);
            made := made + 1;
        END IF;
        first_day := following;
    END LOOP;
    RETURN made;
END
$$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _coaches(athlete: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM coach_links l WHERE l.coach_id = {ME} AND l.athlete_id = {athlete} "
        "AND l.status = 'active')"
    )


def _class_visible(column: str) -> str:
    # class_sessions has its own policy: the subquery sees only the classes the caller may see.
    return f"EXISTS (SELECT 1 FROM class_sessions c WHERE c.id = {column})"


def _class_run_by_me(column: str) -> str:
    return f"EXISTS (SELECT 1 FROM class_sessions c WHERE c.id = {column} AND c.coach_id = {ME})"


POLICIES = {
    # Boards read public results; the athlete, their coaches and the coach closing a class see the rest.
    "results": (
        f"athlete_id = {ME} OR {SYSTEM} OR ({ME} IS NOT NULL AND is_public) "
        f"OR {_coaches('results.athlete_id')}",
        f"athlete_id = {ME} OR {SYSTEM} OR (class_id IS NOT NULL AND {_class_run_by_me('results.class_id')})",
    ),
    "class_teams": (
        f"{SYSTEM} OR {_class_visible('class_teams.class_id')}",
        f"{SYSTEM} OR {_class_run_by_me('class_teams.class_id')}",
    ),
    "realized_events": (
        f"{SYSTEM} OR {_class_visible('realized_events.class_id')}",
        f"{SYSTEM} OR (posted_by = {ME} AND {_class_visible('realized_events.class_id')})",
    ),
}


def _partitioned_by(column: str | None) -> dict[str, Any]:
    return {"postgresql_partition_by": f"RANGE ({column})"} if column else {}


def _results_table(name: str, *, partitioned: bool) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("athlete_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
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
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(8), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("class_id", sa.Uuid(), sa.ForeignKey("class_sessions.id", ondelete="SET NULL")),
        sa.Column("team_id", sa.Uuid(), sa.ForeignKey("class_teams.id", ondelete="SET NULL")),
        sa.PrimaryKeyConstraint("id", "performed_on", name=f"pk_{name}"),
        sa.UniqueConstraint("session_id", "performed_on", name=f"uq_{name}_session"),
        **_partitioned_by("performed_on" if partitioned else None),
    )


def _results_indexes(name: str) -> None:
    op.create_index(f"ix_{name}_board", name, ["workout_hash", "performed_on"])
    op.create_index(f"ix_{name}_athlete", name, ["athlete_id", "performed_on"])


def _defaults(table: str, first: date, last: date) -> None:
    """The DEFAULT partition (so no insert ever fails) and the months between two dates."""
    op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    op.execute(f"REVOKE ALL ON {table}_default FROM {APP_ROLE}")
    op.execute(
        sa.text("SELECT atelier_month_partitions(:t, :first, :last)").bindparams(
            t=table, first=first, last=last
        )
    )


def _months_to_cover(column: str, table: str) -> tuple[date, date]:
    today = date.today()
    found = op.get_bind().execute(sa.text(f"SELECT min({column}), max({column}) FROM {table}")).one()
    first = min(found[0] or today, today.replace(day=1))
    last = max(found[1] or today, today)
    ahead = date(last.year + (last.month + 2) // 12, (last.month + 2) % 12 + 1, 1)
    return first, ahead


def upgrade() -> None:
    postgres = _postgres()
    op.add_column(
        "athlete_profiles",
        sa.Column("results_visibility", sa.String(8), nullable=False, server_default="public"),
    )
    with op.batch_alter_table("athlete_profiles") as batch:
        batch.create_check_constraint(
            "ck_athlete_profiles_results_visibility", "results_visibility IN ('public', 'private')"
        )
    op.add_column("class_sessions", sa.Column("closed_at", WHEN))
    op.create_table(
        "class_teams",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "class_id", sa.Uuid(), sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("class_id", "name", name="uq_class_teams_class_name"),
    )

    # results: rebuilt with its new columns, every row carried over.
    if postgres:
        op.execute(MONTH_PARTITIONS)
        op.execute("REVOKE ALL ON FUNCTION atelier_month_partitions(text, date, date) FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION atelier_month_partitions(text, date, date) TO {APP_ROLE}")
        op.execute("SELECT set_config('app.system', 'on', true)")
        op.execute("DROP POLICY IF EXISTS results_access ON results")
        op.execute("ALTER TABLE results RENAME CONSTRAINT pk_results TO pk_results_old")
    op.drop_index("ix_results_athlete_id", table_name="results")
    op.drop_index("ix_results_workout_hash", table_name="results")
    op.rename_table("results", "results_old")
    _results_table("results", partitioned=postgres)
    if postgres:
        first, last = _months_to_cover(
            "s.session_date", "results_old r JOIN sessions s ON s.id = r.session_id"
        )
        _defaults("results", first, last)
    op.execute(
        f"INSERT INTO results ({RESULT_COLUMNS}, performed_on, category, is_public) "
        f"SELECT {', '.join('r.' + c.strip() for c in RESULT_COLUMNS.split(','))}, s.session_date, "
        "COALESCE(p.category, 'men'), COALESCE(p.results_visibility, 'public') = 'public' "
        "FROM results_old r JOIN sessions s ON s.id = r.session_id "
        "LEFT JOIN athlete_profiles p ON p.user_id = r.athlete_id"
    )
    op.drop_table("results_old")
    _results_indexes("results")

    op.create_table(
        "realized_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "class_id", sa.Uuid(), sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("class_date", sa.Date(), nullable=False),
        sa.Column("athlete_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("entrant_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), sa.ForeignKey("class_teams.id", ondelete="SET NULL")),
        sa.Column("offset_s", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("movement", sa.String(64)),
        sa.Column("quantity", sa.Float()),
        sa.Column("unit", sa.String(16)),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(300)),
        sa.Column("done_after", sa.Float(), nullable=False),
        sa.Column("posted_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", "class_date", name="pk_realized_events"),
        sa.CheckConstraint("kind IN ('complete', 'start', 'rest')", name="ck_realized_events_kind"),
        **_partitioned_by("class_date" if postgres else None),
    )
    if postgres:
        today = date.today()
        _defaults("realized_events", today.replace(day=1), date(today.year + 1, today.month, 1))
    op.create_index("ix_realized_events_entrant", "realized_events", ["class_id", "entrant_id", "offset_s"])
    op.create_index("ix_realized_events_athlete", "realized_events", ["class_id", "athlete_id", "offset_s"])

    if postgres:
        for table, (using, check) in POLICIES.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_access ON {table} USING ({using}) WITH CHECK ({check})")


def downgrade() -> None:
    postgres = _postgres()
    if postgres:
        op.execute("SELECT set_config('app.system', 'on', true)")
        for table in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {table}_access ON {table}")
    op.drop_table("realized_events")
    if postgres:
        op.execute("ALTER TABLE results RENAME CONSTRAINT pk_results TO pk_results_new")
    op.rename_table("results", "results_new")
    op.create_table(
        "results",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("athlete_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
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
    op.execute(f"INSERT INTO results ({RESULT_COLUMNS}) SELECT {RESULT_COLUMNS} FROM results_new")
    op.drop_table("results_new")
    op.create_index("ix_results_athlete_id", "results", ["athlete_id"])
    op.create_index("ix_results_workout_hash", "results", ["workout_hash"])
    op.drop_table("class_teams")
    op.drop_column("class_sessions", "closed_at")
    with op.batch_alter_table("athlete_profiles") as batch:
        batch.drop_constraint("ck_athlete_profiles_results_visibility", type_="check")
    op.drop_column("athlete_profiles", "results_visibility")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS atelier_month_partitions(text, date, date)")
        using = (
            f"athlete_id = {ME} OR {SYSTEM} OR {_coaches('results.athlete_id')}",
            f"athlete_id = {ME} OR {SYSTEM}",
        )
        op.execute("ALTER TABLE results ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE results FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY results_access ON results USING ({using[0]}) WITH CHECK ({using[1]})")
