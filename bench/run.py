"""seoulcal's benchmark suite: one command runs everything and writes docs/performance.md.

    python bench/run.py            # the full suite (about 15 minutes); writes docs/performance.md
    python bench/run.py --smoke    # tiny sizes, one run each, well under a minute; CI's check

Workloads (the targets are issue 14's; docs/performance.md reports each against its own):

* W1 start-up: ``seoulcal export`` of the built-in trip beside the one-model floor (``import
  icalendar, pydantic``, one ``BaseModel`` defined and one instance validated: the target's
  reference), with ``import icalendar, pydantic`` and ``from pydantic import BaseModel`` as
  context.
* W2 a delegation: ``seoulcal build`` of a synthetic trip (1,000 members, 60 events) beside the
  durable write floor of the same bytes (``bench/write_only.py``: 2 processes and one
  ``syncfs``, timed inside), ical-generator (``bench/peer.mjs``, Node.js), the export alone
  (``bench/export_only.py``), the same build into tmpfs and the plain icalendar baselines
  (``bench/baseline_icalendar.py``); and, in the same rounds, three rebuilds of the built site:
  one event moved that most members attend (beside the durable floor of writing just the files
  it changes), one event moved that three members attend, and no change (which must touch no
  file).
* Small trips: ``seoulcal build`` and ical-generator at 100 members and 10 / 100 / 1,000 events.
* W3 scaling: build and ical-generator for 100 / 1,000 / 10,000 members (60 events) and
  10 / 100 / 1,000 events (1,000 members), with log-log slopes.
* W4 the feed server: ``seoulcal serve`` beside nginx on the same built folder, 50 concurrent
  clients on loopback (``wrk``; a bounded Python client when wrk is missing), full responses and
  304 revalidations.

Every contender is a whole process, run several times in turn (interleaved, so that a noisy
machine slows all alike); the report gives the median, min and max wall time and the peak RSS of
each (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper that runs only that process, or the
sum of the peaks of its processes when it forks workers); the floors report the time
``write_only.py`` measured inside itself. Every timed run writes into a folder no earlier run
used; folders are deleted only between workloads, then the file systems flushed and the disk left
alone for a while (see :func:`quiet`), since this disk charges a deletion to the next writer.
Every calendar seoulcal builds in a timed run is checked byte for byte against
``trip.to_ics(member=..., lang=...)`` (all of them up to 1,000 members, a sample above).

Nothing here asserts a time: the exit status is 0 unless a step failed or an output was wrong.
"""

# ruff: noqa: D101, D102, D103, D401, C901, PLR0912, PLR0915, FBT001, FBT003, ISC004, RUF007, SLF001
# A script, not a library: helpers are documented where it helps, the report writer is long.
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import gen_trip  # noqa: E402 - bench/ is a folder of scripts

PY = sys.executable
BIN = Path(PY).parent
SEOULCAL = [str(BIN / "seoulcal")] if (BIN / "seoulcal").exists() else [PY, "-m", "seoulcal"]
# Fixed, so that member tokens (and so paths) are reproducible; not a secret of anything real.
SECRET = "seoulcal-benchmark-secret-0123456789"  # noqa: S105
BASE_URL = "https://bench.example.org/trip/"
TRIP_ID = "bench-pavilion"
FLOOR_NAME = "floor: create the same files, 1 process, no flush (write_only.py)"
TMPFS_NAME = "seoulcal build, into tmpfs (/dev/shm)"
MODEL_FLOOR_NAME = (
    "one-model floor: import icalendar, pydantic; one BaseModel with one field, validated once"
)
DURABLE_FLOOR_NAME = "durable floor: the same files, 2 processes + syncfs (write_only.py)"
CHANGED_FLOOR_NAME = "durable floor of the changed files (write_only.py, 2 processes + syncfs)"
PEER_NAME = "ical-generator 11 (Node.js)"
REBUILD_NAMES = {
    "none": "rebuild, no change",
    "most": "rebuild, one event moved that most members attend",
    "three": "rebuild, one event moved that three members attend",
    "back": "rebuild, the same event moved back (the next edit)",
    "most-back": "rebuild, the most-members event moved back (the next edit)",
}
BACK_OF = {"back": "three", "most-back": "most"}
"""The next edits: each moves the event of a rebuild back, in the site that rebuild made."""


# --- measuring one process ------------------------------------------------------------------------


def _descendants(root: int) -> list[int]:
    """Return *root* and every process below it (read from /proc; Linux only)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):  # noqa: PTH208 - names only, thousands of times
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:  # noqa: PTH123 - many small reads
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, ()))
    return found


def _peak_kb(pid: int) -> int:
    """Return a process's peak RSS so far (VmHWM, in KiB), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:  # noqa: PTH123 - many small reads
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _child_main(argv: list[str]) -> int:
    """``run.py --_measure CMD...``: run CMD, print its wall time and peak RSS as JSON.

    This wrapper has one child only, so RUSAGE_CHILDREN's ru_maxrss is the largest peak RSS of
    that child and of any process it forked. A command that forks workers (``seoulcal build``
    does) uses memory in all of them at once, so a thread also reads every process of the tree's
    own peak (VmHWM) every 50 ms; the memory reported is the larger of ru_maxrss and the sum of
    those peaks (pages a worker shares with its parent count twice: an upper bound).
    """
    out = argv[0]
    cmd = argv[1:]
    peaks: dict[int, int] = {}
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop = threading.Event()

    def sample() -> None:
        if not Path("/proc/self/status").exists():  # not Linux: ru_maxrss alone
            return
        while not stop.wait(0.05):
            for pid in _descendants(child.pid):
                peaks[pid] = max(peaks.get(pid, 0), _peak_kb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = child.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(out).write_text(
        json.dumps(
            {
                "wall": wall,
                "maxrss_kb": max(usage.ru_maxrss, sum(peaks.values())),
                "cpu": usage.ru_utime + usage.ru_stime,
                "rc": child.returncode,
                "stderr": stderr.decode("utf-8", "replace")[-2000:],
            }
        )
    )
    return 0


def precompile() -> None:
    """Byte-compile the seoulcal being measured, as ``pip install`` does.

    With ``PYTHONDONTWRITEBYTECODE`` set (as it is on the machine this suite was written on), an
    editable install compiles every seoulcal module again in each process: about 35 ms of W1
    that no installed copy pays. The libraries it is compared with were compiled by pip.
    """
    subprocess.run(
        [
            PY,
            "-c",
            "import compileall, pathlib, seoulcal\n"
            "compileall.compile_dir(pathlib.Path(seoulcal.__file__).parent, quiet=1)",
        ],
        check=True,
    )


@dataclass
class Sample:
    wall: float
    rss_mb: float
    cpu: float
    process: float | None = None  # the whole process's wall time, when `wall` was timed inside it


@dataclass
class Result:
    name: str
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.samples)

    def walls(self) -> list[float]:
        return [s.wall for s in self.samples]

    @property
    def median(self) -> float:
        return statistics.median(self.walls()) if self.samples else math.nan

    @property
    def low(self) -> float:
        return min(self.walls()) if self.samples else math.nan

    @property
    def high(self) -> float:
        return max(self.walls()) if self.samples else math.nan

    @property
    def rss(self) -> float:
        return max(s.rss_mb for s in self.samples) if self.samples else math.nan


def measure(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 900) -> Sample:
    """Run *cmd* once as a whole process; return its wall time and peak RSS."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        report = handle.name
    try:
        subprocess.run(
            [PY, str(Path(__file__).resolve()), "--_measure", report, *cmd],
            env=env,
            check=True,
            timeout=timeout,
        )
        data = json.loads(Path(report).read_text())
    finally:
        Path(report).unlink(missing_ok=True)
    if data["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {data['rc']}: {data['stderr']}")
    return Sample(data["wall"], data["maxrss_kb"] / 1024, data["cpu"])


@dataclass
class Contender:
    name: str
    cmd: list[str] | Callable[[int], list[str]]  # or the command of round N (fresh folders)
    before: object = None  # callable run before each timed run (outside the timing)
    after: object = None  # callable run after the first timed run (checks)
    runs: int | None = None
    env: dict[str, str] | None = None
    check: Callable[[int], None] | None = None  # run after every timed run, given the round
    inner: Callable[[int], float] | None = None  # the time the process measured itself
    pause_after: float = 0  # flush and wait this long after each run (it deleted files)


LIMITS = ((60.0, 1), (20.0, 3))
"""Keep the whole suite bounded: one run of anything over a minute, three of anything over 20 s."""


def race(  # noqa: PLR0913 - the knobs of one interleaved run
    contenders: list[Contender],
    runs: int,
    *,
    timeout: float,
    log: str,
    round_start: Callable[[int], None] | None = None,
    limits: tuple[tuple[float, int], ...] = LIMITS,
    sync: bool = False,
) -> list[Result]:
    """Run the contenders in turn, *runs* rounds; a contender that fails or times out stops.

    *round_start* runs at the start of each round (preparing that round's folders); with *sync*,
    the file systems are flushed (``os.sync()``) before each timed run, outside the timing.
    """
    results = {c.name: Result(c.name) for c in contenders}
    limit = {c.name: c.runs or runs for c in contenders}
    for round_ in range(runs):
        if not any(results[c.name].error is None and round_ < limit[c.name] for c in contenders):
            break
        if round_start is not None:
            round_start(round_)
        for c in contenders:
            result = results[c.name]
            if result.error is not None or round_ >= limit[c.name]:
                continue
            if c.before is not None:
                c.before()
            if sync:
                os.sync()
            cmd = c.cmd(round_) if callable(c.cmd) else c.cmd
            try:
                sample = measure(cmd, env=c.env, timeout=timeout)
                if c.inner is not None:
                    sample.process, sample.wall = sample.wall, c.inner(round_)
            except subprocess.TimeoutExpired:
                result.error = f"timed out after {timeout:.0f} s"
                continue
            except (RuntimeError, subprocess.CalledProcessError, OSError, ValueError) as error:
                result.error = str(error)[-500:]
                continue
            result.samples.append(sample)
            if c.pause_after:
                quiet(c.pause_after)  # what its deletions left to the disk is not the next's
            for seconds, most in limits:
                if sample.wall > seconds:
                    limit[c.name] = min(limit[c.name], most)
                    break
            print(
                f"  [{log}] {c.name}: run {round_ + 1}: {sample.wall:.3f} s, "
                f"{sample.rss_mb:.0f} MB",
                flush=True,
            )
            try:
                if round_ == 0 and c.after is not None:
                    c.after()
                if c.check is not None:
                    c.check(round_)
            except WrongOutputError as error:
                result.error = f"WRONG OUTPUT: {error}"
    return [results[c.name] for c in contenders]


# --- correctness ----------------------------------------------------------------------------------


class WrongOutputError(Exception):
    """An output of a timed run is not what it must be."""


def expect(ok: object, message: str) -> None:
    """Raise :class:`WrongOutputError` with *message* unless *ok* (asserts vanish under -O)."""
    if not ok:
        raise WrongOutputError(message)


def _sample_members(trip, limit: int):  # noqa: ANN001, ANN202
    members = list(trip.members)
    if len(members) <= limit:
        return members
    step = len(members) / limit
    return [members[int(i * step)] for i in range(limit)]


def spot_checks(trip) -> int:  # noqa: ANN001
    """How many members go through ``trip_ics`` itself (each call renders every event again).

    20, or 4 for trips of over 200 events, where each of those calls costs about a second; the
    rest go through one ``CalendarWriter``, which the test suite holds to the same bytes.
    """
    return 20 if len(trip.events) <= 200 else 4


def check_site(trip_path: Path, outdir: Path, *, limit: int = 1000) -> int:
    """Assert the built site's calendars are byte-identical to ``trip.to_ics``; return the count."""
    from seoulcal import load_trip  # noqa: PLC0415
    from seoulcal.export import CalendarWriter, trip_ics  # noqa: PLC0415
    from seoulcal.publish import member_token  # noqa: PLC0415

    trip = load_trip(trip_path)
    checked = 0
    # A site's calendars link each event to its page and carry no reminders (a first build:
    # every revision at SEQUENCE 0, as trip_ics writes them).
    for lang in ("ko", "en"):
        got = (outdir / f"{trip.id}.{lang}.ics").read_bytes()
        page = BASE_URL + ("index.html" if lang == "ko" else f"index.{lang}.html")
        want = trip_ics(trip, lang=lang, alarms=False, page=page)
        expect(got == want, f"{outdir}: public {lang} calendar differs")
        checked += 1
    writer = CalendarWriter(trip)  # byte-identical to trip_ics (spot-checked below), and faster
    for index, member in enumerate(_sample_members(trip, limit)):
        token = member_token(SECRET.encode(), trip, member)
        folder = outdir / "m" / token
        page = f"{BASE_URL}m/{token}/"
        for lang in ("ko", "en"):
            got = (folder / f"{trip.id}.{lang}.ics").read_bytes()
            options = {"alarms": member.reminders_in_feed, "page": page}
            want = (
                trip_ics(trip, member=member, lang=lang, **options)
                if index < spot_checks(trip)
                else writer.calendar(member, lang, **options)
            )
            expect(got == want, f"{folder.name}/{trip.id}.{lang}.ics differs from trip_ics")
            checked += 1
    return checked


def check_export(trip_path: Path, outdir: Path, *, limit: int = 1000) -> int:
    from seoulcal import load_trip  # noqa: PLC0415
    from seoulcal.export import CalendarWriter  # noqa: PLC0415

    trip = load_trip(trip_path)
    writer = CalendarWriter(trip)
    checked = 0
    for index, member in enumerate(_sample_members(trip, limit)):
        for lang in ("ko", "en"):
            got = (outdir / f"{member.id}.{lang}.ics").read_bytes()
            want = (
                trip.to_ics(member=member, lang=lang)
                if index < spot_checks(trip)
                else writer.calendar(member, lang)
            )
            expect(got == want, f"export-only {member.id}.{lang}.ics differs from trip.to_ics")
            checked += 1
    return checked


def check_count(outdir: Path, expected: int) -> None:
    found = len(list(outdir.glob("*.ics")))
    expect(found == expected, f"{outdir}: {found} calendars, expected {expected}")


def check_copy(source: Path, copy: Path) -> None:
    sizes = {rel: size for rel, (_, _, size) in snapshot(source).items()}
    copied = {rel: size for rel, (_, _, size) in snapshot(copy).items()}
    expect(copied == sizes, f"{copy}: not the same files as {source}")


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            st = Path(directory, name).stat()
            found[str(Path(directory, name).relative_to(root))] = (
                st.st_ino,
                st.st_mtime_ns,
                st.st_size,
            )
    return found


# --- the workloads --------------------------------------------------------------------------------


@dataclass
class Config:
    smoke: bool
    runs: int
    slow_runs: int
    w1_runs: int
    w2: tuple[int, int]
    members: tuple[int, ...]
    events: tuple[int, ...]
    scale_events: int  # events when members vary
    scale_members: int  # members when events vary
    w4_seconds: float
    w4_requests: int
    timeout: float
    check_limit: int
    profile: bool
    small_members: int  # the small trips: this many members ...
    small_events: tuple[int, ...]  # ... and each of these event counts
    pause: float  # seconds of quiet after deleting outputs, before a workload's first timed run
    round_pause: float  # seconds of quiet after a round's preparation (copies of the old site)
    baseline_runs: int  # the plain icalendar baselines (context only, about a minute each)
    w3_limits: tuple[tuple[float, int], ...] = ((40.0, 1), (20.0, 2))
    client: str = "auto"
    no_nginx: bool = False
    # The channels (bench/channels.py): members (rows for tables) at each size; the last size is
    # the headline. Within the channels' ~10 minutes on 2 cores: an invitation costs about 4 ms
    # (2 ms to plan and render) and a journal line synced to disk, so sends and plan-and-render
    # (`ch_render`, nothing sent) reach the issue's 1,000 members (about 20,000 messages, one
    # run) and stop there; a PDF takes about 0.7 s (0.4-0.8 s seen), so paper runs at 10 and
    # 100 members only; object storage at W2's 1,000 members (10,000 would upload 1.4 GB).
    ch_events: int = 60
    ch_send: tuple[int, ...] = (10, 30, 100, 1000)
    ch_render: tuple[int, ...] = (30, 100, 1000)
    # A whole send but the delivery (`invite_record.py`): about 1 ms a message, so 10,000 members
    # (about 200,000 messages) in about four minutes, one run.
    ch_record: tuple[int, ...] = (100, 1000, 10000)
    ch_storage: tuple[int, ...] = (100, 1000)
    ch_tables: tuple[int, ...] = (100, 1000, 10000)
    ch_paper: tuple[int, ...] = (10, 100)


FULL = Config(
    smoke=False,
    runs=5,
    slow_runs=3,
    w1_runs=20,
    w2=(1000, 60),
    members=(100, 1000, 10000),
    events=(10, 100, 1000),
    scale_events=60,
    scale_members=1000,
    w4_seconds=10,
    w4_requests=200_000,
    timeout=900,
    check_limit=1000,
    profile=True,
    small_members=100,
    small_events=(10, 100, 1000),
    pause=10,
    round_pause=3,
    baseline_runs=1,
)
SMOKE = Config(
    smoke=True,
    runs=1,
    slow_runs=1,
    w1_runs=2,
    w2=(30, 12),
    members=(5, 10, 20),
    events=(4, 8, 16),
    scale_events=8,
    scale_members=10,
    w4_seconds=1,
    w4_requests=300,
    timeout=120,
    check_limit=50,
    profile=False,
    small_members=6,
    small_events=(3, 6, 12),
    pause=0,
    round_pause=0,
    baseline_runs=1,
    ch_events=8,
    ch_send=(3,),
    ch_render=(4,),
    ch_record=(4,),
    ch_storage=(4,),
    ch_tables=(20,),
    ch_paper=(3,),  # gen_trip's three-member event needs three members
)


def have_node_peer() -> bool:
    return shutil.which("node") is not None and (BENCH / "node_modules" / "ical-generator").is_dir()


FOLDER_STEP_S = 3.0
"""seoulcal.publish.folder's clock step: a walk records folders that last changed this long ago."""
MOVE_MINUTES = 30  # how far a rebuild's moved event moves
REVISE_MINUTES = 60  # how far the trip's `revised` instant moves with it


def trip_file(work: Path, members: int, events: int, move: str | None = None) -> Path:
    """A generated trip (with its three-member event); *move* ("most", "three") moves one."""
    path = work / f"trip-{members}x{events}{'-moved-' + move if move else ''}.toml"
    gen_trip.write_trip(
        path,
        members,
        events,
        three=True,
        move=move,
        minutes=MOVE_MINUTES,
        revise_minutes=REVISE_MINUTES,
    )
    return path


def member_event_count(trip_path: Path) -> tuple[int, int]:
    """Return (calendars, VEVENTs) of all member calendars in both languages."""
    from seoulcal import load_trip  # noqa: PLC0415

    trip = load_trip(trip_path)
    total = 0
    for member in trip.members:
        names = {"everyone", member.id, *member.groups}
        total += sum(1 for e in trip.events if any(a in names for a in e.attendees))
    return 2 * len(trip.members), 2 * total


def build_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SEOULCAL_SECRET"] = SECRET
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def w1(cfg: Config) -> dict:
    print("W1 start-up", flush=True)
    env = build_env()
    contenders = [
        Contender(
            'python -c "import icalendar, pydantic" (context)',
            [PY, "-c", "import icalendar, pydantic"],
        ),
        Contender(
            'python -c "import icalendar; from pydantic import BaseModel" (context)',
            [PY, "-c", "import icalendar; from pydantic import BaseModel"],
        ),
        Contender(
            MODEL_FLOOR_NAME,
            [PY, "-c", "import icalendar, pydantic\nclass M(pydantic.BaseModel):\n x: int\nM(x=1)"],
        ),
        Contender("seoulcal export (built-in trip)", [*SEOULCAL, "export"], env=env),
        Contender("seoulcal --version", [*SEOULCAL, "--version"], env=env),
    ]
    results = race(contenders, cfg.w1_runs, timeout=cfg.timeout, log="W1")
    imports = import_profile() if not cfg.smoke else []
    return {"results": results, "imports": imports}


def import_profile() -> list[tuple[float, float, str]]:
    """Cumulative import times of ``seoulcal export`` (python -X importtime), the largest first."""
    done = subprocess.run(
        [PY, "-X", "importtime", "-m", "seoulcal", "export"],
        capture_output=True,
        check=True,
        env=build_env(),
    )
    rows = []
    for line in done.stderr.decode().splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.split(":", 1)[1].split("|")
        rows.append((int(own) / 1e6, int(cumulative) / 1e6, name.strip()))
    return sorted(rows, reverse=True)[:15]


def quiet(seconds: float) -> None:
    """Flush the file systems, then wait *seconds*: what a deletion left to the disk is done.

    On this machine's ext4 (mounted with ``discard``), freeing a deleted folder's blocks is work
    the kernel defers, and bills to whichever process next creates files: without the flush,
    builds measured right after deleting their previous output were 1.2-1.9 s slower, nearly all
    of it system time, and the disk stays slower to create files near deleted ones for a while
    (issue 14). So no folder is deleted between the runs of a workload (each run writes a new
    one), and each workload's first run comes after the flush and this pause.
    """
    os.sync()
    if seconds > 0:
        time.sleep(seconds)


def remove(paths: list[Path]) -> None:
    """Delete *paths* (folders) and flush: done between workloads, never just before a run."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
    os.sync()


def low_on_disk(work: Path, need_gb: float = 10) -> bool:
    return shutil.disk_usage(work).free < need_gb * 2**30


def round_folders(work: Path, prefix: str) -> list[Path]:
    """The per-round output folders (``PREFIX...-rN``) made so far, with their spares."""
    found = [p for p in work.glob(f"{prefix}*") if p.is_dir() and re.search(r"-r\d+$", p.name)]
    spares = [p for p in work.glob(f".{prefix}*.spare") if p.is_dir()]
    return [*found, *spares]


def build_cmd(site: Path, trip: Path, *more: str) -> list[str]:
    return [*SEOULCAL, "build", str(site), "--trip", str(trip), "--base-url", BASE_URL, *more]


def build_once(site: Path, trip: Path, *more: str) -> None:
    """An untimed build (references, starting sites), done before anything is timed."""
    subprocess.run(
        build_cmd(site, trip, *more), check=True, env=build_env(), stdout=subprocess.DEVNULL
    )


def compare_trees(got: Path, want: Path) -> None:
    """Expect the same files under *got* and *want*, with the same bytes."""
    mine = {rel for rel, _ in _files(got)}
    theirs = {rel for rel, _ in _files(want)}
    expect(
        mine == theirs,
        f"{got}: not the same files as {want} "
        f"({len(mine - theirs)} more, {len(theirs - mine)} missing, e.g. "
        f"{sorted(mine ^ theirs)[:3]})",
    )
    for rel in sorted(mine):
        expect((got / rel).read_bytes() == (want / rel).read_bytes(), f"{got}/{rel} differs")


def _files(root: Path) -> list[tuple[str, int]]:
    return [(rel, st[2]) for rel, st in snapshot(root).items()]


def changed_files(old: Path, new: Path) -> dict:
    """The files of *new* whose bytes are not in *old* (new or different), and those removed."""
    before = dict(_files(old))
    after = dict(_files(new))
    changed = sorted(
        rel
        for rel, size in after.items()
        if before.get(rel) != size or (old / rel).read_bytes() != (new / rel).read_bytes()
    )
    return {
        "files": changed,
        "bytes": sum(after[rel] for rel in changed),
        "removed": sorted(set(before) - set(after)),
        "total": len(after),
    }


def written_by(before: dict[str, tuple[int, int, int]], root: Path) -> dict:
    """What a rebuild wrote: the files of *root* that are new or have a new inode since *before*."""
    after = snapshot(root)
    written = [rel for rel, st in after.items() if before.get(rel, (None,))[0] != st[0]]
    return {
        "files": len(written),
        "bytes": sum(after[rel][2] for rel in written),
        "removed": len(set(before) - set(after)),
    }


def attendance(trip_path: Path, event_id: str) -> int:
    from seoulcal import load_trip  # noqa: PLC0415

    trip = load_trip(trip_path)
    event = next(e for e in trip.events if e.id == event_id)
    return sum(1 for m in trip.members if trip.attends(m, event))


def moved_event(old: Path, new: Path) -> str:
    """The id of the one event whose time differs between two trip files."""
    olds, news = (
        gen_trip._blocks(old.read_text("utf-8"))[1],
        gen_trip._blocks(new.read_text("utf-8"))[1],
    )
    ids = [
        (gen_trip._field(b, "id") or "").strip('"')
        for a, b in zip(olds, news, strict=True)
        if a != b
    ]
    expect(len(ids) == 1, f"{new}: {len(ids)} events differ from {old}, expected one")
    return ids[0]


def check_moved_reference(old: Path, ref: Path, trip: Path) -> None:
    """A normal-path rebuild moved exactly one event: one public VEVENT at SEQUENCE:1."""
    expect(
        {rel for rel, _ in _files(old)} == {rel for rel, _ in _files(ref)},
        f"{ref}: a moved event changed the site's list of files",
    )
    text = (ref / f"{TRIP_ID}.en.ics").read_bytes()
    expect(
        text.count(b"SEQUENCE:1\r\n") == 1 and b"SEQUENCE:2" not in text,
        f"{ref}: the public calendar does not show exactly one revised event",
    )
    expect(check_site_public_count(ref, trip), f"{ref}: public calendar lost events")


def check_site_public_count(site: Path, trip_path: Path) -> bool:
    from seoulcal import load_trip  # noqa: PLC0415

    trip = load_trip(trip_path)
    text = (site / f"{trip.id}.en.ics").read_bytes()
    return text.count(b"BEGIN:VEVENT\r\n") == len(trip.events)


def inner_time(report: Path) -> float:
    """The time ``write_only.py`` measured itself (see its docstring), from its --report file."""
    return float(json.loads(report.read_text())["seconds"])


def w2(cfg: Config, work: Path) -> dict:
    members, events = cfg.w2
    print(f"W2 a delegation: {members} members, {events} events, and its rebuilds", flush=True)
    trip = trip_file(work, members, events)
    moved = {key: trip_file(work, members, events, move=key) for key in ("most", "three")}
    calendars, vevents = member_event_count(trip)
    env = build_env()
    checked: dict[str, int] = {}
    # An earlier run in the same --work folder left its sites (and their records beside them):
    # a build into one of them would be a rebuild, so they go first, then the disk settles.
    # (A rebuild keeps the site before it beside the folder, as .NAME.spare.)
    stale = [p for p in (*work.glob("w2-*"), *work.glob(".w2-*.spare")) if p.is_dir()]
    if stale:
        remove(stale)
        for record in work.glob(".w2-*.lock"):
            record.unlink()
        quiet(cfg.pause)
    # Untimed, before anything is timed: the old site (the floors' bytes, the rebuilds' start),
    # and for each moved trip the normal-path rebuild (one process, in place) to check against.
    old = work / "w2-old"
    build_once(old, trip)
    rebuilds: dict[str, dict] = {}
    for key, changed in moved.items():
        ref = work / f"w2-reference-{key}"
        build_once(ref, trip, "--jobs", "1")
        build_once(ref, changed, "--jobs", "1")
        event = moved_event(trip, changed)
        check_moved_reference(old, ref, changed)
        change = changed_files(old, ref)
        listing = work / f"w2-changed-{key}.txt"
        listing.write_text("".join(f"{rel}\n" for rel in change["files"]))
        rebuilds[key] = {
            "event": event,
            "attendees": attendance(changed, event),
            "reference": ref,
            "changed": change,
            "listing": listing,
            "written": [],
        }
    expect(rebuilds["three"]["attendees"] == 3, "the three-member event has other attendees")
    # The next edits: each rebuild's event moved back, in the site the timed rebuild made
    # (which keeps the site before it beside the folder, as its spare). Their references are
    # the same histories built the normal way.
    for key, of in BACK_OF.items():
        back = work / f"w2-reference-{key}"
        build_once(back, trip, "--jobs", "1")
        build_once(back, moved[of], "--jobs", "1")
        build_once(back, trip, "--jobs", "1")
        listing = work / f"w2-changed-{key}.txt"
        change = changed_files(rebuilds[of]["reference"], back)
        listing.write_text("".join(f"{rel}\n" for rel in change["files"]))
        rebuilds[key] = {
            **rebuilds[of],
            "reference": back,
            "changed": change,
            "listing": listing,
            "written": [],
        }

    def out(name: str, round_: int) -> Path:
        return work / f"w2-{name}-r{round_}"

    memory = Path("/dev/shm")  # noqa: S108 - a folder made below with mkdtemp, not a fixed file
    in_memory: Path | None = None
    if memory.is_dir() and os.access(memory, os.W_OK):
        in_memory = Path(tempfile.mkdtemp(prefix="seoulcal-bench-", dir=memory))
    starts: dict[tuple[str, int], dict] = {}

    def round_start(round_: int) -> None:
        # Deletions only where they cost nothing (tmpfs), or when the disk runs low.
        if in_memory is not None:
            for path in in_memory.glob("site-r*"):
                shutil.rmtree(path, ignore_errors=True)
        deleted = low_on_disk(work)
        if deleted:  # only then: the runs so far give way, and the disk settles again below
            remove(round_folders(work, "w2-"))
        # Each rebuild starts from its own copy of the old site (a build swaps its folder), made
        # here (cp -a: no hard link, same modification times), long before its timed run. A
        # copy has new inodes, so the record a build keeps beside its folder (.NAME.lock) would
        # not hold for it: an untimed build of the old trip settles it, as after a real build,
        # and must touch nothing. It records the copy's folders too, as a build records its
        # site's (see docs/publishing.md), only once they are older than the file system's clock
        # step: so it waits that long after copying.
        copies = {}
        for key in rebuilds:
            start = out(f"from-{key}", round_)
            subprocess.run(["cp", "-a", str(old), str(start)], check=True)
            copies[key] = snapshot(start)
        time.sleep(FOLDER_STEP_S + 0.5)
        for key, copied in copies.items():
            start = out(f"from-{key}", round_)
            build_once(start, trip)
            starts[key, round_] = snapshot(start)
            expect(starts[key, round_] == copied, f"{start}: settling the copy changed it")
            expect(
                "folders" in json.loads(start.with_name(f".{start.name}.lock").read_bytes()),
                f"{start}: the settled copy's record does not list its folders",
            )
        quiet(cfg.pause if round_ == 0 or deleted else cfg.round_pause)

    def check_build(round_: int) -> None:
        site = out("site", round_)
        check_copy(old, site)
        if round_ == 0:
            checked["build"] = check_site(trip, site, limit=cfg.check_limit)

    # The no-change rebuild runs on the site this round's build just made (settled, as a site
    # is after its build), snapshotted just before.
    no_change: dict = {"touched": [], "files": 0}
    rounds = {"n": 0}

    def latest_site(round_: int) -> Path:
        """Return the round's build, or the last one made (if the build stopped early)."""
        made = [out("site", r) for r in range(round_ + 1) if out("site", r).is_dir()]
        return made[-1] if made else out("site", round_)

    def before_no_change(round_: int) -> None:
        no_change["before"] = snapshot(latest_site(round_))

    def check_no_change(round_: int) -> None:
        after = snapshot(latest_site(round_))
        before = no_change["before"]
        touched = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        no_change["touched"] = sorted({*no_change["touched"], *touched})
        no_change["files"] = len(after)
        expect(not touched, f"a rebuild with no change touched {len(touched)} files")

    def check_rebuild(key: str):  # noqa: ANN202
        def check(round_: int) -> None:
            site = out(f"from-{BACK_OF.get(key, key)}", round_)
            rebuilds[key]["written"].append(written_by(starts[key, round_], site))
            compare_trees(site, rebuilds[key]["reference"])

        return check

    def before_back(key: str, round_: int) -> None:
        """The next edit starts from the site its rebuild just made."""
        starts[key, round_] = snapshot(out(f"from-{BACK_OF[key]}", round_))

    def check_floor(source: Path, name: str, listing: list[str] | None = None):  # noqa: ANN202
        def check(round_: int) -> None:
            made = out(name, round_)
            want = snapshot(source)
            if listing is not None:
                want = {rel: want[rel] for rel in listing}
            got = snapshot(made)
            expect(
                {k: v[2] for k, v in got.items()} == {k: v[2] for k, v in want.items()},
                f"{made}: not the files it was to write",
            )
            if round_ == 0:
                for rel in got:
                    expect((made / rel).read_bytes() == (source / rel).read_bytes(), rel)

        return check

    def floor(name: str, source: Path, *more: str) -> Contender:
        report = work / f"w2-{name}.json"
        return Contender(
            {
                "floor1": FLOOR_NAME,
                "floor": DURABLE_FLOOR_NAME,
                "floor-most": CHANGED_FLOOR_NAME,
            }[name],
            lambda r: [
                PY,
                str(BENCH / "write_only.py"),
                str(source),
                str(out(name, r)),
                "--report",
                str(report),
                *more,
            ],
            check=check_floor(
                source, name, rebuilds["most"]["changed"]["files"] if "--files" in more else None
            ),
            inner=lambda _r: inner_time(report),
        )

    contenders = [
        Contender(
            "seoulcal build",
            lambda r: build_cmd(out("site", r), trip),
            check=check_build,
            env=env,
        ),
        Contender(
            REBUILD_NAMES["none"],
            lambda r: build_cmd(latest_site(r), trip),
            before=lambda: before_no_change(rounds["n"]),
            check=check_no_change,
            env=env,
        ),
    ]
    if in_memory is not None:
        contenders.append(
            Contender(
                TMPFS_NAME,
                lambda r: build_cmd(in_memory / f"site-r{r}", trip),
                after=lambda: checked.update(
                    tmpfs=check_site(trip, in_memory / "site-r0", limit=200)
                ),
                env=env,
            )
        )
    contenders += [
        Contender(
            "export only (CalendarWriter)",
            lambda r: [PY, str(BENCH / "export_only.py"), str(trip), str(out("export", r))],
            check=lambda r: (
                checked.update(export=check_export(trip, out("export", r), limit=cfg.check_limit))
                if r == 0
                else check_count(out("export", r), calendars + 2)  # and the two public ones
            ),
        ),
        floor("floor1", old),
        floor("floor", old, "--processes", "2", "--sync"),
        floor(
            "floor-most",
            rebuilds["most"]["reference"],
            "--files",
            str(rebuilds["most"]["listing"]),
            "--processes",
            "2",
            "--sync",
        ),
    ]
    if have_node_peer():
        contenders.append(
            Contender(
                PEER_NAME,
                lambda r: ["node", str(BENCH / "peer.mjs"), str(trip), str(out("peer", r))],
                check=lambda r: check_count(out("peer", r), calendars),
            )
        )
    # Last in the round, each followed by a flush and a pause, so that their writes are not
    # charged to the next writer (a rebuild keeps the old site as the folder's spare).
    contenders += [
        Contender(
            REBUILD_NAMES["most"],
            lambda r: build_cmd(out("from-most", r), moved["most"]),
            check=check_rebuild("most"),
            env=env,
            pause_after=cfg.round_pause,
        ),
        Contender(
            REBUILD_NAMES["three"],
            lambda r: build_cmd(out("from-three", r), moved["three"]),
            check=check_rebuild("three"),
            env=env,
            pause_after=cfg.round_pause,
        ),
        *(
            Contender(
                REBUILD_NAMES[key],
                lambda r, of=of: build_cmd(out(f"from-{of}", r), trip),
                before=lambda key=key: before_back(key, rounds["n"]),
                check=check_rebuild(key),
                env=env,
                pause_after=cfg.round_pause,
            )
            for key, of in BACK_OF.items()
        ),
    ]
    baselines = [
        Contender(
            "baseline: icalendar from scratch",
            lambda r: [PY, str(BENCH / "baseline_icalendar.py"), str(trip), str(out("base", r))],
            check=lambda r: check_count(out("base", r), calendars),
            runs=cfg.baseline_runs,
        ),
        Contender(
            "baseline, VTIMEZONEs cached",
            lambda r: [
                PY,
                str(BENCH / "baseline_icalendar.py"),
                "--cache-zones",
                str(trip),
                str(out("basec", r)),
            ],
            check=lambda r: check_count(out("basec", r), calendars),
            runs=cfg.baseline_runs,
        ),
    ]
    if cfg.baseline_runs > 0:
        contenders += baselines

    def remember_round(round_: int) -> None:
        rounds["n"] = round_
        round_start(round_)

    try:
        results = race(
            contenders,
            cfg.runs,
            timeout=cfg.timeout,
            log="W2",
            round_start=remember_round,
            sync=True,
        )
    finally:
        if in_memory is not None:
            shutil.rmtree(in_memory, ignore_errors=True)
    # Keep the last good build's site (W4 serves it); the rest goes, and the disk settles.
    build = results[0]
    site = out("site", len(build.samples) - 1) if build.ok else out("site", 0)
    remove([p for p in work.glob("w2-*") if p.is_dir() and p != site])
    quiet(cfg.pause)
    for info in rebuilds.values():
        info["reference"] = str(info["reference"])
        info["listing"] = str(info["listing"])
    no_change.pop("before", None)
    return {
        "members": members,
        "events": events,
        "calendars": calendars,
        "vevents": vevents,
        "results": results,
        "checked": checked,
        "rebuilds": rebuilds,
        "no_change": no_change,
        "trip": trip,
        "site": site,
    }


def race_sizes(  # noqa: PLR0913
    cfg: Config,
    work: Path,
    sizes: list[tuple[int, int]],
    *,
    tag: str,
    runs: int,
    limits: tuple[tuple[float, int], ...],
) -> list[dict]:
    """Race `seoulcal build` and ical-generator for each (members, events), interleaved."""
    env = build_env()
    contenders, rows = [], []
    for members, events in sizes:
        trip = trip_file(work, members, events)
        calendars, vevents = member_event_count(trip)

        def out(name: str, r: int, m: int = members, e: int = events) -> Path:
            return work / f"{tag}-{m}x{e}-{name}-r{r}"

        limit = min(cfg.check_limit, 200)
        mine = [
            Contender(
                f"seoulcal build {members}x{events}",
                lambda r, t=trip, o=out: build_cmd(o("site", r), t),
                check=lambda r, t=trip, o=out, n=limit: (
                    check_site(t, o("site", r), limit=n) if r == 0 else None
                ),
                env=env,
            )
        ]
        if have_node_peer():
            mine.append(
                Contender(
                    f"ical-generator {members}x{events}",
                    lambda r, t=trip, o=out: [
                        "node",
                        str(BENCH / "peer.mjs"),
                        str(t),
                        str(o("peer", r)),
                    ],
                    check=lambda r, o=out, c=calendars: check_count(o("peer", r), c),
                )
            )
        contenders += mine
        rows.append(
            {
                "members": members,
                "events": events,
                "calendars": calendars,
                "vevents": vevents,
                "names": [c.name for c in mine],
            }
        )

    def round_start(round_: int) -> None:
        deleted = low_on_disk(work)
        if deleted:
            remove(round_folders(work, f"{tag}-"))
        quiet(cfg.pause if round_ == 0 or deleted else 0)

    results = race(
        contenders,
        runs,
        timeout=cfg.timeout,
        log=tag,
        round_start=round_start,
        limits=limits,
        sync=True,
    )
    by_name = {r.name: r for r in results}
    for row in rows:
        row["results"] = []
        for name in row.pop("names"):
            result = by_name[name]
            result.name = "seoulcal build" if name.startswith("seoulcal") else "ical-generator"
            row["results"].append(result)
    remove([p for p in work.glob(f"{tag}-*") if p.is_dir()])
    return rows


def small_trips(cfg: Config, work: Path) -> dict:
    print(f"small trips: {cfg.small_members} members", flush=True)
    sizes = [(cfg.small_members, events) for events in cfg.small_events]
    return {"rows": race_sizes(cfg, work, sizes, tag="small", runs=cfg.runs, limits=LIMITS)}


def w3(cfg: Config, work: Path, w2data: dict | None = None) -> dict:
    print("W3 scaling", flush=True)
    rows: list[dict] = []
    sizes = [(m, cfg.scale_events, "members") for m in cfg.members]
    sizes += [(cfg.scale_members, e, "events") for e in cfg.events]
    for members, events, axis in sizes:
        if w2data is not None and (members, events) == (w2data["members"], w2data["events"]):
            # The W2 trip itself: its build and peer rows (more runs) stand for this size.
            picked = []
            for r in w2data["results"]:
                if r.name in ("seoulcal build", PEER_NAME):
                    copy = Result(
                        "seoulcal build" if r.name == "seoulcal build" else "ical-generator",
                        list(r.samples),
                        r.error,
                        "from W2",
                    )
                    picked.append(copy)
            rows.append(
                {
                    "members": members,
                    "events": events,
                    "axis": axis,
                    "calendars": w2data["calendars"],
                    "vevents": w2data["vevents"],
                    "results": picked,
                    "note": "from W2",
                }
            )
            continue
        (row,) = race_sizes(
            cfg,
            work,
            [(members, events)],
            tag=f"w3-{axis}",
            runs=cfg.slow_runs,
            limits=cfg.w3_limits,
        )
        row["axis"] = axis
        rows.append(row)
    return {"rows": rows}


# --- W4: the feed server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def http_get(port: int, path: str, headers: dict[str, str] | None = None):  # noqa: ANN201
    import http.client  # noqa: PLC0415

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


NGINX_CONF = """\
{user}
daemon off;
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/calendar ics; text/html html; }}
    charset utf-8;
    charset_types text/calendar text/html;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    etag on;
    client_body_temp_path {work}/nginx-tmp;
    proxy_temp_path {work}/nginx-tmp;
    fastcgi_temp_path {work}/nginx-tmp;
    uwsgi_temp_path {work}/nginx-tmp;
    scgi_temp_path {work}/nginx-tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ add_header Cache-Control "public, max-age=300"; }}
        location ~ /\\. {{ return 404; }}
    }}
}}
"""

WRK_SCRIPT = """\
local paths = {{ {paths} }}
local etags = {etags}
local i = 0
request = function()
  i = i + 1
  local k = (i % #paths) + 1
  if etags then
    return wrk.format("GET", paths[k], {{ ["If-None-Match"] = etags[k] }})
  end
  return wrk.format("GET", paths[k])
end
done = function(summary, latency, requests)
  io.write(string.format(
    "WRKJSON {{\\"requests\\":%d,\\"duration_us\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"max\\":%d," ..
    "\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d," ..
    "\\"bytes\\":%d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, summary.bytes))
end
"""


def lua_list(items: list[str]) -> str:
    return ", ".join(json.dumps(item) for item in items)


def load_wrk(port: int, paths: list[str], etags: list[str] | None, cfg: Config, work: Path) -> dict:
    script = work / f"wrk-{port}-{'304' if etags else '200'}.lua"
    script.write_text(
        WRK_SCRIPT.format(
            paths=lua_list(paths), etags="{ " + lua_list(etags) + " }" if etags else "nil"
        )
    )
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c50",
            f"-d{cfg.w4_seconds:g}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=cfg.w4_seconds + 60,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON ") :])
    seconds = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "rps": data["requests"] / seconds,
        "p50_ms": data["p50"] / 1000,
        "p99_ms": data["p99"] / 1000,
        "max_ms": data["max"] / 1000,
        "errors": errors,
        "requests": data["requests"],
        "tool": "wrk -t2 -c50",
        "detail": data,
    }


def load_python(port: int, paths: list[str], etags: list[str] | None, cfg: Config) -> dict:
    """Load with a bounded client: 50 threads, one request per connection, a fixed count."""
    import http.client  # noqa: PLC0415

    total = cfg.w4_requests
    deadline = time.monotonic() + cfg.w4_seconds * 3 + 10
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = [0]
    expected = 304 if etags else 200

    def worker() -> None:
        mine = []
        while time.monotonic() < deadline:
            with lock:
                if counter[0] >= total:
                    break
                k = counter[0] % len(paths)
                counter[0] += 1
            headers = {"If-None-Match": etags[k]} if etags else {}
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", paths[k], headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == expected
            except OSError:
                ok = False
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": p(0.5),
        "p99_ms": p(0.99),
        "max_ms": latencies[-1] * 1000,
        "errors": errors[0],
        "requests": len(latencies),
        "tool": "Python client, 50 threads",
    }


def w4(cfg: Config, work: Path, site: Path, trip_path: Path) -> dict:
    print("W4 the feed server", flush=True)
    from seoulcal import load_trip  # noqa: PLC0415
    from seoulcal.publish import member_token  # noqa: PLC0415

    trip = load_trip(trip_path)
    paths = []
    for member in trip.members[:100]:
        token = member_token(SECRET.encode(), trip, member)
        paths.extend(f"/m/{token}/{trip.id}.{lang}.ics" for lang in ("ko", "en"))
    use_wrk = shutil.which("wrk") is not None and cfg.client != "python"
    nginx = (
        None
        if cfg.no_nginx
        else shutil.which("nginx")
        or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    )
    servers: list[tuple[str, list[str] | None]] = []
    port_s = free_port()
    servers.append(
        (
            "seoulcal serve",
            [
                *SEOULCAL,
                "serve",
                str(site),
                "--host",
                "127.0.0.1",
                "--port",
                str(port_s),
                "--quiet",
            ],
        )
    )
    port_c = free_port()
    servers.append(
        (
            "ceiling: seoulcal's server, no-op app",
            [PY, str(BENCH / "ceiling_server.py"), str(site), str(port_c)],
        )
    )
    if nginx:
        servers.append(("nginx (reference)", None))
    out: dict = {"servers": {}, "tool": "wrk" if use_wrk else "python", "paths": len(paths)}
    for name, cmd in servers:
        proc = None
        try:
            if cmd is None:
                port = free_port()
                (work / "nginx-tmp").mkdir(exist_ok=True)
                conf = work / "nginx.conf"
                conf.write_text(
                    NGINX_CONF.format(
                        user="user root;" if os.geteuid() == 0 else "",
                        work=work,
                        port=port,
                        root=site,
                    )
                )
                proc = subprocess.Popen(
                    [nginx, "-c", str(conf), "-e", str(work / "nginx-error.log")],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            else:
                port = port_s if name == "seoulcal serve" else port_c
                proc = subprocess.Popen(
                    cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=build_env()
                )
            wait_port(port, proc)
            # Correctness first: every path gives the built file's bytes, and its ETag a 304.
            etags = []
            for path in paths:
                status, headers, body = http_get(port, path)
                expect(status == 200, f"{name}: GET {path} gave {status}")
                want = (site / path.lstrip("/")).read_bytes()
                expect(body == want, f"{name}: {path} body differs")
                etag = headers.get("ETag") or headers.get("Etag")
                expect(etag, f"{name}: no ETag for {path}")
                status, _, body = http_get(port, path, {"If-None-Match": etag})
                expect(status == 304 and not body, f"{name}: revalidation of {path} gave {status}")
                etags.append(etag)
            rows = {}
            for mode, tags in (("200 full", None), ("304 revalidation", etags)):
                print(f"  [W4] {name}: {mode} ...", flush=True)
                rows[mode] = (
                    load_wrk(port, paths, tags, cfg, work)
                    if use_wrk
                    else load_python(port, paths, tags, cfg)
                )
                print(
                    f"  [W4] {name}: {mode}: {rows[mode]['rps']:.0f} req/s, "
                    f"p99 {rows[mode]['p99_ms']:.1f} ms, {rows[mode]['errors']} errors",
                    flush=True,
                )
            out["servers"][name] = rows
            if name == "seoulcal serve":
                out["app"] = app_timing(site, paths, etags)
        except (WrongOutputError, RuntimeError, subprocess.SubprocessError, OSError) as error:
            out["servers"][name] = {"error": str(error)[-500:]}
            print(f"  [W4] {name}: {error}", flush=True)
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return out


def app_timing(site: Path, paths: list[str], etags: list[str], count: int = 3000) -> dict:
    """Call ``SiteApp`` directly (no HTTP): microseconds per request, and its profile."""
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    from seoulcal.server import SiteApp  # noqa: PLC0415

    app = SiteApp(site)

    def call(k: int, conditional: bool) -> None:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": paths[k], "SCRIPT_NAME": ""}
        if conditional:
            environ["HTTP_IF_NONE_MATCH"] = etags[k]
        b"".join(app(environ, lambda *_: None))

    timings = {}
    for label, conditional in (("200 full", False), ("304 revalidation", True)):
        start = time.perf_counter()
        for i in range(count):
            call(i % len(paths), conditional)
        timings[label] = (time.perf_counter() - start) / count * 1e6
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        call(i % len(paths), True)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())
    resolve = sum(
        v[3] for (f, _, n), v in stats.stats.items() if f.endswith("server.py") and n == "_resolve"
    )
    return {"us": timings, "resolve_share": resolve / total if total else math.nan}


# --- profile --------------------------------------------------------------------------------------

AREAS = [
    ("seoulcal/publish.py", "publish (state, fingerprints, plan)"),
    ("seoulcal/site.py", "site (HTML pages)"),
    ("seoulcal/links.py", "links (add-to-calendar URLs)"),
    ("seoulcal/export.py", "export (calendar assembly)"),
    ("seoulcal/zones.py", "zones"),
    ("seoulcal/model.py", "model (validation, lookups)"),
    ("seoulcal/", "seoulcal, other"),
    ("icalendar/", "icalendar (render, fold, escape)"),
    ("pydantic", "pydantic"),
    ("urllib/parse", "urllib.parse (quoting)"),
    ("html/", "html escaping"),
    ("json/", "json"),
    ("hashlib", "hashing"),
    ("_thread.lock", "waiting for the writer thread"),
    ("threading.py", "waiting for the writer thread"),
    ("queue.py", "waiting for the writer thread"),
    ("posix.fsync", "fsync"),
    ("io.open", "open()"),
    ("{method 'write'", "write()"),
    ("posix.", "other system calls"),
    ("uuid.py", "uuid"),
    ("datetime", "datetime"),
    ("<frozen importlib", "imports"),
    ("tomllib", "TOML parsing"),
]


def profile(cmd_args: list[str], out: Path) -> dict:
    """Profile one whole command with cProfile: own time by area, and the top functions."""
    import pstats  # noqa: PLC0415

    subprocess.run(
        [PY, "-m", "cProfile", "-o", str(out), *cmd_args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=build_env(),
    )
    stats = pstats.Stats(str(out))
    total = 0.0
    areas: dict[str, float] = {}
    functions = []

    def area_of(filename: str, line: int, name: str) -> str | None:
        where = f"{filename}:{line}({name})"
        for needle, area in AREAS:
            if needle in where:
                return area
        return None

    for (filename, line, name), (_, ncalls, tottime, cumtime, callers) in stats.stats.items():
        total += tottime
        label = area_of(filename, line, name)
        if label is None and filename == "~" and callers:
            # A built-in (str.join, a dict lookup...): charge it to the areas of its callers.
            weight = sum(c[2] for c in callers.values()) or 1.0
            for caller, c in callers.items():
                where = area_of(*caller) or "other"
                areas[where] = areas.get(where, 0.0) + tottime * c[2] / weight
        else:
            areas[label or "other"] = areas.get(label or "other", 0.0) + tottime
        if "seoulcal/" in filename:
            functions.append((cumtime, tottime, ncalls, f"{Path(filename).name}:{line} {name}"))
    functions.sort(reverse=True)
    return {
        "total": total,
        "areas": sorted(areas.items(), key=lambda kv: -kv[1]),
        "functions": functions[:25],
    }


# --- report ---------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    info = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["CPU"] = line.split(":", 1)[1].strip()
                break
    info["cores"] = str(os.cpu_count())
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    info["OS"] = f"{platform.system()} {platform.release()}"
    info["Python"] = platform.python_version()
    with contextlib.suppress(Exception):
        import icalendar  # noqa: PLC0415
        import pydantic  # noqa: PLC0415

        info["icalendar / pydantic"] = f"{icalendar.__version__} / {pydantic.VERSION}"
    if shutil.which("node"):
        info["Node.js"] = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        with contextlib.suppress(OSError, ValueError):
            pkg = json.loads((BENCH / "node_modules/ical-generator/package.json").read_text())
            info["ical-generator"] = pkg["version"]
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if Path(nginx).exists():
        done = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
        info["nginx"] = done.stderr.strip().split("/")[-1]
    if shutil.which("wrk"):
        done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        info["wrk"] = (done.stdout + done.stderr).split()[1] if (done.stdout + done.stderr) else "?"
    with contextlib.suppress(Exception):
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "seoulcal"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info["seoulcal"] = head + (" + uncommitted changes in seoulcal/" if dirty else "")
    return info


def fmt_s(x: float) -> str:
    if math.isnan(x):
        return "–"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def result_row(r: Result, extra: list[str] | None = None) -> str:
    if not r.ok:
        return f"| {r.name} | {r.error or 'not run'} | | | | |" + (
            "".join(" |" for _ in extra or [])
        )
    cells = [
        r.name,
        fmt_s(r.median),
        fmt_s(r.low),
        fmt_s(r.high),
        f"{r.rss:.0f} MB",
        str(len(r.samples)),
    ]
    return "| " + " | ".join(cells + (extra or [])) + " |"


def verdict(ok: bool | None) -> str:
    return {True: "**met**", False: "**missed**", None: "not measured"}[ok]


def charts(data: dict, outdir: Path) -> list[str]:
    try:
        import matplotlib as mpl  # noqa: PLC0415

        mpl.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    made = []
    if "w3" in data:
        for axis, label in (
            ("members", "members (60 events)"),
            ("events", "events (1,000 members)"),
        ):
            rows = [row for row in data["w3"]["rows"] if row["axis"] == axis]
            if not rows:
                continue
            fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
            names = [r.name for r in rows[0]["results"]]
            for name in names:
                xs, ys, ms = [], [], []
                for row in rows:
                    r = next(r for r in row["results"] if r.name == name)
                    if r.ok:
                        xs.append(row[axis])
                        ys.append(r.median)
                        ms.append(r.rss)
                if xs:
                    left.plot(xs, ys, marker="o", label=name)
                    right.plot(xs, ms, marker="o", label=name)
            if rows:
                x0 = rows[0][axis]
                ref = next((r for r in rows[0]["results"] if r.ok), None)
                if ref is not None:
                    xs = [row[axis] for row in rows]
                    left.plot(
                        xs,
                        [ref.median * x / x0 for x in xs],
                        "k:",
                        label="linear from the first point",
                    )
            for ax, title in ((left, "wall time (s, median)"), (right, "peak RSS (MB)")):
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_xlabel(label)
                ax.set_title(title)
                ax.grid(True, which="both", alpha=0.3)
            left.legend(fontsize=8)
            fig.tight_layout()
            name = f"w3-{axis}.png"
            fig.savefig(outdir / name, dpi=110)
            plt.close(fig)
            made.append(name)
    if "w2" in data:
        results = [r for r in data["w2"]["results"] if r.ok]
        if results:
            fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
            names = [r.name.replace(" (", "\n(").replace(": ", ":\n") for r in results]
            left.barh(
                names,
                [r.median for r in results],
                xerr=[[r.median - r.low for r in results], [r.high - r.median for r in results]],
            )
            left.set_xlabel("wall time, s (median, min–max)")
            left.invert_yaxis()
            right.barh(names, [r.rss for r in results])
            right.set_xlabel("peak RSS, MB")
            right.invert_yaxis()
            right.set_yticklabels([])
            fig.suptitle(f"W2: {data['w2']['members']} members, {data['w2']['events']} events")
            fig.tight_layout()
            fig.savefig(outdir / "w2.png", dpi=110)
            plt.close(fig)
            made.append("w2.png")
    return made


def scale_row(row: dict, r: Result) -> str:
    name = r.name + (f" ({r.note})" if r.note else "")
    head = f"| {row['members']:,} | {row['events']:,} | {row['vevents']:,} | {name} | "
    if not r.ok:
        return head + f"{r.error or 'not run'} | | | | |"
    return (
        head + f"{fmt_s(r.median)} | {fmt_s(r.low)} | {fmt_s(r.high)} | {r.rss:.0f} MB | "
        f"{len(r.samples)} |"
    )


def slope(rows: list[dict], axis: str, name: str) -> str:
    """Return the log-log slopes of time against size between successive sizes (1 = linear)."""
    pts = []
    for row in rows:
        if row["axis"] != axis:
            continue
        r = next((r for r in row["results"] if r.name == name), None)
        if r is not None and r.ok:
            pts.append((row[axis], r.median))
    if len(pts) < 2:
        return "–"
    parts = []
    for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
        parts.append(f"{math.log(y2 / y1) / math.log(x2 / x1):.2f}")
    return " → ".join(parts)


def _ok(*results: Result | None) -> bool:
    return all(r is not None and r.ok for r in results)


def _named(results: list[Result], name: str) -> Result | None:
    return next((r for r in results if r.name == name), None)


def paired(mine: Result, reference: Result, *, ahead: bool) -> str:
    """Each round's ratio of the two runs side by side: the median over the rounds, and the range.

    The verdicts divide the medians; on a noisy machine the paired ratio moves less between runs
    (the two runs of one round share the machine's mood). *ahead*: the reference's time over
    seoulcal's, else seoulcal's over the reference's.
    """
    ratios = [
        (r.wall / m.wall) if ahead else (m.wall / r.wall)
        for m, r in zip(mine.samples, reference.samples, strict=False)
    ]
    if not ratios:
        return ""
    low, high, count = min(ratios), max(ratios), len(ratios)
    rounds = f"{count} round{'s' if count != 1 else ''}"
    return f"; paired {statistics.median(ratios):.2f}× ({low:.2f}–{high:.2f}, {rounds})"


def target_rows(data: dict) -> list[tuple[str, str, str, bool | None]]:
    """The issue's targets: (target, what was measured, the ratio, met or not)."""
    rows: list[tuple[str, str, str, bool | None]] = []

    def missing(name: str, *results: Result | None) -> None:
        errors = [r.error for r in results if r is not None and r.error]
        rows.append((name, f"failed: {errors[0]}" if errors else "not measured", "–", False))

    if "w1" in data:
        res = data["w1"]["results"]
        export = next((r for r in res if r.name.startswith("seoulcal export")), None)
        model = _named(res, MODEL_FLOOR_NAME)
        name = "W1 `seoulcal export` ≤ 1.2× the one-model floor"
        if _ok(export, model):
            ratio = export.median / model.median
            rows.append(
                (
                    name,
                    f"{fmt_s(export.median)} vs {fmt_s(model.median)}"
                    + paired(export, model, ahead=False),
                    f"{ratio:.2f}×",
                    ratio <= 1.2,
                )
            )
        else:
            missing(name, export, model)
    if "w2" in data:
        w = data["w2"]
        res = w["results"]
        build = _named(res, "seoulcal build")
        durable = _named(res, DURABLE_FLOOR_NAME)
        peer = _named(res, PEER_NAME)
        size = f"{w['members']:,} × {w['events']}"
        name = f"W2 ({size}) build ≤ 1.5× the durable write floor of the same bytes"
        if _ok(build, durable):
            ratio = build.median / durable.median
            rows.append(
                (
                    name,
                    f"{fmt_s(build.median)} vs {fmt_s(durable.median)}"
                    + paired(build, durable, ahead=False),
                    f"{ratio:.2f}×",
                    ratio <= 1.5,
                )
            )
        else:
            missing(name, build, durable)
        name = "W2 ≥ 3× ahead of ical-generator building the same calendars"
        if _ok(build, peer):
            ratio = peer.median / build.median
            rows.append(
                (
                    name,
                    f"{fmt_s(build.median)} vs {fmt_s(peer.median)}"
                    + paired(build, peer, ahead=True),
                    f"{ratio:.2f}×",
                    ratio >= 3,
                )
            )
        else:
            missing(name, build, peer)
        name = "W2 peak memory ≤ 300 MB"
        if _ok(build):
            rows.append(
                (name, f"{build.rss:.0f} MB", f"{build.rss / 300:.2f}× the limit", build.rss <= 300)
            )
        else:
            missing(name, build)
    if "w3" in data:
        by_members = [row for row in data["w3"]["rows"] if row["axis"] == "members"]
        if by_members:
            row = max(by_members, key=lambda row: row["members"])
            build = _named(row["results"], "seoulcal build")
            name = f"{row['members']:,} members × {row['events']} events ≤ 1 GB peak memory"
            if _ok(build):
                rows.append(
                    (
                        name,
                        f"{build.rss:.0f} MB",
                        f"{build.rss / 1024:.2f}× the limit",
                        build.rss <= 1024,
                    )
                )
            else:
                missing(name, build)
    if "small" in data:
        for row in data["small"]["rows"]:
            build = _named(row["results"], "seoulcal build")
            peer = _named(row["results"], "ical-generator")
            name = (
                f"Small trip {row['members']:,} members × {row['events']:,} events: "
                "ahead of ical-generator"
            )
            if _ok(build, peer):
                ratio = peer.median / build.median
                rows.append(
                    (
                        name,
                        f"{fmt_s(build.median)} vs {fmt_s(peer.median)}"
                        + paired(build, peer, ahead=True),
                        f"{ratio:.2f}×",
                        ratio > 1,
                    )
                )
            else:
                missing(name, build, peer)
    if "w2" in data:
        w = data["w2"]
        res = w["results"]
        build = _named(res, "seoulcal build")
        floor = _named(res, CHANGED_FLOOR_NAME)
        attendees = w["rebuilds"]["most"]["attendees"]
        floors = (
            (
                "most",
                f"Rebuild, one event moved that most members attend ({attendees:,}): "
                "≤ 1.3× the durable floor of writing the changed files",
            ),
            (
                "most-back",
                "The next edit after that move (the event moved back, from the folder's "
                "spare): ≤ 1.3× the same floor",
            ),
        )
        for key, name in floors:
            r = _named(res, REBUILD_NAMES[key])
            if _ok(r, floor):
                ratio = r.median / floor.median
                changed = len(w["rebuilds"][key]["changed"]["files"])
                rows.append(
                    (
                        name,
                        f"{fmt_s(r.median)} vs {fmt_s(floor.median)} ({changed:,} files changed)",
                        f"{ratio:.2f}×",
                        ratio <= 1.3,
                    )
                )
            elif r is not None or key not in BACK_OF:  # a report from before the next edits
                missing(name, r, floor)
        shares = (
            ("three", "Rebuild, one event moved that three members attend", 0.10),
            (
                "back",
                "The next edit after the three-member move (moved back, from the folder's spare)",
                0.10,
            ),
            ("none", "Rebuild with no change", 0.05),
        )
        for key, what, limit in shares:
            name = f"{what}: ≤ {limit:.0%} of a full build"
            r = _named(res, REBUILD_NAMES[key])
            if _ok(r, build):
                ratio = r.median / build.median
                rows.append(
                    (
                        name,
                        f"{fmt_s(r.median)} vs {fmt_s(build.median)}",
                        f"{ratio:.0%}",
                        ratio <= limit,
                    )
                )
            elif r is not None or key not in BACK_OF:  # a report from before the next edits
                missing(name, r, build)
        none = _named(res, REBUILD_NAMES["none"])
        nc = w["no_change"]
        name = "Rebuild with no change touches nothing (inode, mtime, size of every file)"
        if none is not None and none.samples:
            rows.append(
                (
                    name,
                    f"{len(nc['touched'])} of {nc['files']:,} files touched, "
                    f"{len(none.samples)} runs",
                    "–",
                    not nc["touched"],
                )
            )
        else:
            missing(name, none)
    if "w3" in data:
        w3rows = data["w3"]["rows"]
        for axis in ("members", "events"):
            s = slope(w3rows, axis, "seoulcal build")
            name = f"Scaling: build linear or better in {axis} (log-log slope ≤ 1.1 per step)"
            if s != "–":
                worst = max(float(x) for x in s.split(" → "))
                rows.append((name, s, f"worst {worst:.2f}", worst <= 1.1))
            else:
                rows.append((name, "not measured", "–", None))
    return rows


def write_report(data: dict, cfg: Config, out: Path, chart_dir: Path, made: list[str]) -> None:
    lines: list[str] = []
    add = lines.append
    rel = os.path.relpath(chart_dir, out.parent)
    add("# Performance")
    add("")
    add("<!-- Generated by `python bench/run.py`; do not edit by hand (edit bench/run.py). -->")
    add("")
    if cfg.smoke:
        add(
            "**Smoke run** (`--smoke`): tiny sizes, one run each. These numbers prove the "
            "suite works; they measure nothing."
        )
        add("")
    add(
        "Measured with `python bench/run.py` (see [bench/README.md](../bench/README.md)) on "
        f"{data['started']:%Y-%m-%d %H:%M} UTC, {data['elapsed'] / 60:.1f} minutes in all."
    )
    add("")
    add("| machine | |")
    add("|---|---|")
    for key, value in data["machine"].items():
        add(f"| {key} | {value} |")
    add("")
    add(
        "Every contender is a whole process (start-up, reading the trip, writing files), run in "
        "turn with the others so that a noisy machine slows all alike; times are the median "
        "(min–max) of the runs, memory the largest peak RSS (for `seoulcal build`, which forks "
        "a worker per CPU, the sum of its processes' peaks: an upper bound, since a worker "
        "shares its parent's pages). Every timed run writes into a folder of its own that no "
        "earlier run used; folders are deleted only between workloads (or when the disk runs "
        "low), never between the runs of one, and each workload starts after the file systems "
        "are flushed and the disk left alone for a while (deleting on this disk charges the "
        "next writer); the file systems are also flushed before every timed run. seoulcal is "
        "byte-compiled first, as `pip install` does. Every calendar seoulcal wrote in a "
        "timed run was compared byte for byte with `trip.to_ics(member=…, lang=…)` "
        f"(all members up to {cfg.check_limit}, an even sample above)."
    )
    add("")

    # Targets: (target, measured, ratio, verdict); the issue's targets, in its order.
    targets = target_rows(data)
    if "w4" in data:
        servers = data["w4"]["servers"]
        ours = servers.get("seoulcal serve", {})
        ref = servers.get("nginx (reference)", {})
        errs = sum(
            v.get("errors", 0) for s in servers.values() for v in s.values() if isinstance(v, dict)
        )
        ok_runs = all("error" not in s for s in servers.values())
        targets.append(
            (
                "W4 zero errors",
                f"{errs} errors" + ("" if ok_runs else " (a server failed)"),
                "–",
                errs == 0 and ok_runs,
            )
        )
        for mode in ("200 full", "304 revalidation"):
            if mode in ours and mode in ref:
                targets.append(
                    (
                        f"W4 {mode}: ratio to nginx (reported, no target)",
                        f"{ours[mode]['rps']:.0f} vs {ref[mode]['rps']:.0f} req/s",
                        f"{ours[mode]['rps'] / ref[mode]['rps']:.2f}×",
                        None,
                    )
                )
    add("## Targets")
    add("")
    add(
        "The targets of issue 14, each from the rows below (medians of runs interleaved with "
        "their reference's, so the ratio holds on a noisy machine). The verdict divides the "
        "medians; beside it, *paired* is each round's ratio of the two runs side by side (the "
        "median over the rounds, and their range), which moves less between runs on this "
        "machine."
    )
    add("")
    add("| target | measured | ratio | verdict |")
    add("|---|---|---|---|")
    for name, measured, ratio, ok in targets:
        add(f"| {name} | {measured} | {ratio} | {verdict(ok) if ok is not None else 'reported'} |")
    add("")

    header = "| command | median | min | max | peak RSS | runs |"
    rule = "|---|---|---|---|---|---|"
    if "w1" in data:
        add("## W1 start-up")
        add("")
        add(
            "`seoulcal export` of the built-in trip (written to /dev/null), beside the floors. "
            "`import pydantic` alone is lazy (it loads `pydantic_core` but not `BaseModel`), "
            "so `from pydantic import BaseModel` costs more; the smallest use of a "
            "pydantic model (one class with one field, validated once) also loads "
            "`pydantic.types`, `annotated_types` and pydantic's plugin loader "
            "(`importlib.metadata`). The target's reference is that one-model floor (issue 14); "
            "the other floors are context."
        )
        add("")
        add(header)
        add(rule)
        for r in data["w1"]["results"]:
            add(result_row(r))
        add("")
        if data["w1"]["imports"]:
            add(
                "Imports of `seoulcal export` with the most own time (`python -X importtime`; "
                "own time is the module's body, class definitions included):"
            )
            add("")
            add("| module | own | cumulative |")
            add("|---|---|---|")
            for own, cumulative, name in data["w1"]["imports"]:
                add(f"| `{name}` | {own * 1000:.1f} ms | {cumulative * 1000:.1f} ms |")
            add("")
    if "w2" in data:
        w = data["w2"]
        add(f"## W2 a delegation: {w['members']:,} members, {w['events']} events")
        add("")
        add(
            f"A synthetic trip (`bench/gen_trip.py --three-member-event`): {w['calendars']:,} "
            f"member calendars (both languages) holding {w['vevents']:,} VEVENTs. `seoulcal "
            "build` writes the whole site (public and member calendars, one-event files, HTML "
            "pages, revision state, one `syncfs`, atomic swap); the export and baseline rows "
            "write only the member calendars, so they do less work than the build. Events per "
            "second counts the member calendars' VEVENTs."
        )
        add("")
        add(
            "The floor rows create the folders and files of a site built before the run (the "
            "same bytes) again from memory with `bench/write_only.py`, and are timed **inside** "
            "it: from just before it forks its writer (every source file already read into "
            "memory) to the end of the writing, or of the `syncfs` of the output folder's file "
            "system (`os.sync()` where `syncfs` is missing, as `seoulcal.publish.folder._sync` "
            "does) for the durable rows; reading the sources and starting Python are not "
            "counted. The durable floor shares the sorted file list out between 2 processes in "
            "two runs, as the build shares its members. The changed-files floor writes only the "
            "files whose bytes differ between the old site and the site after the move that "
            "most members attend (see Rebuilds)."
        )
        add("")
        add("| command | median | min | max | peak RSS | runs | events/s | vs baseline |")
        add("|---|---|---|---|---|---|---|---|")
        base = next((r for r in w["results"] if r.name.startswith("baseline: ")), None)
        rebuild_names = set(REBUILD_NAMES.values())
        for r in w["results"]:
            if r.name in rebuild_names:
                continue
            extra = []
            if r.ok and r.name in (FLOOR_NAME, DURABLE_FLOOR_NAME, CHANGED_FLOOR_NAME):
                whole = [s.process for s in r.samples if s.process is not None]
                extra = [
                    f"(process {fmt_s(statistics.median(whole))})" if whole else "–",
                    "–",
                ]
            elif r.ok:
                extra.append(f"{w['vevents'] / r.median:,.0f}")
                extra.append(f"{base.median / r.median:.1f}×" if base and base.ok else "–")
            else:
                extra = ["", ""]
            add(result_row(r, extra))
        add("")
        for key, count in w["checked"].items():
            add(f"* {key}: {count:,} calendars compared with `trip.to_ics`, all identical.")
        add(
            "* Every run: each build's files (names and sizes) are those of the site built "
            "before; each floor's output holds exactly the files it was to write (the bytes "
            "compared in the first round); the export, the baselines and the peer wrote "
            f"{w['calendars']:,} calendars."
        )
        add("")
        if "w2.png" in made:
            add(f"![W2]({rel}/w2.png)")
            add("")
        add("### Rebuilds")
        add("")
        add(
            f"Each rebuild of an event moved (start and end {MOVE_MINUTES} minutes later, and "
            f"the trip's `revised` instant {REVISE_MINUTES} minutes later, as an author's edit "
            "would) starts from its own copy of the site built before the run (`cp -a`: no "
            "hard link shared with it, the same modification times), made at the start of the "
            "round and settled by an untimed build of the old trip (which must touch nothing: "
            "it only records, beside the folder, that the site is up to date, as after any "
            "build), then flushed and left alone before the round's first run. The moved-event "
            "rebuilds come last in each round, each followed by a flush and a pause (a rebuild "
            "keeps the old site it swapped out beside the folder as its spare; the flush keeps "
            "its writes from being charged to the next run). The move that most members attend "
            "is the "
            "exact-time event with the most attendees; the three-member one is the trip's last "
            "event (`--three-member-event`). The rebuild with no change runs on the site the "
            "round's `seoulcal build` has just made (a settled site, as after any build). Each "
            "rebuilt site was compared, file by file and byte for byte, with the same rebuild "
            "done the normal way before the run (the old trip built in a fresh folder, then "
            "the moved trip built in place, both with `--jobs 1`); that reference itself has "
            "the old site's files and exactly one public event at SEQUENCE:1. The next edit "
            "moves the three-member event back, in the site its timed rebuild has just made: "
            "that rebuild kept the site before it beside the folder (`.NAME.spare`), so this "
            "one starts from a spare, as every edit after a site's first rebuild does, and the "
            "same for the move that most members attend; each reference is the same three "
            "builds done the normal way. Only the next edits delete: the files of the spare "
            "they replace (a first rebuild keeps the whole old site as the spare). Files "
            "written "
            "are the files of the rebuilt site with a new inode (the rest are hard links to the "
            "old ones); files changed are those whose bytes differ from the old site's."
        )
        add("")
        add(
            "| rebuild | median | min | max | peak RSS | runs | vs a full build | attendees "
            "| files written | bytes written | files changed | bytes changed |"
        )
        add("|---|---|---|---|---|---|---|---|---|---|---|---|")
        build = _named(w["results"], "seoulcal build")
        for key in ("most", "most-back", "three", "back", "none"):
            r = _named(w["results"], REBUILD_NAMES[key])
            if r is None:
                continue
            if key == "none":
                facts = ["–", f"0 of {w['no_change']['files']:,} touched", "0", "0", "0"]
                if w["no_change"]["touched"]:
                    facts[1] = f"{len(w['no_change']['touched'])} touched"
            else:
                info = w["rebuilds"][key]
                written = info["written"]
                files = sorted({x["files"] for x in written})
                nbytes = sorted({x["bytes"] for x in written})
                facts = [
                    f"{info['attendees']:,} (`{info['event']}`)",
                    " / ".join(f"{n:,}" for n in files) or "–",
                    " / ".join(f"{n / 1e6:.1f} MB" for n in nbytes) or "–",
                    f"{len(info['changed']['files']):,} of {info['changed']['total']:,}",
                    f"{info['changed']['bytes'] / 1e6:.1f} MB",
                ]
            ratio = f"{r.median / build.median:.0%}" if _ok(r, build) else "–"
            add(result_row(r, [ratio, *facts]))
        add("")
    if "small" in data:
        add(f"## Small trips: {cfg.small_members:,} members")
        add("")
        add(
            "`seoulcal build` against ical-generator building the same member calendars "
            "(`bench/peer.mjs`), all sizes interleaved in one run; every build's calendars "
            "checked against `trip_ics` in the first round, the peer's counted every round."
        )
        add("")
        add("| members | events | VEVENTs | command | median | min | max | peak RSS | runs |")
        add("|---|---|---|---|---|---|---|---|---|")
        for row in data["small"]["rows"]:
            for r in row["results"]:
                add(scale_row(row, r))
        add("")
    if "w3" in data:
        add("## W3 scaling")
        add("")
        caps = ", ".join(
            f"at most {most} run{'s' if most > 1 else ''} over {seconds:g} s"
            for seconds, most in sorted(cfg.w3_limits)
        )
        add(
            "`seoulcal build` and ical-generator at each size, interleaved size by size "
            f"({caps}). The row of the W2 trip's own size is W2's (marked). Memory at the "
            "largest member count is a target."
        )
        add("")
        add("| members | events | VEVENTs | command | median | min | max | peak RSS | runs |")
        add("|---|---|---|---|---|---|---|---|---|")
        for row in data["w3"]["rows"]:
            for r in row["results"]:
                add(scale_row(row, r))
        add("")
        add(
            "Log-log slope of wall time against size between successive sizes (1.00 = linear; "
            "start-up makes small sizes look sub-linear):"
        )
        add("")
        add("| command | members | events |")
        add("|---|---|---|")
        names = [r.name for r in data["w3"]["rows"][0]["results"]] if data["w3"]["rows"] else []
        for name in names:
            add(
                f"| {name} | {slope(data['w3']['rows'], 'members', name)} | "
                f"{slope(data['w3']['rows'], 'events', name)} |"
            )
        add("")
        for name in made:
            if name.startswith("w3-"):
                add(f"![{name}]({rel}/{name})")
                add("")
    if "w4" in data:
        w = data["w4"]
        add("## W4 the feed server")
        add("")
        add(
            f"The W2 site, served by `seoulcal serve` and by nginx (the reference, same folder), "
            f"50 concurrent clients on loopback ({w['tool']}, {cfg.w4_seconds:g} s per row), "
            f"cycling over {w['paths']} member calendars; the revalidation rows send each file's "
            "own ETag in If-None-Match. Before loading, every path was fetched and compared "
            "with the built file, and its ETag checked to give 304."
        )
        add("")
        add(
            "The ceiling row is `bench/ceiling_server.py`: the same threaded wsgiref server as "
            "`seoulcal serve` (`seoulcal.server.make_server`) with an application that answers "
            "from memory: it shows what the HTTP layer alone allows."
        )
        add("")
        add("| server | requests | req/s | p50 | p99 | max | errors |")
        add("|---|---|---|---|---|---|---|")
        for server, rows in w["servers"].items():
            if "error" in rows:
                add(f"| {server} | failed: {rows['error']} | | | | | |")
                continue
            for mode, m in rows.items():
                add(
                    f"| {server}, {mode} | {m['requests']:,} | {m['rps']:,.0f} "
                    f"| {m['p50_ms']:.1f} ms | "
                    f"{m['p99_ms']:.1f} ms | {m['max_ms']:.0f} ms | {m['errors']} |"
                )
        add("")
        if "app" in w:
            a = w["app"]
            add(
                f"`SiteApp` called directly, without HTTP (one thread): "
                f"{a['us']['200 full']:.0f} µs per full response, "
                f"{a['us']['304 revalidation']:.0f} µs per 304; `SiteApp._resolve` (path "
                f"checks, two `Path.resolve()` calls) is {a['resolve_share']:.0%} of it."
            )
            add("")
    if "channels" in data:
        import channels  # noqa: PLC0415 - bench/channels.py writes its own section

        lines.extend(channels.report(data["channels"], cfg, sys.modules[__name__]))
    if "profile" in data:
        p = data["profile"]
        add("## Where the time goes")
        add("")
        add(
            f"`cProfile` of one `seoulcal build --jobs 1` of the W2 trip into an empty folder "
            "(one process, so that the profile holds every member's work; the timed builds share "
            f"the members out between two) ({p['total']:.1f} s of own time under the profiler, "
            "which inflates Python-heavy code). Own time by area:"
        )
        add("")
        add(
            "(Built-in functions such as `str.join` or dict lookups are charged to the areas of "
            "their callers.)"
        )
        add("")
        add("| area | own time | share |")
        add("|---|---|---|")
        for area, seconds in p["areas"][:14]:
            add(f"| {area} | {seconds:.2f} s | {seconds / p['total']:.0%} |")
        add("")
        add("seoulcal functions by cumulative time:")
        add("")
        add("| function | calls | cumulative | share | own |")
        add("|---|---|---|---|---|")
        for cum, tot, calls, name in p["functions"][:20]:
            add(f"| `{name}` | {calls:,} | {cum:.2f} s | {cum / p['total']:.0%} | {tot:.2f} s |")
        add("")
    if data.get("analysis"):
        add(data["analysis"])
        add("")
    add("## Reproducing")
    add("")
    add("```sh")
    add("pip install -e '.[bench]'          # matplotlib for the charts")
    add("npm ci --prefix bench              # the ical-generator peer (Node.js)")
    add("apt-get install nginx-light wrk    # the W4 reference server and load generator")
    add("python bench/run.py                # everything; writes docs/performance.md")
    add("python bench/run.py --smoke        # tiny sizes, under a minute (CI)")
    add("```")
    add("")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--_measure":
        return _child_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: proves it works")
    parser.add_argument(
        "--out", help="the report (docs/performance.md; a temporary file with --smoke)"
    )
    parser.add_argument(
        "--work",
        help="scratch folder (default: a new bench/.work-* folder, removed afterwards; the "
        "builds are timed there, so put it on the disk that matters)",
    )
    parser.add_argument(
        "--only", help="comma-separated subset of w1,w2,w4,small,w3,profile,channels"
    )
    parser.add_argument("--runs", type=int, help="runs per contender")
    parser.add_argument(
        "--analysis", help="a Markdown file appended to the report (default: bench/findings.md)"
    )
    parser.add_argument(
        "--reuse",
        default="",
        help="comma-separated workloads to load from an earlier run's --work folder instead of "
        "running them again (e.g. to re-run only W1 on a quiet machine)",
    )
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="W4's load generator (auto: wrk if installed, else the Python client)",
    )
    parser.add_argument("--no-nginx", action="store_true", help="W4 without the nginx reference")
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="W2 without the plain icalendar baselines (context rows, about a minute each)",
    )
    args = parser.parse_args()
    cfg = SMOKE if args.smoke else FULL
    cfg.client = args.client
    cfg.no_nginx = args.no_nginx
    if args.no_baselines:
        cfg.baseline_runs = 0
    if args.runs:
        cfg.runs = cfg.slow_runs = args.runs
        cfg.w1_runs = max(args.runs, 3)
    only = set((args.only or "w1,w2,w4,small,w3,profile,channels").split(","))
    # Not in /tmp: on the machine this suite was written on, /tmp lies where creating a file
    # costs about 0.5 ms (20 times more than elsewhere on the same disk), which swamps a build.
    # Absolute: nginx reads the paths of its configuration from its own prefix, not from here.
    work = (
        Path(args.work).resolve()
        if args.work
        else Path(tempfile.mkdtemp(prefix=".work-", dir=BENCH))
    )
    work.mkdir(parents=True, exist_ok=True)
    precompile()
    if args.out:
        out = Path(args.out)
    elif args.smoke:
        out = Path(tempfile.gettempdir()) / "seoulcal-bench-smoke" / "performance.md"
    else:
        out = ROOT / "docs" / "performance.md"
    chart_dir = out.parent / "performance"
    started = datetime.now(UTC)
    t0 = time.monotonic()
    data: dict = {"started": started, "machine": machine()}
    failed = []
    reuse = {name for name in args.reuse.split(",") if name}
    import pickle  # noqa: PLC0415 - results are kept between runs in the work folder

    def step(name: str, run):  # noqa: ANN001, ANN202
        saved = work / f"{name}.pickle"
        if name in reuse:
            print(f"{name}: reusing {saved}", flush=True)
            return pickle.loads(saved.read_bytes())  # noqa: S301 - our own file
        began = time.monotonic()
        result = run()
        saved.write_bytes(pickle.dumps(result))
        print(f"{name}: done in {time.monotonic() - began:.0f} s", flush=True)
        return result

    try:
        if "w1" in only:
            data["w1"] = step("w1", lambda: w1(cfg))
        if "w2" in only or "w4" in only:
            data["w2"] = step("w2", lambda: w2(cfg, work))
            failed += [f"W2 {r.name}: {r.error}" for r in data["w2"]["results"] if not r.ok]
        if "w4" in only:
            data["w4"] = step("w4", lambda: w4(cfg, work, data["w2"]["site"], data["w2"]["trip"]))
            failed += [
                f"W4 {s}: {v['error']}" for s, v in data["w4"]["servers"].items() if "error" in v
            ]
            failed += [
                f"W4 {s} {mode}: {m['errors']} errors"
                for s, v in data["w4"]["servers"].items()
                if "error" not in v
                for mode, m in v.items()
                if m["errors"]
            ]
        if "small" in only:
            data["small"] = step("small", lambda: small_trips(cfg, work))
            for row in data["small"]["rows"]:
                failed += [
                    f"small trips {r.name} {row['members']}x{row['events']}: {r.error}"
                    for r in row["results"]
                    if not r.ok
                ]
        if "w3" in only:
            data["w3"] = step("w3", lambda: w3(cfg, work, data.get("w2")))
            for row in data["w3"]["rows"]:
                failed += [
                    f"W3 {r.name} {row['members']}x{row['events']}: {r.error}"
                    for r in row["results"]
                    if not r.ok
                ]
        if "profile" in only and (cfg.profile or "profile" in reuse) and "w2" in data:
            print("profile", flush=True)
            site = work / "profile-site"
            shutil.rmtree(site, ignore_errors=True)
            data["profile"] = step(
                "profile",
                lambda: profile(
                    [
                        "-m",
                        "seoulcal",
                        "build",
                        str(site),
                        "--trip",
                        str(data["w2"]["trip"]),
                        "--base-url",
                        BASE_URL,
                        "--jobs",
                        "1",  # cProfile sees one process: keep every member's work in it
                    ],
                    work / "build.prof",
                ),
            )
            shutil.rmtree(site, ignore_errors=True)
        if "channels" in only:
            import channels  # noqa: PLC0415 - bench/channels.py, only for this step

            data["channels"] = step(
                "channels", lambda: channels.run_channels(sys.modules[__name__], cfg, work)
            )
            failed += channels.failures(data["channels"])
        data["elapsed"] = time.monotonic() - t0
        meta = work / "meta.pickle"
        if reuse and meta.is_file() and only <= reuse:
            # Everything came from an earlier run: report that run's date, duration and machine.
            data.update(pickle.loads(meta.read_bytes()))  # noqa: S301 - our own file
        else:
            meta.write_bytes(pickle.dumps({k: data[k] for k in ("started", "elapsed", "machine")}))
        findings = Path(args.analysis) if args.analysis else BENCH / "findings.md"
        if findings.is_file() and not cfg.smoke:
            data["analysis"] = findings.read_text()
        made = [] if cfg.smoke else charts(data, chart_dir)
        write_report(data, cfg, out, chart_dir, made)
        print(f"report: {out}")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if failed:
        print("FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
