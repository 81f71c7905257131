"""An optional OpenAI-compatible chat-completions provider for the coaches and the analyser.

Off by default: the local engines answer unless an ``LlmConfig`` (URL, key, model, timeout) is
given. Everything the model writes is checked before it is used: a prescription must compile
with WODCraft (and pass the caller's extra check), a JSON answer must validate against its
pydantic schema. A failed check is fed back to the model for a bounded number of repairs; when
the model still fails (or cannot be reached) the high-level functions return ``None`` and log a
warning, and the caller falls back to the local engine. They never raise for a model failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from atelier.config import Settings
from atelier.wods.compiler import Compilation

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

EXCERPT = 200  # characters of an error body quoted in an LlmError
MAX_FEEDBACK = 20  # problems listed in one repair message


@dataclass(frozen=True)
class LlmConfig:
    url: str  # base URL, e.g. "http://127.0.0.1:9999/v1" → POST {url}/chat/completions
    key: str
    model: str  # e.g. a "gpt-5-mini" deployment
    timeout_seconds: float = 20.0
    max_repairs: int = 2


class LlmError(Exception):
    """The model gave no usable answer: transport, timeout, HTTP status or an unparseable body."""


class ChatClient:
    """One connection pool to a chat-completions endpoint; ``aclose`` it (or use ``async with``)."""

    def __init__(self, config: LlmConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self._endpoint = config.url.rstrip("/") + "/chat/completions"
        self._client = httpx.AsyncClient(transport=transport, timeout=config.timeout_seconds)

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(self, messages: list[dict[str, str]], *, json_mode: bool) -> str:
        """The assistant's answer to ``messages``; ``LlmError`` for anything but a non-empty text."""
        body: dict[str, Any] = {"model": self.config.model, "messages": messages}
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self.config.key}"}
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                response = await self._client.post(self._endpoint, json=body, headers=headers)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise LlmError(f"no answer within {self.config.timeout_seconds:g} s") from exc
        except httpx.HTTPError as exc:
            raise LlmError(f"cannot reach {self._endpoint}: {exc.__class__.__name__}: {exc}") from exc
        if not response.is_success:
            excerpt = " ".join(response.text[:EXCERPT].split())
            raise LlmError(f"HTTP {response.status_code} from {self._endpoint}: {excerpt}")
        try:
            data = response.json()
        except ValueError as exc:
            raise LlmError("the answer is not JSON") from exc
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise LlmError("the answer has no choices[0].message.content") from exc
        if not isinstance(content, str) or not content.strip():
            raise LlmError("the answer's content is empty")
        return content


# ---------------------------------------------------------------------------------------------
# Prompts


def client_for(settings: Settings) -> ChatClient | None:
    """The model ``ATELIER_LLM_URL`` names, or None when none is configured (the default)."""
    if not settings.llm_url:
        return None
    return ChatClient(
        LlmConfig(settings.llm_url, settings.llm_key, settings.llm_model, settings.llm_timeout_seconds)
    )


PRESCRIPTION_SYSTEM = """\
You are an expert strength and conditioning coach. The user message is a JSON brief about one \
athlete: discipline, minutes available, equipment, level, 1RMs (kg), recent sessions, ACWR \
(acute:chronic workload ratio; above 1.3 means back off) and language. Prescribe today's \
session for them.

Answer ONLY with WODCraft source: no prose, no markdown. WODCraft, in short:
- `# Title` first. `## Section` headings (Warm-up, Strength, Metcon...) make a session.
- Indent with 2 spaces, never tabs. `//` is a comment. `m` is metres, never minutes.
- Format lines: `For time`, `3 rounds`, `21-15-9`, `AMRAP 12`, `EMOM 10`, `Every 2:00 x 5`, \
`Tabata`; options after a comma: `For time, cap 15:00`. Their movements are indented below.
- Movement lines: `[quantity] Name [sets] [load]`: `10 Push-up`, `400 m Run`, `15/12 cal Row`, \
`30 s Plank`, `Thruster 43/30 kg` (men/women), `Box jump 24/20 in`.
- Strength sets: `Back squat 5x5 @ 80 kg`, `Deadlift 5-3-1 @ 85%`, `Bench press 3x8 @ RPE 8`.
- `Rest 2:00` (or `Rest 90 s`) is a line of its own.
- Meta lines `key: value`: `note: ...` (coaching cues, at the end), `cap: 20:00` (whole workout, \
before the first format line; never together with a block `cap`).
- Use only movement names of the WODCraft catalog (standard English gym names such as \
`Back squat`, `Pull-up`, `Kettlebell swing`, `Row`, `Run`) and only what the athlete's \
equipment allows. Write titles and notes in the brief's language.

Example:
# Lower body strength
## Strength
Back squat 5x5 @ 80 kg
Rest 2:00
## Metcon
AMRAP 10
  10 Kettlebell swing 24/16 kg
  10 Push-up
note: Keep a steady pace."""

_LANGUAGE = (
    'Write every text in the athlete\'s language given by "language" in the payload '
    '("en" English, "fr" French). Base every statement and number on the data; invent nothing. '
    "Answer with ONE JSON object and nothing else: exactly these keys, no others."
)

INSIGHTS_SYSTEM = f"""\
You are an expert multi-discipline coach (strength, endurance, functional, competition, \
calisthenics). The user message is JSON: the athlete's profile (level, goals) and their \
training sessions of the last 90 days with computed metrics. Give them actionable advice.
{_LANGUAGE}
{{"summary": str (2-3 sentences),
 "progressionTrends": {{
  "volume": {{"trend": "up"|"down"|"stable", "percentage": number (change in %), "comment": str}},
  "intensity": {{"trend": "up"|"down"|"stable", "avgRPE": number|null, "comment": str}},
  "consistency": {{"percentage": number 0-100, "comment": str}}}},
 "imbalances": [{{"type": str, "description": str, "severity": "low"|"medium"|"high"}}],
 "weakPoints": [{{"exercise": str, "issue": str, "recommendation": str}}],
 "recommendations": [{{"id": str, "title": str, "description": str,
  "category": "volume"|"intensity"|"recovery"|"consistency"|"balance"|"technique"|"goal",
  "priority": "high"|"medium"|"low", "actionable": bool}}],
 "nextWeekFocus": {{"suggestedSessions": int 0-14, "focusAreas": [str],
  "intensityDistribution": {{"easy": int, "moderate": int, "hard": int}} (percentages, sum 100),
  "restDaysRecommended": int 0-7}}}}
Strings are never empty; lists may be empty when there is nothing to say."""

PROGRESSION_SYSTEM = f"""\
You are an expert coach. The user message is JSON: the athlete's progression over a period \
(4, 12 or 24 weeks): total sessions, weekly volume, average RPE, consistency, disciplines and \
trends. Analyse it in exactly two paragraphs plus three recommendations.
{_LANGUAGE}
{{"paragraph1": str (2-3 sentences: factual analysis, current state, trends, strengths),
 "paragraph2": str (2-3 sentences: adjustments, what to watch, next steps),
 "recommendations": [str, str, str] (exactly 3 short, actionable actions)}}"""


# ---------------------------------------------------------------------------------------------
# High-level calls

_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL)


def strip_fences(answer: str) -> str:
    """The text inside the first markdown code fence (```wod ... ```), or the whole answer."""
    match = _FENCE.search(answer)
    body = match.group(1) if match else answer
    lines = body.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return textwrap.dedent("\n".join(line.rstrip() for line in lines))


def _diagnostic(error: dict[str, Any]) -> str:
    where = f"{error.get('line', '?')}:{error.get('col', '?')}"
    text = f"{error.get('code', '?')} at {where}: {error.get('message')}"
    if error.get("suggestion"):
        text += f" (suggestion: {error['suggestion']})"
    return text


def _source_problems(
    source: str,
    compile_source: Callable[[str], Compilation],
    check: Callable[[dict[str, Any]], list[str]] | None,
) -> list[str]:
    compilation = compile_source(source)
    problems = [_diagnostic(error) for error in compilation.errors]
    if not compilation.ok or compilation.document is None:
        return problems or ["the source does not compile"]
    return list(check(compilation.document)) if check else []


def _repair(problems: list[str], what: str) -> str:
    listed = "\n".join(f"- {problem}" for problem in problems[:MAX_FEEDBACK])
    more = len(problems) - MAX_FEEDBACK
    if more > 0:
        listed += f"\n- ... and {more} more"
    return f"Your answer has these problems:\n{listed}\nAnswer again with the corrected {what} only."


async def ask_prescription(
    client: ChatClient,
    brief: dict[str, Any],
    compile_source: Callable[[str], Compilation],
    check: Callable[[dict[str, Any]], list[str]] | None = None,
) -> str | None:
    """Today's session as WODCraft source that compiles with no error (and passes ``check``).

    ``compile_source`` is ``atelier.wods.compiler.compile_now``; ``check`` returns the extra
    problems of a compiled document (an unknown movement, missing equipment). Diagnostics and
    problems are fed back for at most ``max_repairs`` corrections; ``None`` when the model fails.
    """
    messages = [
        {"role": "system", "content": PRESCRIPTION_SYSTEM},
        {"role": "user", "content": json.dumps(brief, ensure_ascii=False, default=str)},
    ]
    problems: list[str] = []
    for attempt in range(client.config.max_repairs + 1):
        try:
            answer = await client.complete(messages, json_mode=False)
        except LlmError as exc:
            log.warning("LLM prescription failed, using the local coach: %s", exc)
            return None
        source = strip_fences(answer)
        problems = _source_problems(source, compile_source, check)
        if not problems:
            return source
        log.info("LLM prescription attempt %d has %d problem(s)", attempt + 1, len(problems))
        if attempt < client.config.max_repairs:
            messages.append({"role": "assistant", "content": answer})
            messages.append({"role": "user", "content": _repair(problems, "WODCraft source")})
    log.warning(
        "LLM prescription still invalid after %d repair(s), using the local coach: %s",
        client.config.max_repairs,
        "; ".join(problems[:3]),
    )
    return None


def _json_problems(answer: str, model: type[M]) -> tuple[M | None, list[str]]:
    try:
        data = json.loads(strip_fences(answer))
    except ValueError as exc:
        return None, [f"not valid JSON: {exc}"]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [
            f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]


async def ask_json(client: ChatClient, system: str, payload: dict[str, Any], model: type[M]) -> M | None:
    """A JSON answer validated as ``model``; invalid JSON or validation errors are fed back for at
    most ``max_repairs`` corrections; ``None`` when the model fails."""
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": json.dumps(payload, ensure_ascii=False, default=str)},
    ]
    problems: list[str] = []
    for attempt in range(client.config.max_repairs + 1):
        try:
            answer = await client.complete(messages, json_mode=True)
        except LlmError as exc:
            log.warning("LLM %s failed, using the local engine: %s", model.__name__, exc)
            return None
        parsed, problems = _json_problems(answer, model)
        if parsed is not None:
            return parsed
        log.info("LLM %s attempt %d has %d problem(s)", model.__name__, attempt + 1, len(problems))
        if attempt < client.config.max_repairs:
            messages.append({"role": "assistant", "content": answer})
            messages.append({"role": "user", "content": _repair(problems, "JSON object")})
    log.warning(
        "LLM %s still invalid after %d repair(s), using the local engine: %s",
        model.__name__,
        client.config.max_repairs,
        "; ".join(problems[:3]),
    )
    return None
