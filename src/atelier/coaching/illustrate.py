"""Illustrations of movements (seed 004's "Flux Illustration System").

The default generator is local: ``svg_card`` draws a 600×400 SVG card from the catalog data
(name, family and category, equipment, the muscle groups worked on a head-to-toe map, the
complexity as dots), deterministic and self-contained (no scripts, links or web fonts).
``provider_image`` is the optional generator: an OpenAI images-API style endpoint asked for a
clean instructional illustration, whose answer is checked (size, PNG/WebP/JPEG magic bytes)
before it is stored.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import httpx

from atelier.wods.catalog import MovementEntry

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH, HEIGHT = 600, 400
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_BODY_BYTES = MAX_IMAGE_BYTES * 4 // 3 + 64 * 1024  # base64 and the JSON around it

COLOURS = {"gymnastics": "#2f7d6d", "weightlifting": "#b4462f", "monostructural": "#2f5fa8"}
OTHER_COLOUR = "#555f6d"
FONT = "Helvetica, Arial, sans-serif"

# The muscle map, head to toe, three blocks a row.
MUSCLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("traps", "shoulders", "upper_back"),
    ("chest", "lats", "biceps"),
    ("triceps", "forearms", "core"),
    ("obliques", "lower_back", "hip_flexors"),
    ("glutes", "quadriceps", "hamstrings"),
    ("adductors", "calves", "cardiovascular"),
)

FRENCH = {
    # labels
    "Equipment": "Équipement",
    "Muscles worked": "Muscles sollicités",
    "Complexity": "Complexité",
    "Bodyweight only": "Poids du corps",
    # families and categories
    "gymnastics": "gymnastique",
    "weightlifting": "haltérophilie",
    "monostructural": "monostructurel",
    "carry": "portés",
    "core": "gainage",
    "mobility": "mobilité",
    "plyometric": "pliométrie",
    "strength": "force",
    # muscle groups
    "traps": "trapèzes",
    "shoulders": "épaules",
    "upper_back": "haut du dos",
    "chest": "pectoraux",
    "lats": "grands dorsaux",
    "triceps": "triceps",
    "forearms": "avant-bras",
    "obliques": "obliques",
    "lower_back": "lombaires",
    "hip_flexors": "fléchisseurs",
    "glutes": "fessiers",
    "quadriceps": "quadriceps",
    "hamstrings": "ischios",
    "adductors": "adducteurs",
    "calves": "mollets",
    "cardiovascular": "cardio",
    # equipment
    "barbell": "barre",
    "bench": "banc",
    "bike": "vélo",
    "box": "box",
    "dumbbell": "haltère",
    "jump_rope": "corde à sauter",
    "medicine_ball": "médecine-ball",
    "parallettes": "parallettes",
    "plate": "disque",
    "plates": "disques",
    "pool": "piscine",
    "pull_up_bar": "barre de traction",
    "rings": "anneaux",
    "rope": "corde",
    "rower": "rameur",
    "sled": "traîneau",
    "wall": "mur",
    "wall_target": "cible murale",
    "other": "autre",
}


@dataclass(frozen=True)
class Image:
    content: bytes
    content_type: str  # "image/svg+xml", or what a provider returned (image/webp, image/png...)
    extension: str  # "svg", "webp", "png", "jpg"
    generator: str  # "local-svg" or "provider"


class ProviderError(Exception):
    """The image provider gave no usable image; the message says why in one line."""


# ---------------------------------------------------------------------------------------------
# The local SVG card


def _label(word: str, language: str) -> str:
    if language == "fr" and word in FRENCH:
        return FRENCH[word]
    return word.replace("_", " ")


def _text(x: float, y: float, content: str, size: int, fill: str, *, weight: str = "normal") -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" font-weight="{weight}" fill="{fill}">'
        f"{escape(content)}</text>"
    )


def _fitted_size(content: str, width: float, largest: int) -> int:
    """A font size at which ``content`` fits ``width`` (about 0.58 em a character)."""
    return max(10, min(largest, int(width / (0.58 * max(len(content), 1)))))


def svg_card(movement: MovementEntry, language: str = "en") -> Image:
    """A 600×400 SVG card of ``movement`` in ``language`` ("en" or "fr"; the other name is small)."""
    colour = COLOURS.get(movement.family, OTHER_COLOUR)
    title, subtitle = (
        (movement.name_fr, movement.name) if language == "fr" else (movement.name, movement.name_fr)
    )
    kinds = dict.fromkeys(_label(word, language) for word in (movement.family, movement.category))
    kind = " · ".join(kinds).capitalize()
    parts = [
        f'<svg xmlns="{SVG_NS}" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label={quoteattr(title)} font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="{HEIGHT - 2}" rx="16" fill="#ffffff" '
        f'stroke="{colour}" stroke-width="2"/>',
        f'<path d="M1 17a16 16 0 0 1 16-16h{WIDTH - 34}a16 16 0 0 1 16 16v79H1z" fill="{colour}"/>',
        _text(24, 50, title, _fitted_size(title, WIDTH - 48, 30), "#ffffff", weight="bold"),
    ]
    if subtitle and subtitle != title:
        parts.append(_text(24, 78, subtitle, _fitted_size(subtitle, WIDTH - 48, 15), "#ffffff"))
    parts.append(_text(24, 124, kind, 15, colour, weight="bold"))

    # Muscle map, left column.
    worked = set(movement.muscle_groups)
    parts.append(_text(24, 156, _label("Muscles worked", language), 13, "#333333", weight="bold"))
    for row, names in enumerate(MUSCLE_ROWS):
        for column, muscle in enumerate(names):
            x, y = 24 + column * 96, 166 + row * 34
            on = muscle in worked
            parts.append(
                f'<rect x="{x}" y="{y}" width="90" height="28" rx="6" '
                f'fill="{colour if on else "#eef0f3"}" stroke="{colour if on else "#d5d9df"}"/>'
            )
            label = _label(muscle, language)
            parts.append(
                f'<text x="{x + 45}" y="{y + 18}" font-size="{_fitted_size(label, 82, 11)}" '
                f'text-anchor="middle" fill="{"#ffffff" if on else "#7a828c"}">{escape(label)}</text>'
            )

    # Equipment and complexity, right column.
    parts.append(_text(330, 156, _label("Equipment", language), 13, "#333333", weight="bold"))
    kit = [_label(item, language) for item in movement.equipment] or [_label("Bodyweight only", language)]
    for index, item in enumerate(kit[:5]):
        y = 182 + index * 24
        parts.append(f'<circle cx="336" cy="{y - 5}" r="4" fill="{colour}"/>')
        parts.append(_text(348, y, item, _fitted_size(item, 220, 14), "#333333"))
    parts.append(_text(330, 320, _label("Complexity", language), 13, "#333333", weight="bold"))
    for dot in range(5):
        filled = dot < movement.complexity
        parts.append(
            f'<circle cx="{340 + dot * 26}" cy="344" r="9" fill="{colour if filled else "#ffffff"}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    parts.append(_text(474, 349, f"{movement.complexity}/5", 13, "#7a828c"))
    parts.append(_text(24, 386, movement.id, 10, "#9aa1a9"))
    parts.append("</svg>")
    return Image("\n".join(parts).encode(), "image/svg+xml", "svg", "local-svg")


# ---------------------------------------------------------------------------------------------
# The optional image provider


def illustration_prompt(movement: MovementEntry, discipline: str | None) -> str:
    """What the image provider is asked to draw for ``movement``."""
    context = f" for {discipline} training" if discipline else ""
    kit = ", ".join(item.replace("_", " ") for item in movement.equipment) or "no equipment (bodyweight)"
    muscles = ", ".join(m.replace("_", " ") for m in movement.muscle_groups) or "whole body"
    return (
        f"Clean instructional illustration of the exercise '{movement.name}'{context}: one athlete "
        f"demonstrating correct form, key positions of the movement. Equipment: {kit}. "
        f"Muscles worked: {muscles}, subtly highlighted. Flat modern style, neutral background, "
        "no text, no logos."
    )


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) from an image's magic bytes; None when it is none we accept."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    return None


async def _post(client: httpx.AsyncClient, url: str, key: str, body: dict[str, str]) -> bytes:
    headers = {"Authorization": f"Bearer {key}"}
    async with client.stream("POST", url, json=body, headers=headers) as response:
        received = bytearray()
        async for chunk in response.aiter_bytes():
            received += chunk
            if len(received) > MAX_BODY_BYTES:
                raise ProviderError(f"the answer is larger than {MAX_BODY_BYTES} bytes")
        if not response.is_success:
            excerpt = " ".join(received[:200].decode("utf-8", "replace").split())
            raise ProviderError(f"HTTP {response.status_code} from {url}: {excerpt}")
        return bytes(received)


async def provider_image(
    url: str,
    key: str,
    movement: MovementEntry,
    discipline: str | None,
    timeout_seconds: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Image:
    """An illustration from an OpenAI images-API style endpoint (``{"data": [{"b64_json"}]}``)."""
    body = {
        "prompt": illustration_prompt(movement, discipline),
        "size": "1024x1024",
        "response_format": "b64_json",
    }
    try:
        async with (
            asyncio.timeout(timeout_seconds),
            httpx.AsyncClient(transport=transport, timeout=timeout_seconds) as client,
        ):
            raw = await _post(client, url, key, body)
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise ProviderError(f"no image within {timeout_seconds:g} s") from exc
    except httpx.HTTPError as exc:
        raise ProviderError(f"cannot reach {url}: {exc.__class__.__name__}: {exc}") from exc
    try:
        encoded = json.loads(raw)["data"][0]["b64_json"]
        if not isinstance(encoded, str):
            raise TypeError("b64_json is not a string")
        if len(encoded) > MAX_BODY_BYTES:
            raise ValueError("b64_json is too large")
        content = base64.b64decode(encoded, validate=True)
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as exc:
        raise ProviderError(
            f"the answer has no image in data[0].b64_json ({exc.__class__.__name__})"
        ) from exc
    if len(content) > MAX_IMAGE_BYTES:
        raise ProviderError(f"the image is larger than {MAX_IMAGE_BYTES} bytes")
    kind = sniff(content)
    if kind is None:
        raise ProviderError("the image is not PNG, WebP or JPEG")
    return Image(content, kind[0], kind[1], "provider")
