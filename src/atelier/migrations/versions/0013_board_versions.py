"""Board versions: a counter per workout, raised by the database whenever its leaderboard changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23

A default leaderboard (and its track and category filters) is read from ``result_bests`` joined to
the athletes' names. Triggers raise ``board_versions.version`` of a workout hash on every write to
its bests rows (``bests.refresh`` rewrites them with each result, a class closing, the visibility
switch, a restore) and on every change of the name of an athlete who has bests on it, in the
writing transaction, so a process can keep the public board it built and serve it while the
version is unchanged (``training/leaderboards.py``, ``records_api.leaderboard``).

PostgreSQL: the functions are ``SECURITY DEFINER`` (owner) so that any writer raises a counter the
application role may not write itself; the table holds no user data (a workout hash and a count),
so it has no policy, and the application role is granted SELECT only. Finding an athlete's bests
on a name change reads ``result_bests`` with ``app.system`` on for that one statement (the table
forces its policies on its owner too), and the caller's setting is put back.

No data to carry: a workout without a row is at version 0, and no board was kept before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "atelier_app"

POSTGRES = [
    """
    CREATE FUNCTION atelier_bump_boards(p_hashes text[]) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        -- In a stable order, so two transactions raising the same boards cannot deadlock.
        INSERT INTO board_versions AS v (workout_hash, version)
        SELECT DISTINCT h, 1 FROM unnest(p_hashes) AS h WHERE h IS NOT NULL ORDER BY h
        ON CONFLICT (workout_hash) DO UPDATE SET version = v.version + 1
    $$
    """,
    """
    CREATE FUNCTION atelier_board_of_best() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM atelier_bump_boards(ARRAY[NEW.workout_hash]);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM atelier_bump_boards(ARRAY[OLD.workout_hash]);
        ELSE
            PERFORM atelier_bump_boards(ARRAY[OLD.workout_hash, NEW.workout_hash]);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE FUNCTION atelier_boards_of_athlete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        caller_system text := current_setting('app.system', true);
        hashes text[];
    BEGIN
        PERFORM set_config('app.system', 'on', true);
        SELECT array_agg(DISTINCT b.workout_hash) INTO hashes FROM result_bests b WHERE b.athlete_id = NEW.id;
        PERFORM set_config('app.system', COALESCE(caller_system, 'off'), true);
        IF hashes IS NOT NULL THEN
            PERFORM atelier_bump_boards(hashes);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER boards_bests AFTER INSERT OR DELETE OR UPDATE ON result_bests "
    "FOR EACH ROW EXECUTE FUNCTION atelier_board_of_best()",
    "CREATE TRIGGER boards_names AFTER UPDATE OF name ON users FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION atelier_boards_of_athlete()",
]


def _sqlite_bump(hashes: str) -> str:
    return (
        "INSERT INTO board_versions (workout_hash, version) "
        f"SELECT DISTINCT h, 1 FROM ({hashes}) WHERE h IS NOT NULL "
        "ON CONFLICT (workout_hash) DO UPDATE SET version = version + 1;"
    )


SQLITE = [
    "CREATE TRIGGER boards_bests_insert AFTER INSERT ON result_bests FOR EACH ROW "
    f"BEGIN {_sqlite_bump('SELECT NEW.workout_hash AS h')} END",
    "CREATE TRIGGER boards_bests_delete AFTER DELETE ON result_bests FOR EACH ROW "
    f"BEGIN {_sqlite_bump('SELECT OLD.workout_hash AS h')} END",
    "CREATE TRIGGER boards_bests_update AFTER UPDATE ON result_bests FOR EACH ROW "
    f"BEGIN {_sqlite_bump('SELECT OLD.workout_hash AS h UNION SELECT NEW.workout_hash')} END",
    "CREATE TRIGGER boards_names AFTER UPDATE OF name ON users FOR EACH ROW "
    "WHEN OLD.name IS NOT NEW.name "
    f"BEGIN {_sqlite_bump('SELECT workout_hash AS h FROM result_bests WHERE athlete_id = NEW.id')} END",
]
SQLITE_TRIGGERS = ("boards_bests_insert", "boards_bests_delete", "boards_bests_update", "boards_names")


def upgrade() -> None:
    op.create_table(
        "board_versions",
        sa.Column("workout_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workout_hash", name="pk_board_versions"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    if postgres:
        op.execute(f"REVOKE INSERT, UPDATE, DELETE ON board_versions FROM {APP_ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS boards_bests ON result_bests")
        op.execute("DROP TRIGGER IF EXISTS boards_names ON users")
        for function in (
            "atelier_board_of_best()",
            "atelier_boards_of_athlete()",
            "atelier_bump_boards(text[])",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("board_versions")
