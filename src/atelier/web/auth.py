"""Who is looking at a page: the login cookie, checked against its login row on every request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from atelier.accounts import repository
from atelier.accounts.auth import Caller
from atelier.accounts.security import (
    InvalidToken,
    issue_access_token,
    issue_page_token,
    read_access_token,
    read_page_token,
)
from atelier.accounts.service import Tokens
from atelier.db import begin_writing, set_rls_context
from atelier.kit.clock import utcnow
from atelier.kit.runtime import Runtime, RuntimeDep, SessionDep

LOGIN_COOKIE = "atelier_login"


class LoginRequired(Exception):
    """No valid login cookie: the page asks to log in and comes back to ``next`` afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def login_url(self) -> str:
        return f"/login?next={quote(self.next_path, safe='/')}"


@dataclass(frozen=True)
class PageCaller(Caller):
    token: str

    def bearer(self, runtime: Runtime) -> str:
        """A short access token for this login, to call an API endpoint on the page's behalf."""
        return issue_access_token(runtime.settings, self.user.id, self.auth.id)[0]


async def caller_of(request: Request, session: AsyncSession, runtime: Runtime) -> PageCaller | None:
    token = request.cookies.get(LOGIN_COOKIE)
    if not token:
        return None
    try:
        claims = read_page_token(runtime.settings, token)
    except InvalidToken:
        return None
    await set_rls_context(session, user_id=claims.user_id)
    found = await repository.caller(session, claims.user_id, claims.session_id)
    if found is None or found[0].revoked_at is not None or found[0].expires_at <= utcnow():
        return None
    auth, user = found
    return PageCaller(user, auth, token)


def _return_path(request: Request) -> str:
    # A partial or a save answers for the page that asked for it: come back to that page.
    current = request.headers.get("HX-Current-URL") or request.headers.get("X-Page")
    if current:
        path = "/" + current.split("://", 1)[-1].split("/", 1)[-1] if "://" in current else current
        return path if path.startswith("/") and not path.startswith("//") else "/"
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}" if request.method == "GET" else "/"


async def page_caller(request: Request, session: SessionDep, runtime: RuntimeDep) -> PageCaller:
    found = await caller_of(request, session, runtime)
    if found is None:
        raise LoginRequired(_return_path(request))
    return found


async def maybe_caller(request: Request, session: SessionDep, runtime: RuntimeDep) -> PageCaller | None:
    return await caller_of(request, session, runtime)


PageUser = Annotated[PageCaller, Depends(page_caller)]
MaybeUser = Annotated[PageCaller | None, Depends(maybe_caller)]


def keep_login(response: Response, request: Request, runtime: Runtime, tokens: Tokens) -> None:
    """Set the login cookie for the login ``tokens`` opened: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    claims = read_access_token(runtime.settings, tokens.access_token)
    page_token, max_age = issue_page_token(runtime.settings, claims.user_id, claims.session_id)
    response.set_cookie(
        LOGIN_COOKIE,
        page_token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def forget_login(response: Response) -> None:
    response.delete_cookie(LOGIN_COOKIE, path="/")


async def start_over(session: AsyncSession, caller: PageCaller, *, writing: bool = True) -> None:
    """Undo what a refused form wrote, and carry on as the same user. ``writing=False`` gives up the
    write lock too, for a page whose drawing may write through its own unit of work (SQLite has one
    writer: holding the lock here would make that wait for ever)."""
    user_id = caller.user.id
    await session.rollback()
    if writing:
        await begin_writing(session)
    await set_rls_context(session, user_id=user_id)
    await session.refresh(caller.user)
