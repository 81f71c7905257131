"""The cache: one behaviour in memory and in Redis; compilations cached under their exact text."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import anyio
import httpx
import pytest

from atelier.kit import cache as cache_module
from atelier.kit.cache import Cache, KeptBodies, MemoryCache, RedisCache, create_cache
from atelier.kit.runtime import Runtime
from atelier.wods import compiler
from atelier.wods.compiler import WODCRAFT_VERSION, Compilation, compile_cached, source_key
from tests.conftest import sign_up

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("ATELIER_TEST_REDIS") or None
FRAN = "# Fran\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"
FRAN_SPACED = "# Fran\n\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"


class FakeClock:
    """Stands in for the ``time`` module inside ``atelier.kit.cache``: time moves when told to."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


@dataclass
class CacheUnderTest:
    cache: Cache
    wait: Callable[[float], Awaitable[None]]  # let this many seconds pass, for the cache


@pytest.fixture(params=["memory", "redis"])
async def under_test(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[CacheUnderTest]:
    if request.param == "memory":
        clock = FakeClock()
        monkeypatch.setattr(cache_module, "time", clock)

        async def advance(seconds: float) -> None:
            clock.now += seconds

        yield CacheUnderTest(MemoryCache(), advance)
        return
    if REDIS_URL is None:
        pytest.skip("set ATELIER_TEST_REDIS to test the Redis cache")
    redis = RedisCache(REDIS_URL, prefix=f"test:{uuid.uuid4().hex}:")
    try:
        yield CacheUnderTest(redis, anyio.sleep)
    finally:
        await redis.close()


async def test_a_value_comes_back_as_it_was_set(under_test: CacheUnderTest) -> None:
    cache = under_test.cache
    document = {"title": "Fran", "reps": [21, 15, 9], "cap_s": 600.0, "score": None, "ok": True}

    await cache.set("wod", document, 60)
    await cache.set("count", 3, 60)

    assert await cache.get("wod") == document
    assert await cache.get("count") == 3
    assert await cache.get("missing") is None


async def test_setting_again_replaces_the_value(under_test: CacheUnderTest) -> None:
    await under_test.cache.set("wod", {"version": 1}, 60)
    await under_test.cache.set("wod", {"version": 2}, 60)

    assert await under_test.cache.get("wod") == {"version": 2}


async def test_a_value_expires_after_its_ttl(under_test: CacheUnderTest) -> None:
    cache = under_test.cache
    await cache.set("short", "gone soon", 1)
    await cache.set("long", "still here", 60)
    assert await cache.get("short") == "gone soon"

    await under_test.wait(1.2)

    assert await cache.get("short") is None
    assert await cache.get("long") == "still here"


async def test_delete_removes_each_key_given_and_ignores_missing_ones(under_test: CacheUnderTest) -> None:
    cache = under_test.cache
    for key in ("a", "b", "c"):
        await cache.set(key, key, 60)

    await cache.delete("a", "b", "never-set")
    await cache.delete()

    assert [await cache.get(key) for key in ("a", "b", "c")] == [None, None, "c"]


async def test_incr_counts_from_one_within_the_window_of_the_first_count(under_test: CacheUnderTest) -> None:
    cache = under_test.cache

    assert [await cache.incr("failures", 1) for _ in range(3)] == [1, 2, 3]
    assert await cache.get("failures") == 3
    assert await cache.incr("other", 60) == 1

    await under_test.wait(1.2)  # the window opened by the first count is over; later counts did not extend it

    assert await cache.incr("failures", 1) == 1
    assert await cache.incr("other", 60) == 2


def test_create_cache_is_in_memory_without_a_redis_url() -> None:
    assert isinstance(create_cache(None), MemoryCache)
    assert isinstance(create_cache("redis://127.0.0.1:6379/15"), RedisCache)


@pytest.fixture
def compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources WODCraft really compiles from now on (cache misses)."""
    compiled: list[str] = []
    compile_now = compiler.compile_now

    def counting(source: str) -> Compilation:
        compiled.append(source)
        return compile_now(source)

    monkeypatch.setattr(compiler, "compile_now", counting)
    return compiled


async def test_the_second_compilation_of_a_text_comes_from_the_cache(compilations: list[str]) -> None:
    cache = MemoryCache()

    first = await compile_cached(cache, FRAN, 60)
    second = await compile_cached(cache, FRAN, 60)

    assert compilations == [FRAN]
    assert second == first
    assert second.ok
    assert second.document is not None
    assert second.document["title"] == "Fran"


async def test_a_refused_compilation_is_cached_with_its_diagnostics(compilations: list[str]) -> None:
    cache = MemoryCache()
    invalid = FRAN.replace("Thruster", "Thrusterz")

    first = await compile_cached(cache, invalid, 60)
    second = await compile_cached(cache, invalid, 60)

    assert compilations == [invalid]
    assert not second.ok
    assert second.diagnostics == first.diagnostics
    assert [d["code"] for d in second.errors] == ["E020"]


async def test_the_cache_key_is_the_exact_text_and_the_wodcraft_version(compilations: list[str]) -> None:
    cache = MemoryCache()

    await compile_cached(cache, FRAN, 60)
    spaced = await compile_cached(cache, FRAN_SPACED, 60)

    assert compilations == [FRAN, FRAN_SPACED]
    assert spaced.document is not None
    assert spaced.document["blocks"][0]["source"]["line"] == 3  # its own positions, not Fran's
    assert source_key(FRAN) != source_key(FRAN_SPACED)
    assert source_key(FRAN) != source_key(FRAN + " ")
    assert source_key(FRAN).startswith(f"compile:{WODCRAFT_VERSION}:")
    assert FRAN not in source_key(FRAN)  # a key never carries the text itself


async def test_a_cached_compilation_expires_with_its_ttl(
    compilations: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(cache_module, "time", clock)
    cache = MemoryCache()

    await compile_cached(cache, FRAN, 60)
    clock.now += 61
    await compile_cached(cache, FRAN, 60)

    assert compilations == [FRAN, FRAN]


async def test_storing_a_workout_caches_it_and_an_edit_drops_the_old_text(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    ana = await sign_up(client)
    created = await client.post("/api/v1/wods", json={"source": FRAN}, headers=ana.headers)
    cached = await runtime.cache.get(source_key(FRAN))
    assert cached is not None
    assert cached["document"]["title"] == "Fran"
    edited_source = FRAN.replace("43/30", "52/35")

    edited = await client.patch(
        f"/api/v1/wods/{created.json()['id']}", json={"source": edited_source}, headers=ana.headers
    )

    assert edited.json()["version"] == 2
    assert await runtime.cache.get(source_key(FRAN)) is None
    cached_edit = await runtime.cache.get(source_key(edited_source))
    assert cached_edit is not None
    assert cached_edit["document"]["blocks"][0]["items"][0]["load"]["kg"] == {"men": 52, "women": 35}


async def test_a_private_source_is_never_returned_for_another_text(
    client: httpx.AsyncClient, runtime: Runtime, compilations: list[str]
) -> None:
    ana = await sign_up(client)
    bo = await sign_up(client)
    secret = "# Ana's secret\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"
    almost = "# Ana's secret\n\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"
    anas = (await client.post("/api/v1/wods", json={"source": secret}, headers=ana.headers)).json()

    bos = await client.post("/api/v1/wods", json={"source": almost}, headers=bo.headers)

    assert compilations == [secret, almost]  # Bo's text was compiled, not served from Ana's entry
    assert bos.status_code == 201
    assert bos.json()["id"] != anas["id"]
    assert bos.json()["owner_id"] == bo.id
    assert bos.json()["source"] == almost
    assert bos.json()["compiled"]["blocks"][0]["source"]["line"] == 3


async def test_the_same_text_from_another_user_hits_the_cache_but_makes_their_own_wod(
    client: httpx.AsyncClient, runtime: Runtime, compilations: list[str]
) -> None:
    ana = await sign_up(client)
    bo = await sign_up(client)
    anas = (await client.post("/api/v1/wods", json={"source": FRAN}, headers=ana.headers)).json()

    bos = await client.post("/api/v1/wods", json={"source": FRAN}, headers=bo.headers)

    assert compilations == [FRAN]  # one compilation for both
    assert bos.status_code == 201
    assert bos.json()["id"] != anas["id"]
    assert bos.json()["owner_id"] == bo.id


def test_a_kept_body_is_served_only_at_the_stamp_it_was_built_at() -> None:
    kept = KeptBodies(max_bytes=1_000)
    kept.put("march", (1, 4), b"built at 1, 4")

    assert kept.get("march", (1, 4)) == b"built at 1, 4"
    assert kept.get("march", (1, 5)) is None  # the data moved on since
    assert kept.get("april", (1, 4)) is None
    kept.put("march", (1, 5), b"built at 1, 5")
    assert kept.get("march", (1, 4)) is None and kept.get("march", (1, 5)) == b"built at 1, 5"
    assert (len(kept), kept.size) == (1, len(b"built at 1, 5"))


def test_kept_bodies_stay_under_their_byte_budget_least_recently_used_out_first() -> None:
    kept = KeptBodies(max_bytes=800)
    for name in ("a", "b", "c"):
        kept.put(name, 0, name.encode() * 100)
    assert kept.get("a", 0) is not None  # "a" is now the most recently used
    for name in ("d", "e", "f", "g", "h", "i", "j"):
        kept.put(name, 0, name.encode() * 100)

    assert kept.size == 800
    assert kept.get("b", 0) is None and kept.get("c", 0) is None
    assert kept.get("a", 0) == b"a" * 100 and kept.get("j", 0) == b"j" * 100
    kept.put("huge", 0, b"x" * 200)  # more than an eighth of the budget: not kept
    assert kept.get("huge", 0) is None and kept.get("a", 0) is not None
