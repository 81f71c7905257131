"""Pages in a real browser: time to first render of Today and of the runner for an athlete with a
year of history, next to a brand-new account, and the runner's page weight.

    .venv/bin/python -m bench.pages [--backend sqlite|postgresql] [--weeks 52] [--loads 15]

1. A fresh database (``bench.wod_search.open_backend``), WODCraft's library, and the demo
   (``atelier demo``'s builder) with ``--weeks`` of history instead of 13: ~3.5 sessions a week,
   records, benchmarks, Forge entries, a series, a routine and a class.
2. ``atelier serve`` in its own process; Debian's Chromium driven by Playwright, logged in through the
   login page as the demo athlete and, for the baseline, as a new account with no history.
3. Each page is loaded ``--loads`` times in a fresh tab; the browser's own Navigation and Paint
   Timing give the first contentful paint and the server's response time; the Resource Timing's
   transferred bytes give the page weight (HTML and every asset, as a first visit downloads them).

Prints a table. Target (issue 8): the runner's page weight under 300 kB. Timings are reported,
not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from playwright.async_api import Browser, async_playwright
from rich.console import Console
from rich.table import Table

from atelier import demo
from atelier.cli import _import_library
from atelier.kit.clock import utcnow
from bench.calendar import Served
from bench.wod_search import Backend, bench_settings, open_backend
from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS

WEIGHT_TARGET_KB = 300.0
RUNNER_SOURCE = "# Bench\n## Strength\nBack squat 5x5 @ 75%\n## Metcon\nAMRAP 12\n  5 Pull-up\n  10 Burpee\n"
PASSWORD = demo.PASSWORD
TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const bytes = [nav, ...performance.getEntriesByType("resource")]
    .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
  return {fcp: paint ? paint.startTime : null, response: nav.responseEnd - nav.requestStart,
          dom: nav.domContentLoadedEventEnd, bytes: bytes,
          assets: performance.getEntriesByType("resource").length};
}"""


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _log_in(browser: Browser, base: str, email: str, password: str) -> Any:
    context = await browser.new_context(base_url=base, viewport={"width": 375, "height": 812})
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/")
    await page.close()
    return context


async def _measure(context: Any, url: str, loads: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"fcp": [], "response": [], "dom": [], "bytes": [], "assets": []}
    for n in range(loads + 1):
        page = await context.new_page()
        # A first visit: nothing cached, so the weight is what a phone downloads the first time.
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        await page.goto(url, wait_until="load")
        await page.wait_for_timeout(50)
        timing = await page.evaluate(TIMING)
        await page.close()
        if n == 0:
            continue  # warm-up: the server's first request compiles templates and fills caches
        for key in found:
            if timing[key] is not None:
                found[key].append(float(timing[key]))
    return found


async def _runner_for(client: httpx.AsyncClient, email: str, password: str) -> str:
    token = (await client.post("/api/v1/auth/token", data={"username": email, "password": password})).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    planned = await client.post(
        "/api/v1/sessions",
        headers=headers,
        json={
            "date": dt.date.today().isoformat(),
            "title": "Bench runner",
            "source": RUNNER_SOURCE,
        },
    )
    planned.raise_for_status()
    session_id = planned.json()["id"]
    (await client.post(f"/api/v1/sessions/{session_id}/start", headers=headers)).raise_for_status()
    return f"/run/{session_id}"


async def run(args: argparse.Namespace, console: Console) -> int:
    backend: Backend = await open_backend(args.backend)
    served: Served | None = None
    try:
        await _import_library(bench_settings(backend.url), None)
        plan = demo.plan_for(utcnow(), weeks=args.weeks)
        with console.status(f"demo with {args.weeks} weeks of history"):
            built = await demo.build(backend.runtime, plan)
        assert built is not None
        served = await Served.start(backend)
        base = str(served.client.base_url)
        fresh = f"fresh-{uuid.uuid4().hex[:8]}@example.com"
        made = await served.client.post(
            "/api/v1/auth/register",
            json={"email": fresh, "password": PASSWORD, "name": "Fresh", "role": "athlete"},
        )
        made.raise_for_status()
        athlete = "athlete@demo.atelier"
        runner_year = await _runner_for(served.client, athlete, PASSWORD)
        runner_fresh = await _runner_for(served.client, fresh, PASSWORD)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            rows = []
            for who, email, runner in (
                ("a year of history", athlete, runner_year),
                ("new account", fresh, runner_fresh),
            ):
                context = await _log_in(browser, base, email, PASSWORD)
                for name, url in (("Today", "/"), ("Runner", runner)):
                    rows.append((name, who, await _measure(context, url, args.loads)))
                await context.close()
            await browser.close()
    finally:
        if served is not None:
            await served.stop()
        await backend.close(keep=False)

    table = Table(title=f"Pages in Chromium, {args.backend}, {args.loads} first visits each (ms, kB)")
    for column in (
        "page",
        "account",
        "FCP p50",
        "FCP p95",
        "server p50",
        "DOM ready p50",
        "weight kB",
        "assets",
        "FCP vs new",
    ):
        table.add_column(column, justify="left" if column in ("page", "account") else "right")
    baseline = {name: statistics.median(found["fcp"]) for name, who, found in rows if who == "new account"}
    weight_ok = True
    for name, who, found in rows:
        weight = statistics.median(found["bytes"]) / 1024
        if name == "Runner":
            weight_ok &= weight < WEIGHT_TARGET_KB
        fcp = statistics.median(found["fcp"])
        table.add_row(
            name, who, f"{fcp:.0f}", f"{quantile(found['fcp'], 0.95):.0f}",
            f"{statistics.median(found['response']):.1f}", f"{statistics.median(found['dom']):.0f}",
            f"{weight:.1f}", f"{statistics.median(found['assets']):.0f}", f"{fcp / baseline[name]:.2f}×",
        )  # fmt: skip
    console.print(table)
    verdict = "PASS" if weight_ok else "FAIL"
    console.print(
        f"{verdict}: the runner weighs under {WEIGHT_TARGET_KB:.0f} kB transferred on a first visit"
    )
    return 0 if weight_ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--loads", type=int, default=15)
    return asyncio.run(run(parser.parse_args(argv), Console(width=140)))


if __name__ == "__main__":
    raise SystemExit(main())
