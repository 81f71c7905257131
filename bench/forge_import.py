"""Importing a long wearable recording: read the FIT file and analyse it, next to parsing alone.

    .venv/bin/python -m bench.forge_import [--hours 4] [--runs 5]

1. Writes a ``--hours`` long activity recorded every second (4 h: 14,400 records with heart rate
   and cumulative distance, then a session and an activity message) with fit-tool's
   FitFileBuilder (``tests.forge.corpus.fit_bytes``) into a temporary directory, and reads it back
   from there. The heart rate is a realistic shape: a 10-minute warm-up from 100 to 145 bpm,
   then 8-minute blocks alternating 145 and 165 bpm, ±3 bpm noise, a spike of +60 bpm every
   ~17 min, and 15 s without a strap contact every ~50 min.
2. Times ``--runs`` runs of each path, one after the other, each after one untimed warm-up run:
   - ``fitdecode alone (baseline)``: ``FitReader`` over the bytes with the CRC checked, every frame
     iterated and nothing else — the floor for any reader built on fitdecode;
   - ``read_track``: the forge's reader (the baseline plus keeping timestamp, heart rate and
     distance of each record, and the session's totals);
   - ``read_track + analyse``: the whole import (cleaning, quality, zones, TRIMP, effort, calories,
     the stored 5-s series) — what the targets are about.
3. Memory, in separate runs (tracing slows Python down, so timed runs are not traced): the peak of
   Python allocations during one run of each path (``tracemalloc``); and, in a fresh Python
   process that imports the forge, reads the file from disk and analyses it once, its peak
   resident memory (``VmHWM``, Linux; ``ru_maxrss`` elsewhere) after the imports and after the
   import of the file — this process's own peak is dominated by fit-tool's writer (one object per
   record), not by the reader.

Prints the table (min, median, p95 of the runs in ms, the traced peak in MB, × the baseline's
median) and PASS/FAIL for the targets: the import (read + analyse) under 1 s median and under
100 MB peak. Nothing here asserts a timing; a benchmark reports.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import fitdecode
from rich.console import Console
from rich.table import Table

from atelier.forge.files import read_track
from atelier.forge.physiology import Athlete, analyse
from tests.forge.corpus import fit_bytes

TARGET_SECONDS = 1.0
TARGET_MB = 100.0
START = datetime(2024, 5, 4, 6, 0, tzinfo=UTC)
ATHLETE = Athlete(sex="male", age=38, weight_kg=74.0, max_hr=186, resting_hr=52)


def heart_rate(seed: int = 42) -> Callable[[int], int | None]:
    """The recording's heart rate at second t (see the module docstring), reproducible."""
    noise = random.Random(seed)

    def hr(t: int) -> int | None:
        if t % 3000 < 15 and t > 0:
            return None  # strap contact lost
        if t % 1013 == 500:
            return 215  # a spike the cleaning must repair
        base = 100 + 45 * t / 600 if t < 600 else (145 if (t - 600) // 480 % 2 == 0 else 165)
        return round(base + noise.uniform(-3, 3))

    return hr


def quantile(samples: Sequence[float], q: float) -> float:
    """The q-quantile, interpolated between the two nearest samples (numpy's default)."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def parse_only(data: bytes) -> int:
    frames = 0
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for _ in reader:
            frames += 1
    return frames


def read_only(data: bytes) -> int:
    return len(read_track(data, "long.fit").samples)


def read_and_analyse(data: bytes) -> int:
    result = analyse(read_track(data, "long.fit"), ATHLETE)
    return len(result.hr_series)


@dataclass
class Timed:
    name: str
    call: Callable[[bytes], int]
    unit: str  # what the call's answer counts
    baseline: bool = False
    target: bool = False
    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    answer: int = 0


def timed(path: Timed, data: bytes, runs: int) -> None:
    path.call(data)  # warm-up: imports, caches of fitdecode's profile
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        path.answer = path.call(data)
        path.seconds.append(time.perf_counter() - started)


def traced(path: Timed, data: bytes) -> None:
    gc.collect()
    tracemalloc.start()
    try:
        path.call(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    path.peak_mb = peak / 1024 / 1024


CHILD = """
import json, resource, sys
from atelier.forge.files import read_track
from atelier.forge.physiology import Athlete, analyse
def peak():
    try:  # this process's own high-water mark (ru_maxrss would carry the parent's across fork + exec)
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
loaded = peak()
with open(sys.argv[1], "rb") as handle:
    analyse(read_track(handle.read(), "long.fit"), Athlete("male", 38, 74.0, 186, 52))
print(json.dumps({"loaded": loaded, "imported": peak()}))
"""


def fresh_process_rss(file: Path) -> tuple[float, float]:
    """(MB after the imports, MB after reading and analysing ``file``) in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(file)], capture_output=True, text=True, check=True
    )
    measured = json.loads(done.stdout)
    return measured["loaded"] / 1024 / 1024, measured["imported"] / 1024 / 1024


def maxrss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1024 / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.forge_import",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--hours", type=float, default=4.0, help="length of the recording (default 4)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per path (default 5)")
    args = parser.parse_args(argv)
    if args.hours <= 0 or args.runs < 1:
        parser.error("--hours must be positive and --runs at least 1")
    console = Console(width=140)
    began = time.perf_counter()
    records = round(args.hours * 3600)
    console.print(
        f"Forge import benchmark: a {args.hours:g} h recording at 1 Hz ({records:,} records), {args.runs} "
        f"runs per path; Python {platform.python_version()}, fitdecode {fitdecode.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="forge_import_") as folder:
        built = time.perf_counter()
        file = Path(folder) / "long.fit"
        file.write_bytes(fit_bytes(start=START, seconds=records - 1, hr=heart_rate(), distance_per_s=3.1))
        console.print(
            f"Wrote {file.name}: {file.stat().st_size / 1024:,.0f} KiB with fit-tool in "
            f"{time.perf_counter() - built:.1f} s"
        )
        data = file.read_bytes()
        loaded_mb, imported_mb = fresh_process_rss(file)
    paths = [
        Timed("fitdecode alone (baseline)", parse_only, "frames", baseline=True),
        Timed("read_track", read_only, "samples"),
        Timed("read_track + analyse", read_and_analyse, "series points", target=True),
    ]
    for path in paths:
        timed(path, data, args.runs)
    for path in paths:
        traced(path, data)

    base = statistics.median(next(p for p in paths if p.baseline).seconds)
    table = Table(title=f"Importing a {args.hours:g} h 1 Hz FIT file ({len(data) / 1024:,.0f} KiB)")
    table.add_column("path")
    for column in ("runs", "min ms", "median ms", "p95 ms", "peak MB (tracemalloc)", "× baseline", "answer"):
        table.add_column(column, justify="right")
    for path in paths:
        median = statistics.median(path.seconds)
        table.add_row(
            path.name,
            str(len(path.seconds)),
            f"{min(path.seconds) * 1000:.0f}",
            f"{median * 1000:.0f}",
            f"{quantile(path.seconds, 0.95) * 1000:.0f}",
            f"{path.peak_mb:.2f}",
            f"{median / base:.2f}" if base else "-",
            f"{path.answer:,} {path.unit}",
        )
    console.print(table)
    target = next(p for p in paths if p.target)
    median = statistics.median(target.seconds)
    fast = median < TARGET_SECONDS
    small = target.peak_mb < TARGET_MB
    console.print(
        f"{'PASS' if fast else 'FAIL'}: import < {TARGET_SECONDS:g} s: median {median * 1000:.0f} ms "
        f"(p95 {quantile(target.seconds, 0.95) * 1000:.0f} ms)"
    )
    console.print(
        f"{'PASS' if small else 'FAIL'}: import < {TARGET_MB:g} MB: Python allocations peaked at "
        f"{target.peak_mb:.1f} MB; a fresh process's peak resident memory (VmHWM) was {loaded_mb:.0f} MB "
        f"after importing the forge and {imported_mb:.0f} MB after importing the file "
        f"(+{imported_mb - loaded_mb:.0f} MB)"
    )
    console.print(f"This benchmark's own peak (ru_maxrss, fit-tool's writer included): {maxrss_mb():.0f} MB")
    console.print(f"Done in {time.perf_counter() - began:.0f} s")
    return 0  # a benchmark reports; it does not fail the build on a timing


if __name__ == "__main__":
    sys.exit(main())
