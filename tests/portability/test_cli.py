"""``atelier export --user`` and ``atelier import`` of an archive or a Strong CSV, on the command
line: a whole archive written, brought back into another account, and a clear line for bad files."""

from __future__ import annotations

import zipfile
from pathlib import Path

from typer.testing import CliRunner

from tests.portability.test_moving_in import STRONG
from tests.wods.test_cli import atelier, run

__all__ = ["atelier"]


def account(runner: CliRunner, email: str) -> str:
    made = run(runner, "user", "create", "--email", email, "--name", "Eva", "--password", "long enough pw")
    assert made.exit_code == 0, made.output
    return email


def test_a_history_moves_in_exports_and_comes_back_into_another_account(
    atelier: CliRunner, tmp_path: Path
) -> None:
    eva, ivy = account(atelier, "eva@example.org"), account(atelier, "ivy@example.org")
    (tmp_path / "strong.csv").write_bytes(STRONG)

    waiting = run(atelier, "import", str(tmp_path / "strong.csv"), "--user", eva)
    assert waiting.exit_code == 2
    assert "need a movement" in waiting.stderr and "'Cable Fly Crossovers'" in waiting.stderr

    moved = run(atelier, "import", str(tmp_path / "strong.csv"), "--user", eva, "--leave-out-unmapped")
    assert moved.exit_code == 0, moved.output
    assert (
        "strong.csv (strong): imported 3 workouts, 5 sets; 0 already there, 1 sets left out" in moved.stdout
    )

    target = tmp_path / "eva.zip"
    exported = run(atelier, "export", "--user", eva, "-o", str(target))
    assert exported.exit_code == 0, exported.output
    assert f"to {target}" in exported.stdout and not (tmp_path / "eva.zip.part").exists()
    with zipfile.ZipFile(target) as archive:
        assert {"manifest.json", "sessions.json", "sets.csv", "calendar.ics"} <= set(archive.namelist())

    back = run(atelier, "import", str(target), "--user", ivy)
    assert back.exit_code == 0, back.output
    assert "imported 1 profile" in back.stdout
    assert "3 sessions" in back.stdout and "0 already there" in back.stdout
    again = run(atelier, "import", str(target), "--user", ivy)
    assert "nothing new" in again.stdout


def test_bad_files_get_a_readable_line(atelier: CliRunner, tmp_path: Path) -> None:
    eva = account(atelier, "eva@example.org")
    (tmp_path / "cut.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "other.csv").write_text("when,what\n2024-01-01,run\n", encoding="utf-8")
    cut = run(atelier, "import", str(tmp_path / "cut.zip"), "--user", eva)
    assert cut.exit_code == 2 and "cut.zip: error: this is not an Atelier export" in cut.stderr
    other = run(atelier, "import", str(tmp_path / "other.csv"), "--user", eva)
    assert other.exit_code == 2 and "other.csv: error: not a Strong or Hevy export" in other.stderr
    nobody = run(atelier, "export", "--user", "nobody@example.org")
    assert nobody.exit_code == 2 and "no account" in nobody.stderr
