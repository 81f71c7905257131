"""The WOD pages: the library and its filters, writing a WOD in WODCraft, one WOD's whiteboard,
timeline, leaderboard and versions, and nobody opening another's private WOD."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import httpx
import pytest
from wodcraft import library

from atelier.db import unit_of_work
from atelier.kit.runtime import Runtime
from atelier.web import wod_pages
from atelier.wods import service
from atelier.wods.models import Visibility
from tests.conftest import Account, sign_up
from tests.planning.helpers import link
from tests.training.test_leaderboards import public_wod
from tests.training.test_records import FRAN, scored

pytestmark = pytest.mark.anyio

BROKEN = "21-15-9 fr time\n  Thruster 43/30 kg\n  Pull-up\n"
ENGINE = "EMOM 10\n  Odd: 12/10 cal Row\n  Even: 10 Burpee\n"


async def shelve(runtime: Runtime, *paths: str) -> None:
    """Put these WODCraft library workouts on the shelf, as ``atelier wod import-library`` does."""
    async with unit_of_work(runtime.sessions, system=True) as session:
        for path in paths:
            await service.save(
                session,
                runtime,
                owner=None,
                source=library.get(path).source,
                visibility=Visibility.public,
                library_path=path,
            )


async def profile(client: httpx.AsyncClient, account: Account, **changes: Any) -> None:
    response = await client.patch("/api/v1/me/profile", json=changes, headers=account.headers)
    assert response.status_code == 200, response.text


async def my_wods(client: httpx.AsyncClient, account: Account) -> int:
    response = await client.get("/api/v1/wods", params={"owner": "mine"}, headers=account.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def titles(page: httpx.Response) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<h2><a href="/wods/[^"]+">([^<]+)</a></h2>', page.text)]


async def test_the_library_lists_fran_and_a_search_by_name_or_movement_narrows_it(
    client: httpx.AsyncClient, runtime: Runtime, browser: Any
) -> None:
    await shelve(runtime, "girls/fran", "girls/cindy")
    ana = await sign_up(client, name="Ana")
    page = await (await browser(ana)).get("/wods")

    assert page.status_code == 200
    assert titles(page) == ["Cindy", "Fran"]
    assert "2 WODs" in page.text and "Library" in page.text

    visitor = await browser(ana)
    assert titles(await visitor.get("/wods?q=fra")) == ["Fran"]
    assert titles(await visitor.get("/wods?movement=thrusters")) == ["Fran"]
    assert titles(await visitor.get("/wods?format=amrap")) == ["Cindy"]
    assert titles(await visitor.get("/wods?owner=mine")) == []


async def test_the_library_pages_through_matches_keeping_the_filters_and_shows_my_own_wods(
    client: httpx.AsyncClient, runtime: Runtime, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await shelve(runtime, "girls/fran", "girls/cindy")
    ana = await sign_up(client, name="Ana")
    await client.post("/api/v1/wods", json={"source": "# Ana's engine\n" + ENGINE}, headers=ana.headers)
    monkeypatch.setattr(wod_pages, "PAGE_SIZE", 2)
    visitor = await browser(ana)

    first = await visitor.get("/wods?owner=any&equipment=barbell&equipment=rower&equipment=pull_up_bar")
    assert titles(first) == ["Ana's engine", "Cindy"] and "Page 1 of 2" in first.text
    following = re.search(r'href="([^"]+)" rel="next"', first.text).group(1)  # type: ignore[union-attr]
    second = await visitor.get(html.unescape(following))
    assert titles(second) == ["Fran"] and "Page 2 of 2" in second.text
    assert titles(await visitor.get("/wods?owner=mine")) == ["Ana's engine"]
    assert "Yours · private" in first.text


async def test_bad_filters_are_refused_next_to_their_field_and_the_rest_is_kept(
    client: httpx.AsyncClient, browser: Any
) -> None:
    ana = await sign_up(client, name="Ana")
    visitor = await browser(ana)

    reversed_range = await visitor.get("/wods?q=fran&duration_min=20&duration_max=10")
    assert reversed_range.status_code == 422
    assert 'id="duration_max-error"' in reversed_range.text
    assert "The longest must not be shorter than the shortest." in reversed_range.text
    assert 'value="fran"' in reversed_range.text and 'value="20"' in reversed_range.text

    unknown = await visitor.get("/wods?movement=thrusterz&duration_min=abc")
    assert unknown.status_code == 422
    assert 'id="movement-error"' in unknown.text and "Unknown movement: thrusterz." in unknown.text
    assert 'id="duration_min-error"' in unknown.text


async def test_a_wod_that_does_not_compile_shows_the_diagnostic_by_the_source_and_saves_nothing(
    client: httpx.AsyncClient, browser: Any
) -> None:
    ana = await sign_up(client, name="Ana")
    visitor = await browser(ana)
    await visitor.get("/wods/new")

    answer = await visitor.post("/wods/new", {"name": "Bad Fran", "source": BROKEN, "visibility": "private"})

    assert answer.status_code == 422
    assert 'id="source-error"' in answer.text
    assert "Line 1, column 9" in answer.text and "Unexpected &#39;fr&#39;." in answer.text
    assert "21-15-9 fr time\n  Thruster 43/30 kg" in answer.text  # what was typed is kept
    assert 'value="Bad Fran"' in answer.text
    assert await my_wods(client, ana) == 0


async def test_a_valid_wod_opens_its_page_with_whiteboard_timeline_and_the_plan_link(
    client: httpx.AsyncClient, browser: Any
) -> None:
    ana = await sign_up(client, name="Ana")
    visitor = await browser(ana)

    answer = await visitor.post("/wods/new", {"name": "Engine", "source": ENGINE, "visibility": "private"})

    assert answer.status_code == 303
    page = await visitor.get(answer.headers["location"])
    wod_id = answer.headers["location"].rsplit("/", 1)[1]
    assert page.status_code == 200
    assert "<h1>Engine</h1>" in page.text
    assert "EMOM 10:00" in page.text and "Odd: 12 cal Row" in page.text  # the whiteboard
    assert page.text.count('class="phase interval"') == 10  # one timed minute each
    assert "EMOM 10:00 · 10/10: 10 Burpee" in page.text
    assert f'href="/plan?wod_id={wod_id}"' in page.text
    assert "Version 1" in page.text
    assert await my_wods(client, ana) == 1

    again = await visitor.post("/wods/new", {"name": "Engine", "source": ENGINE, "visibility": "private"})
    assert again.headers["location"] == f"/wods/{wod_id}?same=1"  # a double submit saves it once
    assert await my_wods(client, ana) == 1


async def test_the_whiteboard_gives_loads_in_the_readers_units(
    client: httpx.AsyncClient, browser: Any
) -> None:
    ana = await sign_up(client, name="Ana")
    await profile(client, ana, units="lb")
    visitor = await browser(ana)

    answer = await visitor.post("/wods/new", {"name": "", "source": FRAN, "visibility": "private"})
    page = await visitor.get(answer.headers["location"])

    assert "<h1>Fran</h1>" in page.text  # the source's own title names it
    assert "95\xa0lb" in page.text or "95 lb" in page.text
    assert "Time cap: 10:00" in page.text


async def test_the_check_button_answers_an_htmx_partial_and_saves_nothing(
    client: httpx.AsyncClient, browser: Any
) -> None:
    ana = await sign_up(client, name="Ana")
    visitor = await browser(ana)
    await visitor.get("/wods/new")

    broken = await visitor.htmx("POST", "/wods/check", data={"name": "Bad", "source": BROKEN})
    fine = await visitor.htmx("POST", "/wods/check", data={"name": "Engine", "source": ENGINE})

    assert broken.status_code == 200 and "<html" not in broken.text
    assert 'id="check-result"' in broken.text and "Line 1, column 9" in broken.text
    assert "The workout compiles." in fine.text
    assert await my_wods(client, ana) == 0


async def test_the_leaderboard_shows_a_result_recorded_through_the_api_with_its_time(
    client: httpx.AsyncClient, browser: Any
) -> None:
    wod_id = await public_wod(client, await sign_up(client, role="coach", name="Owner"), FRAN)
    ana, bo = await sign_up(client, name="Ana"), await sign_up(client, name="Bo")
    await profile(client, ana, category="women")
    await scored(client, ana, wod_id, date(2027, 3, 1), {"time_s": 245})
    await scored(client, bo, wod_id, date(2027, 3, 1), {"capped": True, "reps": 80})

    page = await (await browser(bo)).get(f"/wods/{wod_id}")

    rows = re.findall(
        r"<tr[^>]*>\s*<td class=\"num\">(\d+)=?</td>\s*<td>(\w+)</td>\s*<td class=\"num\">([^<]+)</td>",
        page.text,
    )
    assert rows == [("1", "Ana", "4:05"), ("2", "Bo", "CAP + 80 reps")]
    women = await (await browser(bo)).get(f"/wods/{wod_id}?category=women")
    assert "Ana" in women.text and "CAP + 80 reps" not in women.text
    refused = await (await browser(bo)).get(f"/wods/{wod_id}?track=gold")
    assert refused.status_code == 422 and 'id="track-error"' in refused.text


async def test_the_leaderboard_narrows_to_a_box_the_reader_trains_in_and_to_no_other(
    client: httpx.AsyncClient, browser: Any
) -> None:
    coach = await sign_up(client, role="coach", name="Kim")
    wod_id = await public_wod(client, coach, FRAN)
    ana, bo, cy = [await sign_up(client, name=name) for name in ("Ana", "Bo", "Cy")]
    for athlete in (ana, cy):
        await link(client, coach, athlete)
    await profile(client, cy, results_visibility="private")
    for athlete, seconds in ((ana, 245), (bo, 200), (cy, 230)):
        await scored(client, athlete, wod_id, date(2027, 3, 1), {"time_s": seconds})

    def names(page: httpx.Response) -> list[str]:
        assert page.status_code == 200, page.text
        return re.findall(r'<tr[^>]*>\s*<td class="num">\d+=?</td>\s*<td>(\w+)</td>', page.text)

    as_ana = await browser(ana)
    everyone = await as_ana.get(f"/wods/{wod_id}")
    assert names(everyone) == ["Bo", "Ana"]  # Cy hides her results
    assert f'<option value="{coach.id}"' in everyone.text and "Kim&#39;s box" in everyone.text
    assert names(await as_ana.get(f"/wods/{wod_id}?box={coach.id}")) == ["Ana"]
    coach_page = await (await browser(coach)).get(f"/wods/{wod_id}?box={coach.id}")
    assert "My athletes" in coach_page.text
    assert names(coach_page) == ["Cy", "Ana"]  # the coach sees their athlete's hidden result

    as_bo = await browser(bo)
    assert f'<option value="{coach.id}"' not in (await as_bo.get(f"/wods/{wod_id}")).text
    refused = await as_bo.get(f"/wods/{wod_id}?box={coach.id}")
    assert refused.status_code == 422 and 'id="box-error"' in refused.text
    assert "You are not in this box" in refused.text
    assert "Ana" not in refused.text


async def test_the_pages_speak_french_to_a_french_reader(
    client: httpx.AsyncClient, runtime: Runtime, browser: Any
) -> None:
    await shelve(runtime, "girls/fran")
    ana = await sign_up(client, name="Ana")
    await profile(client, ana, language="fr")
    visitor = await browser(ana)

    shelf = await visitor.get("/wods")
    assert "Bibliothèque de WODs" in shelf.text and "Traction" in shelf.text
    wod_id = re.search(r'href="/wods/([0-9a-f-]{36})"', shelf.text).group(1)  # type: ignore[union-attr]
    page = await visitor.get(f"/wods/{wod_id}")
    assert "Tableau" in page.text and "Classement" in page.text and "Planifier ce WOD" in page.text
    assert "Traction" in page.text  # WODCraft's whiteboard in French
    new = await visitor.get("/wods/new")
    assert "Écrire un WOD" in new.text


async def test_bo_cannot_open_anas_private_wod(client: httpx.AsyncClient, browser: Any) -> None:
    ana, bo = await sign_up(client, name="Ana"), await sign_up(client, name="Bo")
    mine = await client.post(
        "/api/v1/wods", json={"source": "# Ana's secret\nAMRAP 7\n  7 Burpee\n"}, headers=ana.headers
    )
    wod_id = mine.json()["id"]
    visitor = await browser(bo)

    for url in (
        f"/wods/{wod_id}",
        f"/wods/{wod_id}?version=1",
        "/wods/not-a-wod",
        f"/wods/{wod_id}?version=x",
    ):
        page = await visitor.get(url)
        assert page.status_code == 404, url
        assert "secret" not in page.text
    assert "secret" not in (await visitor.get("/wods")).text
    assert (await (await browser(ana)).get(f"/wods/{wod_id}")).status_code == 200
