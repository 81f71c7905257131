"""Pages: the WOD library, writing a WOD in WODCraft, and one WOD's whiteboard, timeline and leaderboard."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from wodcraft.emit.board import render as board_text

from atelier.accounts import repository as accounts
from atelier.accounts.models import LinkStatus
from atelier.kit.problems import NotFound, Problem
from atelier.kit.runtime import Runtime, RuntimeDep, SessionDep
from atelier.training import records_api
from atelier.web import csrf
from atelier.web.auth import PageCaller, PageUser, start_over
from atelier.web.forms import FormState, explain
from atelier.web.render import Reader, reader_of, redirect, render
from atelier.wods import api as wods_api
from atelier.wods import service
from atelier.wods.catalog import movement_catalog
from atelier.wods.compiler import MAX_TITLE_CHARS
from atelier.wods.metadata import WodMetadata, describe
from atelier.wods.models import Visibility, Wod
from atelier.wods.schemas import BoardOut, CheckIn, TimelineOut, WodIn
from atelier.wods.views import segments

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])

PAGE_SIZE = 12
BOARD_SIZE = 25
MAX_MINUTES = 24 * 60
MAX_SEARCH_CHARS = 100  # the API's ``q`` limit
FORMATS = (
    "for_time",
    "amrap",
    "emom",
    "every",
    "rounds",
    "ladder",
    "tabata",
    "death_by",
    "max_load",
    "sets",
    "single",
    "session",
    "multi",
)
EQUIPMENT = (
    "barbell",
    "dumbbell",
    "kettlebell",
    "pull_up_bar",
    "rings",
    "box",
    "jump_rope",
    "medicine_ball",
    "rower",
    "bike",
    "ski_erg",
    "rope",
    "sandbag",
    "sled",
    "ghd",
    "abmat",
    "bench",
    "parallettes",
    "pool",
    "yoke",
)
TRACKS = ("", "rx", "scaled")
LEVELS = ("", "intermediate", "scaled", "foundations")
CATEGORIES = ("", "men", "women")
# Characters per whiteboard line: the dotted lines fit a 375 px phone.
WHITEBOARD_WIDTH = 30
PERIODS = {"all": None, "week": 7, "month": 30, "year": 365}
# A "# Title" line (not a "## Section"): the WOD's name lives there in WODCraft.
TITLE_LINE = re.compile(r"#(?!#)")


# --- labels ----------------------------------------------------------------------------------------


def format_labels(reader: Reader) -> dict[str, str]:
    return {
        "for_time": reader.t("For time"),
        "amrap": reader.t("AMRAP"),
        "emom": reader.t("EMOM"),
        "every": reader.t("Every interval"),
        "rounds": reader.t("Rounds"),
        "ladder": reader.t("Ladder"),
        "tabata": reader.t("Tabata"),
        "death_by": reader.t("Death by"),
        "max_load": reader.t("Max load"),
        "sets": reader.t("Strength sets"),
        "single": reader.t("Single movement"),
        "session": reader.t("Session in parts"),
        "multi": reader.t("Several blocks"),
    }


def objective_labels(reader: Reader) -> dict[str, str]:
    """What a score type asks of the athlete."""
    return {
        "time": reader.t("Finish as fast as possible"),
        "rounds+reps": reader.t("As many rounds and reps as possible"),
        "rounds": reader.t("As many rounds as possible"),
        "reps": reader.t("As many reps as possible"),
        "load": reader.t("Lift as heavy as possible"),
        "calories": reader.t("As many calories as possible"),
        "distance": reader.t("As far as possible"),
        "none": reader.t("Not scored"),
        "multi": reader.t("One score per part"),
    }


def equipment_labels(reader: Reader) -> dict[str, str]:
    return {
        "barbell": reader.t("Barbell"),
        "dumbbell": reader.t("Dumbbells"),
        "kettlebell": reader.t("Kettlebell"),
        "pull_up_bar": reader.t("Pull-up bar"),
        "rings": reader.t("Rings"),
        "box": reader.t("Box"),
        "jump_rope": reader.t("Jump rope"),
        "medicine_ball": reader.t("Medicine ball"),
        "rower": reader.t("Rower"),
        "bike": reader.t("Bike"),
        "ski_erg": reader.t("Ski erg"),
        "rope": reader.t("Climbing rope"),
        "sandbag": reader.t("Sandbag"),
        "sled": reader.t("Sled"),
        "ghd": reader.t("GHD"),
        "abmat": reader.t("AbMat"),
        "bench": reader.t("Bench"),
        "parallettes": reader.t("Parallettes"),
        "pool": reader.t("Pool"),
        "yoke": reader.t("Yoke"),
        "plates": reader.t("Plates"),
        "rig": reader.t("Rig"),
        "wall": reader.t("Wall"),
        "wall_target": reader.t("Wall target"),
        "track": reader.t("Running track"),
        "other": reader.t("Other equipment"),
    }


def kit_of(equipment: list[str], reader: Reader) -> list[str]:
    """A WOD's equipment as names, each piece once ("plate" and "plates" are one)."""
    labels = equipment_labels(reader)
    names = [labels.get("plates" if kit == "plate" else kit, kit.replace("_", " ")) for kit in equipment]
    return list(dict.fromkeys(names))


def movement_name(movement_id: str, reader: Reader) -> str:
    entry = movement_catalog().get(movement_id)
    if entry is None:
        return movement_id
    return entry.name_fr if reader.language == "fr" else entry.name


def _not_found(request: Request, reader: Reader, caller: PageCaller) -> Response:
    return render(
        request,
        "message.html",
        reader,
        caller,
        status_code=404,
        heading=reader.t("WOD not found"),
        text=reader.t("This WOD does not exist, or it is not yours to see."),
        link="/wods",
        link_label=reader.t("Back to the library"),
    )


# --- the library -----------------------------------------------------------------------------------


@dataclass
class LibrarySearch:
    """The library's filters as the search API takes them."""

    movements: list[str] = field(default_factory=list)
    equipment: list[str] | None = None
    formats: list[str] = field(default_factory=list)
    duration_min: int | None = None
    duration_max: int | None = None
    text: str | None = None
    owner: Literal["any", "mine", "public"] = "any"
    page: int = 1


def _minutes(form: FormState, name: str, reader: Reader) -> int | None:
    typed = form.value(name).strip()
    if not typed:
        return None
    if not typed.isdigit():
        form.fail(name, reader.t("Enter a whole number of minutes."))
        return None
    if int(typed) > MAX_MINUTES:
        form.fail(name, reader.t("At most {n} minutes.", n=MAX_MINUTES))
        return None
    return int(typed)


def _movements(form: FormState, reader: Reader) -> list[str]:
    found: list[str] = []
    for name in (part.strip() for part in form.value("movement").split(",")):
        if not name:
            continue
        try:
            found += wods_api.movement_ids([name])
        except Problem as problem:
            hint = ", ".join(problem.extensions.get("suggestions") or [])
            message = reader.t("Unknown movement: {name}.", name=name)
            if hint:
                message += " " + reader.t("Did you mean {names}?", names=hint)
            form.fail("movement", message)
    return found


def library_search(form: FormState, equipment: list[str], reader: Reader) -> LibrarySearch:
    """The filters as typed, checked field by field: each complaint lands next to its field."""
    wanted = LibrarySearch()
    text = form.value("q").strip()
    if len(text) > MAX_SEARCH_CHARS:
        form.fail("q", reader.t("At most {n} characters.", n=MAX_SEARCH_CHARS))
    wanted.text = text or None
    chosen = form.value("format")
    if chosen and chosen not in FORMATS:
        form.fail("format", reader.t("Choose a type from the list."))
    wanted.formats = [chosen] if chosen else []
    wanted.movements = _movements(form, reader)
    if any(kit not in EQUIPMENT for kit in equipment):
        form.fail("equipment", reader.t("Choose equipment from the list."))
    wanted.equipment = list(equipment) or None
    low, high = _minutes(form, "duration_min", reader), _minutes(form, "duration_max", reader)
    if low is not None and high is not None and low > high:
        form.fail("duration_max", reader.t("The longest must not be shorter than the shortest."))
    wanted.duration_min = low * 60 if low is not None else None
    wanted.duration_max = high * 60 if high is not None else None
    owner = form.value("owner", "any")
    if owner == "mine":
        wanted.owner = "mine"
    elif owner == "public":
        wanted.owner = "public"
    elif owner != "any":
        form.fail("owner", reader.t("Choose from the list."))
    page = form.value("page", "1")
    wanted.page = int(page) if page.isdigit() and 1 <= int(page) <= 1000 else 1
    return wanted


def _page_link(form: FormState, equipment: list[str], page: int) -> str:
    kept = [(k, v) for k, v in form.values.items() if v and k != "page"]
    kept += [("equipment", kit) for kit in equipment]
    return "/wods?" + urlencode([*kept, ("page", str(page))])


@router.get("/wods")
async def library(
    request: Request,
    session: SessionDep,
    caller: PageUser,
    equipment: Annotated[list[str], Query()] = [],  # noqa: B006
) -> Response:
    reader = await reader_of(session, request, caller)
    names = ("q", "format", "movement", "duration_min", "duration_max", "owner", "page")
    form = FormState.of({k: v for k, v in request.query_params.items() if k in names})
    wanted = library_search(form, equipment, reader)
    found = None
    if form.ok:
        try:
            found = await wods_api.search(
                session=session,
                user=caller.user,
                movement=wanted.movements,
                equipment=wanted.equipment,
                format=wanted.formats,
                duration_min=wanted.duration_min,
                duration_max=wanted.duration_max,
                q=wanted.text,
                owner=wanted.owner,
                limit=PAGE_SIZE,
                offset=(wanted.page - 1) * PAGE_SIZE,
            )
        except Problem as problem:
            form.message = problem.detail
    pages = max(1, -(-found.total // PAGE_SIZE)) if found else 1
    return render(
        request,
        "wods/library.html",
        reader,
        caller,
        status_code=200 if form.ok else 422,
        form=form,
        equipment=equipment,
        found=found,
        page=wanted.page,
        pages=pages,
        previous=_page_link(form, equipment, wanted.page - 1) if wanted.page > 1 else None,
        following=_page_link(form, equipment, wanted.page + 1) if wanted.page < pages else None,
        formats=format_labels(reader),
        objectives=objective_labels(reader),
        kit={kit: label for kit, label in equipment_labels(reader).items() if kit in EQUIPMENT},
        movement_name=lambda movement: movement_name(movement, reader),
    )


# --- writing a WOD ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """The source compiled for a name and what was typed: the name is the ``# Title`` line."""

    source: str
    titled: bool  # what was typed has its own "# Title" line
    shift: int  # lines put in front of what was typed
    name_line: int | None  # the line the name was written on, in the compiled source


def written(name: str, typed: str) -> Written:
    name = " ".join(name.split())
    lines = typed.replace("\r\n", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and TITLE_LINE.match(lines[first].lstrip()):
        if not name:
            return Written("\n".join(lines), True, 0, None)
        lines[first] = f"# {name}"
        return Written("\n".join(lines), True, 0, first + 1)
    if not name:
        return Written("\n".join(lines), False, 0, None)
    return Written(f"# {name}\n" + "\n".join(lines), False, 1, 1)


def placed(
    diagnostics: list[dict[str, Any]], wrote: Written
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Diagnostics about the name, and the others at their line in what was typed."""
    about_name, about_source = [], []
    for diagnostic in diagnostics:
        if diagnostic["line"] == wrote.name_line:
            about_name.append(diagnostic)
        else:
            about_source.append({**diagnostic, "line": max(1, diagnostic["line"] - wrote.shift)})
    return about_name, about_source


def _visibility_options(reader: Reader) -> list[tuple[str, str]]:
    return [("private", reader.t("Only me")), ("public", reader.t("Everyone"))]


@router.get("/wods/new")
async def new_page(request: Request, session: SessionDep, caller: PageUser) -> Response:
    reader = await reader_of(session, request, caller)
    form = FormState(values={"visibility": "private"})
    return render(
        request,
        "wods/new.html",
        reader,
        caller,
        form=form,
        diagnostics=[],
        visibility=_visibility_options(reader),
    )


@router.post("/wods/new")
async def create(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    name: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "private",
) -> Response:
    reader = await reader_of(session, request, caller)
    form = FormState.of({"name": name, "source": source, "visibility": visibility})
    wrote = written(name, source)
    diagnostics: list[dict[str, Any]] = []
    if not source.strip():
        form.fail("source", reader.t("Write the workout."))
    if not name.strip() and not wrote.titled:
        form.fail("name", reader.t("Give the WOD a name."))
    if len(name.strip()) > MAX_TITLE_CHARS:
        form.fail("name", reader.t("At most {n} characters.", n=MAX_TITLE_CHARS))
    if form.ok:
        try:
            body = WodIn.model_validate({"source": wrote.source, "visibility": visibility})
        except ValidationError as error:
            form.errors = explain(error, reader, {"source": "source", "visibility": "visibility"})
        else:
            try:
                saved = await service.save(
                    session,
                    runtime,
                    owner=caller.user,
                    source=body.source,
                    visibility=Visibility(body.visibility),
                )
            except service.DoesNotCompile as problem:
                await start_over(session, caller)
                about_name, diagnostics = placed(problem.extensions["diagnostics"], wrote)
                if about_name:
                    form.fail("name", about_name[0]["message"])
                if diagnostics:
                    form.fail("source", reader.t("The workout does not compile."))
            except Problem as problem:
                await start_over(session, caller)
                form.message = problem.detail
            else:
                # The same workout already there (a double submit, a library WOD): open that one.
                return redirect(request, f"/wods/{saved.wod.id}" + ("" if saved.created else "?same=1"))
    return render(
        request,
        "wods/new.html",
        reader,
        caller,
        status_code=422,
        form=form,
        diagnostics=diagnostics,
        visibility=_visibility_options(reader),
    )


@router.post("/wods/check")
async def check(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    name: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
) -> Response:
    """The htmx partial under the editor: WODCraft's diagnostics, nothing saved."""
    reader = await reader_of(session, request, caller)
    wrote = written(name, source)
    message: str | None = None
    about_name: list[dict[str, Any]] = []
    diagnostics: list[dict[str, Any]] = []
    ok = False
    if not source.strip():
        message = reader.t("Write the workout.")
    else:
        try:
            checked = await wods_api.check(
                body=CheckIn(source=wrote.source), runtime=runtime, user=caller.user
            )
        except ValidationError as error:
            message = next(iter(explain(error, reader, {}).values()))
        else:
            ok = checked.ok
            about_name, diagnostics = placed([d.model_dump() for d in checked.diagnostics], wrote)
    return render(
        request,
        "wods/_check.html",
        reader,
        caller,
        message=message,
        ok=ok,
        about_name=about_name,
        diagnostics=diagnostics,
    )


# --- one WOD ---------------------------------------------------------------------------------------


def whiteboard_parts(board: BoardOut) -> list[tuple[str | None, str]]:
    """Each part of the resolved workout as whiteboard text: (section title or None, text)."""
    resolved = board.resolved
    parts: list[tuple[str | None, dict[str, Any]]]
    if resolved.get("kind") == "session":
        parts = [(str(s["title"]), s["workout"]) for s in resolved.get("sections", [])]
    else:
        parts = [(None, resolved)]
    language, width = board.language, WHITEBOARD_WIDTH
    return [
        (title, board_text({**workout, "title": None}, width=width, lang=language, show_profile=False))
        for title, workout in parts
    ]


def score_of(row: dict[str, Any], score_type: str, reader: Reader) -> str:
    """A leaderboard score in the reader's language and units."""
    score = row["score"]
    if score_type not in ("time", "rounds+reps", "reps", "load", "calories") and not row["dnf"]:
        return str(score["display"])
    return reader.score(score_type, score["value"], score["secondary"], score["capped"], row["dnf"])


def _choice(form: FormState, name: str, allowed: tuple[str, ...] | dict[str, Any], reader: Reader) -> str:
    chosen = form.value(name)
    if chosen not in allowed:
        form.fail(name, reader.t("Choose from the list."))
        return ""
    return chosen


def _version(typed: str | None) -> int | None:
    """``?version=`` as a number; anything else is no such version (``ValueError``)."""
    if not typed:
        return None
    if not typed.isdigit() or not 1 <= int(typed) <= 2**31 - 1:
        raise ValueError(typed)
    return int(typed)


async def _boxes(session: SessionDep, caller: PageCaller, reader: Reader) -> list[tuple[str, str]]:
    """The boards a reader may narrow to a box: everyone's, each coach they train with, and their
    own athletes' when they coach someone."""
    choices = [("", reader.t("Everyone"))]
    coaching = False
    for link, coach_name, _ in await accounts.links_of(session, caller.user):
        if link.status != LinkStatus.active:
            continue
        if link.coach_id == caller.user.id:
            coaching = True
        else:
            choices.append((str(link.coach_id), reader.t("{name}'s box", name=coach_name)))
    if coaching:
        choices.insert(1, (str(caller.user.id), reader.t("My athletes")))
    return choices


async def _leaderboard(
    session: SessionDep,
    runtime: Runtime,
    caller: PageCaller,
    wod_id: uuid.UUID,
    version: int | None,
    form: FormState,
    reader: Reader,
    boxes: list[tuple[str, str]],
) -> tuple[dict[str, Any] | None, str | None]:
    """The board for the filters, or why there is none."""
    box = form.value("box")
    if box not in dict(boxes):
        form.fail("box", reader.t("You are not in this box: choose from the list."))
        box = ""
    track = _choice(form, "track", TRACKS, reader)
    level = _choice(form, "level", LEVELS, reader)
    category = _choice(form, "category", CATEGORIES, reader)
    period = _choice(form, "period", PERIODS, reader) or "all"
    if not form.ok:
        return None, None
    days = PERIODS[period]
    try:
        answer = await records_api.leaderboard(
            wod_id=wod_id,
            session=session,
            runtime=runtime,
            user=caller.user,
            version=version,
            track="rx" if track == "rx" else "scaled" if track == "scaled" else None,
            level=level or None,
            category="men" if category == "men" else "women" if category == "women" else None,
            first=reader.today() - dt.timedelta(days=days) if days else None,
            last=None,
            class_id=None,
            box=uuid.UUID(box) if box else None,
            limit=BOARD_SIZE,
            offset=0,
        )
        board: dict[str, Any] = json.loads(bytes(answer.body))
    except Problem as problem:
        if problem.status != 422:
            raise
        return None, reader.t("This workout has no leaderboard: it is not scored by one number.")
    return board, None


@router.get("/wods/{wod_id}")
async def wod_page(
    wod_id: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: PageUser,
    version: str | None = None,
    same: str | None = None,
) -> Response:
    reader = await reader_of(session, request, caller)
    names = ("box", "track", "level", "category", "period")
    form = FormState.of({k: v for k, v in request.query_params.items() if k in names})
    form.values.setdefault("period", "all")
    try:
        wanted, number = uuid.UUID(wod_id), _version(version)
    except ValueError:
        return _not_found(request, reader, caller)
    try:
        wod = await service.readable_wod(session, caller.user, wanted)
        board = await wods_api.board(
            wod_id=wod.id,
            session=session,
            user=caller.user,
            lang="fr" if reader.language == "fr" else "en",
            category=None,
            level=None,
            units="lb" if reader.units == "lb" else "kg",
            version=number,
        )
    except NotFound:  # not theirs, or no such version: the same answer either way
        return _not_found(request, reader, caller)
    # The timer's segments from the board's own resolved workout: loads in the reader's units.
    cap, found = segments(board.resolved)
    timeline = TimelineOut(wod_id=wod.id, version=board.version, cap_s=cap, segments=found)
    versions = await wods_api.versions(wod_id=wod.id, session=session, user=caller.user)
    shown = next(v for v in versions if v.version == board.version)
    # What the index knows about the version on the board: the WOD row holds the current one's.
    about: Wod | WodMetadata = wod if board.version == wod.version else describe(shown.compiled)
    boxes = await _boxes(session, caller, reader)
    leaderboard, no_board = await _leaderboard(session, runtime, caller, wod.id, number, form, reader, boxes)
    return render(
        request,
        "wods/wod.html",
        reader,
        caller,
        status_code=200 if form.ok else 422,
        wod=wod,
        about=about,
        title=shown.title,
        board=board,
        parts=whiteboard_parts(board),
        timeline=timeline,
        versions=versions,
        leaderboard=leaderboard,
        no_board=no_board,
        boxes=boxes,
        score=lambda row: score_of(row, leaderboard["score_type"] if leaderboard else "", reader),
        day=lambda iso: reader.day(dt.date.fromisoformat(iso), "d MMM y"),
        form=form,
        same=bool(same),
        formats=format_labels(reader),
        objectives=objective_labels(reader),
        kit=kit_of(about.equipment, reader),
    )
