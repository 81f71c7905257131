"""Auto-save in one round trip on PostgreSQL: a function doing what PUT …/exercises/{position} does.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

No table changes. ``atelier_autosave`` runs as its caller (the application role), so every policy
applies: it sets the RLS context from its arguments, checks the login is live, applies the
versioned UPDATE only to a running session of the caller and only to an exercise of a kind the
data was validated for (``p_kinds``, with the data as stored for each in ``p_datas``), stores the
Idempotency-Key's answer, and returns the saved exercise as the API's JSON. When it cannot (stale
version, data of another kind, no such exercise, a finished session, a revoked login) it returns
NULL having written nothing, and the application's checked path answers with the precise
problem. A key already stored raises SQLSTATE AT001, which undoes the whole statement.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOSAVE = """
CREATE FUNCTION atelier_autosave(
    p_user uuid, p_login uuid, p_session uuid, p_position integer, p_version integer,
    p_kinds text[], p_datas json[], p_status text, p_set_notes boolean, p_notes text, p_media json,
    p_now timestamptz, p_stamp text, p_key text, p_scope text, p_hash text
) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = public, pg_temp
AS $$
DECLARE
    saved progress_exercises%ROWTYPE;
    answer text;
BEGIN
    PERFORM set_config('app.user_id', p_user::text, true), set_config('app.system', 'off', true);
    PERFORM 1 FROM auth_sessions a WHERE a.id = p_login AND a.user_id = p_user AND a.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE progress_exercises e SET
        data = CASE WHEN p_kinds IS NULL THEN e.data
                    ELSE p_datas[array_position(p_kinds, e.kind::text)] END,
        status = COALESCE(p_status, e.status),
        notes = CASE WHEN p_set_notes THEN p_notes ELSE e.notes END,
        media = COALESCE(p_media, e.media),
        version = e.version + 1,
        updated_at = p_now
    WHERE e.progress_id = (
            SELECT p.id FROM progress p JOIN sessions s ON s.id = p.session_id
            WHERE p.session_id = p_session AND p.athlete_id = p_user
              AND s.athlete_id = p_user AND s.status = 'in_progress')
      AND e.position = p_position AND e.version = p_version
      AND (p_kinds IS NULL OR e.kind = ANY (p_kinds))
    RETURNING e.* INTO saved;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    answer := json_build_object(
        'position', saved.position, 'path', saved.path, 'name', saved.name,
        'movement', saved.movement, 'kind', saved.kind, 'config', saved.config,
        'status', saved.status, 'notes', saved.notes, 'media', saved.media, 'data', saved.data,
        'version', saved.version, 'updated_at', p_stamp)::text;
    IF p_key IS NOT NULL THEN
        INSERT INTO idempotent_requests (user_id, key, scope, request_hash, status_code, response, created_at)
        VALUES (p_user, p_key, p_scope, p_hash, 200, answer::json, p_now)
        ON CONFLICT (user_id, key) DO NOTHING;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'Idempotency-Key % is already stored', p_key USING ERRCODE = 'AT001';
        END IF;
    END IF;
    RETURN answer;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUTOSAVE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS atelier_autosave")
