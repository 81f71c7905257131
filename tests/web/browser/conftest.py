"""Browser tests: the app served by a real `atelier serve` process, driven in Debian's Chromium.

Playwright never downloads a browser here: it launches /usr/bin/chromium (installed by the Makefile)
headless, with background networking off (the machine has no network beyond the registries).
Screenshots go to tests/artifacts/ (ignored by git), at phone and desktop widths.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path(os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parents[2] / "artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 860}
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium", allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    env: dict[str, str]

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def account(self, role: str = "athlete", name: str | None = None) -> dict[str, str]:
        """Someone registered through the API (for the other side of a journey), with a bearer token."""
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        with self.api() as api:
            made = api.post(
                "/api/v1/auth/register",
                json={"email": email, "password": PASSWORD, "name": name or role.title(), "role": role},
            )
            assert made.status_code == 201, made.text
            token = api.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}).json()
        return {"id": made.json()["id"], "email": email, "token": token["access_token"]}


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `atelier serve` for the browser tests, on the run's own database."""
    port = _free_port()
    from tests.conftest import _settings

    settings = _settings(database_url)
    env = {
        **os.environ,
        "ATELIER_DATABASE_URL": database_url,
        "ATELIER_SECRET_KEY": settings.secret_key,
        "ATELIER_ARGON2_TIME_COST": "1",
        "ATELIER_ARGON2_MEMORY_KIB": "1024",
        "ATELIER_STORAGE_DIR": str(tmp_path_factory.mktemp("storage")),
        "ATELIER_DATABASE_POOL_SIZE": "5",
    }
    if settings.redis_url:
        env["ATELIER_REDIS_URL"] = settings.redis_url
    else:
        env.pop("ATELIER_REDIS_URL", None)
    log = (tmp_path_factory.mktemp("server") / "serve.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "atelier"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"atelier serve did not start; see {log.name}")
        time.sleep(0.2)
    try:
        yield Server(url, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def chromium(server: Server) -> Iterator[Browser]:
    """Started after the server, stopped after each module: Playwright's sync API runs an event loop
    of its own in this thread, and the async tests that follow need the thread without it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(server: Server, chromium: Browser) -> Iterator[BrowserContext]:
    made = chromium.new_context(
        base_url=server.url, viewport=PHONE, locale="en-GB", timezone_id="Europe/Paris"
    )
    made.set_default_timeout(15_000)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.js_errors = errors  # type: ignore[attr-defined]
    return opened


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot at the phone width and at the desktop width."""
    ARTIFACTS.mkdir(exist_ok=True)
    current = page.viewport_size or PHONE
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(current)


def sign_up_in_the_browser(page: Page, name: str, role: str = "athlete") -> str:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I am").select_option(role)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/")
    return email


def log_in_in_the_browser(page: Page, email: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
