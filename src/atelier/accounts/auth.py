"""Who is calling: bearer token → user, with the RLS context set for the request's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from atelier.accounts import repository
from atelier.accounts.models import AuthSession, User
from atelier.accounts.security import InvalidToken, read_access_token
from atelier.db import set_rls_context
from atelier.kit.problems import Problem
from atelier.kit.runtime import RuntimeDep, SessionDep

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


class Unauthorized(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    user: User
    auth: AuthSession


async def authenticate(session: SessionDep, runtime: RuntimeDep, token: str | None) -> Caller:
    if not token:
        raise Unauthorized("authentication required")
    try:
        claims = read_access_token(runtime.settings, token)
    except InvalidToken as exc:
        raise Unauthorized(str(exc)) from exc
    await set_rls_context(session, user_id=claims.user_id)
    found = await repository.caller(session, claims.user_id, claims.session_id)
    # A deleted account takes its logins with it (ON DELETE CASCADE): one answer for both.
    if found is None or found[0].revoked_at is not None:
        raise Unauthorized("the session has ended; log in again")
    auth, user = found
    return Caller(user, auth)


async def get_caller(
    session: SessionDep, runtime: RuntimeDep, token: Annotated[str | None, Depends(bearer)]
) -> Caller:
    return await authenticate(session, runtime, token)


async def get_current_user(caller: Annotated[Caller, Depends(get_caller)]) -> User:
    return caller.user


CallerDep = Annotated[Caller, Depends(get_caller)]
CurrentUser = Annotated[User, Depends(get_current_user)]
