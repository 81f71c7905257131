"""Invariant 7, progress saves never lose an update: ``atelier serve`` killed (SIGKILL) in the middle
of a burst of auto-saves keeps every save it acknowledged, and a retried unacknowledged save with the
same Idempotency-Key is applied once.

Two bursts, on two sessions. The first runs on ``atelier serve`` as it ships: the crash as it comes.
The second runs on the same command with one thing changed: once the burst is nearly over, every
database commit waits half a second first (a busy disk, a distant database). That holds open the
moment between a save's commit and its answer, so a server that answers before it commits loses the
last acknowledged save every time, not once in a while.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from atelier.config import Settings
from tests.conftest import Account, sign_up
from tests.planning.helpers import plan

pytestmark = pytest.mark.anyio

THREE_LIFTS = "# Day\n## A\nBack squat 5x5 @ 75%\n## B\nDeadlift 5x3 @ 80%\n## C\nBench press 5x5 @ 70%\n"
POSITIONS = (0, 1, 2)  # one writer (one device) per exercise
ACKNOWLEDGED_BEFORE_THE_KILL = 30
SLOW_COMMIT_SECONDS = 0.5

# `atelier serve`, whose commits wait first while a flag file exists:
# `python -c SLOW_COMMITS <seconds> <flag> serve ...`.
SLOW_COMMITS = """
import asyncio, os, sys
from sqlalchemy.ext.asyncio import AsyncSession
from atelier.cli import app

delay, flag = float(sys.argv.pop(1)), sys.argv.pop(1)
commit = AsyncSession.commit

async def slow_commit(self):
    if os.path.exists(flag):
        await asyncio.sleep(delay)
    await commit(self)

AsyncSession.commit = slow_commit
sys.argv[0] = "atelier"
app()
"""


class Server:
    """``atelier serve`` in its own process on the test database, killed the way a crash kills it."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.log = folder / "server.log"
        self.flag = folder / "slow-commits"
        self.process: asyncio.subprocess.Process | None = None
        self.signalled = False

    @asynccontextmanager
    async def running(self, *, slow_commits: bool = False) -> AsyncIterator[httpx.AsyncClient]:
        """Start the server on a free port, wait until it answers, and lend a client for it; on
        leaving, stop it as an operator would (SIGTERM: in-flight requests finish), if still up."""
        await self.stop()
        self.flag.unlink(missing_ok=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "ATELIER_DATABASE_URL": self.settings.database_url,
            "ATELIER_SECRET_KEY": self.settings.secret_key,
            "ATELIER_ARGON2_TIME_COST": str(self.settings.argon2_time_cost),
            "ATELIER_ARGON2_MEMORY_KIB": str(self.settings.argon2_memory_kib),
        }
        env.pop("ATELIER_REDIS_URL", None)
        if slow_commits:
            command = [sys.executable, "-c", SLOW_COMMITS, str(SLOW_COMMIT_SECONDS), str(self.flag)]
        else:
            command = [str(Path(sys.executable).with_name("atelier"))]
        command += ["serve", "--port", str(port), "--no-library"]
        with self.log.open("ab") as out:
            out.write(f"--- serve on port {port}, slow commits: {slow_commits}\n".encode())
            out.flush()
            self.process = await asyncio.create_subprocess_exec(
                *command,
                env=env,
                cwd=self.log.parent,  # no stray .env
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            self.signalled = False
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            for _ in range(300):
                if self.process.returncode is not None:
                    pytest.fail(f"atelier serve exited with {self.process.returncode}:\n{self.output()}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                await self.stop()
                pytest.fail(f"atelier serve did not answer within 30 s:\n{self.output()}")
            yield client
        await self.stop(gracefully=True)

    def slow_down_commits(self) -> None:
        self.flag.touch()

    def kill(self) -> None:
        """SIGKILL, at once: no shutdown, no rollback, no flush; what was committed is all there is."""
        if self.process is not None and not self.signalled:
            self.signalled = True  # once: signalling a dead child again would reap it behind asyncio
            self.process.kill()

    async def stop(self, *, gracefully: bool = False) -> None:
        if self.process is None:
            return
        if gracefully and not self.signalled:
            self.signalled = True
            self.process.terminate()
            try:
                async with asyncio.timeout(10):
                    await self.process.wait()
            except TimeoutError:
                self.signalled = False
        self.kill()
        await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
async def server(settings: Settings, tmp_path: Path) -> AsyncIterator[Server]:
    served = Server(settings, tmp_path)
    try:
        yield served
    finally:
        await served.stop()  # before the next test empties the tables under it


@dataclass
class Writer:
    """One device auto-saving one exercise: a set appended per save, sent with the version it got."""

    position: int
    version: int = 1
    sets: list[dict[str, Any]] = field(default_factory=list)
    unanswered: tuple[str, dict[str, Any]] = ("", {})  # (Idempotency-Key, body) cut off by the kill
    failure: str = ""


async def burst(
    client: httpx.AsyncClient, account: Account, sid: str, on_answer: Callable[[int], None]
) -> list[Writer]:
    """Writers save concurrently, each sending the next save as soon as the last is answered, until
    the server dies; ``on_answer`` hears the count of 200s so far, each time one is read."""
    writers = [Writer(position) for position in POSITIONS]
    acknowledged = 0

    async def write(writer: Writer) -> None:
        nonlocal acknowledged
        n = 0
        while True:
            n += 1
            new_set = {"reps": 5, "load": {"value": 40 + 2.5 * n, "unit": "kg"}}
            body = {"version": writer.version, "data": {"sets": [*writer.sets, new_set]}}
            key = f"crash-{sid}-{writer.position}-{n}"
            try:
                response = await client.put(
                    f"/api/v1/sessions/{sid}/progress/exercises/{writer.position}",
                    json=body,
                    headers=account.headers | {"Idempotency-Key": key},
                )
            except httpx.TransportError as exc:
                writer.unanswered, writer.failure = (key, body), repr(exc)
                return
            assert response.status_code == 200, response.text
            saved = response.json()
            assert saved["version"] == writer.version + 1 and saved["data"] == body["data"], saved
            writer.version, writer.sets = saved["version"], saved["data"]["sets"]
            acknowledged += 1
            on_answer(acknowledged)

    async with asyncio.timeout(60):
        await asyncio.gather(*(write(w) for w in writers))
    return writers


async def stored_exercises(client: httpx.AsyncClient, account: Account, sid: str) -> dict[int, Any]:
    response = await client.get(f"/api/v1/sessions/{sid}/progress", headers=account.headers)
    assert response.status_code == 200, response.text
    return {e["position"]: e for e in response.json()["exercises"]}


@dataclass
class Crash:
    """One session's burst, cut short by a kill."""

    label: str
    sid: str
    before: dict[int, Any]  # the exercises as the start made them
    writers: list[Writer] = field(default_factory=list)


async def started(client: httpx.AsyncClient, account: Account, label: str, day: date) -> Crash:
    planned = await plan(client, account, date=day, source=THREE_LIFTS)
    response = await client.post(f"/api/v1/sessions/{planned['id']}/start", headers=account.headers)
    assert response.status_code == 200, response.text
    before = await stored_exercises(client, account, planned["id"])
    assert [before[p]["name"] for p in POSITIONS] == ["Back squat", "Deadlift", "Bench press"]
    return Crash(label, planned["id"], before)


async def check(client: httpx.AsyncClient, account: Account, crash: Crash) -> None:
    """After the restart: every acknowledged save is there, the save in flight is whole or absent,
    and retrying it with its Idempotency-Key applies it once."""
    sid, writers = crash.sid, crash.writers
    assert sum(w.version - 1 for w in writers) >= ACKNOWLEDGED_BEFORE_THE_KILL  # + answers on their way
    after = await stored_exercises(client, account, sid)
    for w in writers:
        stored = after[w.position]
        stored_sets = stored["data"].get("sets", [])
        context = (
            f"{crash.label}, exercise {w.position}: acknowledged version {w.version} with "
            f"{len(w.sets)} set(s), then {w.failure}; after the restart version {stored['version']} "
            f"with {len(stored_sets)} set(s)"
        )
        # Acknowledged means kept: at least the version and the sets answered with a 200 ...
        assert stored["version"] >= w.version, context
        assert stored_sets[: len(w.sets)] == w.sets, context
        # ... plus, at most, the one save in flight when the server died: whole, or not at all.
        key, body = w.unanswered
        if stored["version"] == w.version:
            expected = {"sets": w.sets} if w.sets else crash.before[w.position]["data"]
            assert stored["data"] == expected, context
        else:
            assert stored["version"] == w.version + 1, context
            assert stored["data"] == body["data"], context

        # The device retries the save it never got an answer to: applied now, or answered from what
        # was stored; never applied twice, never a conflict with itself.
        url = f"/api/v1/sessions/{sid}/progress/exercises/{w.position}"
        headers = account.headers | {"Idempotency-Key": key}
        retried = await client.put(url, json=body, headers=headers)
        again = await client.put(url, json=body, headers=headers)
        assert retried.status_code == 200, f"{context}; retry: {retried.status_code} {retried.text}"
        assert retried.json()["version"] == w.version + 1, f"{context}; retry: {retried.text}"
        assert retried.json()["data"] == body["data"], f"{context}; retry: {retried.text}"
        assert again.status_code == 200 and again.json() == retried.json(), f"{context}; {again.text}"

    final = await stored_exercises(client, account, sid)
    assert {p: (final[p]["version"], final[p]["data"]) for p in POSITIONS} == {
        w.position: (w.version + 1, w.unanswered[1]["data"]) for w in writers
    }, crash.label


async def test_a_killed_server_keeps_every_acknowledged_save_and_a_retry_applies_once(
    server: Server,
) -> None:
    def kill_at_the_last(count: int) -> None:
        if count == ACKNOWLEDGED_BEFORE_THE_KILL:
            server.kill()

    def slow_down_then_kill(count: int) -> None:
        # Every writer has at most one save out: after this answer, the last one counted before the
        # kill is a save sent after the flag, so its commit is a slow one.
        if count == ACKNOWLEDGED_BEFORE_THE_KILL - len(POSITIONS):
            server.slow_down_commits()
        kill_at_the_last(count)

    async with server.running() as client:
        ana = await sign_up(client, name="Ana")
        as_shipped = await started(client, ana, "as shipped", date(2027, 1, 5))
        slow = await started(client, ana, "slow commits at the end", date(2027, 1, 6))
        as_shipped.writers = await burst(client, ana, as_shipped.sid, kill_at_the_last)
    async with server.running(slow_commits=True) as client:
        slow.writers = await burst(client, ana, slow.sid, slow_down_then_kill)

    failures = []
    async with server.running() as client:  # on the same database; Ana's token still holds
        for crash in (as_shipped, slow):
            try:
                await check(client, ana, crash)
            except AssertionError as exc:  # check both, then tell both
                failures.append(str(exc).splitlines()[0])
    assert not failures, "\n\n".join(failures)
