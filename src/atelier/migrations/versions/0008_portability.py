"""Ad-hoc sessions and imports: where a session came from, and the names a user mapped once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

Additive only. ``sessions.origin`` says how a session came to be ("planned" for every existing row,
through the server default; "adhoc" for a workout started with no plan). ``sessions.import_key``
is the identity of an imported session in the app or archive it came from, unique per athlete, so
importing the same file twice adds nothing. ``movement_mappings`` holds, per user, the exercise
names of another app that the user mapped onto the catalog once, for every later import.

Row-level security: a mapping is its owner's alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ME = "NULLIF(current_setting('app.user_id', true), '')::uuid"
SYSTEM = "current_setting('app.system', true) = 'on'"


def upgrade() -> None:
    op.add_column("sessions", sa.Column("origin", sa.String(16), nullable=False, server_default="planned"))
    op.add_column("sessions", sa.Column("import_key", sa.String(200)))
    op.create_index("uq_sessions_athlete_import_key", "sessions", ["athlete_id", "import_key"], unique=True)
    op.create_table(
        "movement_mappings",
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("movement", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE movement_mappings ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE movement_mappings FORCE ROW LEVEL SECURITY")
        op.execute(
            "CREATE POLICY movement_mappings_access ON movement_mappings "
            f"USING (user_id = {ME} OR {SYSTEM}) WITH CHECK (user_id = {ME} OR {SYSTEM})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS movement_mappings_access ON movement_mappings")
    op.drop_table("movement_mappings")
    op.drop_index("uq_sessions_athlete_import_key", table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("import_key")
        batch.drop_column("origin")
