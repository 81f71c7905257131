"""CSRF protection for the pages: a random token in a cookie, echoed by every form and htmx request.

A page from another site can make the browser send the cookie, but cannot read it to echo it back
(the double-submit pattern); SameSite=Lax on the login cookie already stops most cross-site posts.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

CSRF_COOKIE = "atelier_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfRefused(Exception):
    """The form's token is missing or does not match the cookie's."""


def token_for(request: Request) -> str:
    """The token this browser already holds, or a new one (set on the response by ``keep_token``)."""
    known = request.cookies.get(CSRF_COOKIE)
    if known and len(known) == 43:
        return known
    fresh: str | None = getattr(request.state, "csrf_token", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.csrf_token = fresh
    return fresh


def keep_token(request: Request, response: Response) -> None:
    fresh = getattr(request.state, "csrf_token", None)
    if fresh is not None:
        response.set_cookie(
            CSRF_COOKIE,
            fresh,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )


async def check(request: Request) -> None:
    """Refuse a state-changing request whose token is not the cookie's."""
    if request.method not in UNSAFE:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # Starlette keeps it: the endpoint's Form fields read it again
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused
