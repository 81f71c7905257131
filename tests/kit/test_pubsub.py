"""The live fan-out: one behaviour in memory and over Redis; one Redis connection per hub."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from atelier.kit.pubsub import Hub, MemoryHub, Message, RedisHub, SubscriptionClosed, create_hub

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("ATELIER_TEST_REDIS") or None
UPPER_BOUND_S = 2.0  # waiting longer than this for a message is a failure, never a synchronisation


def _redis_url() -> str:
    if REDIS_URL is None:
        pytest.skip("set ATELIER_TEST_REDIS to test the Redis hub")
    return REDIS_URL


def _redis_hub(prefix: str | None = None, client_name: str | None = None) -> RedisHub:
    return RedisHub(
        _redis_url(),
        prefix or f"test:{uuid.uuid4().hex}:",
        client_name=client_name or f"atelier-test-{uuid.uuid4().hex}",
    )


@pytest.fixture(params=["memory", "redis"])
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[Hub]:
    under_test: Hub = MemoryHub() if request.param == "memory" else _redis_hub()
    try:
        yield under_test
    finally:
        await under_test.close()


async def _next(sub: Any) -> dict[str, Any]:
    message: dict[str, Any] = await sub.get(timeout=UPPER_BOUND_S)
    return message


async def test_messages_arrive_in_publish_order(hub: Hub) -> None:
    async with hub.subscribe("live:fran") as sub:
        for n in range(20):
            await hub.publish("live:fran", {"n": n, "athlete": "ana", "reps": [21, 15, 9]})

        received = [await _next(sub) for _ in range(20)]

    assert received == [{"n": n, "athlete": "ana", "reps": [21, 15, 9]} for n in range(20)]
    assert sub.dropped == 0


async def test_nothing_published_before_subscribing_is_delivered(hub: Hub) -> None:
    await hub.publish("live:fran", {"n": "before anyone"})
    async with hub.subscribe("live:fran") as first:
        await hub.publish("live:fran", {"n": "before the second"})  # the hub is listening by now

        async with hub.subscribe("live:fran") as second:
            await hub.publish("live:fran", {"n": "after"})

            assert await _next(second) == {"n": "after"}
            assert [await _next(first) for _ in range(2)] == [{"n": "before the second"}, {"n": "after"}]


async def test_channels_are_isolated(hub: Hub) -> None:
    async with hub.subscribe("live:a") as on_a, hub.subscribe("live:b") as on_b:
        await hub.publish("live:b", {"for": "b"})
        await hub.publish("live:ab", {"for": "ab"})
        await hub.publish("live:a", {"for": "a"})

        # Had anything else reached a channel, it would have come first.
        assert await _next(on_a) == {"for": "a"}
        assert await _next(on_b) == {"for": "b"}


async def test_every_subscriber_gets_every_message_as_its_own_copy(hub: Hub) -> None:
    async with hub.subscribe("live:fran") as ana, hub.subscribe("live:fran") as bo:
        message = {"board": [{"athlete": "ana", "reps": 42}]}
        await hub.publish("live:fran", message)
        await hub.publish("live:fran", {"board": []})
        message["board"].clear()  # the publisher's dict is not shared either

        anas = await _next(ana)
        anas["board"].append({"athlete": "mallory"})
        bos = await _next(bo)

        assert bos == {"board": [{"athlete": "ana", "reps": 42}]}
        assert await _next(ana) == await _next(bo) == {"board": []}
        assert hub.subscriber_counts() == {"live:fran": 2}


async def test_the_subscriptions_of_a_process_share_one_message_decoded_and_rendered_once(hub: Hub) -> None:
    rendered: list[int] = []

    def frame(message: Message) -> bytes:
        rendered.append(message.data["seq"])
        return f"board {message.data['seq']}".encode()

    async with hub.subscribe("live:fran") as ana, hub.subscribe("live:fran") as bo:
        await hub.publish("live:fran", {"seq": 1, "rows": [{"athlete": "ana", "reps": 42}]})

        (for_ana,) = await ana.get_waiting(timeout=UPPER_BOUND_S)
        (for_bo,) = await bo.get_waiting(timeout=UPPER_BOUND_S)
        frames = [for_ana.rendered(frame), for_bo.rendered(frame), for_bo.rendered(frame)]

    assert for_ana is for_bo
    assert for_ana.data == {"seq": 1, "rows": [{"athlete": "ana", "reps": 42}]}
    assert for_ana.channel == "live:fran"
    assert frames == [b"board 1"] * 3
    assert rendered == [1]


async def test_get_waiting_gives_everything_waiting_oldest_first_then_the_end(hub: Hub) -> None:
    async with hub.subscribe("live:fran") as behind, hub.subscribe("live:fran") as pacer:
        for n in range(3):
            await hub.publish("live:fran", {"n": n})
        # One hand-out reaches every local subscription: once the pacer has all, so has the other.
        assert [await _next(pacer) for _ in range(3)] == [{"n": n} for n in range(3)]

        waiting = await behind.get_waiting(timeout=UPPER_BOUND_S)
        await hub.publish("live:fran", {"n": 3})
        later = await behind.get_waiting(timeout=UPPER_BOUND_S)
        await hub.close()

        assert [m.data for m in waiting] == [{"n": 0}, {"n": 1}, {"n": 2}]
        assert [m.data for m in later] == [{"n": 3}]
        with pytest.raises(SubscriptionClosed):
            await behind.get_waiting(timeout=UPPER_BOUND_S)


async def test_a_full_queue_drops_the_oldest_messages_and_counts_them(hub: Hub) -> None:
    async with hub.subscribe("live:fran", maxsize=2) as slow, hub.subscribe("live:fran") as fast:
        for n in range(5):
            await hub.publish("live:fran", {"n": n})
        assert [await _next(fast) for _ in range(5)] == [{"n": n} for n in range(5)]  # all fanned out

        assert slow.dropped == 3
        assert [await _next(slow), await _next(slow)] == [{"n": 3}, {"n": 4}]
        assert fast.dropped == 0


async def test_leaving_stops_delivery_and_frees_the_channel(hub: Hub) -> None:
    async with hub.subscribe("live:fran") as staying:
        async with hub.subscribe("live:fran") as leaving:
            await hub.publish("live:fran", {"n": 1})
            assert await _next(leaving) == {"n": 1}
            assert hub.subscriber_counts() == {"live:fran": 2}

        await hub.publish("live:fran", {"n": 2})

        assert [await _next(staying) for _ in range(2)] == [{"n": 1}, {"n": 2}]  # {"n": 2} went by
        assert [message async for message in leaving] == []  # and did not reach the one that left
        with pytest.raises(SubscriptionClosed):
            await leaving.get(timeout=UPPER_BOUND_S)
        assert hub.subscriber_counts() == {"live:fran": 1}

    assert hub.subscriber_counts() == {}


async def test_a_message_that_is_not_json_fails_at_publish(hub: Hub) -> None:
    async with hub.subscribe("live:fran") as sub:
        with pytest.raises(TypeError):
            await hub.publish("live:fran", {"at": object()})
        await hub.publish("live:fran", {"ok": True})

        assert await _next(sub) == {"ok": True}


async def test_get_times_out_when_nothing_comes(hub: Hub) -> None:
    async with hub.subscribe("live:quiet") as sub:
        with pytest.raises(TimeoutError):
            await sub.get(timeout=0.05)
        await hub.publish("live:quiet", {"still": "working"})

        assert await _next(sub) == {"still": "working"}


async def test_closing_the_hub_ends_its_subscriptions(hub: Hub) -> None:
    async with hub.subscribe("live:fran") as sub:
        await hub.publish("live:fran", {"n": 1})
        assert await _next(sub) == {"n": 1}

        await hub.close()

        assert [message async for message in sub] == []
        assert hub.subscriber_counts() == {}
        with pytest.raises(RuntimeError):
            await hub.subscribe("live:fran").__aenter__()
        with pytest.raises(RuntimeError):
            await hub.publish("live:fran", {"n": 2})
    await hub.close()  # closing twice is fine


async def test_a_subscription_holds_at_least_one_message(hub: Hub) -> None:
    with pytest.raises(ValueError):
        hub.subscribe("live:fran", maxsize=0)


async def test_create_hub_is_in_memory_without_a_redis_url() -> None:
    memory = create_hub(None)
    redis = create_hub("redis://127.0.0.1:6379/15")
    try:
        assert isinstance(memory, MemoryHub)
        assert isinstance(redis, RedisHub)
    finally:
        await memory.close()
        await redis.close()


# Redis only: what only several processes, or the connection itself, can show.


async def test_a_message_crosses_from_one_process_to_another() -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    publisher, viewer = _redis_hub(prefix), _redis_hub(prefix)
    other_prefix = _redis_hub()
    try:
        async with viewer.subscribe("live:fran") as sub, other_prefix.subscribe("live:fran") as elsewhere:
            await publisher.publish("live:fran", {"n": 1})  # right after entering: already subscribed
            await other_prefix.publish("live:fran", {"n": "other app"})

            assert await _next(sub) == {"n": 1}
            assert await _next(elsewhere) == {"n": "other app"}
            assert publisher.subscriber_counts() == {}
    finally:
        for hub in (publisher, viewer, other_prefix):
            await hub.close()


async def test_a_payload_that_is_not_a_json_object_is_dropped_by_the_receiving_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from redis.asyncio import Redis

    prefix = f"test:{uuid.uuid4().hex}:"
    hub = _redis_hub(prefix)
    raw = Redis.from_url(_redis_url())
    try:
        async with hub.subscribe("live:fran") as sub:
            with caplog.at_level(logging.WARNING, logger="atelier.kit.pubsub"):
                await raw.publish(prefix + "live:fran", "not json")
                await raw.publish(prefix + "live:fran", "[1, 2]")
                await hub.publish("live:fran", {"n": "fine"})

                assert await _next(sub) == {"n": "fine"}
        assert caplog.text.count("that is not a JSON object") == 2
    finally:
        await raw.aclose()
        await hub.close()


async def _client_connections(client_name: str) -> list[dict[str, Any]]:
    from redis.asyncio import Redis

    admin = Redis.from_url(_redis_url())
    try:
        clients: list[dict[str, Any]] = await admin.client_list()
    finally:
        await admin.aclose()
    return [client for client in clients if client["name"] == client_name]


async def test_a_crowd_of_subscribers_shares_one_redis_connection() -> None:
    client_name = f"atelier-test-{uuid.uuid4().hex}"
    hub = _redis_hub(client_name=client_name)
    crowd = 200
    entered = 0
    all_in, go = asyncio.Event(), asyncio.Event()
    received: list[dict[str, Any]] = []

    async def viewer() -> None:
        nonlocal entered
        async with hub.subscribe("live:crowd") as sub:
            entered += 1
            if entered == crowd:
                all_in.set()
            await go.wait()
            received.append(await _next(sub))

    try:
        async with asyncio.timeout(4), asyncio.TaskGroup() as viewers:
            for _ in range(crowd):
                viewers.create_task(viewer())
            await all_in.wait()

            connections = await _client_connections(client_name)
            listening = [c for c in connections if int(c["psub"]) or int(c["sub"])]
            assert len(listening) == 1
            assert len(connections) <= 2  # that one, and at most one for publishing
            assert hub.subscriber_counts() == {"live:crowd": crowd}

            await hub.publish("live:crowd", {"wod": "Fran"})
            go.set()

        assert received == [{"wod": "Fran"}] * crowd
    finally:
        await hub.close()


async def test_the_reader_reconnects_when_its_connection_drops(caplog: pytest.LogCaptureFixture) -> None:
    from redis.asyncio import Redis

    client_name = f"atelier-test-{uuid.uuid4().hex}"
    hub = _redis_hub(client_name=client_name)
    admin = Redis.from_url(_redis_url())
    try:
        async with hub.subscribe("live:fran") as sub:
            (listening,) = [c for c in await _client_connections(client_name) if int(c["psub"])]

            with caplog.at_level(logging.WARNING, logger="atelier.kit.pubsub"):
                await admin.client_kill_filter(_id=listening["id"])
                # Entering waits until Redis delivers again, i.e. until the reader is back.
                async with hub.subscribe("live:other"):
                    pass
            await hub.publish("live:fran", {"n": "after the drop"})

            assert await _next(sub) == {"n": "after the drop"}
        assert "Redis pub/sub connection lost" in caplog.text
    finally:
        await admin.aclose()
        await hub.close()
