"""The secret calendar feed: parsed back and expanded, it gives exactly the dates the API shows.

The expander below follows RFC 5545 with dateutil (``recurring-ical-events`` pins
``python-dateutil<3`` and cannot be installed beside the project's 4.0): DTSTART is always the
first instance, RRULE adds the rest, EXDATE removes dates, and a VEVENT with the same UID and a
RECURRENCE-ID replaces the instance it names.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
import httpx
import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event
from typer.testing import CliRunner, Result

from atelier.cli import app
from atelier.config import Settings, get_settings
from atelier.kit.clock import utcnow
from atelier.planning.ics import HISTORY
from tests.conftest import Account, sign_up
from tests.planning.helpers import FRAN, _jsonable, calendar, link, on_date, plan

pytestmark = pytest.mark.anyio

PARIS = ZoneInfo("Europe/Paris")
Key = tuple[date, time | None, datetime | None, str, str]  # day, wall time, UTC instant, title, UID


# --- dates relative to today (the feed keeps 400 days of history and all the future) -------------


def today() -> date:
    return utcnow().date()


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def next_paris_dst_change(after: date) -> date:
    """The next day Paris changes its clocks (last Sunday of March or of October)."""
    day = after + timedelta(days=1)
    while True:
        noon_before = datetime.combine(day - timedelta(days=1), time(12), PARIS)
        noon = datetime.combine(day, time(12), PARIS)
        if noon_before.utcoffset() != noon.utcoffset():
            return day
        day += timedelta(days=1)


# --- the API side and the feed side --------------------------------------------------------------


async def new_feed(client: httpx.AsyncClient, account: Account) -> str:
    """Create (or rotate) the account's feed; the path of its secret URL."""
    created = await client.post("/api/v1/calendar/feed", headers=account.headers)
    assert created.status_code == 201, created.text
    url: str = created.json()["url"]
    assert url.startswith("http://atelier.test/feeds/") and url.endswith(".ics")
    assert created.json()["webcal_url"] == "webcal://" + url.removeprefix("http://")
    return url.removeprefix("http://atelier.test")


async def fetch(client: httpx.AsyncClient, path: str) -> httpx.Response:
    """GET the feed the way a calendar app does: no Authorization header at all."""
    response = await client.get(path)
    assert "authorization" not in {k.lower() for k in response.request.headers}
    return response


def api_keys(entries: list[dict[str, Any]]) -> set[Key]:
    keys: set[Key] = set()
    for e in entries:
        if e["status"] in ("skipped", "cancelled"):
            continue
        at = time.fromisoformat(e["time"]) if e["time"] else None
        instant = datetime.fromisoformat(e["starts_at"].replace("Z", "+00:00")) if e["starts_at"] else None
        uid = (
            f"class-{e['class_id']}@atelier"
            if e.get("class_id")
            else f"{e['series_id'] or e['session_id']}@atelier"
        )
        keys.add((date.fromisoformat(e["date"]), at, instant, e["title"], uid))
    return keys


def _key(moment: date | datetime, event: Event) -> Key:
    title = str(event["SUMMARY"]).removeprefix("✓ ").removeprefix("Waitlist: ")
    uid = str(event["UID"])
    if isinstance(moment, datetime):
        assert moment.tzinfo is not None, "every time in the feed has a zone"
        return (moment.date(), moment.time(), moment.astimezone(UTC), title, uid)
    return (moment, None, None, title, uid)


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def expand(body: bytes, first: date, last: date) -> set[Key]:
    """Every instance of the feed from ``first`` to ``last`` (RFC 5545, see the module docstring)."""
    parsed = Calendar.from_ical(body)
    masters: dict[str, Event] = {}
    overrides: dict[str, list[Event]] = defaultdict(list)
    for event in parsed.walk("VEVENT"):
        uid = str(event["UID"])
        if "RECURRENCE-ID" in event:
            overrides[uid].append(event)
        else:
            assert uid not in masters, f"two VEVENTs without RECURRENCE-ID share {uid}"
            masters[uid] = event
    assert set(overrides) <= set(masters), "an override without its series"
    found: set[Key] = set()
    for uid, master in masters.items():
        start = master.decoded("DTSTART")
        moments: set[date | datetime] = {start}
        for recur in master.rrules:
            text = recur.to_ical().decode()
            if isinstance(start, datetime):
                lo = datetime.combine(first, time.min, start.tzinfo)
                hi = datetime.combine(last, time.max, start.tzinfo)
                moments |= set(rrulestr(text, dtstart=start).between(lo, hi, inc=True))
            else:
                produced = rrulestr(text, dtstart=datetime.combine(start, time.min)).between(
                    datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True
                )
                moments |= {m.date() for m in produced}
        excluded = set(master.exdates)
        replaced = {o.decoded("RECURRENCE-ID") for o in overrides[uid]}
        assert replaced <= moments, "a RECURRENCE-ID names no instance of its series"
        for moment in moments - excluded - replaced:
            if first <= _day(moment) <= last:
                found.add(_key(moment, master))
        for override in overrides[uid]:
            moment = override.decoded("DTSTART")
            if first <= _day(moment) <= last:
                found.add(_key(moment, override))
    return found


# --- a calendar with every kind of date ----------------------------------------------------------


async def edit(
    client: httpx.AsyncClient, account: Account, sid: str, body: dict[str, Any], **params: str
) -> None:
    response = await client.patch(
        f"/api/v1/sessions/{sid}", json=body, params=params, headers=account.headers
    )
    assert response.status_code == 200, response.text


async def act(client: httpx.AsyncClient, account: Account, sid: str, day: date, *actions: str) -> None:
    for action in actions:
        response = await on_date(client, account, sid, day, action)
        assert response.status_code == 200, response.text


async def busy_calendar(client: httpx.AsyncClient, ana: Account) -> tuple[date, date]:
    """Ana's calendar (Europe/Paris by her profile); the window every kind of date falls in."""
    now = today()
    monday = next_weekday(now + timedelta(days=7), 0)

    # Twice a week with an end date: an exception, a moved date, a skipped one, a finished one,
    # one in progress; then the whole series moves to 18:30 (what was done keeps 18:00).
    weekly = await plan(
        client,
        ana,
        title="Squats",
        notes="bring the belt",
        date=monday,
        time="18:00",
        repeat={"freq": "weekly", "by_weekday": ["MO", "TH"], "until": monday + timedelta(weeks=10)},
    )
    wid = weekly["id"]
    removed = await client.delete(
        f"/api/v1/sessions/{wid}",
        params={"scope": "this", "date": (monday + timedelta(days=7)).isoformat()},
        headers=ana.headers,
    )
    assert removed.status_code == 200, removed.text
    thursday = monday + timedelta(days=3)
    moved_to = {"date": (thursday + timedelta(days=2)).isoformat(), "time": "07:30"}
    await edit(client, ana, wid, moved_to, scope="this", date=thursday.isoformat())
    await act(client, ana, wid, monday + timedelta(days=10), "skip")
    await act(client, ana, wid, monday + timedelta(days=14), "start", "complete")
    await act(client, ana, wid, monday + timedelta(days=17), "start")
    await edit(client, ana, wid, {"time": "18:30"}, scope="all")

    # Every other day, five times, in New York.
    await plan(
        client,
        ana,
        title="Intervals",
        source=FRAN,
        date=monday + timedelta(days=1),
        time="12:15",
        timezone="America/New_York",
        repeat={"freq": "daily", "interval": 2, "count": 5},
    )

    # Sundays across the next change of clocks in Paris: 09:00 stays 09:00 on the wall.
    change = next_paris_dst_change(now + timedelta(days=21))
    sundays = await plan(
        client,
        ana,
        title="Long run",
        date=change - timedelta(days=14),
        time="09:00",
        repeat={"freq": "weekly", "by_weekday": ["SU"], "until": change + timedelta(days=14)},
    )
    await act(client, ana, sundays["id"], change, "start", "complete")

    # A first date the rule does not produce (a Tuesday for a Wednesday rule), three times.
    await plan(
        client,
        ana,
        title="Mobility",
        date=monday + timedelta(days=8),
        time="06:00",
        repeat={"freq": "weekly", "by_weekday": ["WE"], "count": 3},
    )

    # All day, three days in a row, the middle one removed.
    all_day = await plan(
        client,
        ana,
        title="Camp",
        date=monday + timedelta(days=20),
        repeat={"freq": "daily", "until": monday + timedelta(days=22)},
    )
    removed = await client.delete(
        f"/api/v1/sessions/{all_day['id']}",
        params={"scope": "this", "date": (monday + timedelta(days=21)).isoformat()},
        headers=ana.headers,
    )
    assert removed.status_code == 200, removed.text

    # Started 500 days ago, weekly, 100 times: the feed starts it later with a smaller COUNT.
    await plan(
        client,
        ana,
        title="Old habit",
        date=now - timedelta(days=500),
        time="20:00",
        repeat={"freq": "weekly", "count": 100},
    )

    # The same, all day: COUNT is counted the same way for dates.
    await plan(
        client,
        ana,
        title="Old notes",
        date=now - timedelta(days=499),
        repeat={"freq": "weekly", "count": 100},
    )

    # A series deleted after one date was done: that date stays, on its own.
    gone = await plan(
        client, ana, title="Trial", date=monday, time="12:00", repeat={"freq": "daily", "count": 4}
    )
    await act(client, ana, gone["id"], monday + timedelta(days=1), "start", "complete")
    deleted = await client.delete(f"/api/v1/sessions/{gone['id']}", headers=ana.headers)
    assert deleted.status_code == 200, deleted.text

    # One-offs: with a time, all day, finished, skipped, recent past, too old for the feed.
    await plan(client, ana, title="Fran", source=FRAN, date=monday + timedelta(days=2), time="06:45")
    await plan(client, ana, title="Rest and stretch", date=monday + timedelta(days=5))
    done = await plan(client, ana, title="Test day", date=monday + timedelta(days=6), time="10:00")
    for action in ("start", "complete"):
        assert (await client.post(f"/api/v1/sessions/{done['id']}/{action}", headers=ana.headers)).is_success
    skipped = await plan(client, ana, title="Skipped", date=monday + timedelta(days=9), time="10:00")
    assert (await client.post(f"/api/v1/sessions/{skipped['id']}/skip", headers=ana.headers)).is_success
    await plan(client, ana, title="Last week", date=now - timedelta(days=10), time="17:00")
    await plan(client, ana, title="Ancient", date=now - timedelta(days=500), time="17:00")

    return now - timedelta(days=30), max(monday + timedelta(weeks=11), change + timedelta(days=15))


# --- the tests -----------------------------------------------------------------------------------


async def test_the_feed_expands_to_exactly_the_dates_the_api_shows(
    client: httpx.AsyncClient, ana: Account
) -> None:
    first, last = await busy_calendar(client, ana)
    path = await new_feed(client, ana)

    response = await fetch(client, path)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    shown = api_keys(await calendar(client, ana, first, last))
    fed = expand(response.content, first, last)
    assert fed == shown
    titles = {key[3] for key in shown}
    assert {
        "Squats",
        "Intervals",
        "Long run",
        "Mobility",
        "Camp",
        "Old habit",
        "Old notes",
        "Trial",
        "Fran",
    } <= titles
    assert {"Rest and stretch", "Test day", "Last week"} <= titles and "Skipped" not in titles
    assert len(shown) > 40


async def test_the_feed_writes_rrule_exdate_recurrence_id_and_time_zones(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await busy_calendar(client, ana)
    parsed = Calendar.from_ical((await fetch(client, await new_feed(client, ana))).content)

    assert str(parsed["X-WR-CALNAME"]) == "Atelier — Ana"
    assert str(parsed["VERSION"]) == "2.0" and "Atelier" in str(parsed["PRODID"])
    assert (
        parsed.decoded("REFRESH-INTERVAL") == timedelta(hours=1) and str(parsed["X-PUBLISHED-TTL"]) == "PT1H"
    )
    assert {str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")} == {"Europe/Paris", "America/New_York"}
    events = parsed.walk("VEVENT")
    (squats,) = [e for e in events if str(e["SUMMARY"]) == "Squats" and "RECURRENCE-ID" not in e]
    rule = squats["RRULE"].to_ical().decode()
    assert rule.startswith("FREQ=WEEKLY") and "BYDAY=MO,TH" in rule
    until = rule.split("UNTIL=")[1].split(";")[0]
    assert len(until) == 16 and until.endswith("Z")  # UTC, as RFC 5545 wants beside a TZID
    assert squats["DTSTART"].params["TZID"] == "Europe/Paris"
    assert squats.decoded("DTSTART").time() == time(18, 30)
    assert len(squats.exdates) == 2  # the removed Monday and the skipped Thursday
    assert "bring the belt" in str(squats["DESCRIPTION"])
    overrides = [e for e in events if e["UID"] == squats["UID"] and "RECURRENCE-ID" in e]
    assert len(overrides) == 3  # moved, completed, in progress
    assert {o.decoded("RECURRENCE-ID").time() for o in overrides} == {time(18, 30)}
    # The moved date was not started: it followed the new time and kept its day; the others kept 18:00.
    assert {o.decoded("DTSTART").time() for o in overrides} == {time(18, 30), time(18, 0)}
    assert any(str(o["SUMMARY"]) == "✓ Squats" for o in overrides)
    (camp,) = [e for e in events if str(e["SUMMARY"]) == "Camp"]
    assert type(camp.decoded("DTSTART")) is date and camp.exdates == [
        camp.decoded("DTSTART") + timedelta(days=1)
    ]
    assert camp["RRULE"].to_ical().decode().split("UNTIL=")[1].split(";")[0].isdigit()  # a DATE
    (fran,) = [e for e in events if str(e["SUMMARY"]) == "Fran"]
    assert "RRULE" not in fran and fran.decoded("DURATION") == timedelta(minutes=5)  # the estimate
    uids = {str(e["UID"]) for e in events}
    assert all(u.endswith("@atelier") and uuid.UUID(u.removesuffix("@atelier")) for u in uids)


async def test_history_is_bounded_to_400_days_and_rules_are_restarted_inside_it(
    client: httpx.AsyncClient, ana: Account
) -> None:
    await busy_calendar(client, ana)
    bound = today() - HISTORY
    parsed = Calendar.from_ical((await fetch(client, await new_feed(client, ana))).content)

    events = parsed.walk("VEVENT")
    assert "Ancient" not in {str(e["SUMMARY"]) for e in events}
    assert all(_day(e.decoded("DTSTART")) >= bound for e in events)
    (habit,) = [e for e in events if str(e["SUMMARY"]) == "Old habit"]
    assert "COUNT=" in habit["RRULE"].to_ical().decode()
    last = bound + timedelta(days=3 * 365)
    everything = expand(parsed.to_ical(), bound, last)
    assert everything == api_keys(await calendar(client, ana, bound, last))
    started = today() - timedelta(days=500)
    habit_dates = sorted(k[0] for k in everything if k[3] == "Old habit")
    assert habit_dates[0] == started + timedelta(weeks=-(-(bound - started).days // 7))
    assert habit_dates[-1] == started + timedelta(weeks=99)
    notes_dates = sorted(k[0] for k in everything if k[3] == "Old notes")
    assert notes_dates[-1] == started + timedelta(days=1, weeks=99)


async def test_the_same_calendar_gives_the_same_bytes(client: httpx.AsyncClient, ana: Account) -> None:
    await plan(client, ana, title="Fran", source=FRAN, date=today() + timedelta(days=3), time="06:45")
    path = await new_feed(client, ana)

    assert (await fetch(client, path)).content == (await fetch(client, path)).content


async def test_the_feed_needs_no_login_and_the_api_does(client: httpx.AsyncClient, ana: Account) -> None:
    path = await new_feed(client, ana)

    assert (await fetch(client, path)).status_code == 200
    assert (await client.post("/api/v1/calendar/feed")).status_code == 401
    assert (await client.get("/api/v1/calendar/feed")).status_code == 401
    assert (await client.delete("/api/v1/calendar/feed")).status_code == 401
    assert (await client.head(path)).status_code == 200


async def test_revoking_ends_the_feed_with_the_same_404_as_an_unknown_token(
    client: httpx.AsyncClient, ana: Account
) -> None:
    path = await new_feed(client, ana)
    status = await client.get("/api/v1/calendar/feed", headers=ana.headers)
    assert status.status_code == 200 and status.json()["active"] is True
    assert path.split("/")[-1].removesuffix(".ics") not in status.text

    revoked = await client.delete("/api/v1/calendar/feed", headers=ana.headers)

    assert revoked.status_code == 204
    gone = await fetch(client, path)
    unknown = await fetch(client, "/feeds/not-a-token-anyone-was-given.ics")
    assert gone.status_code == unknown.status_code == 404
    assert {**gone.json(), "instance": None} == {**unknown.json(), "instance": None}
    after = await client.get("/api/v1/calendar/feed", headers=ana.headers)
    assert after.json() == {"active": False, "created_at": None}
    assert (await client.delete("/api/v1/calendar/feed", headers=ana.headers)).status_code == 204


async def test_rotating_gives_a_new_url_and_the_old_one_stops(
    client: httpx.AsyncClient, ana: Account
) -> None:
    old = await new_feed(client, ana)

    new = await new_feed(client, ana)

    assert new != old
    assert (await fetch(client, old)).status_code == 404
    assert (await fetch(client, new)).status_code == 200
    assert (await client.get("/api/v1/calendar/feed", headers=ana.headers)).json()["active"] is True


async def test_concurrent_rotations_leave_exactly_one_working_url(
    client: httpx.AsyncClient, ana: Account
) -> None:
    answers = await asyncio.gather(
        *(client.post("/api/v1/calendar/feed", headers=ana.headers) for _ in range(5))
    )

    assert {a.status_code for a in answers} == {201}
    paths = [a.json()["url"].removeprefix("http://atelier.test") for a in answers]
    working = [p for p in paths if (await fetch(client, p)).status_code == 200]
    assert len(working) == 1


async def test_a_feed_shows_only_its_owners_own_sessions(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    mine = await plan(
        client, ana, title="Ana's secret squats", date=today() + timedelta(days=2), time="07:00"
    )
    for_ana = await plan(
        client, coach, title="Coached", athlete_id=ana.id, date=today() + timedelta(days=4), time="07:00"
    )
    theirs = await plan(client, bo, title="Bo's run", date=today() + timedelta(days=2), time="07:00")
    feeds = {who.name: await new_feed(client, who) for who in (ana, bo, coach)}

    bodies = {name: (await fetch(client, path)).content.decode() for name, path in feeds.items()}

    assert mine["id"] in bodies["Ana"] and for_ana["id"] in bodies["Ana"]  # planned for her by her coach
    assert theirs["id"] not in bodies["Ana"]
    assert theirs["id"] in bodies["Bo"]
    for name in ("Bo", "Cy"):
        assert mine["id"] not in bodies[name] and "secret squats" not in bodies[name]
        assert for_ana["id"] not in bodies[name]  # a coach's feed is their own calendar only
    assert "BEGIN:VEVENT" not in bodies["Cy"]


async def test_classes_are_in_the_feeds_of_those_booked_waitlisted_or_running_them(
    client: httpx.AsyncClient, ana: Account, bo: Account, coach: Account
) -> None:
    day = today() + timedelta(days=10)

    async def schedule(title: str, on: date, at: str, **body: Any) -> str:
        body = {"source": FRAN, "title": title, "date": on, "time": at, "capacity": 12, **body}
        body.setdefault("timezone", "Europe/Paris")
        created = await client.post("/api/v1/classes", json=_jsonable(body), headers=coach.headers)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def book(account: Account, class_id: str) -> str:
        booked = await client.post(
            f"/api/v1/classes/{class_id}/bookings", json={"track": "RX"}, headers=account.headers
        )
        assert booked.status_code == 201, booked.text
        return str(booked.json()["status"])

    held = await schedule("Held", day, "18:00", capacity=1, location="Box A", duration_minutes=45)
    booked = await schedule("Booked", day + timedelta(days=1), "07:00", timezone="America/New_York")
    dropped = await schedule("Dropped", day + timedelta(days=2), "18:00")
    called_off = await schedule("Called off", day + timedelta(days=3), "18:00")
    other = await sign_up(client, name="Eve")
    await link(client, coach, other)
    assert await book(other, held) == "booked"
    assert await book(ana, held) == "waitlisted"
    assert await book(ana, booked) == "booked"
    await book(ana, dropped)
    assert (await client.delete(f"/api/v1/classes/{dropped}/bookings/me", headers=ana.headers)).is_success
    await book(ana, called_off)
    assert (await client.post(f"/api/v1/classes/{called_off}/cancel", headers=coach.headers)).is_success
    feeds = {who.name: await new_feed(client, who) for who in (ana, bo, coach)}

    seen = {name: (await fetch(client, path)).content for name, path in feeds.items()}

    window = (today(), day + timedelta(days=30))
    paris, new_york = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")
    held_at = datetime.combine(day, time(18), paris)
    booked_at = datetime.combine(day + timedelta(days=1), time(7), new_york)
    dropped_at = datetime.combine(day + timedelta(days=2), time(18), paris)
    assert expand(seen["Ana"], *window) == {
        (day, time(18), held_at.astimezone(UTC), "Held", f"class-{held}@atelier"),
        (booked_at.date(), time(7), booked_at.astimezone(UTC), "Booked", f"class-{booked}@atelier"),
    }
    assert {k[3] for k in expand(seen["Cy"], *window)} == {"Held", "Booked", "Dropped"}
    assert (
        dropped_at.date(),
        time(18),
        dropped_at.astimezone(UTC),
        "Dropped",
        f"class-{dropped}@atelier",
    ) in (expand(seen["Cy"], *window))
    assert expand(seen["Bo"], *window) == set()
    (waiting,) = [e for e in Calendar.from_ical(seen["Ana"]).walk("VEVENT") if "Held" in str(e["SUMMARY"])]
    assert str(waiting["SUMMARY"]) == "Waitlist: Held" and str(waiting["LOCATION"]) == "Box A"
    assert waiting.decoded("DURATION") == timedelta(minutes=45)
    (running,) = [e for e in Calendar.from_ical(seen["Cy"]).walk("VEVENT") if "Held" in str(e["SUMMARY"])]
    assert str(running["SUMMARY"]) == "Held"


# --- atelier export ics ----------------------------------------------------------------------------


@pytest.fixture
def command_line(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The command line on the test database (whose tables the ``client`` fixture emptied)."""
    monkeypatch.setenv("ATELIER_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("ATELIER_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def atelier(runner: CliRunner, *args: str) -> Result:
    """Run a command in a thread: it starts its own event loop, as it does in a terminal."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(app, list(args), catch_exceptions=False))


async def test_export_writes_the_same_bytes_as_the_feed(
    client: httpx.AsyncClient, ana: Account, command_line: CliRunner, tmp_path: Path
) -> None:
    await busy_calendar(client, ana)
    served = (await fetch(client, await new_feed(client, ana))).content

    to_stdout = await atelier(command_line, "export", "ics", "--user", ana.email)
    target = tmp_path / "ana.ics"
    to_file = await atelier(
        command_line, "export", "ics", "--user", ana.email.upper(), "--output", str(target)
    )

    assert to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.stdout_bytes == served
    assert to_file.exit_code == 0, to_file.output
    assert target.read_bytes() == served
    assert str(target) in to_file.stderr


async def test_export_for_an_unknown_email_is_a_usage_error(
    client: httpx.AsyncClient, command_line: CliRunner
) -> None:
    result = await atelier(command_line, "export", "ics", "--user", "nobody@example.com")

    assert result.exit_code == 2
    assert result.stderr.strip() == "error: no account with e-mail nobody@example.com"
    assert result.stdout == ""


async def test_another_user_with_a_feed_and_an_empty_calendar(client: httpx.AsyncClient) -> None:
    someone = await sign_up(client, name="Dee")
    parsed = Calendar.from_ical((await fetch(client, await new_feed(client, someone))).content)

    assert str(parsed["X-WR-CALNAME"]) == "Atelier — Dee" and parsed.walk("VEVENT") == []
