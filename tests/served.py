"""``atelier serve`` in its own process on the test database, for what only real processes show
(Server-Sent Events streamed as they happen, fan-out between two servers)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from atelier.config import Settings


@dataclass
class Served:
    process: asyncio.subprocess.Process
    client: httpx.AsyncClient
    log: Path

    @property
    def url(self) -> str:
        return str(self.client.base_url)

    @classmethod
    async def start(cls, settings: Settings, log: Path, *, redis_url: str | None) -> Served:
        """Serve on a free port; the server's output goes to ``log`` (read it when a test fails)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "ATELIER_DATABASE_URL": settings.database_url,
            "ATELIER_SECRET_KEY": settings.secret_key,
            "ATELIER_ARGON2_TIME_COST": str(settings.argon2_time_cost),
            "ATELIER_ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
            "ATELIER_DATABASE_POOL_SIZE": "4",
        }
        env.pop("ATELIER_REDIS_URL", None)
        if redis_url:
            env["ATELIER_REDIS_URL"] = redis_url
        atelier = str(Path(sys.executable).with_name("atelier"))
        with log.open("wb") as output:
            process = await asyncio.create_subprocess_exec(
                atelier, "serve", "--port", str(port), "--no-library",
                env=env, stdout=output, stderr=output,
            )  # fmt: skip
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20)
        for _ in range(300):
            if process.returncode is not None:
                said = (await asyncio.to_thread(log.read_text, errors="replace"))[-2000:]
                raise RuntimeError(f"atelier serve exited with {process.returncode}: {said}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return cls(process, client, log)
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        process.kill()
        raise RuntimeError("atelier serve did not answer within 30 s")

    async def stop(self) -> None:
        await self.client.aclose()
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
