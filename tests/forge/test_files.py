"""Reading wearable files: the kept sample files (tests/forge/files, built by corpus.py) and a few
built on the spot. Every expected number follows from what corpus.py wrote, worked out below."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from atelier.forge.files import MAX_BYTES, Track, UnreadableFile, detect_format, normalise_sport, read_track
from tests.forge import corpus

FILES = Path(__file__).parent / "files"
START = datetime(2024, 5, 4, 7, 30, tzinfo=UTC)
ONE_DEGREE_M = 2 * 3.141592653589793 * 6378137.0 / 360  # gpxpy's flat-earth metres per degree: 111,319.49


def read(name: str) -> Track:
    return read_track((FILES / name).read_bytes(), name)


def test_run_30min_fit() -> None:
    track = read("run_30min.fit")
    assert track.format == "fit"
    assert track.sport == "running"
    assert track.started_at == START
    assert track.started_at.tzinfo is not None
    # Records every second from 0 to 1800 s inclusive: 1,801 samples over 30 minutes.
    assert track.duration_s == 1800.0
    assert len(track.samples) == 1801
    assert [s.offset_s for s in track.samples[:3]] == [0.0, 1.0, 2.0]
    # 130 bpm before 600 s, 150 before 1200 s, 170 after.
    assert track.samples[0].hr == 130
    assert track.samples[599].hr == 130
    assert track.samples[600].hr == 150
    assert track.samples[1200].hr == 170
    assert track.samples[-1].hr == 170
    # 3 m/s: 3 m at 1 s, 5,400 m at 1,800 s, and the session's total says the same.
    assert track.samples[1].distance_m == pytest.approx(3.0)
    assert track.samples[-1].distance_m == pytest.approx(5400.0)
    assert track.distance_m == pytest.approx(5400.0)
    assert track.device_calories == 420.0


def test_ride_gpx_heart_rate_from_the_garmin_extension() -> None:
    track = read("ride_hr.gpx")
    assert (track.format, track.sport, track.started_at) == ("gpx", "cycling", START)
    # 61 points every 5 s: 0 … 300 s.
    assert len(track.samples) == 61
    assert track.duration_s == 300.0
    assert track.samples[1].offset_s == 5.0
    # gpxtpx:hr = 110 + point index.
    assert [s.hr for s in track.samples[:3]] == [110, 111, 112]
    assert track.samples[-1].hr == 170
    # Due north 0.0005° a point at a constant longitude: 60 steps × 0.0005° × 111,319.49 m = 3,339.58 m.
    assert track.samples[1].distance_m == pytest.approx(0.0005 * ONE_DEGREE_M, rel=1e-6)
    assert track.distance_m == pytest.approx(3339.58, abs=0.01)
    assert track.device_calories is None


def test_gpx_without_heart_rate_is_a_track_without_heart_rate() -> None:
    track = read("walk_no_hr.gpx")
    assert (track.format, track.sport) == ("gpx", "walking")
    assert len(track.samples) == 31
    assert track.duration_s == 300.0
    assert all(s.hr is None for s in track.samples)
    # 30 steps × 0.0001° × 111,319.49 m = 333.96 m.
    assert track.distance_m == pytest.approx(333.96, abs=0.01)


def test_gpx_heart_rate_under_any_namespace_prefix() -> None:
    data = (
        b'<?xml version="1.0"?><gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1" '
        b'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"><trk><trkseg>'
        b'<trkpt lat="45.0" lon="6.0"><time>2024-05-04T07:30:00Z</time><extensions>'
        b"<ns3:TrackPointExtension><ns3:hr>97</ns3:hr></ns3:TrackPointExtension></extensions></trkpt>"
        b'<trkpt lat="45.0001" lon="6.0"><time>2024-05-04T07:30:04Z</time><extensions>'
        b"<ns3:TrackPointExtension><ns3:hr>99</ns3:hr></ns3:TrackPointExtension></extensions></trkpt>"
        b"</trkseg></trk></gpx>"
    )
    track = read_track(data)
    assert [(s.offset_s, s.hr) for s in track.samples] == [(0.0, 97), (4.0, 99)]
    assert track.sport == "other"  # no <type>


def test_run_tcx() -> None:
    track = read("run.tcx")
    assert (track.format, track.sport, track.started_at) == ("tcx", "running", START)
    # 11 points every 30 s, 140 + index bpm, 3 m/s; the lap says 900 m and 75 kcal.
    assert len(track.samples) == 11
    assert track.duration_s == 300.0
    assert [s.hr for s in track.samples] == list(range(140, 151))
    assert track.samples[1].distance_m == 90.0
    assert track.distance_m == 900.0
    assert track.device_calories == 75.0


def test_bike_tcx_times_with_an_offset_are_converted_to_utc() -> None:
    track = read("bike.tcx")
    assert (track.format, track.sport) == ("tcx", "cycling")  # Sport="Biking"
    # Written as 09:30:00+02:00, which is 07:30 UTC.
    assert track.started_at == START
    assert track.started_at.utcoffset() is not None
    assert track.duration_s == 60.0
    assert [s.hr for s in track.samples] == [120, 122, 124, 126, 128, 130, 132]
    assert track.distance_m == 480.0  # 8 m/s × 60 s
    assert track.device_calories is None


def test_tcx_sport_other() -> None:
    data = corpus.tcx_bytes(start=START, seconds=20, step_s=10, hr=lambda t: 100, sport="Other")
    track = read_track(data)
    assert track.sport == "other"
    assert [s.hr for s in track.samples] == [100, 100, 100]


def test_fit_sport_comes_from_the_session() -> None:
    data = corpus.fit_bytes(start=START, seconds=10, hr=lambda t: 120, sport="cycling", distance_per_s=7.5)
    track = read_track(data)
    assert (track.sport, len(track.samples), track.distance_m) == ("cycling", 11, 75.0)


def test_fit_records_without_heart_rate_have_none() -> None:
    data = corpus.fit_bytes(start=START, seconds=4, hr=lambda t: None if t % 2 else 150)
    track = read_track(data)
    assert [s.hr for s in track.samples] == [150, None, 150, None, 150]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("truncated.fit", "FIT file is truncated"),
        ("corrupted.fit", "corrupted (CRC mismatch)"),
        ("not_xml.gpx", "is not a FIT, GPX or TCX file"),
        ("no_time.gpx", "the GPX file has no time stamps"),
        ("empty.tcx", "the TCX file has no track points"),
    ],
)
def test_broken_files_are_refused_with_a_sentence(name: str, words: str) -> None:
    with pytest.raises(UnreadableFile) as raised:
        read(name)
    message = str(raised.value)
    assert words in message
    assert "Traceback" not in message and "\n" not in message


def test_half_a_gpx_is_not_valid_xml() -> None:
    data = (FILES / "ride_hr.gpx").read_bytes()
    with pytest.raises(UnreadableFile, match="the GPX file is not valid XML"):
        read_track(data[: len(data) // 2])


def test_empty_upload() -> None:
    with pytest.raises(UnreadableFile, match="the file is empty"):
        read_track(b"", "run.fit")


def test_over_the_limit_is_refused_before_parsing() -> None:
    assert MAX_BYTES == 16 * 1024 * 1024
    with pytest.raises(UnreadableFile, match=r"16\.0 MB, over the 16 MB limit"):
        read_track(b"\0" * (MAX_BYTES + 1), "huge.fit")


def test_exactly_the_limit_is_parsed() -> None:
    padded = (FILES / "run.tcx").read_bytes()
    padded += b" " * (MAX_BYTES - len(padded))  # trailing whitespace after the root is valid XML
    assert len(padded) == MAX_BYTES
    assert len(read_track(padded).samples) == 11


def test_format_comes_from_the_content_not_the_name() -> None:
    fit = (FILES / "run_30min.fit").read_bytes()
    gpx = (FILES / "ride_hr.gpx").read_bytes()
    tcx = (FILES / "run.tcx").read_bytes()
    assert detect_format(fit, "ride.gpx") == "fit"
    assert detect_format(gpx, "activity.tcx") == "gpx"
    assert detect_format(tcx, "export.fit") == "tcx"
    assert read_track(gpx, "misleading.fit").format == "gpx"


def test_the_name_only_breaks_a_tie() -> None:
    # XML whose root lies beyond the first 4 KB (a long comment): the extension decides.
    tcx = (FILES / "run.tcx").read_bytes()
    declaration, rest = tcx.split(b"\n", 1)
    padded = declaration + b"\n<!--" + b"x" * 5000 + b"-->\n" + rest
    assert detect_format(padded, "run.tcx") == "tcx"
    assert read_track(padded, "run.tcx").format == "tcx"
    with pytest.raises(UnreadableFile, match="is not a FIT, GPX or TCX file"):
        detect_format(padded, "run.txt")
    with pytest.raises(UnreadableFile, match=re.escape("“notes.txt” is not a FIT, GPX or TCX file")):
        detect_format(b"just some notes", "notes.txt")


def test_gzip_is_named() -> None:
    with pytest.raises(UnreadableFile, match="gzip-compressed"):
        detect_format(b"\x1f\x8b\x08\x00" + b"\0" * 20, "run.fit.gz")


@pytest.mark.parametrize(
    ("given", "sport"),
    [
        ("Running", "running"),
        ("Biking", "cycling"),
        ("e_biking", "cycling"),
        ("fitness_equipment", "training"),
        ("Other", "other"),
        ("curling", "other"),
        (None, "other"),
        (9, "other"),
    ],
)
def test_sport_names(given: object, sport: str) -> None:
    assert normalise_sport(given) == sport
