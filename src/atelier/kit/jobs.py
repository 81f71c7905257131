"""Background jobs on taskiq: an in-process broker by default, Redis when it is configured.

What a job must not lose lives in a table with a status (DESIGN.md); a message on the broker is only
a nudge — "there is work in that table" — so losing one (a process dies, the in-process broker goes
with it) loses nothing: the periodic sweep or the next start nudges again. Every task is therefore
written to be idempotent and to find its work in the database, never in its arguments alone.

* **Embedded** (no ``ATELIER_REDIS_URL``): ``InMemoryBroker`` inside ``atelier serve``; a nudge runs
  the task as an asyncio task of the same process, after the request's commit. The scheduler runs
  in the same process.
* **At scale** (``ATELIER_REDIS_URL`` set): ``ListQueueBroker`` on Redis; ``atelier serve`` only sends,
  ``atelier worker`` processes receive, and they run the scheduler. Two workers running the same
  periodic job is harmless: each job is an idempotent statement by condition.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask, InMemoryBroker, TaskiqScheduler
from taskiq.api import run_receiver_task, run_scheduler_task
from taskiq.schedule_sources import LabelScheduleSource

log = logging.getLogger(__name__)

QUEUE = "atelier:jobs"


class Jobs:
    """One process's broker, its tasks and (optionally) its scheduler."""

    def __init__(self, redis_url: str | None = None) -> None:
        if redis_url:
            from taskiq_redis import ListQueueBroker

            self.broker: AsyncBroker = ListQueueBroker(redis_url, queue_name=QUEUE)
        else:
            self.broker = InMemoryBroker()
        self.distributed = redis_url is not None
        self.scheduler = TaskiqScheduler(self.broker, sources=[LabelScheduleSource(self.broker)])
        self._tasks: dict[str, AsyncTaskiqDecoratedTask[Any, Any]] = {}
        self._running: list[asyncio.Task[None]] = []
        self._started = False

    def task(
        self, name: str, func: Callable[..., Awaitable[Any]], *, every_seconds: int | None = None
    ) -> None:
        """Register ``func`` as the task ``name``; with ``every_seconds`` the scheduler runs it too."""
        labels: dict[str, Any] = {}
        if every_seconds is not None:
            labels["schedule"] = [{"interval": every_seconds}]
        self._tasks[name] = self.broker.register_task(func, task_name=name, **labels)

    @property
    def names(self) -> list[str]:
        return sorted(self._tasks)

    async def nudge(self, name: str, *args: Any) -> None:
        """Send the task; a broker that is down is logged, never fatal (the sweep nudges again)."""
        if not self._started:
            return
        try:
            await self._tasks[name].kiq(*args)
        except Exception:
            log.warning(
                "could not send job %s; the periodic sweep will pick its work up", name, exc_info=True
            )

    async def run_now(self, name: str, *args: Any) -> Any:
        """Run the task's function in this process and wait for it (the CLI, tests, a worker's start)."""
        return await self._tasks[name].original_func(*args)

    async def start(self, *, receive: bool, schedule: bool) -> None:
        """Start sending; ``receive`` also consumes the Redis queue, ``schedule`` runs periodic tasks.

        The in-process broker needs no receiver: a nudge runs the task directly."""
        await self.broker.startup()
        self._started = True
        if receive and self.distributed:
            self._running.append(asyncio.create_task(run_receiver_task(self.broker)))
        if schedule:
            self._running.append(
                asyncio.create_task(run_scheduler_task(self.scheduler, loop_interval=timedelta(seconds=1)))
            )

    async def wait(self) -> None:
        """In-process broker: wait for the tasks already sent (tests, an orderly shutdown)."""
        if isinstance(self.broker, InMemoryBroker):
            await self.broker.wait_all()

    async def stop(self) -> None:
        for running in self._running:
            running.cancel()
        for running in self._running:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running
        self._running.clear()
        if self._started:
            self._started = False
            with contextlib.suppress(Exception):
                await self.wait()
            await self.broker.shutdown()
