"""Every page with the demo's data, at phone and desktop widths: it answers, draws without a script
error, fits a 375 px screen without sideways scrolling of the whole page, and is saved as a
screenshot (tests/artifacts/) to look at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.web.browser.conftest import Server, shoot

ATHLETE_PAGES = (
    "/", "/training/advice", "/training/progression", "/training/records", "/training/history",
    "/calendar", "/calendar?view=week", "/plan", "/wods", "/wods/new", "/forge", "/forge/history",
    "/forge/insights", "/forge/progression", "/classes", "/coaching-links", "/settings",
)  # fmt: skip
COACH_PAGES = ("/coach", "/coach/routines", "/coach/classes", "/calendar")


@pytest.fixture(scope="module")
def demo(server: Server) -> None:
    atelier = str(Path(sys.executable).parent / "atelier")
    done = subprocess.run([atelier, "demo"], env=server.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _visit(page: Page, url: str) -> None:
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, f"{url}: {answer.status if answer else 'no answer'}"
    page.wait_for_load_state("load")
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"{url} is {wide} px wider than a 375 px phone"


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def test_every_athlete_page_draws_the_demo_on_a_phone_and_a_desktop(demo: None, page: Page) -> None:
    _log_in(page, "athlete@demo.atelier")
    for url in ATHLETE_PAGES:
        _visit(page, url)
        shoot(page, "athlete" + url.replace("/", "-").replace("?", "-").replace("=", "-").rstrip("-"))
    page.goto("/training/history")
    page.locator("table a[href^='/sessions/']").first.click()
    page.wait_for_load_state("load")
    shoot(page, "athlete-session")
    page.goto("/wods?q=Fran")
    page.locator("a[href^='/wods/']", has_text="Fran").first.click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="Leaderboard").is_visible()
    shoot(page, "athlete-wod-fran")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_every_coach_page_draws_the_demo_on_a_phone_and_a_desktop(demo: None, page: Page) -> None:
    _log_in(page, "coach@demo.atelier")
    for url in COACH_PAGES:
        _visit(page, url)
        shoot(page, "coach" + url.replace("/", "-").rstrip("-"))
    page.goto("/coach/routines")
    page.locator("a[href^='/coach/routines/']").first.click()
    page.wait_for_load_state("load")
    shoot(page, "coach-routine-demo")
    page.goto("/coach/classes")
    page.locator("a[href^='/classes/']").first.click()
    page.wait_for_load_state("load")
    shoot(page, "coach-class-demo")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_the_pages_speak_french_for_a_french_reader(demo: None, page: Page) -> None:
    _log_in(page, "athlete@demo.atelier")
    page.goto("/settings")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Save").click()
    page.goto("/")
    assert page.get_by_role("link", name="Calendrier").is_visible()
    shoot(page, "athlete-today-fr")
    page.goto("/training/records")
    shoot(page, "athlete-records-fr")
    page.goto("/settings")
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Enregistrer").click()
