"""Storing a workout: compiled, indexed, stored once per workout, refused with WODCraft's diagnostics."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from atelier.db import unit_of_work
from atelier.kit.runtime import Runtime
from atelier.wods.service import import_library
from tests.conftest import Account
from tests.wods.workouts import (
    FRAN,
    FRAN_REWRITTEN,
    LIBRARY_FRAN,
    REVERSED_LOADS,
    UNKNOWN_MOVEMENT,
    my_wod_count,
    store,
)

pytestmark = pytest.mark.anyio

DIAGNOSTIC_FIELDS = {"code", "severity", "line", "col", "message", "suggestion"}


def nested(depth: int) -> str:
    """Blocks of 2 rounds, each indented one space deeper than the last."""
    return "# Deep\n" + "".join(" " * d + "2 rounds\n" for d in range(depth)) + " " * depth + "1 Burpee\n"


async def test_a_stored_workout_answers_201_with_its_index_and_compiled_document(
    client: httpx.AsyncClient, ana: Account
) -> None:
    response = await client.post("/api/v1/wods", json={"source": FRAN}, headers=ana.headers)

    assert response.status_code == 201
    wod = response.json()
    assert wod["version"] == 1
    assert wod["title"] == "Fran"
    assert wod["visibility"] == "private"
    assert wod["owner_id"] == ana.id
    assert wod["format"] == "for_time"
    assert wod["score_type"] == "time"
    assert wod["movements"] == ["pull_up", "thruster"]
    assert wod["equipment"] == ["barbell", "plates", "pull_up_bar"]
    assert wod["modalities"] == ["gymnastics", "strength"]
    assert wod["categories"] == ["gymnastics", "weightlifting"]
    estimate = wod["compiled"]["estimate"]
    assert wod["estimated_duration_seconds"] == round((estimate["min_s"] + estimate["max_s"]) / 2)
    assert wod["difficulty"] == 49  # the README's figure for Fran
    assert re.fullmatch(r"[0-9a-f]{64}", wod["source_hash"])
    assert wod["source"] == FRAN
    assert wod["compiled"]["blocks"][0]["reps"] == [21, 15, 9]
    assert [item["movement"] for item in wod["compiled"]["blocks"][0]["items"]] == ["thruster", "pull_up"]
    assert wod["warnings"] == []

    again = await client.get(f"/api/v1/wods/{wod['id']}", headers=ana.headers)
    assert again.status_code == 200
    assert again.json()["source_hash"] == wod["source_hash"]
    assert again.json()["compiled"] == wod["compiled"]


REWRITTEN_FRANS = {
    "spacing": "# Fran\n\n21-15-9 for time\n    Thruster 43/30 kg   \n    Pull-up\n\n",
    "case": "# FRAN\n21-15-9 FOR TIME\n  THRUSTER 43/30 KG\n  PULL-UP\n",
    "aliases": "# Fran\n21-15-9 for time\n  thrusters 43/30 kg\n  pull ups\n",
    "pounds": "# Fran\n21-15-9 for time\n  Thruster 95/65 lb\n  Pull-up\n",
    "all at once": FRAN_REWRITTEN,
}


async def test_the_same_workout_written_differently_answers_200_with_the_same_id(
    client: httpx.AsyncClient, ana: Account
) -> None:
    first = await store(client, ana, FRAN)

    for how, rewritten in REWRITTEN_FRANS.items():
        response = await client.post("/api/v1/wods", json={"source": rewritten}, headers=ana.headers)

        assert response.status_code == 200, how
        assert response.json()["id"] == first["id"], how
        assert response.json()["source"] == FRAN, how  # the stored WOD, not the text just sent
    assert await my_wod_count(client, ana) == 1


async def test_a_different_title_makes_a_different_wod(client: httpx.AsyncClient, ana: Account) -> None:
    fran = await store(client, ana, FRAN)

    response = await client.post(
        "/api/v1/wods", json={"source": FRAN.replace("# Fran", "# My Fran")}, headers=ana.headers
    )

    assert response.status_code == 201
    assert response.json()["id"] != fran["id"]
    assert response.json()["title"] == "My Fran"
    assert await my_wod_count(client, ana) == 2


async def test_a_different_load_makes_a_different_wod(client: httpx.AsyncClient, ana: Account) -> None:
    fran = await store(client, ana, FRAN)

    response = await client.post(
        "/api/v1/wods", json={"source": FRAN.replace("43/30", "52/35")}, headers=ana.headers
    )

    assert response.status_code == 201
    assert response.json()["id"] != fran["id"]


async def test_the_text_of_someone_elses_private_wod_makes_a_new_wod_of_your_own(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    anas = await store(client, ana, FRAN)

    response = await client.post("/api/v1/wods", json={"source": FRAN}, headers=bo.headers)

    assert response.status_code == 201
    assert response.json()["id"] != anas["id"]
    assert response.json()["owner_id"] == bo.id
    assert (await client.get(f"/api/v1/wods/{anas['id']}", headers=bo.headers)).status_code == 404


async def test_a_workout_equal_to_a_public_wod_answers_with_the_public_one(
    client: httpx.AsyncClient, ana: Account, bo: Account
) -> None:
    public = await store(client, ana, FRAN, visibility="public")

    response = await client.post("/api/v1/wods", json={"source": FRAN_REWRITTEN}, headers=bo.headers)

    assert response.status_code == 200
    assert response.json()["id"] == public["id"]
    assert response.json()["owner_id"] == ana.id
    assert await my_wod_count(client, bo) == 0


async def test_the_same_workout_again_finds_my_own_copy_before_a_library_one(
    client: httpx.AsyncClient, runtime: Runtime, ana: Account, bo: Account
) -> None:
    mine = await store(client, ana, LIBRARY_FRAN)  # saved before the library was imported
    async with unit_of_work(runtime.sessions, system=True) as session:
        await import_library(session, runtime)

    again = await store(client, ana, LIBRARY_FRAN)
    for_bo = await store(client, bo, LIBRARY_FRAN)

    assert again["id"] == mine["id"]
    assert for_bo["id"] != mine["id"]
    assert for_bo["library_path"] == "girls/fran"


async def test_an_invalid_source_is_refused_with_wodcrafts_diagnostics(
    client: httpx.AsyncClient, ana: Account
) -> None:
    response = await client.post("/api/v1/wods", json={"source": UNKNOWN_MOVEMENT}, headers=ana.headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["title"] == "Invalid WODCraft source"
    assert "line 3, column 3" in problem["detail"]
    [unknown] = [d for d in problem["diagnostics"] if d["code"] == "E020"]
    assert unknown["severity"] == "error"
    assert (unknown["line"], unknown["col"]) == (3, 3)
    assert "Thrusterz" in unknown["message"]
    assert "'Thruster'" in unknown["suggestion"]
    for diagnostic in problem["diagnostics"]:
        assert diagnostic.keys() >= DIAGNOSTIC_FIELDS, diagnostic


async def test_every_diagnostic_of_a_refusal_has_every_field_even_without_a_suggestion(
    client: httpx.AsyncClient, ana: Account
) -> None:
    source = "# Reversed and unknown\nFor time\n  21 Thruster 30/43 kg\n  21 Thrusterz\n"

    response = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)

    assert response.status_code == 422
    codes = {d["code"]: d for d in response.json()["diagnostics"]}
    assert {"W101", "E020"} <= codes.keys()
    assert codes["W101"]["severity"] == "warning"
    assert codes["W101"]["suggestion"] is None
    for diagnostic in codes.values():
        assert diagnostic.keys() >= DIAGNOSTIC_FIELDS, diagnostic


async def test_a_source_with_warnings_is_saved_and_returns_them(
    client: httpx.AsyncClient, ana: Account
) -> None:
    response = await client.post("/api/v1/wods", json={"source": REVERSED_LOADS}, headers=ana.headers)

    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning["code"] == "W101"
    assert warning["severity"] == "warning"
    assert (warning["line"], warning["col"]) == (3, 15)
    assert "women" in warning["message"]
    assert warning["suggestion"] is None
    assert await my_wod_count(client, ana) == 1


async def test_a_source_of_exactly_20000_characters_is_accepted(
    client: httpx.AsyncClient, ana: Account
) -> None:
    padding = "// " + "x" * (20_000 - len(FRAN) - 4) + "\n"
    source = FRAN + padding
    assert len(source) == 20_000

    response = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)

    assert response.status_code == 201


async def test_a_source_over_20000_characters_is_refused(client: httpx.AsyncClient, ana: Account) -> None:
    source = FRAN + "// " + "x" * 20_000 + "\n"

    response = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "source"]
    assert await my_wod_count(client, ana) == 0


async def test_a_body_over_one_mebibyte_is_refused_with_413(client: httpx.AsyncClient, ana: Account) -> None:
    body = json.dumps({"source": FRAN, "padding": "x" * 1_048_576}).encode()

    response = await client.post(
        "/api/v1/wods", content=body, headers=ana.headers | {"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert await my_wod_count(client, ana) == 0


async def test_a_streamed_body_over_one_mebibyte_is_refused_with_413(
    client: httpx.AsyncClient, ana: Account
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"source": "' + FRAN.encode().replace(b"\n", b"\\n") + b'", "padding": "'
        for _ in range(17):
            yield b"x" * 65_536
        yield b'"}'

    response = await client.post(
        "/api/v1/wods", content=chunks(), headers=ana.headers | {"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert await my_wod_count(client, ana) == 0


async def test_an_unknown_field_is_refused(client: httpx.AsyncClient, ana: Account, bo: Account) -> None:
    response = await client.post(
        "/api/v1/wods", json={"source": FRAN, "owner_id": bo.id}, headers=ana.headers
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "owner_id"]
    assert await my_wod_count(client, ana) == 0
    assert await my_wod_count(client, bo) == 0


async def test_malformed_json_is_refused(client: httpx.AsyncClient, ana: Account) -> None:
    response = await client.post(
        "/api/v1/wods",
        content=b'{"source": "# Fran\\n21-15-9 for time\\n',
        headers=ana.headers | {"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_invalid"
    assert await my_wod_count(client, ana) == 0


async def test_nothing_is_saved_when_a_workout_is_refused(client: httpx.AsyncClient, ana: Account) -> None:
    refused = {
        "empty": {"source": ""},
        "blank": {"source": "   \n"},
        "two documents": {"source": FRAN + "\n# Cindy\nAMRAP 20\n  5 Pull-up\n"},
        "unknown movement": {"source": UNKNOWN_MOVEMENT},
        "bad visibility": {"source": FRAN, "visibility": "friends"},
        "null source": {"source": None},
        "no source": {},
        "source not a string": {"source": ["# Fran"]},
    }
    for why, body in refused.items():
        response = await client.post("/api/v1/wods", json=body, headers=ana.headers)

        assert response.status_code == 422, why
        assert response.headers["content-type"] == "application/problem+json", why
    assert await my_wod_count(client, ana) == 0


async def test_comments_before_the_title_are_no_document_of_their_own(
    client: httpx.AsyncClient, ana: Account
) -> None:
    fran = await store(client, ana, FRAN)

    response = await client.post(
        "/api/v1/wods",
        json={"source": "// Fran, from the 2003 CrossFit Journal\n" + FRAN},
        headers=ana.headers,
    )

    assert response.status_code == 200
    assert response.json()["id"] == fran["id"]


async def test_a_source_of_only_comments_is_empty(client: httpx.AsyncClient, ana: Account) -> None:
    response = await client.post(
        "/api/v1/wods", json={"source": "// Fran tomorrow\n// bring chalk\n"}, headers=ana.headers
    )

    assert response.status_code == 422
    assert [d["code"] for d in response.json()["diagnostics"]] == ["A002"]
    assert await my_wod_count(client, ana) == 0


async def test_a_source_with_two_documents_is_refused_with_a001(
    client: httpx.AsyncClient, ana: Account
) -> None:
    source = FRAN + "\n# Cindy\nAMRAP 20\n  5 Pull-up\n"

    response = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)

    assert response.status_code == 422
    assert [d["code"] for d in response.json()["diagnostics"]] == ["A001"]


async def test_a_nul_character_is_refused_with_where_it_is(client: httpx.AsyncClient, ana: Account) -> None:
    source = "# Fran\n// an invisible \x00 character\n21-15-9 for time\n  Thruster 43/30 kg\n  Pull-up\n"

    response = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)

    assert response.status_code == 422
    [nul] = response.json()["diagnostics"]
    assert (nul["code"], nul["line"], nul["col"]) == ("A003", 2, 17)
    assert await my_wod_count(client, ana) == 0


async def test_a_title_longer_than_200_characters_is_refused(client: httpx.AsyncClient, ana: Account) -> None:
    source = FRAN.replace("# Fran", "# " + "Fran " * 41)

    response = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)

    assert response.status_code == 422
    assert [d["code"] for d in response.json()["diagnostics"]] == ["A004"]
    assert await my_wod_count(client, ana) == 0


async def test_a_title_of_200_characters_is_kept_whole(client: httpx.AsyncClient, ana: Account) -> None:
    title = ("Fran " * 40)[:199] + "!"
    assert len(title) == 200

    wod = await store(client, ana, FRAN.replace("# Fran", f"# {title}"))

    assert wod["title"] == title


async def test_a_source_that_wodcraft_cannot_handle_is_refused_not_a_server_error(
    client: httpx.AsyncClient, ana: Account
) -> None:
    crashing = {
        "nested 180 deep": nested(180),
        "400-digit reps": "# Huge\nFor time\n  1" + "0" * 400 + " Burpee\n",
        "infinite cap": "# Huge cap\ncap: " + "9" * 308 + " min\nFor time\n  5 Burpee\n",
    }
    for why, source in crashing.items():
        response = await client.post("/api/v1/wods", json={"source": source}, headers=ana.headers)

        assert response.status_code == 422, why
        assert response.json()["diagnostics"][0]["severity"] == "error", why
    assert await my_wod_count(client, ana) == 0


async def test_blocks_nested_45_deep_are_stored(client: httpx.AsyncClient, ana: Account) -> None:
    wod = await store(client, ana, nested(45))

    assert wod["movements"] == ["burpee"]


async def test_blocks_nested_60_deep_are_refused_with_a006(client: httpx.AsyncClient, ana: Account) -> None:
    response = await client.post("/api/v1/wods", json={"source": nested(60)}, headers=ana.headers)

    assert response.status_code == 422
    assert [d["code"] for d in response.json()["diagnostics"]] == ["A006"]


async def test_an_absurd_workout_wodcraft_accepts_is_stored_with_its_index_at_the_ceiling(
    client: httpx.AsyncClient, ana: Account
) -> None:
    ceiling = 2**31 - 1  # what an INTEGER column holds
    absurd = {
        "AMRAP of 190 years": ("# Forever\nAMRAP 99999999\n  5 Burpee\n", "estimated_duration_seconds"),
        "twenty-digit reps": (
            "# Endless\nFor time\n  99999999999999999999 Burpee\n",
            "estimated_duration_seconds",
        ),
        "309-digit rest": (
            "# Long rest\nFor time\n  5 Burpee\nRest 1" + "0" * 308 + " s\n",
            "estimated_duration_seconds",
        ),
        "team of a hundred billion": (
            "# Many hands\nFor time, teams of 99999999999\n  5 Burpee\n",
            "team_size",
        ),
    }
    for why, (source, field) in absurd.items():
        wod = await store(client, ana, source)

        assert wod[field] == ceiling, why
        assert 0 <= wod["difficulty"] <= 100, why
