"""seoulcal's benchmark suite: one command runs everything and writes docs/performance.md.

    python bench/run.py            # the full suite (about 15 minutes); writes docs/performance.md
    python bench/run.py --smoke    # tiny sizes, one run each, well under a minute; CI's check

Workloads (see docs/performance.md for the targets):

* W1 start-up: ``seoulcal export`` of the built-in trip beside ``python -c "import icalendar,
  pydantic"`` (the issue's floor) and ``python -c "import icalendar; from pydantic import
  BaseModel"`` (a fairer floor: ``import pydantic`` alone is lazy).
* W2 a delegation: ``seoulcal build`` of a synthetic trip (1,000 members, 60 events) beside the
  export alone (``bench/export_only.py``), the plain icalendar baseline
  (``bench/baseline_icalendar.py``, also with its VTIMEZONEs cached) and ical-generator
  (``bench/peer.mjs``, Node.js).
* W3 scaling: build and export for 100 / 1,000 / 10,000 members and 10 / 100 / 1,000 events, and
  a rebuild with no change (which must touch no file).
* W4 the feed server: ``seoulcal serve`` beside nginx on the same built folder, 50 concurrent
  clients on loopback (``wrk``; a bounded Python client when wrk is missing), full responses and
  304 revalidations.

Every contender is a whole process, run several times in turn (interleaved, so that a noisy
machine slows all alike); the report gives the median, min and max wall time and the peak RSS of
each (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper that runs only that process, or the
sum of the peaks of its processes when it forks workers). Each output folder is deleted and the
file systems flushed before a timed run (see :func:`clear`).
Every calendar seoulcal builds in a timed run is checked byte for byte against
``trip.to_ics(member=..., lang=...)`` (all of them up to 1,000 members, a sample above).

Nothing here asserts a time: the exit status is 0 unless a step failed or an output was wrong.
"""

# ruff: noqa: D101, D102, D103, C901, PLR0912, PLR0915, FBT001, FBT003, ISC004, PERF401, RUF007
# A script, not a library: helpers are documented where it helps, the report writer is long.
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
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
FLOOR_NAME = "floor: create the same files (write_only.py)"
TMPFS_NAME = "seoulcal build, into tmpfs (/dev/shm)"
MODEL_FLOOR_NAME = "the floor, plus one pydantic model with one field, validated once"


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


def clear(path: Path) -> None:
    """Remove *path*, then flush the file systems, before a timed run writes there again.

    On this machine's ext4 (mounted with ``discard``), freeing a deleted folder's blocks is work
    the kernel defers, and bills to whichever process next creates files: without the flush,
    builds measured right after deleting their previous output were 1.2-1.9 s slower, nearly all
    of it system time. Every contender gets the same treatment.
    """
    shutil.rmtree(path, ignore_errors=True)
    os.sync()


@dataclass
class Sample:
    wall: float
    rss_mb: float
    cpu: float


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
    cmd: list[str]
    before: object = None  # callable run before each timed run (outside the timing)
    after: object = None  # callable run after the first timed run (checks)
    runs: int | None = None
    env: dict[str, str] | None = None


def race(contenders: list[Contender], runs: int, *, timeout: float, log: str) -> list[Result]:
    """Run the contenders in turn, *runs* rounds; a contender that fails or times out stops."""
    results = {c.name: Result(c.name) for c in contenders}
    limit = {c.name: c.runs or runs for c in contenders}
    for round_ in range(runs):
        for c in contenders:
            result = results[c.name]
            if result.error is not None or round_ >= limit[c.name]:
                continue
            if c.before is not None:
                c.before()
            try:
                sample = measure(c.cmd, env=c.env, timeout=timeout)
            except subprocess.TimeoutExpired:
                result.error = f"timed out after {timeout:.0f} s"
                continue
            except (RuntimeError, subprocess.CalledProcessError) as error:
                result.error = str(error)[-500:]
                continue
            result.samples.append(sample)
            # Keep the whole suite bounded: one run of anything over a minute, three over 20 s.
            if sample.wall > 60:
                limit[c.name] = 1
            elif sample.wall > 20:
                limit[c.name] = min(limit[c.name], 3)
            print(
                f"  [{log}] {c.name}: run {round_ + 1}: {sample.wall:.3f} s, "
                f"{sample.rss_mb:.0f} MB",
                flush=True,
            )
            if round_ == 0 and c.after is not None:
                try:
                    c.after()
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
                if index < 20
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
                if index < 20
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
    client: str = "auto"
    no_nginx: bool = False
    # The channels (bench/channels.py): members (rows for tables) at each size; the last size is
    # the headline. Within the channels' ~10 minutes on 2 cores: an invitation sent through SMTP
    # costs about 0.1 s (the state is saved and synced after each), so sends stop at 20 members,
    # and plan-and-render (`ch_render`, nothing sent; about 15 ms a message) at 100; a PDF takes
    # about 0.7 s, so paper stops at 100 members; object storage at W2's 1,000 members (10,000
    # would upload 1.4 GB).
    ch_events: int = 60
    ch_send: tuple[int, ...] = (5, 10, 20)
    ch_render: tuple[int, ...] = (30, 100)
    ch_storage: tuple[int, ...] = (100, 1000)
    ch_tables: tuple[int, ...] = (100, 1000, 10000)
    ch_paper: tuple[int, ...] = (10, 30, 100)


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
    ch_events=8,
    ch_send=(3,),
    ch_render=(4,),
    ch_storage=(4,),
    ch_tables=(20,),
    ch_paper=(1,),
)


def have_node_peer() -> bool:
    return shutil.which("node") is not None and (BENCH / "node_modules" / "ical-generator").is_dir()


def trip_file(work: Path, members: int, events: int) -> Path:
    path = work / f"trip-{members}x{events}.toml"
    gen_trip.write_trip(path, members, events)
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
            'python -c "import icalendar, pydantic" (floor)',
            [PY, "-c", "import icalendar, pydantic"],
        ),
        Contender(
            'python -c "import icalendar; from pydantic import BaseModel" (fair floor)',
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


def w2(cfg: Config, work: Path) -> dict:
    members, events = cfg.w2
    print(f"W2 a delegation: {members} members, {events} events", flush=True)
    trip = trip_file(work, members, events)
    calendars, vevents = member_event_count(trip)
    env = build_env()
    site = work / "w2-site"
    eo = work / "w2-export"
    base = work / "w2-baseline"
    basec = work / "w2-baseline-cached"
    peer = work / "w2-peer"

    def fresh(path: Path):  # noqa: ANN202
        return lambda: clear(path)

    checked: dict[str, int] = {}

    def check_build() -> None:
        checked["build"] = check_site(trip, site, limit=cfg.check_limit)

    def check_eo() -> None:
        checked["export"] = check_export(trip, eo, limit=cfg.check_limit)

    contenders = [
        Contender(
            "seoulcal build",
            [*SEOULCAL, "build", str(site), "--trip", str(trip), "--base-url", BASE_URL],
            before=fresh(site),
            after=check_build,
            env=env,
        ),
        Contender(
            "export only (CalendarWriter)",
            [PY, str(BENCH / "export_only.py"), str(trip), str(eo)],
            before=fresh(eo),
            after=check_eo,
        ),
        Contender(
            "baseline: icalendar from scratch",
            [PY, str(BENCH / "baseline_icalendar.py"), str(trip), str(base)],
            before=fresh(base),
            after=lambda: check_count(base, calendars),
            runs=cfg.slow_runs,
        ),
        Contender(
            "baseline, VTIMEZONEs cached",
            [PY, str(BENCH / "baseline_icalendar.py"), "--cache-zones", str(trip), str(basec)],
            before=fresh(basec),
            after=lambda: check_count(basec, calendars),
            runs=cfg.slow_runs,
        ),
    ]
    # The same build into memory (tmpfs): the code's own time, without this disk's file creation.
    memory = Path("/dev/shm")  # noqa: S108 - a folder made below with mkdtemp, not a fixed file
    in_memory: Path | None = None
    if memory.is_dir() and os.access(memory, os.W_OK):
        in_memory = Path(tempfile.mkdtemp(prefix="seoulcal-bench-", dir=memory)) / "site"
        contenders.insert(
            1,
            Contender(
                TMPFS_NAME,
                [*SEOULCAL, "build", str(in_memory), "--trip", str(trip), "--base-url", BASE_URL],
                before=fresh(in_memory),
                after=lambda: checked.update(tmpfs=check_site(trip, in_memory, limit=200)),
                env=env,
            ),
        )
    # The file system's share: the same files created from memory, without rendering anything.
    source = work / "w2-floor-source"
    clear(source)
    subprocess.run(
        [*SEOULCAL, "build", str(source), "--trip", str(trip), "--base-url", BASE_URL],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    floor = work / "w2-floor"
    contenders.append(
        Contender(
            FLOOR_NAME,
            [PY, str(BENCH / "write_only.py"), str(source), str(floor)],
            before=fresh(floor),
            after=lambda: check_copy(source, floor),
        )
    )
    if have_node_peer():
        contenders.append(
            Contender(
                "ical-generator 11 (Node.js)",
                ["node", str(BENCH / "peer.mjs"), str(trip), str(peer)],
                before=fresh(peer),
                after=lambda: check_count(peer, calendars),
            )
        )
    try:
        results = race(contenders, cfg.runs, timeout=cfg.timeout, log="W2")
    finally:
        if in_memory is not None:
            shutil.rmtree(in_memory.parent, ignore_errors=True)
    # The rebuild with no change, on the site the last timed build left.
    rebuild = rebuild_no_change(cfg, trip, site, env)
    return {
        "members": members,
        "events": events,
        "calendars": calendars,
        "vevents": vevents,
        "results": results,
        "checked": checked,
        "rebuild": rebuild,
        "trip": trip,
        "site": site,
    }


def rebuild_no_change(cfg: Config, trip: Path, site: Path, env: dict[str, str]) -> dict:
    if not (site / "index.html").exists():
        return {"error": "no built site"}
    before = snapshot(site)
    cmd = [*SEOULCAL, "build", str(site), "--trip", str(trip), "--base-url", BASE_URL]
    result = race(
        [Contender("seoulcal build (rebuild, no change)", cmd, env=env)],
        cfg.runs,
        timeout=cfg.timeout,
        log="W3 rebuild",
    )[0]
    after = snapshot(site)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {"result": result, "changed": changed, "files": len(before)}


def w3(cfg: Config, work: Path) -> dict:
    print("W3 scaling", flush=True)
    env = build_env()
    rows: list[dict] = []
    sizes = [(m, cfg.scale_events, "members") for m in cfg.members]
    sizes += [(cfg.scale_members, e, "events") for e in cfg.events]
    for members, events, axis in sizes:
        trip = trip_file(work, members, events)
        calendars, vevents = member_event_count(trip)
        site = work / f"w3-site-{members}x{events}"
        eo = work / f"w3-export-{members}x{events}"
        peer = work / f"w3-peer-{members}x{events}"
        limit = min(cfg.check_limit, 200)

        def fresh(path: Path):  # noqa: ANN202
            return lambda: clear(path)

        contenders = [
            Contender(
                "seoulcal build",
                [*SEOULCAL, "build", str(site), "--trip", str(trip), "--base-url", BASE_URL],
                before=fresh(site),
                after=lambda t=trip, s=site, n=limit: check_site(t, s, limit=n),
                env=env,
            ),
            Contender(
                "export only",
                [PY, str(BENCH / "export_only.py"), str(trip), str(eo)],
                before=fresh(eo),
                after=lambda t=trip, e=eo, n=limit: check_export(t, e, limit=n),
            ),
        ]
        if have_node_peer():
            contenders.append(
                Contender(
                    "ical-generator",
                    ["node", str(BENCH / "peer.mjs"), str(trip), str(peer)],
                    before=fresh(peer),
                )
            )
        results = race(contenders, cfg.slow_runs, timeout=cfg.timeout, log=f"W3 {members}x{events}")
        rows.append(
            {
                "members": members,
                "events": events,
                "axis": axis,
                "calendars": calendars,
                "vevents": vevents,
                "results": results,
            }
        )
        for path in (site, eo, peer):
            shutil.rmtree(path, ignore_errors=True)
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
        "shares its parent's pages). Each output folder is deleted, and the file systems "
        "flushed, before each timed run; seoulcal is byte-compiled first, as `pip install` "
        "does. Every calendar seoulcal wrote in a timed run was compared byte for byte with "
        "`trip.to_ics(member=…, lang=…)` "
        f"(all members up to {cfg.check_limit}, an even sample above)."
    )
    add("")

    # Targets
    targets = []
    if "w1" in data:
        res = {r.name: r for r in data["w1"]["results"]}
        floor = next(r for n, r in res.items() if "(floor)" in n)
        fair = next(r for n, r in res.items() if "fair floor" in n)
        export = next(r for n, r in res.items() if n.startswith("seoulcal export"))
        model = res.get(MODEL_FLOOR_NAME)
        model_note = ""
        if model is not None and model.ok and floor.ok and export.ok:
            model_note = (
                f"; one pydantic model alone is {model.median / floor.median:.2f}× the floor, "
                f"and seoulcal export {export.median / model.median:.2f}× that"
            )
        if floor.ok and export.ok:
            ratio = export.median / floor.median
            targets.append(
                (
                    "W1 `seoulcal export` within 1.5× of `import icalendar, pydantic`",
                    f"{fmt_s(export.median)} vs {fmt_s(floor.median)}: **{ratio:.2f}×** "
                    f"({export.median / fair.median:.2f}× the fair floor{model_note})",
                    ratio <= 1.5,
                )
            )
    if "w2" in data:
        res = {r.name: r for r in data["w2"]["results"]}
        build = res.get("seoulcal build")
        base = res.get("baseline: icalendar from scratch")
        basec = res.get("baseline, VTIMEZONEs cached")
        peer = res.get("ical-generator 11 (Node.js)")
        if build is not None and build.ok:
            floor = res.get(FLOOR_NAME)
            tmpfs = res.get(TMPFS_NAME)
            notes = []
            if tmpfs is not None and tmpfs.ok:
                notes.append(f"into tmpfs {fmt_s(tmpfs.median)}")
            if floor is not None and floor.ok:
                notes.append(f"creating the same files alone {fmt_s(floor.median)}")
            detail = f" ({'; '.join(notes)})" if notes else ""
            targets.append(
                ("W2 build under 2 s", f"{fmt_s(build.median)}{detail}", build.median < 2)
            )
            targets.append(("W2 build under 300 MB peak", f"{build.rss:.0f} MB", build.rss < 300))
            if base is not None and base.ok:
                speed = base.median / build.median
                extra = ""
                if basec is not None and basec.ok:
                    extra = f" ({basec.median / build.median:.1f}× the cached-VTIMEZONE baseline)"
                targets.append(
                    (
                        "W2 at least 5× faster than the icalendar baseline",
                        f"**{speed:.1f}×**{extra}",
                        speed >= 5,
                    )
                )
            if peer is not None and peer.ok:
                targets.append(
                    (
                        "W2 ahead of ical-generator",
                        f"{fmt_s(build.median)} vs {fmt_s(peer.median)} "
                        f"(**{peer.median / build.median:.2f}×**)",
                        build.median < peer.median,
                    )
                )
        elif build is not None:
            targets.append(("W2 build", f"failed: {build.error}", False))
        rb = data["w2"].get("rebuild", {})
        if "result" in rb and rb["result"].ok and build is not None and build.ok:
            frac = rb["result"].median / build.median
            targets.append(
                (
                    "W3 rebuild with no change: at most 25 % of a build, no file rewritten",
                    f"{fmt_s(rb['result'].median)} = {frac:.0%} of a build; "
                    f"{len(rb['changed'])} of {rb['files']} files touched",
                    frac <= 0.25 and not rb["changed"],
                )
            )
    if "w3" in data:
        rows = data["w3"]["rows"]
        for axis in ("members", "events"):
            s = slope(rows, axis, "seoulcal build")
            if s != "–":
                worst = max(float(x) for x in s.split(" → "))
                targets.append(
                    (f"W3 build linear in {axis} (log-log slope ≤ 1.1 per step)", s, worst <= 1.1)
                )
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
                errs == 0 and ok_runs,
            )
        )
        for mode in ("200 full", "304 revalidation"):
            if mode in ours and mode in ref:
                targets.append(
                    (
                        f"W4 {mode}: ratio to nginx (reported, no target)",
                        f"{ours[mode]['rps']:.0f} vs {ref[mode]['rps']:.0f} req/s = "
                        f"{ours[mode]['rps'] / ref[mode]['rps']:.2f}×",
                        None,
                    )
                )
    add("## Targets")
    add("")
    add("| target | measured | verdict |")
    add("|---|---|---|")
    for name, measured, ok in targets:
        add(f"| {name} | {measured} | {verdict(ok) if ok is not None else 'reported'} |")
    add("")

    header = "| command | median | min | max | peak RSS | runs |"
    rule = "|---|---|---|---|---|---|"
    if "w1" in data:
        add("## W1 start-up")
        add("")
        add(
            "`seoulcal export` of the built-in trip (written to /dev/null), beside the floors. "
            "`import pydantic` alone is lazy (it loads `pydantic_core` but not `BaseModel`), "
            "so `from pydantic import BaseModel` is a fairer floor; the smallest use of a "
            "pydantic model (one class with one field, validated once) also loads "
            "`pydantic.types`, `annotated_types` and pydantic's plugin loader "
            "(`importlib.metadata`). The target keeps the issue's floor."
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
            f"A synthetic trip (`bench/gen_trip.py`): {w['calendars']:,} member calendars "
            f"(both languages) holding {w['vevents']:,} VEVENTs. `seoulcal build` writes the "
            "whole site (public and member calendars, one-event files, HTML pages, revision "
            "state, atomic swap); the other rows write only the member calendars, so they do "
            "less work than the build. Events per second counts the member calendars' VEVENTs. "
            "The floor row creates the build's folders and files again from memory, in one "
            "process: what the file system alone costs in this folder."
        )
        add("")
        add("| command | median | min | max | peak RSS | runs | events/s | vs baseline |")
        add("|---|---|---|---|---|---|---|---|")
        base = next((r for r in w["results"] if r.name.startswith("baseline: ")), None)
        for r in w["results"]:
            extra = []
            if r.ok and r.name == FLOOR_NAME:
                extra = ["–", "–"]
            elif r.ok:
                extra.append(f"{w['vevents'] / r.median:,.0f}")
                extra.append(f"{base.median / r.median:.1f}×" if base and base.ok else "–")
            else:
                extra = ["", ""]
            add(result_row(r, extra))
        add("")
        for key, count in w["checked"].items():
            add(f"* {key}: {count:,} calendars compared with `trip.to_ics`, all identical.")
        add("")
        if "w2.png" in made:
            add(f"![W2]({rel}/w2.png)")
            add("")
        rb = w.get("rebuild", {})
        if "result" in rb:
            add("### Rebuild with no change")
            add("")
            add(header)
            add(rule)
            add(result_row(rb["result"]))
            add("")
            add(
                f"Files changed (inode, modification time or size) across all rebuilds: "
                f"{len(rb['changed'])} of {rb['files']}"
                + (f" (e.g. {', '.join(rb['changed'][:5])})" if rb["changed"] else "")
                + "."
            )
            add("")
    if "w3" in data:
        add("## W3 scaling")
        add("")
        add("| members | events | VEVENTs | command | median | min | max | peak RSS | runs |")
        add("|---|---|---|---|---|---|---|---|---|")
        for row in data["w3"]["rows"]:
            for r in row["results"]:
                if r.ok:
                    add(
                        f"| {row['members']:,} | {row['events']:,} | {row['vevents']:,} "
                        f"| {r.name} | "
                        f"{fmt_s(r.median)} | {fmt_s(r.low)} | {fmt_s(r.high)} | {r.rss:.0f} MB | "
                        f"{len(r.samples)} |"
                    )
                else:
                    add(
                        f"| {row['members']:,} | {row['events']:,} | {row['vevents']:,} "
                        f"| {r.name} | "
                        f"{r.error} | | | | |"
                    )
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
    parser.add_argument("--only", help="comma-separated subset of w1,w2,w3,w4,profile,channels")
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
    args = parser.parse_args()
    cfg = SMOKE if args.smoke else FULL
    cfg.client = args.client
    cfg.no_nginx = args.no_nginx
    if args.runs:
        cfg.runs = cfg.slow_runs = args.runs
        cfg.w1_runs = max(args.runs, 3)
    only = set((args.only or "w1,w2,w3,w4,profile,channels").split(","))
    # Not in /tmp: on the machine this suite was written on, /tmp lies where creating a file
    # costs about 0.5 ms (20 times more than elsewhere on the same disk), which swamps a build.
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix=".work-", dir=BENCH))
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
        result = run()
        saved.write_bytes(pickle.dumps(result))
        return result

    try:
        if "w1" in only:
            data["w1"] = step("w1", lambda: w1(cfg))
        if "w2" in only or "w4" in only:
            data["w2"] = step("w2", lambda: w2(cfg, work))
            failed += [f"W2 {r.name}: {r.error}" for r in data["w2"]["results"] if not r.ok]
            rebuild = data["w2"]["rebuild"]
            if "result" not in rebuild or not rebuild["result"].ok:
                failed.append(f"rebuild: {rebuild.get('error') or rebuild['result'].error}")
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
        if "w3" in only:
            data["w3"] = step("w3", lambda: w3(cfg, work))
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
