"""Result bests: each athlete's best result per workout, track and category, for the boards.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

``result_bests`` holds, per (workout hash, score type, athlete, ``is_rx``, ``category``), the best
of the athlete's results in that group (ties: the earliest recorded, then the result id), its
board sort keys and the columns a board row shows, with flags for the athlete's best across
everything, across categories and across tracks. The app rewrites an athlete's rows with every
result it writes (``training.bests``); this migration fills the table from the existing results.
No foreign key to ``results`` (on PostgreSQL it would be one per monthly partition): a result goes
only with its athlete (cascading here too), a finished session is never deleted.

Row-level security as on ``results``: a viewer reads public rows, their own and their athletes';
writes are the athlete's own or the system's (the app elevates while rewriting bests).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"
COACHES = (
    f"EXISTS (SELECT 1 FROM coach_links l WHERE l.coach_id = {ME} "
    "AND l.athlete_id = result_bests.athlete_id AND l.status = 'active')"
)
USING = f"athlete_id = {ME} OR {SYSTEM} OR ({ME} IS NOT NULL AND is_public) OR {COACHES}"
CHECK = f"athlete_id = {ME} OR {SYSTEM}"
KEYS = ("k0", "k1", "k2", "k3")
SHOWN = (
    "result_id, performed_on, recorded_at, score_value, score_secondary, score_unit, capped, level, "
    "is_dnf, is_public, class_id"
)
# The board's sort keys (leaderboards.sort_keys, padded with 0), as of this revision.
SORT_KEYS = """
    CASE WHEN is_dnf THEN 1 ELSE 0 END AS k0,
    CASE WHEN is_dnf OR is_rx THEN 0 ELSE 1 END AS k1,
    CASE WHEN is_dnf THEN 0.0
         WHEN score_type = 'time' THEN CASE WHEN capped THEN 1.0 ELSE 0.0 END
         ELSE -score_value END AS k2,
    CASE WHEN is_dnf THEN 0.0
         WHEN score_type = 'time' THEN CASE WHEN capped THEN -score_value ELSE score_value END
         WHEN score_type = 'rounds+reps' THEN -COALESCE(score_secondary, 0.0)
         ELSE 0.0 END AS k3"""
ORDER = "k0, k1, k2, k3, recorded_at, result_id"
WHO = "workout_hash, score_type, athlete_id"
FILL = f"""
INSERT INTO result_bests ({WHO}, is_rx, category, best_overall, best_in_track, best_in_category,
                          {", ".join(KEYS)}, {SHOWN})
SELECT {WHO}, is_rx, category, o = 1, t = 1, c = 1, {", ".join(KEYS)}, {SHOWN}
FROM (
    SELECT *,
        row_number() OVER (PARTITION BY {WHO}, is_rx, category ORDER BY {ORDER}) AS g,
        row_number() OVER (PARTITION BY {WHO} ORDER BY {ORDER}) AS o,
        row_number() OVER (PARTITION BY {WHO}, is_rx ORDER BY {ORDER}) AS t,
        row_number() OVER (PARTITION BY {WHO}, category ORDER BY {ORDER}) AS c
    FROM (
        SELECT {WHO}, is_rx, category, id AS result_id, performed_on, recorded_at, score_value,
               score_secondary, score_unit, capped, level, is_dnf, is_public, class_id, {SORT_KEYS}
        FROM results
        WHERE score_type IN ('time', 'rounds+reps', 'reps', 'load', 'calories')
    ) keyed
) ranked
WHERE g = 1
"""


def upgrade() -> None:
    op.create_table(
        "result_bests",
        sa.Column("workout_hash", sa.String(64), nullable=False),
        sa.Column("score_type", sa.String(16), nullable=False),
        sa.Column("athlete_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("is_rx", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(8), nullable=False),
        sa.Column("best_overall", sa.Boolean(), nullable=False),
        sa.Column("best_in_track", sa.Boolean(), nullable=False),
        sa.Column("best_in_category", sa.Boolean(), nullable=False),
        *(sa.Column(key, sa.Float(), nullable=False) for key in KEYS),
        sa.Column("result_id", sa.Uuid(), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("score_value", sa.Float()),
        sa.Column("score_secondary", sa.Float()),
        sa.Column("score_unit", sa.String(10)),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(16)),
        sa.Column("is_dnf", sa.Boolean(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("class_id", sa.Uuid(), sa.ForeignKey("class_sessions.id", ondelete="SET NULL")),
        sa.PrimaryKeyConstraint(
            "workout_hash", "score_type", "athlete_id", "is_rx", "category", name="pk_result_bests"
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        # results forces its policy on its owner too: the fill reads every row as the system.
        op.execute("SELECT set_config('app.system', 'on', true)")
    op.execute(FILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('app.system', 'off', true)")
    op.create_index(
        "ix_result_bests_board",
        "result_bests",
        ["workout_hash", "score_type", "best_overall", *KEYS, "recorded_at", "result_id"],
    )
    op.create_index("ix_result_bests_athlete", "result_bests", ["athlete_id", "workout_hash"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE result_bests ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE result_bests FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY result_bests_access ON result_bests USING ({USING}) WITH CHECK ({CHECK})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS result_bests_access ON result_bests")
    op.drop_table("result_bests")
