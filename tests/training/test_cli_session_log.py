"""``atelier session log``: back-filling a finished session through the same rules as the app."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from typer.testing import CliRunner

from atelier.config import Settings
from atelier.db import create_engine
from atelier.planning.models import Session
from atelier.training.models import Attempt, TrainingMetrics
from tests.wods.test_cli import atelier, run

__all__ = ["atelier"]

DAY = "# Heavy day\n## A\nBack squat 5x5 @ 75%\n## B\nAMRAP 10\n  5 Pull-up\n  10 Push-up\n"


def stored(settings: Settings) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    select(
                        Session.title,
                        Session.status,
                        Session.session_date,
                        TrainingMetrics.volume_kg,
                        TrainingMetrics.reps_total,
                        TrainingMetrics.duration_seconds,
                        Attempt.started_at,
                        Attempt.status,
                    )
                    .join(TrainingMetrics, TrainingMetrics.session_id == Session.id)
                    .join(Attempt, Attempt.session_id == Session.id)
                )
                return [dict(r._mapping) for r in rows]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def sessions_count(settings: Settings) -> int:
    async def read() -> int:
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as connection:
                return int((await connection.execute(text("SELECT count(*) FROM sessions"))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def athlete(runner: CliRunner) -> str:
    made = run(
        runner,
        "user",
        "create",
        "--email",
        "eva@example.org",
        "--name",
        "Eva",
        "--password",
        "long enough pw",
    )
    assert made.exit_code == 0, made.output
    return "eva@example.org"


def test_a_finished_session_is_logged_with_its_data_and_metrics(
    atelier: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    email = athlete(atelier)
    (tmp_path / "day.wod").write_text(DAY, encoding="utf-8")
    (tmp_path / "data.json").write_text(
        json.dumps(
            [
                {
                    "position": 0,
                    "status": "completed",
                    "data": {"sets": [{"reps": 5, "load": {"value": 100, "unit": "kg"}}] * 5},
                },
                {"position": 1, "status": "completed", "data": {"rounds": 7, "reps": 3}},
            ]
        ),
        encoding="utf-8",
    )

    logged = run(
        atelier, "session", "log", "--user", email, "--date", "2026-11-20", "--time", "07:30",
        "--minutes", "55", "--source", str(tmp_path / "day.wod"), "--data", str(tmp_path / "data.json"),
    )  # fmt: skip

    assert logged.exit_code == 0, logged.output
    assert "logged 'Heavy day' on 2026-11-20 at 07:30 (UTC)" in logged.stdout
    assert "volume 2,500 kg, 28 reps, 55 min" in logged.stdout
    (row,) = stored(settings)
    assert (row["title"], row["status"], str(row["session_date"])) == ("Heavy day", "completed", "2026-11-20")
    assert (row["volume_kg"], row["reps_total"], row["duration_seconds"]) == (2500.0, 28, 3300)
    assert row["status_1"] == "completed" and row["started_at"].strftime("%H:%M") == "07:30"


def test_bad_input_is_one_readable_line_and_writes_nothing(
    atelier: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    email = athlete(atelier)
    (tmp_path / "day.wod").write_text(DAY, encoding="utf-8")
    (tmp_path / "bad.json").write_text(
        json.dumps([{"position": 0, "data": {"sets": [{"reps": -5}]}}]), encoding="utf-8"
    )
    (tmp_path / "far.json").write_text(json.dumps([{"position": 9, "data": {}}]), encoding="utf-8")
    source = str(tmp_path / "day.wod")

    cases = {
        ("--date", "20/11/2026", "--source", source): "Invalid isoformat",
        ("--date", "2026-11-20"): "give either --source FILE or --wod-id ID",
        (
            "--date",
            "2026-11-20",
            "--source",
            source,
            "--data",
            str(tmp_path / "bad.json"),
        ): "greater than or equal to 0",
        (
            "--date",
            "2026-11-20",
            "--source",
            source,
            "--data",
            str(tmp_path / "far.json"),
        ): "no exercise at position 9",
    }
    for args, says in cases.items():
        refused = run(atelier, "session", "log", "--user", email, *args)
        assert refused.exit_code == 2, (args, refused.output)
        assert says in refused.stderr, (args, refused.stderr)
    unknown = run(
        atelier, "session", "log", "--user", "nobody@example.org", "--date", "2026-11-20", "--source", source
    )
    assert unknown.exit_code == 2 and "no account with e-mail nobody@example.org" in unknown.stderr
    assert sessions_count(settings) == 0
