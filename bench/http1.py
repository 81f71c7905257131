"""A lean HTTP/1.1 keep-alive client for benchmarks that put many clients on the server's machine.

httpx spends about 3 ms of CPU per request (bench/autosave.py measured it), on the cores the
server under test needs: 200 phones do not share the server's CPU, so the benchmark should not
either. This one writes the request bytes and reads the status line, the headers and a
``Content-Length`` body (what uvicorn sends for a JSON answer); anything else is an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any


class HTTPError(Exception):
    pass


class Device:
    """One client's keep-alive connection to ``host:port``, reopened if the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(head + payload)
        try:
            status_line = await reader.readline()
            if not status_line:
                raise HTTPError("the server closed the connection")
            status = int(status_line.split(b" ", 2)[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
                elif name == b"transfer-encoding":
                    raise HTTPError("chunked answers are not read by this client")
            answer = await reader.readexactly(length)
        except BaseException:
            await self.close()
            raise
        if close:
            await self.close()
        return status, answer

    async def close(self) -> None:
        if self._streams is not None:
            _, writer = self._streams
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
