"""Page tests: a browser-like client per person (its own cookies), logged in through the login page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from fastapi import FastAPI

from atelier.app import create_app
from atelier.config import Settings
from atelier.kit.runtime import Runtime
from tests.conftest import Account
from tests.planning.conftest import ana, bo, coach  # noqa: F401  (fixtures for the page tests)

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """Pages as a browser sees them: cookies kept, forms sent with the page's CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        response = await self.client.get(url, **kwargs)  # type: ignore[arg-type]
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def post(self, url: str, data: dict[str, str] | None = None, **kwargs: object) -> httpx.Response:
        """Send a form as the page would (CSRF token included); a first visit fetches the token."""
        if not self.csrf:
            await self.get("/login")
        return await self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)  # type: ignore[arg-type]

    async def htmx(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """An htmx request: the token in the header, as base.html's hx-headers sends it."""
        if not self.csrf:
            await self.get("/login")
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return await self.client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]

    async def log_in(self, account: Account) -> None:
        answer = await self.post("/login", {"email": account.email, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        assert "atelier_login" in self.client.cookies


@pytest.fixture
def app(runtime: Runtime, settings: Settings) -> FastAPI:
    return create_app(settings, runtime=runtime)


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[Callable[[Account | None], Awaitable[Browser]]]:
    """``await browser(account)``: a new browser, logged in as ``account`` (or nobody)."""
    async with AsyncExitStack() as stack:

        async def open_one(account: Account | None = None) -> Browser:
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://atelier.test")
            )
            opened = Browser(client)
            if account is not None:
                await opened.log_in(account)
            return opened

        yield open_one
