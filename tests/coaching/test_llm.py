"""The optional chat-completions provider against a fake OpenAI-compatible server on 127.0.0.1:
good answers, fenced answers, bounded repair loops fed with WODCraft diagnostics or validation
errors, and every way a provider can fail (garbage, HTTP errors, a wrong key, a slow answer),
which must end in ``None`` so the caller falls back to the local engine."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import BaseModel

from atelier.coaching.llm import (
    INSIGHTS_SYSTEM,
    PRESCRIPTION_SYSTEM,
    PROGRESSION_SYSTEM,
    ChatClient,
    LlmConfig,
    LlmError,
    ask_json,
    ask_prescription,
    strip_fences,
)
from atelier.coaching.schemas import Insights, ProgressionContent
from atelier.wods.compiler import compile_now

pytestmark = pytest.mark.anyio

KEY = "sk-test-4e1f"
MODEL = "gpt-5-mini"
VALID = "# Today\nFor time\n  21-15-9\n    Thruster 43/30 kg\n    Pull-up"
INVALID = "For time\n  21 Flying unicorn"
BRIEF = {
    "discipline": "functional",
    "minutes": 45,
    "equipment": ["barbell", "pull_up_bar"],
    "level": "intermediate",
    "one_rep_maxes": {"back_squat": 120.0},
    "recent_sessions": [],
    "acwr": 1.05,
    "language": "en",
}
INSIGHTS = {
    "summary": "Steady training with a rising volume.",
    "progressionTrends": {
        "volume": {"trend": "up", "percentage": 12.5, "comment": "More sets each week."},
        "intensity": {"trend": "stable", "avgRPE": 7.2, "comment": "Moderate efforts."},
        "consistency": {"percentage": 80, "comment": "Four sessions out of five planned."},
    },
    "imbalances": [{"type": "push/pull", "description": "More pushing than pulling.", "severity": "low"}],
    "weakPoints": [{"exercise": "Pull-up", "issue": "Stalled at 5 reps.", "recommendation": "Add volume."}],
    "recommendations": [
        {
            "id": "r1",
            "title": "Pull more",
            "description": "Add a pulling block twice a week.",
            "category": "balance",
            "priority": "medium",
            "actionable": True,
        }
    ],
    "nextWeekFocus": {
        "suggestedSessions": 4,
        "focusAreas": ["pulling"],
        "intensityDistribution": {"easy": 50, "moderate": 30, "hard": 20},
        "restDaysRecommended": 2,
    },
}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0


def chat(content: str) -> Reply:
    """A chat.completion as OpenAI serves it, with ``content`` as the assistant's message."""
    message = {"role": "assistant", "content": content}
    body = {
        "id": "c1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [{"index": 0, "message": message}],
    }
    return Reply(body=json.dumps(body).encode())


@dataclass
class Provider:
    url: str = ""
    script: list[Reply] = field(default_factory=list)  # one per request; the last one repeats
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def config(self, *, key: str = KEY, timeout: float = 5.0, max_repairs: int = 2) -> LlmConfig:
        return LlmConfig(
            url=f"{self.url}/v1", key=key, model=MODEL, timeout_seconds=timeout, max_repairs=max_repairs
        )

    def messages(self, index: int) -> list[dict[str, str]]:
        messages: list[dict[str, str]] = self.requests[index]["body"]["messages"]
        return messages


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, reply: Reply) -> None:
            if reply.delay:
                state.release.wait(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:  # the client gave up (a timeout test)
                pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "body": json.loads(raw),
                }
            )
            if self.path != "/v1/chat/completions":
                self._send(Reply(404, b'{"error": {"message": "not found"}}'))
            elif self.headers.get("Authorization") != f"Bearer {KEY}":
                self._send(
                    Reply(
                        401,
                        b'{"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}',
                    )
                )
            else:
                index = min(len(state.requests), len(state.script)) - 1
                self._send(state.script[index])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


async def prescribe(provider: Provider, **config: Any) -> str | None:
    async with ChatClient(provider.config(**config)) as client:
        return await ask_prescription(client, BRIEF, compile_now)


def test_the_sources_used_here_and_the_prompt_example_compile() -> None:
    assert compile_now(VALID).ok
    assert not compile_now(INVALID).ok
    example = PRESCRIPTION_SYSTEM.split("Example:\n", 1)[1]
    assert compile_now(example).ok, compile_now(example).errors


# --- ChatClient ---------------------------------------------------------------------------------


async def test_complete_sends_the_key_the_model_and_json_mode(provider: Provider) -> None:
    provider.script = [chat('{"ok": true}')]
    async with ChatClient(provider.config()) as client:
        assert await client.complete([{"role": "user", "content": "hi"}], json_mode=True) == '{"ok": true}'
        assert await client.complete([{"role": "user", "content": "hi"}], json_mode=False) == '{"ok": true}'

    first, second = provider.requests
    assert first["path"] == "/v1/chat/completions"
    assert first["authorization"] == f"Bearer {KEY}"
    assert first["body"] == {
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"},
    }
    assert "response_format" not in second["body"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(200, b"<html>Bad gateway</html>"), "not JSON"),
        (
            Reply(500, b'{"error": {"message": "The server had an error"}}'),
            "HTTP 500 .*The server had an error",
        ),
        (Reply(200, b'{"id": "c1", "object": "chat.completion"}'), "no choices"),
        (Reply(200, b'{"choices": []}'), "no choices"),
        (Reply(200, b'{"choices": [{"message": {"role": "assistant", "content": null}}]}'), "empty"),
        (Reply(200, b'{"choices": [{"message": {"role": "assistant", "content": "  "}}]}'), "empty"),
    ],
)
async def test_garbage_is_an_llm_error(provider: Provider, reply: Reply, message: str) -> None:
    provider.script = [reply]
    async with ChatClient(provider.config()) as client:
        with pytest.raises(LlmError, match=message):
            await client.complete([{"role": "user", "content": "hi"}], json_mode=False)


async def test_a_wrong_key_is_an_llm_error_with_the_status(provider: Provider) -> None:
    provider.script = [chat(VALID)]
    async with ChatClient(provider.config(key="sk-wrong")) as client:
        with pytest.raises(LlmError, match=r"HTTP 401 .*Incorrect API key"):
            await client.complete([{"role": "user", "content": "hi"}], json_mode=False)


async def test_an_unreachable_server_is_an_llm_error() -> None:
    config = LlmConfig(url="http://127.0.0.1:9/v1", key=KEY, model=MODEL, timeout_seconds=2.0)
    async with ChatClient(config) as client:
        with pytest.raises(LlmError, match="cannot reach"):
            await client.complete([{"role": "user", "content": "hi"}], json_mode=False)


# --- ask_prescription ---------------------------------------------------------------------------


async def test_a_good_answer_is_returned(provider: Provider) -> None:
    provider.script = [chat(VALID)]
    assert await prescribe(provider) == VALID

    (request,) = provider.requests
    system, user = request["body"]["messages"]
    assert system["role"] == "system" and "WODCraft" in system["content"]
    assert user["role"] == "user" and json.loads(user["content"]) == BRIEF


async def test_markdown_fences_are_stripped(provider: Provider) -> None:
    provider.script = [chat(f"Here is your session:\n\n```wod\n{VALID}\n```\nEnjoy!")]
    assert await prescribe(provider) == VALID


@pytest.mark.parametrize(
    "answer",
    [f"```\n{VALID}\n```", f"```wod\n{VALID}", f"\n\n{VALID}  \n\n", f"Sure:\n```WOD\n{VALID}\n```\n"],
)
def test_strip_fences(answer: str) -> None:
    assert strip_fences(answer) == VALID


def test_strip_fences_keeps_indentation_and_dedents_a_block() -> None:
    assert strip_fences("```wod\n  " + VALID.replace("\n", "\n  ") + "\n  ```") == VALID
    assert strip_fences(VALID) == VALID


async def test_an_invalid_source_is_repaired_with_the_diagnostics(provider: Provider) -> None:
    provider.script = [chat(INVALID), chat(VALID)]
    assert await prescribe(provider) == VALID

    assert len(provider.requests) == 2
    repair = provider.messages(1)
    assert repair[:2] == provider.messages(0)
    assert repair[2] == {"role": "assistant", "content": INVALID}
    assert repair[3]["role"] == "user"
    assert "E020 at 2:6: Unknown movement 'Flying unicorn'." in repair[3]["content"]
    assert "suggestion: add it to the movement catalog" in repair[3]["content"]
    assert "E016" in repair[3]["content"]


async def test_an_always_invalid_source_gives_none_after_the_repairs(
    provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.script = [chat(INVALID)]
    with caplog.at_level(logging.WARNING, logger="atelier.coaching.llm"):
        assert await prescribe(provider, max_repairs=2) is None
    assert len(provider.requests) == 3
    assert len(provider.messages(2)) == 6  # system, brief, and two (answer, diagnostics) pairs
    assert "still invalid after 2 repair(s)" in caplog.text and "E020" in caplog.text


async def test_no_repairs_means_one_call(provider: Provider) -> None:
    provider.script = [chat(INVALID)]
    assert await prescribe(provider, max_repairs=0) is None
    assert len(provider.requests) == 1


async def test_the_callers_check_counts_as_errors(provider: Provider) -> None:
    provider.script = [chat(VALID), chat("# Easy\n30 min Run")]
    seen: list[dict[str, Any]] = []

    def check(document: dict[str, Any]) -> list[str]:
        seen.append(document)
        return ["Thruster needs a barbell you don't have"] if "Thruster" in json.dumps(document) else []

    async with ChatClient(provider.config()) as client:
        assert await ask_prescription(client, BRIEF, compile_now, check) == "# Easy\n30 min Run"
    assert len(seen) == 2
    assert "Thruster needs a barbell you don't have" in provider.messages(1)[3]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, b"not json at all"),
        Reply(500, b'{"error": "boom"}'),
        Reply(200, b'{"object": "chat.completion"}'),
    ],
)
async def test_garbage_gives_none(provider: Provider, reply: Reply, caplog: pytest.LogCaptureFixture) -> None:
    provider.script = [reply]
    with caplog.at_level(logging.WARNING, logger="atelier.coaching.llm"):
        assert await prescribe(provider) is None
    assert len(provider.requests) == 1  # transport and protocol failures are not repaired
    assert "using the local coach" in caplog.text


async def test_a_wrong_key_gives_none(provider: Provider, caplog: pytest.LogCaptureFixture) -> None:
    provider.script = [chat(VALID)]
    with caplog.at_level(logging.WARNING, logger="atelier.coaching.llm"):
        assert await prescribe(provider, key="sk-wrong") is None
    assert "HTTP 401" in caplog.text
    assert provider.requests[0]["authorization"] == "Bearer sk-wrong"


async def test_a_slow_provider_gives_none_within_the_timeout(
    provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.script = [Reply(body=chat(VALID).body, delay=10.0)]
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="atelier.coaching.llm"):
        assert await prescribe(provider, timeout=0.5) is None
    assert time.monotonic() - started < 0.5 + 1.0
    assert "no answer within 0.5 s" in caplog.text


# --- ask_json -----------------------------------------------------------------------------------


async def ask(provider: Provider, system: str, model: type[BaseModel], **config: Any) -> BaseModel | None:
    async with ChatClient(provider.config(**config)) as client:
        return await ask_json(client, system, {"language": "fr", "sessions": []}, model)


async def test_valid_insights_json(provider: Provider) -> None:
    provider.script = [chat(json.dumps(INSIGHTS))]
    insights = await ask(provider, INSIGHTS_SYSTEM, Insights)

    assert insights == Insights.model_validate(INSIGHTS)
    (request,) = provider.requests
    assert request["body"]["model"] == MODEL
    assert request["body"]["response_format"] == {"type": "json_object"}
    system, user = request["body"]["messages"]
    assert system == {"role": "system", "content": INSIGHTS_SYSTEM}
    assert json.loads(user["content"]) == {"language": "fr", "sessions": []}


async def test_invalid_json_then_valid(provider: Provider) -> None:
    provider.script = [chat('{"summary": "cut off'), chat(json.dumps(INSIGHTS))]
    assert await ask(provider, INSIGHTS_SYSTEM, Insights) == Insights.model_validate(INSIGHTS)
    assert "not valid JSON" in provider.messages(1)[3]["content"]


async def test_schema_invalid_then_fixed(provider: Provider) -> None:
    wrong = {"paragraph1": "Good month.", "paragraph2": "", "recommendations": ["Sleep", "Eat"], "extra": 1}
    right = {"paragraph1": "Good month.", "paragraph2": "Keep going.", "recommendations": ["a", "b", "c"]}
    provider.script = [chat(json.dumps(wrong)), chat(f"```json\n{json.dumps(right)}\n```")]

    assert await ask(provider, PROGRESSION_SYSTEM, ProgressionContent) == ProgressionContent(**right)
    feedback = provider.messages(1)[3]["content"]
    assert "paragraph2: String should have at least 1 character" in feedback
    assert "recommendations: List should have at least 3 items" in feedback
    assert "extra: Extra inputs are not permitted" in feedback


async def test_always_invalid_json_gives_none(provider: Provider, caplog: pytest.LogCaptureFixture) -> None:
    provider.script = [chat('{"summary": ""}')]
    with caplog.at_level(logging.WARNING, logger="atelier.coaching.llm"):
        assert await ask(provider, INSIGHTS_SYSTEM, Insights, max_repairs=1) is None
    assert len(provider.requests) == 2
    assert "Insights still invalid after 1 repair(s)" in caplog.text


async def test_a_failing_provider_gives_none_for_json(provider: Provider) -> None:
    provider.script = [Reply(503, b"overloaded")]
    assert await ask(provider, PROGRESSION_SYSTEM, ProgressionContent) is None


def _keys(model: type[BaseModel]) -> Iterator[str]:
    for name, info in model.model_fields.items():
        yield name
        for kind in (info.annotation, *getattr(info.annotation, "__args__", ())):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _keys(kind)


@pytest.mark.parametrize(
    ("system", "model"), [(INSIGHTS_SYSTEM, Insights), (PROGRESSION_SYSTEM, ProgressionContent)]
)
def test_the_prompts_name_every_key_and_the_language(system: str, model: type[BaseModel]) -> None:
    for key in _keys(model):
        assert f'"{key}"' in system, key
    assert '"language"' in system
