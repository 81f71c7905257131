"""One cache interface: in-process TTL by default, Redis when ``ATELIER_REDIS_URL`` is set.

Values are JSON documents. Keys are namespaced by the caller; nothing private is ever cached
under a key another user can reach, because readers check access before they read the cache.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, Protocol, TypeVar, cast

from cachetools import TTLCache

V = TypeVar("V")


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...
    async def set(self, key: str, value: Any, ttl_seconds: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, ttl_seconds: int) -> int: ...
    async def close(self) -> None: ...


class MemoryCache:
    """A per-process TTL cache; each entry keeps its own expiry."""

    def __init__(self, maxsize: int = 20_000, max_ttl_seconds: int = 7 * 24 * 3600) -> None:
        self._entries: TTLCache[str, tuple[float, str]] = TTLCache(maxsize=maxsize, ttl=max_ttl_seconds)

    async def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, payload = entry
        if expires_at < time.monotonic():
            self._entries.pop(key, None)
            return None
        return json.loads(payload)

    async def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._entries[key] = (time.monotonic() + ttl_seconds, json.dumps(value))

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def incr(self, key: str, ttl_seconds: int) -> int:
        current = await self.get(key)
        if current is None:
            await self.set(key, 1, ttl_seconds)
            return 1
        expires_at, _ = self._entries[key]
        self._entries[key] = (expires_at, json.dumps(int(current) + 1))
        return int(current) + 1

    async def close(self) -> None:
        self._entries.clear()


class RedisCache:
    """The same interface over Redis, shared by every process."""

    def __init__(self, url: str, prefix: str = "atelier:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._prefix = prefix

    async def get(self, key: str) -> Any | None:
        payload = await self._redis.get(self._prefix + key)
        return None if payload is None else json.loads(payload)

    async def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        await self._redis.set(self._prefix + key, json.dumps(value), ex=ttl_seconds)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._redis.delete(*(self._prefix + key for key in keys))

    async def incr(self, key: str, ttl_seconds: int) -> int:
        full = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(full)
            pipe.expire(full, ttl_seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def clear(self) -> None:
        """Delete every key under this cache's prefix (tests, and a namespace being retired)."""
        async for key in self._redis.scan_iter(match=self._prefix + "*", count=500):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()


def create_cache(redis_url: str | None, *, prefix: str = "atelier:") -> Cache:
    return RedisCache(redis_url, prefix) if redis_url else MemoryCache()


class Kept(Generic[V]):
    """Values this process built, each kept with the stamp of the data it was built from.

    ``get`` returns a value only while the caller's current stamp equals the stored one, so a
    stamp the database moves on every relevant write (``calendar_versions``) makes the answer
    correct across processes without telling anyone. Bounded by total bytes (``weigh`` says what a
    value holds), least recently used first out.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, weigh: Callable[[V], int] | None = None) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._weigh: Callable[[V], int] = weigh if weigh is not None else cast(Callable[[V], int], len)
        self._entries: OrderedDict[Hashable, tuple[Hashable, V, int]] = OrderedDict()

    def get(self, key: Hashable, stamp: Hashable = None) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != stamp:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, stamp: Hashable, value: V) -> None:
        weight = self._weigh(value)
        if weight > self.max_bytes // 8:
            return  # one huge value would push out everything else for little gain
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.size -= previous[2]
        self._entries[key] = (stamp, value, weight)
        self.size += weight
        while self.size > self.max_bytes:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self.size -= dropped

    def __len__(self) -> int:
        return len(self._entries)


class KeptBodies(Kept[bytes]):
    """Answers kept as the bytes the endpoint sends, never JSON round trips."""
