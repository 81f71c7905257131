"""Every background job of the app, on one taskiq broker (``kit/jobs.py``): what runs, and how often.

Nudged (work waits in a table; the message only says so):

* ``coaching.illustrations`` — drain the illustration queue;
* ``coaching.insights`` — write a pending analysis with the LLM (local analyser as fallback).

Periodic (the taskiq scheduler; each one idempotent, safe to run in several processes at once):

* ``periodic.sweep`` every 30 s — nudge again the work whose message was lost: due illustration
  jobs, including those whose worker died (lease passed), and pending analyses past their lease;
* ``periodic.recovery_prune`` hourly, ``periodic.cache_expiry`` hourly (insight rows past their
  expiry), ``periodic.device_sync`` hourly, ``periodic.partitions`` daily (PostgreSQL).

Each also runs once when a worker (or, embedded, ``atelier serve``) starts, as the loops it replaced
did, so a restart picks up at once whatever a dead process left behind.
"""

from __future__ import annotations

import logging

from atelier.coaching import illustrations, insights
from atelier.forge import devices
from atelier.kit.jobs import Jobs
from atelier.kit.runtime import Runtime
from atelier.training import partitions, recovery

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30
HOUR = 3600
DAY = 24 * HOUR
AT_START = (
    "periodic.sweep",
    "periodic.recovery_prune",
    "periodic.partitions",
    "periodic.cache_expiry",
    "periodic.device_sync",
)


def build(runtime: Runtime, *, in_process: bool = False) -> Jobs:
    """This process's broker with every task bound to ``runtime`` (Redis when configured, unless
    ``in_process``: tests and tools that want the jobs they send run here)."""
    jobs = Jobs(None if in_process else runtime.settings.redis_url)

    async def drain_illustrations() -> int:
        return await illustrations.drain(runtime)

    async def write_insights(user_id: str, kind: str, period: str, language: str) -> None:
        await insights.run_job(runtime, user_id, kind, period, language)

    async def sweep() -> int:
        nudged = 0
        if await illustrations.due(runtime):
            await jobs.nudge(illustrations.TASK)
            nudged += 1
        for args in await insights.stale_pending(runtime):
            await jobs.nudge(insights.TASK, *args)
            nudged += 1
        return nudged

    async def recovery_prune() -> int:
        return await recovery.prune_job(runtime)

    async def make_partitions() -> dict[str, int]:
        return await partitions.ensure_job(runtime.engine)

    async def cache_expiry() -> int:
        return await insights.expire(runtime)

    async def device_sync() -> int:
        return len(await devices.sync_all(runtime))

    jobs.task(illustrations.TASK, drain_illustrations)
    jobs.task(insights.TASK, write_insights)
    jobs.task("periodic.sweep", sweep, every_seconds=SWEEP_SECONDS)
    jobs.task("periodic.recovery_prune", recovery_prune, every_seconds=HOUR)
    jobs.task("periodic.cache_expiry", cache_expiry, every_seconds=HOUR)
    jobs.task("periodic.device_sync", device_sync, every_seconds=HOUR)
    jobs.task("periodic.partitions", make_partitions, every_seconds=DAY)
    return jobs


async def start(runtime: Runtime, *, worker: bool) -> Jobs:
    """Start the jobs of ``atelier serve`` (worker=False) or ``atelier worker`` (worker=True).

    Embedded (no Redis), the serving process receives and schedules. With Redis, serving processes
    only send, and workers receive and schedule."""
    jobs = build(runtime)
    runtime.jobs = jobs
    runs_jobs = worker or not jobs.distributed
    await jobs.start(receive=worker, schedule=runs_jobs)
    if runs_jobs:
        for name in AT_START:
            if jobs.distributed:
                await _run_logged(jobs, name)
            else:
                await jobs.nudge(name)
    return jobs


async def _run_logged(jobs: Jobs, name: str) -> None:
    try:
        await jobs.run_now(name)
    except Exception:
        log.exception("job %s failed at start; the scheduler runs it again later", name)
