"""Illustrations: the local SVG card of every catalog movement (valid, self-contained, escaped,
deterministic) and the optional image provider against a fake server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import struct
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from atelier.coaching.illustrate import (
    MAX_IMAGE_BYTES,
    MUSCLE_ROWS,
    SVG_NS,
    ProviderError,
    provider_image,
    svg_card,
)
from atelier.wods.catalog import movement_catalog

pytestmark = pytest.mark.anyio

KEY = "sk-images-77"
CATALOG = movement_catalog()


def tiny_png() -> bytes:
    """A valid 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(element.itertext()) for element in root.iter(f"{{{SVG_NS}}}text")]


# --- the local SVG card -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_catalog_movement_gives_a_valid_self_contained_card(language: str) -> None:
    for movement in CATALOG.values():
        image = svg_card(movement, language)
        assert (image.content_type, image.extension, image.generator) == ("image/svg+xml", "svg", "local-svg")
        root = ET.fromstring(image.content)
        assert root.tag == f"{{{SVG_NS}}}svg"
        assert (root.get("width"), root.get("height")) == ("600", "400")
        shown = texts(image.content)
        assert (movement.name_fr if language == "fr" else movement.name) in shown, movement.id
        text = image.content.decode()
        assert "<script" not in text.lower() and "href" not in text
        assert "http" not in text.replace(f'xmlns="{SVG_NS}"', ""), movement.id


def test_the_card_shows_the_catalog_data() -> None:
    thruster = CATALOG["thruster"]
    image = svg_card(thruster)
    shown = texts(image.content)
    assert shown[0] == "Thruster" and "Weightlifting" in shown
    for item in thruster.equipment:
        assert item.replace("_", " ") in shown
    assert f"{thruster.complexity}/5" in shown

    root = ET.fromstring(image.content)
    rects = root.findall(f"{{{SVG_NS}}}rect")[1:]  # the frame first, then one block per muscle group
    labels = [t for t in shown if t in {m.replace("_", " ") for row in MUSCLE_ROWS for m in row}]
    highlighted = {label for rect, label in zip(rects, labels, strict=True) if rect.get("fill") != "#eef0f3"}
    assert highlighted == {m.replace("_", " ") for m in thruster.muscle_groups}
    dots = [c for c in root.findall(f"{{{SVG_NS}}}circle") if c.get("r") == "9"]
    assert [c.get("fill") != "#ffffff" for c in dots] == [i < thruster.complexity for i in range(5)]


def test_the_muscle_map_covers_every_catalog_muscle_group() -> None:
    mapped = {muscle for row in MUSCLE_ROWS for muscle in row}
    assert {m for entry in CATALOG.values() for m in entry.muscle_groups} <= mapped


def test_families_have_their_own_colour() -> None:
    colours = {
        family: ET.fromstring(svg_card(next(e for e in CATALOG.values() if e.family == family)).content)
        .find(f"{{{SVG_NS}}}path")
        .get("fill")  # type: ignore[union-attr]
        for family in ("gymnastics", "weightlifting", "monostructural")
    }
    assert len(set(colours.values())) == 3


def test_cards_are_deterministic() -> None:
    movement = CATALOG["pull_up"]
    assert svg_card(movement) == svg_card(movement)
    assert svg_card(movement, "fr") == svg_card(replace(movement), "fr")
    assert svg_card(movement) != svg_card(movement, "fr")


def test_text_is_escaped() -> None:
    odd = replace(
        CATALOG["back_squat"],
        name='Squat & <b>"press"</b>',
        name_fr="Squat <script>alert(1)</script>",
        equipment=("barbell", "<rig>"),
    )
    image = svg_card(odd)
    text = image.content.decode()
    assert "<b>" not in text and "<script" not in text and "<rig>" not in text
    assert "Squat &amp; &lt;b&gt;" in text
    shown = texts(image.content)
    assert 'Squat & <b>"press"</b>' in shown and "Squat <script>alert(1)</script>" in shown
    assert ET.fromstring(image.content).get("aria-label") == 'Squat & <b>"press"</b>'


def test_a_movement_without_equipment_says_bodyweight() -> None:
    air = replace(CATALOG["pull_up"], equipment=())
    assert "Bodyweight only" in texts(svg_card(air).content)
    assert "Poids du corps" in texts(svg_card(air, "fr").content)


# --- the image provider -------------------------------------------------------------------------


@dataclass
class Images:
    url: str = ""
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, image: bytes) -> None:
        self.body = json.dumps(
            {"created": 1, "data": [{"b64_json": base64.b64encode(image).decode()}]}
        ).encode()


@pytest.fixture
def images() -> Iterator[Images]:
    state = Images()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(
                {"authorization": self.headers.get("Authorization"), "body": json.loads(raw)}
            )
            if state.delay:
                state.release.wait(state.delay)
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
            except OSError:  # the client gave up (the timeout test)
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/images/generations"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


async def test_the_provider_returns_a_png(images: Images) -> None:
    images.answer(PNG)
    image = await provider_image(images.url, KEY, CATALOG["thruster"], "functional", 5.0)

    assert image.content == PNG
    assert (image.content_type, image.extension, image.generator) == ("image/png", "png", "provider")
    (request,) = images.requests
    assert request["authorization"] == f"Bearer {KEY}"
    assert request["body"]["size"] == "1024x1024" and request["body"]["response_format"] == "b64_json"
    prompt = request["body"]["prompt"]
    assert "Thruster" in prompt and "functional" in prompt and "barbell" in prompt and "quadriceps" in prompt
    assert "clean instructional illustration" in prompt.lower() and "neutral background" in prompt


async def test_the_provider_returns_a_webp(images: Images) -> None:
    images.answer(WEBP)
    image = await provider_image(images.url, KEY, CATALOG["pull_up"], None, 5.0)
    assert (image.content, image.content_type, image.extension) == (WEBP, "image/webp", "webp")
    assert "training" not in images.requests[0]["body"]["prompt"]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, b'{"error": {"message": "server error"}}', r"HTTP 500 .*server error"),
        (401, b'{"error": {"message": "bad key"}}', r"HTTP 401"),
        (200, b"<html>not json</html>", "no image"),
        (200, b'{"data": []}', "no image"),
        (200, b'{"data": [{"url": "https://example.com/a.png"}]}', "no image"),
        (200, b'{"data": [{"b64_json": "%%% not base64 %%%"}]}', "no image"),
        (
            200,
            json.dumps({"data": [{"b64_json": base64.b64encode(b"GIF89a...").decode()}]}).encode(),
            "not PNG",
        ),
    ],
)
async def test_provider_failures_are_provider_errors(
    images: Images, status: int, body: bytes, message: str
) -> None:
    images.status, images.body = status, body
    with pytest.raises(ProviderError, match=message):
        await provider_image(images.url, KEY, CATALOG["thruster"], "strength", 5.0)


async def test_a_too_large_image_is_refused(images: Images) -> None:
    images.answer(PNG + bytes(MAX_IMAGE_BYTES))
    with pytest.raises(ProviderError, match="larger than"):
        await provider_image(images.url, KEY, CATALOG["thruster"], "strength", 5.0)


async def test_a_slow_provider_times_out(images: Images) -> None:
    images.answer(PNG)
    images.delay = 10.0
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no image within 0\.5 s"):
        await provider_image(images.url, KEY, CATALOG["thruster"], "strength", 0.5)
    assert time.monotonic() - started < 1.5


async def test_an_unreachable_provider_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="cannot reach"):
        await provider_image("http://127.0.0.1:9/v1/images", KEY, CATALOG["thruster"], None, 2.0)
