"""Whatever text arrives, POST /api/v1/wods answers 200, 201 or 422, never a server error; and every
WOD it stores can be read, shown on a board and run on a timer.

Hypothesis runs in a worker thread and sends each example to the app on the test's event loop
(``anyio.from_thread``), so it shrinks a failure against the real endpoint and reports the
offending source as its falsifying example.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.from_thread
import anyio.to_thread
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atelier.wods.catalog import movement_catalog
from tests.conftest import Account

pytestmark = pytest.mark.anyio

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

KEYWORDS = (
    "For time", "for time", "AMRAP", "EMOM", "E2MOM", "Every", "Tabata", "Death by", "Max load",
    "rounds", "rounds for time", "cap", "teams of", "there and back", "aller-retour", "attempts",
    "Rest", "Buy-in:", "Cash-out:", "Odd:", "Even:", "Min 1:", "Min 3:", "Scaled:", "Intermediate:",
    "Foundations:", "Adapted:", "cap:", "score:", "score: load, total", "score: rounds+reps",
    "tiebreak:", "units:", "units: lb", "vest:", "note:", "stimulus:", "tags:", "date: 2026-09-23",
    "time: 07:30", "use girls/fran", "use heroes/murph", "use girls/nowhere", "->", "|", "@", "%",
    "RPE", "bw", "x", "...", "(", ")", "(split)", "(each, unbroken)", "(hold 10 s)", '("over the bar")',
    "sync", "rest", "max", ",", "-", "/", "//", "2x", "total", "none",
)  # fmt: skip
UNITS = ("kg", "lb", "pood", "in", "cm", "m", "km", "mi", "ft", "cal", "s", "sec", "min")
SHAPES = (
    "21-15-9", "3-6-9 ...", "10-9-8-7-6-5-4-3-2-1", "1:30", "12:00", "1:00:00", "1.5", "1,5", "50/40",
    "95/65", "43/30", "5x5", "5-5-3-3-1-1", "0", "-3", "1e9", "½",
)  # fmt: skip


def _movement_names() -> list[str]:
    names: set[str] = set()
    for entry in movement_catalog().values():
        names.update((entry.name, entry.name_fr, *entry.aliases, *entry.aliases_fr))
    return sorted(names)


numbers = st.one_of(
    st.integers(0, 120).map(str),
    st.integers(0, 10**25).map(str),
    st.integers(1, 420).map(lambda digits: "9" * digits),
    st.sampled_from(SHAPES),
)
tokens = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(_movement_names()),
    numbers,
    st.tuples(numbers, st.sampled_from(UNITS)).map(" ".join),
    st.text(max_size=6),
)
indent = st.sampled_from(("", "", "  ", "    ", "      ", " ", "\t"))
statement = st.tuples(indent, st.lists(tokens, min_size=1, max_size=7)).map(lambda p: p[0] + " ".join(p[1]))
heading = st.tuples(st.sampled_from(("# ", "## ", "#", "### ")), st.text(max_size=30)).map("".join)
wodcraft_like = st.lists(st.one_of(statement, statement, statement, heading), min_size=1, max_size=25).map(
    "\n".join
)
# Sources that compile more often: a real title and format line, then generated lines.
wodcraft_shaped = st.tuples(
    st.sampled_from(("# Generated\n", "")),
    st.sampled_from(
        ("For time\n", "AMRAP 12\n", "EMOM 10\n", "5 rounds for time\n", "21-15-9 for time\n", "")
    ),
    st.lists(
        st.tuples(
            st.sampled_from(("  ", "    ", "")),
            st.one_of(st.integers(1, 50).map(str), numbers, st.just("")),
            st.sampled_from(_movement_names()),
            st.one_of(st.just(""), st.tuples(numbers, st.sampled_from(UNITS)).map(" ".join)),
        ).map(lambda p: f"{p[0]}{p[1]} {p[2]} {p[3]}".rstrip()),
        min_size=1,
        max_size=8,
    ).map("\n".join),
).map("".join)

VIEWS = ("", "/versions", "/versions/1", "/board", "/board?lang=fr&level=scaled&units=lb", "/timeline")


def run_property(check: Callable[[str], Any], sources: st.SearchStrategy[str]) -> Callable[[], None]:
    """A Hypothesis test, for a worker thread, that hands each source to ``check`` on the event loop."""

    @PROPERTY
    @given(source=sources)
    def each(source: str) -> None:
        anyio.from_thread.run(check, source)

    return each


def store_or_refuse(client: httpx.AsyncClient, account: Account) -> Callable[[str], Any]:
    async def check(source: str) -> None:
        response = await client.post("/api/v1/wods", json={"source": source}, headers=account.headers)

        assert response.status_code in (200, 201, 422), (response.status_code, response.text[:500])
        if response.status_code == 422:
            problem = response.json()
            assert problem["status"] == 422
            assert "diagnostics" in problem or "errors" in problem, problem
            return
        wod = response.json()
        for view in VIEWS:
            shown = await client.get(f"/api/v1/wods/{wod['id']}{view}", headers=account.headers)
            assert shown.status_code == 200, (view, shown.status_code, shown.text[:500])
        assert 0 <= wod["difficulty"] <= 100
        assert 0 <= wod["estimated_duration_seconds"] <= 2**31 - 1

    return check


async def test_random_text_is_stored_or_refused_never_a_server_error(
    client: httpx.AsyncClient, ana: Account
) -> None:
    any_unicode = st.text(max_size=400)
    await anyio.to_thread.run_sync(run_property(store_or_refuse(client, ana), any_unicode))


async def test_wodcraft_like_lines_are_stored_or_refused_never_a_server_error(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await anyio.to_thread.run_sync(run_property(store_or_refuse(client, ana), wodcraft_like))


async def test_wodcraft_shaped_workouts_are_stored_or_refused_and_every_stored_one_can_be_shown(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await anyio.to_thread.run_sync(run_property(store_or_refuse(client, ana), wodcraft_shaped))
