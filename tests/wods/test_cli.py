"""``atelier wod check`` and ``atelier wod import``: readable diagnostics, idempotent imports."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from atelier.cli import app
from atelier.config import Settings, get_settings
from atelier.db import create_engine
from atelier.wods.models import Wod
from tests.conftest import _empty_user_tables
from tests.wods.workouts import CINDY, FRAN, UNKNOWN_MOVEMENT


@pytest.fixture
def atelier(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The command line on the test database, which starts empty of users and WODs."""
    monkeypatch.setenv("ATELIER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ATELIER_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ATELIER_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.delenv("ATELIER_REDIS_URL", raising=False)
    get_settings.cache_clear()
    asyncio.run(_empty_user_tables(settings))
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


def stored(settings: Settings) -> dict[str, tuple[str, str | None]]:
    """Every stored WOD's title → (visibility, library path), read directly from the database."""

    async def read() -> dict[str, tuple[str, str | None]]:
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(select(Wod.title, Wod.visibility, Wod.library_path))
                return {title: (str(visibility), path) for title, visibility, path in rows}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_check_a_good_file_exits_0(atelier: CliRunner, tmp_path: Path) -> None:
    fran = write(tmp_path, "fran.wod", FRAN)

    result = run(atelier, "wod", "check", str(fran))

    assert result.exit_code == 0
    assert result.stdout.strip() == f"{fran}: ok (1 document(s))"


def test_check_a_bad_file_exits_1_with_the_code_at_line_and_column(
    atelier: CliRunner, tmp_path: Path
) -> None:
    bad = write(
        tmp_path / "a folder with a rather long name, so that lines pass 80 columns",
        "bad.wod",
        UNKNOWN_MOVEMENT,
    )

    result = run(atelier, "wod", "check", str(bad))

    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first == f"{bad}:3:3: error E020: Unknown movement 'Thrusterz'."
    assert "help: did you mean 'Thruster' or 'Kettlebell thruster' or 'Dumbbell thruster'?" in result.stdout
    assert result.stderr.strip() == f"{bad}: 1 error(s)"


def test_check_a_file_with_brackets_in_its_name_prints_the_name_as_it_is(
    atelier: CliRunner, tmp_path: Path
) -> None:
    draft = write(tmp_path, "[draft] fran.wod", FRAN)

    result = run(atelier, "wod", "check", str(draft))

    assert result.exit_code == 0
    assert result.stdout.strip() == f"{draft}: ok (1 document(s))"


def test_check_a_missing_file_is_a_usage_error(atelier: CliRunner, tmp_path: Path) -> None:
    result = run(atelier, "wod", "check", str(tmp_path / "nowhere.wod"))

    assert result.exit_code == 2


def test_import_the_library_imports_83_then_nothing(atelier: CliRunner, settings: Settings) -> None:
    first = run(atelier, "wod", "import", "--library")

    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "library: 83 imported, 0 already there"
    wods = stored(settings)
    assert len(wods) == 83
    assert wods["Fran"] == ("public", "girls/fran")
    assert all(visibility == "public" and path for visibility, path in wods.values())

    second = run(atelier, "wod", "import", "--library")

    assert second.exit_code == 0
    assert second.stdout.strip() == "library: 0 imported, 83 already there"
    assert len(stored(settings)) == 83


def test_import_a_folder_keeps_the_good_files_and_names_the_bad_one(
    atelier: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    write(tmp_path, "girls/fran.wod", FRAN)
    write(tmp_path, "girls/cindy.wod", CINDY)
    write(tmp_path, "notes.txt", "not a workout")
    bad = write(tmp_path, "drafts/bad.wod", UNKNOWN_MOVEMENT)

    result = run(atelier, "wod", "import", str(tmp_path))

    assert result.exit_code == 1
    assert result.stdout.strip() == "2 imported, 0 already there, 1 refused"
    assert (
        f"  {bad}: the workout does not compile: line 3, column 3: Unknown movement 'Thrusterz'."
        in result.stderr.splitlines()
    )
    assert stored(settings) == {"Fran": ("public", None), "Cindy": ("public", None)}

    again = run(atelier, "wod", "import", str(tmp_path))

    assert again.exit_code == 1
    assert again.stdout.strip() == "0 imported, 2 already there, 1 refused"
    assert len(stored(settings)) == 2


def test_import_refuses_files_that_could_never_be_stored(
    atelier: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    latin1 = write(tmp_path, "latin1.wod", "# Échauffement\nFor time\n  10 Burpee\n".encode("latin-1"))
    nul = write(tmp_path, "nul.wod", "# Nul\n// \x00\nFor time\n  10 Burpee\n")
    good = write(tmp_path, "good.wod", "# Good\nFor time\n  10 Burpee\n")

    result = run(atelier, "wod", "import", str(tmp_path))

    assert result.exit_code == 1
    assert result.stdout.strip() == "1 imported, 0 already there, 2 refused"
    assert f"  {latin1}: not UTF-8 text" in result.stderr.splitlines()
    assert any(line.startswith(f"  {nul}: ") and "NUL" in line for line in result.stderr.splitlines())
    assert stored(settings) == {"Good": ("public", None)}
    assert good.exists()


def test_import_a_file_for_an_owner_makes_it_their_private_wod(
    atelier: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    fran = write(tmp_path, "fran.wod", FRAN)
    created = run(
        atelier, "user", "create", "--email", "ana@example.com", "--name", "Ana", "--password", "s3cret-pass"
    )
    assert created.exit_code == 0, created.output

    result = run(atelier, "wod", "import", str(fran), "--owner", "ana@example.com")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "1 imported, 0 already there, 0 refused"
    assert stored(settings) == {"Fran": ("private", None)}


def test_import_for_an_unknown_owner_is_a_usage_error(
    atelier: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    fran = write(tmp_path, "fran.wod", FRAN)

    result = run(atelier, "wod", "import", str(fran), "--owner", "nobody@example.com")

    assert result.exit_code == 2
    assert "no account with e-mail nobody@example.com" in result.stderr
    assert stored(settings) == {}


def test_import_needs_either_a_path_or_the_library(
    atelier: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    write(tmp_path, "fran.wod", FRAN)

    both = run(atelier, "wod", "import", str(tmp_path), "--library")
    neither = run(atelier, "wod", "import")
    missing = run(atelier, "wod", "import", str(tmp_path / "nowhere"))
    empty = run(atelier, "wod", "import", str(tmp_path / "empty"))

    for result in (both, neither):
        assert result.exit_code == 2
        assert result.stderr.strip() == "error: give either a path or --library"
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    assert empty.exit_code == 2
    assert stored(settings) == {}
