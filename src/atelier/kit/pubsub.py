"""One live fan-out interface: in-process by default, Redis pub/sub when ``ATELIER_REDIS_URL`` is set.

A *hub* carries small JSON messages (live board updates) from whoever publishes them to the
subscriptions open on the same channel — in SSE handlers, one per connected viewer.

- Messages are JSON objects. They are serialised at ``publish`` time, so a message that is not
  JSON fails there (``TypeError``) with either hub. ``get`` gives each subscriber its own copy.
- A process receives each message once and hands the *same* ``Message`` to all its local
  subscriptions: ``get_waiting`` returns those shared objects, decoded once per process
  (``Message.data``, read-only) and rendered at most once per renderer (``Message.rendered``) —
  with hundreds of viewers of one board, decoding and encoding per viewer is what costs.
- A subscription sees the messages published after it started, in publish order. It holds them
  in a bounded queue: when a slow viewer lets it fill up, the oldest message is dropped (and
  counted in ``dropped``) — a live board only needs the latest state, and a slow viewer must
  never hold up the publisher or the other viewers.
- ``MemoryHub`` fans out inside this process. ``RedisHub`` fans out across processes with one
  Redis pub/sub connection per hub, whatever the number of local subscriptions: it
  PSUBSCRIBEs once to ``prefix*`` and a single reader task hands each message to the local
  subscriptions of its channel. Each process therefore receives every message under the prefix
  and drops those nobody watches locally; that is cheap at live-board volumes and keeps one
  connection and no per-channel bookkeeping at Redis.
- ``RedisHub`` only returns from entering a subscription once Redis delivers for it: the first
  one waits for the PSUBSCRIBE confirmation, later ones for a marker the hub publishes to
  itself (on a channel of its own), which arrives after everything published before it. One
  marker covers every subscription that joined while the previous marker was in flight, so a
  crowd joining at once costs a few round trips, not one connection each.
- If the reader's connection drops, the reader reconnects with a short backoff; messages
  published while it was down are lost (the next update replaces them anyway).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

_FIRST_RETRY_S = 0.1
_LAST_RETRY_S = 5.0
_CONNECT = "connect"  # the barrier that the (re)connection's subscribe confirmation clears

_Rendered = TypeVar("_Rendered")


class SubscriptionClosed(Exception):
    """The subscription ended (left, or its hub closed): no message will come any more."""


class Message:
    """One published message as this process received it, shared by all its subscriptions.

    ``payload`` is the JSON text as published; ``data`` is it decoded, once for everyone: read it,
    never change it (``Subscription.get`` gives a private copy instead). A payload that is not a
    JSON object raises ``ValueError`` here, before any subscription sees it.
    """

    def __init__(self, channel: str, payload: str | bytes) -> None:
        data = json.loads(payload)
        if not isinstance(data, dict):
            raise ValueError("a hub message is a JSON object")
        self.channel = channel
        self.payload = payload
        self.data: dict[str, Any] = data
        self._rendered: dict[Callable[[Message], Any], Any] = {}

    def rendered(self, render: Callable[[Message], _Rendered]) -> _Rendered:
        """``render(self)``, computed once per process and ``render`` (e.g. an SSE frame): one
        renderer per distinct view, so viewers who see the same thing share the bytes."""
        if render not in self._rendered:
            self._rendered[render] = render(self)
        result: _Rendered = self._rendered[render]
        return result


class Hub(Protocol):
    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...
    def subscribe(self, channel: str, *, maxsize: int = 64) -> Subscription: ...
    def subscriber_counts(self) -> dict[str, int]: ...
    async def close(self) -> None: ...


class Subscription:
    """Messages of one channel for one viewer; use ``async with hub.subscribe(channel) as sub``.

    Iterate it (``async for message in sub``: ends when the subscription or the hub closes) or
    ``await sub.get(timeout=...)`` (raises ``TimeoutError``, e.g. to send an SSE keep-alive); both
    give a private copy of each message. ``await sub.get_waiting(timeout=...)`` gives every
    message waiting, as the ``Message`` objects shared with the process's other subscriptions.
    """

    def __init__(self, hub: _Fanout, channel: str, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("a subscription holds at least one message")
        self.channel = channel
        self.dropped = 0  # messages dropped, oldest first, because the queue was full
        self._hub = hub
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue(maxsize)  # None: the end
        self._entered = False
        self._ended = False

    async def __aenter__(self) -> Subscription:
        if self._entered:
            raise RuntimeError("a subscription can only be entered once")
        self._entered = True
        await self._hub._attach(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._hub._detach(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            return await self.get()
        except SubscriptionClosed:
            raise StopAsyncIteration from None

    async def get(self, timeout: float | None = None) -> dict[str, Any]:  # noqa: ASYNC109 (SSE keep-alives)
        """The next message, a copy of its own; ``TimeoutError`` after ``timeout`` seconds without one."""
        message = await self._next(timeout)
        copy: dict[str, Any] = json.loads(message.payload)
        return copy

    async def get_waiting(self, timeout: float | None = None) -> list[Message]:  # noqa: ASYNC109
        """Every message waiting, oldest first, once there is at least one (shared: read only);
        ``TimeoutError`` after ``timeout`` seconds without one. A reader that only needs the
        latest state takes the last and skips the rest."""
        waiting = [await self._next(timeout)]
        while not self._queue.empty():
            message = self._queue.get_nowait()
            if message is None:
                self._queue.put_nowait(None)  # the end, for the next read
                break
            waiting.append(message)
        return waiting

    async def _next(self, timeout: float | None) -> Message:  # noqa: ASYNC109
        if timeout is None:
            message = await self._queue.get()
        else:
            async with asyncio.timeout(timeout):
                message = await self._queue.get()
        if message is None:
            self._queue.put_nowait(None)  # stays ended for every later read
            raise SubscriptionClosed(self.channel)
        return message

    def _deliver(self, message: Message) -> None:
        if self._ended:
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(message)

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class _Fanout(ABC):
    """The local half of both hubs: channel -> the subscriptions open in this process."""

    def __init__(self) -> None:
        self._channels: dict[str, set[Subscription]] = {}
        self._closed = False

    def subscribe(self, channel: str, *, maxsize: int = 64) -> Subscription:
        return Subscription(self, channel, maxsize)

    def subscriber_counts(self) -> dict[str, int]:
        """Open subscriptions per channel, in this process; channels nobody watches are absent."""
        return {channel: len(subscriptions) for channel, subscriptions in self._channels.items()}

    @abstractmethod
    async def _attach(self, subscription: Subscription) -> None:
        """Start delivering to ``subscription`` (each hub knows when delivery is live)."""

    def _detach(self, subscription: Subscription) -> None:
        self._remove(subscription)
        subscription._end()

    def _add(self, subscription: Subscription) -> None:
        self._channels.setdefault(subscription.channel, set()).add(subscription)

    def _remove(self, subscription: Subscription) -> None:
        subscriptions = self._channels.get(subscription.channel)
        if subscriptions is None:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self._channels[subscription.channel]

    def _fan_out(self, channel: str, payload: str | bytes) -> None:
        subscriptions = self._channels.get(channel)
        if not subscriptions:
            return
        message = Message(channel, payload)  # decoded once, for every local subscription
        for subscription in tuple(subscriptions):
            subscription._deliver(message)

    def _end_all(self) -> None:
        for subscriptions in self._channels.values():
            for subscription in subscriptions:
                subscription._end()
        self._channels.clear()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the hub is closed")


class MemoryHub(_Fanout):
    """Fan-out to the subscriptions of this process only."""

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        self._check_open()
        self._fan_out(channel, _encode(message))

    async def _attach(self, subscription: Subscription) -> None:
        self._check_open()
        self._add(subscription)

    async def close(self) -> None:
        self._closed = True
        self._end_all()


_Waiter = tuple[Subscription, "asyncio.Future[None]"]


class RedisHub(_Fanout):
    """The same interface over Redis pub/sub, shared by every process using the same prefix."""

    def __init__(
        self,
        url: str,
        prefix: str = "atelier:",
        *,
        client_name: str = "atelier-hub",
        ready_timeout: float = 5.0,
    ) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        super().__init__()
        self._prefix = prefix
        self._pattern = _glob_escape(prefix) + "*"
        self._sync_channel = f"atelier-hub-sync:{uuid.uuid4().hex}"  # outside the prefix: this hub only
        self._ready_timeout = ready_timeout
        self._redis: Redis = Redis.from_url(url, client_name=client_name)
        # The reader's own connection: no silent retries inside redis-py, the reader reconnects itself.
        self._subscriber: Redis = Redis.from_url(
            url,
            client_name=client_name,
            retry=Retry(NoBackoff(), 0),
            socket_keepalive=True,
            socket_connect_timeout=ready_timeout,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()  # the reader is subscribed at Redis
        self._wanted = asyncio.Event()  # subscriptions wait for a marker
        self._waiting: list[_Waiter] = []  # not yet covered by a barrier
        self._barriers: dict[str, list[_Waiter]] = {}  # barrier in flight -> what it covers

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        self._check_open()
        await self._redis.publish(self._prefix + channel, _encode(message))

    async def _attach(self, subscription: Subscription) -> None:
        self._check_open()
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._read(), name="atelier-hub-reader"),
                asyncio.create_task(self._send_markers(), name="atelier-hub-markers"),
            ]
        active: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((subscription, active))
        self._wanted.set()
        try:
            async with asyncio.timeout(self._ready_timeout):
                await active
        except TimeoutError as error:
            self._remove(subscription)
            raise TimeoutError(f"Redis pub/sub not ready within {self._ready_timeout}s") from error
        except BaseException:
            self._remove(subscription)  # cancelled after being activated: not left behind
            raise

    def _activate(self, waiters: list[_Waiter]) -> None:
        for subscription, active in waiters:
            if not active.done():  # otherwise its subscriber gave up waiting
                self._add(subscription)
                active.set_result(None)

    async def _read(self) -> None:
        delay = _FIRST_RETRY_S
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                # Whoever waits now is covered by this connection's subscribe confirmation.
                pending = [waiter for waiters in self._barriers.values() for waiter in waiters]
                self._barriers = {_CONNECT: pending + self._waiting}
                self._waiting = []
                await pubsub.psubscribe(self._pattern)
                await pubsub.subscribe(self._sync_channel)  # confirmed after the pattern
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is not None and self._dispatch(message):
                        delay = _FIRST_RETRY_S
            except Exception as error:
                logger.warning(
                    "Redis pub/sub connection lost (%s: %s); reconnecting in %.1fs",
                    type(error).__name__,
                    error,
                    delay,
                )
            finally:
                self._ready.clear()
                await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, _LAST_RETRY_S)

    def _dispatch(self, message: dict[str, Any]) -> bool:
        """Handle one message from Redis; true when it confirms the subscription."""
        kind, channel, data = message["type"], _text(message["channel"]), message["data"]
        if kind == "pmessage" and channel.startswith(self._prefix):
            try:
                self._fan_out(channel[len(self._prefix) :], data)
            except ValueError:
                logger.warning("dropped a message on %s that is not a JSON object", channel)
        elif kind == "message" and channel == self._sync_channel:
            self._activate(self._barriers.pop(_text(data), []))
        elif kind == "subscribe" and channel == self._sync_channel:
            self._activate(self._barriers.pop(_CONNECT, []))
            self._ready.set()
            return True
        return False

    async def _send_markers(self) -> None:
        while True:
            await self._wanted.wait()
            await self._ready.wait()
            self._wanted.clear()
            if not self._waiting:
                continue
            token = uuid.uuid4().hex
            waiters, self._waiting = self._waiting, []
            self._barriers[token] = waiters
            try:
                await self._redis.publish(self._sync_channel, token)
            except Exception as error:
                logger.warning(
                    "Redis pub/sub marker not sent (%s: %s); retrying", type(error).__name__, error
                )
                if self._barriers.pop(token, None) is not None:
                    self._waiting[:0] = waiters
                self._wanted.set()
                await asyncio.sleep(_FIRST_RETRY_S)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        waiters = self._waiting + [waiter for waiters in self._barriers.values() for waiter in waiters]
        self._waiting, self._barriers = [], {}
        for _, active in waiters:
            if not active.done():
                active.set_exception(RuntimeError("the hub is closed"))
        self._end_all()
        await self._subscriber.aclose()
        await self._redis.aclose()


def _encode(message: dict[str, Any]) -> str:
    """The payload: compact JSON on one line (no raw newline, so it fits an SSE ``data:`` line)."""
    return json.dumps(message, separators=(",", ":"))


def _glob_escape(text: str) -> str:
    """``text`` matched literally in a Redis glob pattern."""
    return "".join("\\" + char if char in "\\*?[]" else char for char in text)


def _text(value: str | bytes | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")


def create_hub(redis_url: str | None, *, prefix: str = "atelier:") -> Hub:
    return RedisHub(redis_url, prefix) if redis_url else MemoryHub()
