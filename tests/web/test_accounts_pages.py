"""Sign up, log in and out, settings: forms keep what was typed and say what is wrong by the field."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import sign_up
from tests.web.conftest import PASSWORD


async def test_signing_up_logs_in_and_starts_the_profile_in_the_browsers_zone(browser, client) -> None:
    visitor = await browser(None)
    page = await visitor.get("/signup")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    answer = await visitor.post(
        "/signup",
        {
            "name": "Ana",
            "email": email,
            "password": PASSWORD,
            "role": "athlete",
            "timezone": "Europe/Paris",
            "language": "fr",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    settings = await visitor.get("/settings")
    assert 'value="Europe/Paris"' in settings.text
    assert "Fuseau horaire" in settings.text  # the page speaks French from the first visit


async def test_a_form_with_a_bad_field_says_so_next_to_it_and_keeps_the_rest(browser) -> None:
    visitor = await browser(None)
    answer = await visitor.post("/signup", {"name": "Ana", "email": "not-an-email", "password": "short"})
    assert answer.status_code == 422
    assert 'id="email-error"' in answer.text and 'id="password-error"' in answer.text
    assert 'value="Ana"' in answer.text and 'value="not-an-email"' in answer.text
    assert 'value="short"' not in answer.text  # a password is never sent back


async def test_a_taken_email_is_refused_on_its_field(browser, client) -> None:
    taken = await sign_up(client)
    visitor = await browser(None)
    answer = await visitor.post("/signup", {"name": "Other", "email": taken.email, "password": PASSWORD})
    assert answer.status_code == 409 and 'id="email-error"' in answer.text


async def test_a_wrong_password_is_refused_without_saying_which_half_was_wrong(browser, client) -> None:
    ana = await sign_up(client)
    visitor = await browser(None)
    answer = await visitor.post("/login", {"email": ana.email, "password": "wrong wrong wrong"})
    assert answer.status_code == 401 and "Wrong e-mail or password." in answer.text
    assert f'value="{ana.email}"' in answer.text


async def test_a_page_without_a_login_sends_to_the_login_page_and_back(browser, client) -> None:
    ana = await sign_up(client)
    visitor = await browser(None)
    answer = await visitor.get("/settings")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/settings"
    await visitor.get("/login?next=/settings")
    back = await visitor.post("/login", {"email": ana.email, "password": PASSWORD, "next": "/settings"})
    assert back.headers["location"] == "/settings"


async def test_login_never_redirects_to_another_site(browser, client) -> None:
    ana = await sign_up(client)
    visitor = await browser(None)
    answer = await visitor.post(
        "/login", {"email": ana.email, "password": PASSWORD, "next": "//evil.example"}
    )
    assert answer.headers["location"] == "/"


async def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(browser, client) -> None:
    ana = await sign_up(client)
    visitor = await browser(ana)
    answer = await visitor.client.post("/settings", data={"units": "lb"})
    assert answer.status_code == 403
    forged = await visitor.client.post("/settings", data={"units": "lb", "csrf_token": "x" * 43})
    assert forged.status_code == 403
    profile = await client.get("/api/v1/me/profile", headers=ana.headers)
    assert profile.json()["units"] == "kg"


async def test_settings_change_units_and_reject_an_unknown_zone_by_its_field(browser, client) -> None:
    ana = await sign_up(client)
    visitor = await browser(ana)
    await visitor.get("/settings")
    bad = await visitor.post("/settings", {"timezone": "Mars/Olympus", "units": "lb", "bodyweight": "176"})
    assert bad.status_code == 422 and 'id="timezone-error"' in bad.text and 'value="176"' in bad.text
    good = await visitor.post(
        "/settings", {"timezone": "America/New_York", "units": "lb", "bodyweight": "176"}
    )
    assert good.status_code == 303
    profile = (await client.get("/api/v1/me/profile", headers=ana.headers)).json()
    assert profile["units"] == "lb" and profile["timezone"] == "America/New_York"
    assert abs(profile["bodyweight_kg"] - 79.83) < 0.01


async def test_logging_out_ends_the_login_for_every_page(browser, client) -> None:
    ana = await sign_up(client)
    visitor = await browser(ana)
    kept = dict(visitor.client.cookies)
    assert (await visitor.get("/settings")).status_code == 200
    await visitor.post("/logout")
    # The old cookie, replayed by someone who copied it, no longer opens anything.
    replay = httpx.AsyncClient(
        transport=visitor.client._transport, base_url="http://atelier.test", cookies=kept
    )
    async with replay:
        assert (await replay.get("/settings")).status_code == 303


async def test_the_page_cookie_is_not_a_bearer_token_for_the_api(browser, client) -> None:
    ana = await sign_up(client)
    visitor = await browser(ana)
    cookie = visitor.client.cookies["atelier_login"]
    answer = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"})
    assert answer.status_code == 401
