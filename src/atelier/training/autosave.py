"""Auto-save's fast paths: a set logged is one UPDATE, or on PostgreSQL one function call.

An athlete's device saves an exercise after every set, so this path runs many times a minute per
athlete. Each path below checks everything the checked path (``service.save_exercise``) checks —
the caller is the athlete, the session is running, the version is current, the data is valid for
the exercise's kind — in the statement itself: the data is validated beforehand for every kind it
fits (usually one), and the UPDATE only matches an exercise of one of those kinds. When it matches
nothing it has written nothing and returns None, and the checked path runs and says precisely why
(403, 404, 409, 422) or replays a stored Idempotency-Key answer.

- ``quick_save`` (any database): with the request's session, after authentication: the versioned
  UPDATE … RETURNING, then the Idempotency-Key row (INSERT … ON CONFLICT DO NOTHING).
- ``save_in_one_call`` (PostgreSQL): before any session is opened, one call of
  ``atelier_autosave`` (migration 0005) in autocommit, which sets the RLS context, checks the
  login, saves, stores the key's answer and returns the answer's JSON text.

Corrections of finished sessions always take the checked path (they recompute the metrics).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, cast

from pydantic import TypeAdapter
from sqlalchemy import Table, bindparam, case, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from atelier.accounts.models import User
from atelier.accounts.security import AccessClaims
from atelier.kit.clock import utcnow
from atelier.planning.models import Session, Status
from atelier.training.models import ExerciseKind, IdempotentRequest, Progress, ProgressExercise
from atelier.training.schemas import ExerciseOut
from atelier.training.service import ExerciseSave, data_fits, insert_for, plain_columns

_exercises = cast(Table, ProgressExercise.__table__)
_progress = cast(Table, Progress.__table__)
_sessions = cast(Table, Session.__table__)
_running_progress = (
    select(_progress.c.id)
    .join(_sessions, _sessions.c.id == _progress.c.session_id)
    .where(
        _progress.c.session_id == bindparam("of_session"),
        _progress.c.athlete_id == bindparam("of_athlete"),
        _sessions.c.athlete_id == bindparam("of_athlete"),
        _sessions.c.status == Status.in_progress,
    )
    .scalar_subquery()
)
_EXERCISE_OUT = [c for c in _exercises.c if c.key not in ("id", "progress_id")]
# One statement per shape of save (the fields it carries, the kinds its data fits), built once.
_save_statements: dict[tuple[frozenset[str], tuple[ExerciseKind, ...]], Any] = {}


def _save_statement(columns: frozenset[str], kinds: tuple[ExerciseKind, ...]) -> Any:
    statement = _save_statements.get((columns, kinds))
    if statement is None:
        conditions = [
            _exercises.c.progress_id == _running_progress,
            _exercises.c.position == bindparam("at_position"),
            _exercises.c.version == bindparam("at_version"),
        ]
        values: dict[str, Any] = {column: bindparam(f"new_{column}") for column in sorted(columns)}
        if kinds:
            conditions.append(_exercises.c.kind.in_(kinds))
            values["data"] = case(
                *((_exercises.c.kind == kind, bindparam(f"data_{kind.name}", type_=_exercises.c.data.type))
                  for kind in kinds)
            )  # fmt: skip
        statement = (
            update(_exercises)
            .where(*conditions)
            .values(version=_exercises.c.version + 1, updated_at=bindparam("now"), **values)
            .returning(*_EXERCISE_OUT)
        )
        _save_statements[(columns, kinds)] = statement
    return statement


class KeyTaken(Exception):
    """The Idempotency-Key was stored meanwhile: the quick save must be rolled back and replayed."""


async def quick_save(
    session: AsyncSession,
    actor: User,
    session_id: uuid.UUID,
    position: int,
    change: ExerciseSave,
    remembered: tuple[str, str, str] | None,
) -> dict[str, Any] | None:
    """The common auto-save in two statements: the versioned UPDATE, then the Idempotency-Key row.

    Returns the saved exercise as JSON, or None (nothing written: run ``service.save_exercise``).
    ``remembered`` is (key, scope, request hash); a key already stored raises ``KeyTaken`` after
    the UPDATE ran, so the caller rolls back before answering.
    """
    if change.correction:
        return None
    fits = data_fits(change.data) if change.data is not None else {}
    if change.data is not None and not fits:
        return None  # valid for no kind: the checked path names the field that is wrong
    columns = plain_columns(change)
    parameters: dict[str, Any] = {f"new_{column}": value for column, value in columns.items()}
    parameters.update({f"data_{kind.name}": data for kind, data in fits.items()})
    parameters.update(
        of_session=session_id,
        of_athlete=actor.id,
        at_position=position,
        at_version=change.version,
        now=utcnow(),
    )
    statement = _save_statement(frozenset(columns), tuple(fits))
    saved = (await session.execute(statement, parameters)).first()
    if saved is None:
        return None
    answer = ExerciseOut.model_validate(saved._mapping).model_dump(mode="json")
    if remembered is not None:
        key, scope, digest = remembered
        stored = await session.execute(
            _remember_statement(session),
            {
                "user_id": actor.id,
                "key": key,
                "scope": scope,
                "request_hash": digest,
                "status_code": 200,
                "response": answer,
                "created_at": utcnow(),
            },
        )
        if stored.first() is None:
            raise KeyTaken(key)
    return answer


_remember_statements: dict[str, Any] = {}


def _remember_statement(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    statement = _remember_statements.get(dialect)
    if statement is None:
        table = IdempotentRequest.__table__
        statement = (
            insert_for(session)(table)
            .values({c.key: bindparam(c.key) for c in table.c})
            .on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.key])
            .returning(table.c.user_id)
        )
        _remember_statements[dialect] = statement
    return statement


KEY_STORED = "AT001"  # raised by atelier_autosave when the Idempotency-Key is already stored
_STAMP = TypeAdapter(datetime)  # written as ExerciseOut.updated_at is
_AUTOSAVE = text(
    "SELECT atelier_autosave(:user_id, :login, :session_id, :position, :version, :kinds, "
    ":datas, :status, :set_notes, :notes, :media, :now, :stamp, :key, :scope, :hash)"
)


async def save_in_one_call(
    engine: AsyncEngine,
    claims: AccessClaims,
    session_id: uuid.UUID,
    position: int,
    change: ExerciseSave,
    remembered: tuple[str, str, str] | None,
) -> str | None:
    """The save as one statement on PostgreSQL (see the module's docstring): the answer's JSON
    text, or None when the checked path must run."""
    if change.correction:
        return None
    fits = data_fits(change.data) if change.data is not None else {}
    if change.data is not None and not fits:
        return None
    columns = plain_columns(change)
    now = utcnow()
    key, scope, digest = remembered or (None, None, None)
    parameters = {
        "user_id": claims.user_id,
        "login": claims.session_id,
        "session_id": session_id,
        "position": position,
        "version": change.version,
        "kinds": [kind.value for kind in fits] if change.data is not None else None,
        "datas": [json.dumps(data) for data in fits.values()] if change.data is not None else None,
        "status": columns["status"].value if "status" in columns else None,
        "set_notes": "notes" in columns,
        "notes": columns.get("notes"),
        "media": json.dumps(columns["media"]) if "media" in columns else None,
        "now": now,
        "stamp": _STAMP.dump_python(now, mode="json"),
        "key": key,
        "scope": scope,
        "hash": digest,
    }
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            return cast(str | None, await connection.scalar(_AUTOSAVE, parameters))
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == KEY_STORED:
                return None  # undone: the checked path replays the stored answer or refuses the key
            if exc.connection_invalidated:
                return None  # the server dropped it (this pool does not ping): the checked path sees
            raise
