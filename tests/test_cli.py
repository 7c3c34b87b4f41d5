"""The command line: outputs, exit codes, and no partial or damaged files on bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import wcwidth

import seoulcal
import seoulcal.tripfile
from seoulcal import cli
from seoulcal.publish import build_site, read_secret
from seoulcal.publish.folder import FolderTarget

BAD_TRIP = """
id = "bad"
zone = "America/Las_Vegas"
home_zone = "Asia/Seoul"
revised = "2024-01-01T00:00:00Z"
name = { ko = "가", en = "A" }
organizer = { name = { ko = "가", en = "A" } }
[[events]]
id = "e"
title = { ko = "가", en = "A" }
time = { start = "2024-01-09T11:00[America/Los_Angeles]", end = "2024-01-09T10:00[America/Los_Angeles]" }
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_writes_the_calendar_to_stdout(capsysbinary, ces):
    assert cli.main(["export"]) == 0
    assert capsysbinary.readouterr().out == ces.to_ics()


def test_export_to_a_file_for_a_member_in_english(tmp_path, ces, capsys):
    target = tmp_path / "aide.ics"
    code, out, err = run(capsys, "export", "--member", "aide", "--lang", "en", "-o", str(target))
    assert (code, out, err) == (0, "", "")
    assert target.read_bytes() == ces.to_ics(member="aide", lang="en")
    assert [p.name for p in tmp_path.iterdir()] == ["aide.ics"]  # no temporary file left behind


def test_an_invalid_trip_exits_2_names_the_problem_and_writes_nothing(tmp_path, capsys):
    trip = tmp_path / "bad.toml"
    trip.write_text(BAD_TRIP, encoding="utf-8")
    target = tmp_path / "out.ics"
    code, out, err = run(capsys, "export", "--trip", str(trip), "-o", str(target))
    assert code == 2
    assert out == ""
    assert f"{trip}: invalid trip (2 problems)" in err
    assert "zone: unknown time zone 'America/Las_Vegas'" in err
    assert 'events[0] "e" → time: end' in err
    assert not target.exists()


def test_an_existing_output_file_is_never_damaged(tmp_path, capsys, monkeypatch):
    target = tmp_path / "trip.ics"
    target.write_bytes(b"previous calendar")
    trip = tmp_path / "bad.toml"
    trip.write_text(BAD_TRIP, encoding="utf-8")
    assert run(capsys, "export", "--trip", str(trip), "-o", str(target))[0] == 2
    assert target.read_bytes() == b"previous calendar"

    # A failure while writing leaves the old file too, and no temporary file.
    def disk_full(fd: int) -> None:
        raise OSError(28, "disk full")

    monkeypatch.setattr(os, "fsync", disk_full)
    code, _, err = run(capsys, "export", "-o", str(target))
    assert code == 1
    assert "disk full" in err
    assert target.read_bytes() == b"previous calendar"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "trip.ics"]


def test_an_output_folder_that_does_not_exist_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "export", "-o", str(tmp_path / "no" / "such" / "x.ics"))
    assert code == 2
    assert "does not exist" in err


def test_an_unknown_member_exits_2(capsys):
    code, out, err = run(capsys, "export", "--member", "ghost")
    assert (code, out) == (2, "")
    assert "no member 'ghost'" in err
    assert "aide" in err


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["export", "--lang", "fr"])
    assert caught.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        cli.main(["frobnicate"])
    assert caught.value.code == 2


_SAMPLES = {
    "export": [[], ["--member", "mayor", "--lang", "en", "-o", "x.ics"], ["--lang", "fr"]],
    "agenda": [["--tz", "Asia/Seoul", "--format", "csv", "-o", "a.csv"], ["--format", "pdf"]],
    "members": [["--lang", "en", "--format", "xlsx", "-o", "m.xlsx"], ["--bogus"]],
    "import": [["--trip", "t.toml", "--events", "e.xlsx#일정"], []],
    "print": [["--member", "mayor", "--page-url", "https://x.example/", "-o", "p.pdf"], []],
    "check": [["--trip", "t.toml"], ["extra"]],
    "schema": [["-o", "s.json"], ["--trip", "t.toml"]],
    "build": [["site", "--jobs", "2", "--keep-cancelled", "3.5", "--print"], ["--jobs", "x"]],
    "serve": [[], ["site", "--port", "0", "--quiet"], ["--interval", "soon"]],
    "invite": [["--state", "s.json", "--outbox", "o", "--dry-run"], ["--state", "s.json"]],
}


def _parsed(parser, words, capsys):
    try:
        found = vars(parser.parse_args(words))
    except SystemExit as stop:
        found = {"exit": stop.code}
    return found, capsys.readouterr()


@pytest.mark.parametrize("name", [name for name, *_ in cli._COMMANDS])
def test_a_commands_own_parser_reads_its_words_as_the_whole_parser_does(name, capsys):
    assert set(_SAMPLES) == {name for name, *_ in cli._COMMANDS}  # every command is sampled
    whole, alone = cli.build_parser(), cli.build_parser(name)
    for words in [*([name, *sample] for sample in _SAMPLES[name]), [name, "--help"]]:
        assert _parsed(alone, words, capsys) == _parsed(whole, words, capsys), words
    assert cli._command_in(["--version"]) is None
    assert cli._command_in([name, "--trip", "export"]) == name
    assert cli._command_in(["expor"]) is None  # a wrong name: the whole parser says so


def test_an_unexpected_fault_exits_1(capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr(seoulcal.Trip, "to_ics", boom)
    code, out, err = run(capsys, "export")
    assert (code, out) == (1, "")
    assert "unexpected error (a bug in seoulcal, please report it)" in err
    assert "RuntimeError: something broke" in err


def test_an_internal_error_exits_1_and_says_it_is_a_bug(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise seoulcal.InternalError("the VTIMEZONE made for X disagrees")

    monkeypatch.setattr(seoulcal.Trip, "to_ics", broken)
    code, out, err = run(capsys, "export")
    assert (code, out) == (1, "")
    assert "a bug in seoulcal" in err
    assert "the VTIMEZONE made for X disagrees" in err


def test_a_publishing_error_names_the_option_that_gave_the_input(capsys, tmp_path):
    code, _, err = run(capsys, "build", str(tmp_path / "site"), "--base-url", "ftp://x.org/")
    assert code == 2
    assert err.startswith("seoulcal: --base-url: the base URL 'ftp://x.org/'")
    code, _, err = run(capsys, "build", str(tmp_path / "nope" / "site"))
    assert code == 2
    assert "its parent folder" in err
    assert not (tmp_path / "nope").exists()


def test_agenda_shows_local_and_seoul_time(capsys):
    code, out, _ = run(capsys, "agenda", "--lang", "en")
    assert code == 0
    line = next(line for line in out.splitlines() if "Opening of the Seoul Pavilion" in line)
    assert "2024-01-09 (Tue) 11:00–12:00 PST" in line
    assert "2024-01-10 (Wed) 04:00–05:00 KST" in line
    assert "≈ time to be confirmed" in out


def test_agenda_in_another_zone(capsys):
    code, out, _ = run(capsys, "agenda", "--tz", "Europe/Berlin", "--member", "aide")
    assert code == 0
    assert "Europe/Berlin 시각" in out
    assert "2024-01-09 (화) 20:00–21:00 CET" in out


def test_agenda_with_an_unknown_zone_exits_2(capsys):
    code, out, err = run(capsys, "agenda", "--tz", "America/Las_Vegas")
    assert (code, out) == (2, "")
    assert "--tz: unknown time zone 'America/Las_Vegas'" in err


def test_members_lists_the_roster(capsys, ces):
    code, out, _ = run(capsys, "members")
    assert code == 0
    for member in ces.members:
        assert member.id in out
    assert "situation-room" in out
    assert out.splitlines()[0].split() == [
        "ID",
        "NAME",
        "ROLE",
        "LANG",
        "GROUPS",
        "EVENTS",
        "ILLUSTRATIVE",
    ]


def test_check_passes_the_built_in_trip_and_fails_a_bad_one(tmp_path, capsys):
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "ok (12 events, 7 members, 7 venues)" in out
    trip = tmp_path / "bad.toml"
    trip.write_text(BAD_TRIP, encoding="utf-8")
    code, out, err = run(capsys, "check", "--trip", str(trip))
    assert (code, out) == (2, "")
    assert str(trip) in err


def test_schema_is_json(capsys):
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert json.loads(out)["title"] == "Trip"


def test_the_installed_command_and_python_m_work(tmp_path):
    for command in (
        [sys.executable, "-m", "seoulcal"],
        [str(Path(sys.executable).parent / "seoulcal")],
    ):
        if not Path(command[0]).exists():
            continue
        result = subprocess.run([*command, "export", "-o", "trip.ics"], cwd=tmp_path, check=False)
        assert result.returncode == 0
        assert (tmp_path / "trip.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
        piped = subprocess.run([*command, "export"], capture_output=True, check=False)
        assert piped.stdout == (tmp_path / "trip.ics").read_bytes()  # flushed whole at exit
        result = subprocess.run(
            [*command, "export", "--member", "x"], cwd=tmp_path, capture_output=True, check=False
        )
        assert result.returncode == 2
        assert result.stdout == b""


def test_the_program_runs_main_and_leaves_its_objects_to_the_system(monkeypatch, capsys):
    frozen: list[str] = []
    monkeypatch.setattr(cli.gc, "freeze", lambda: frozen.append("frozen"))
    monkeypatch.setattr(sys, "argv", ["seoulcal", "export", "--member", "x"])
    assert cli.run() == 2
    assert frozen == ["frozen"]
    assert "no member 'x'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["seoulcal", "--version"])
    with pytest.raises(SystemExit) as done:  # argparse ends the program itself
        cli.run()
    assert (done.value.code, frozen) == (0, ["frozen", "frozen"])


def test_the_console_script_and_python_m_run_the_program():
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["scripts"] == {"seoulcal": "seoulcal.cli:run"}
    installed = metadata.entry_points(group="console_scripts", name="seoulcal")
    assert [entry.value for entry in installed] == ["seoulcal.cli:run"], (
        "reinstall: pip install -e ."
    )
    main_module = Path(cli.__file__).with_name("__main__.py").read_text("utf-8")
    assert "raise SystemExit(run())" in main_module


def test_a_closed_pipe_is_not_an_error():
    script = "import seoulcal.cli as c; raise SystemExit(c.main(['export']))"
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        process.stdout.close()  # before the child has imported anything, so its write fails
        _, err = process.communicate()
    assert process.returncode == 0
    assert b"Traceback" not in err


# --- hardening (issue 8) ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["newdir/", "newdir" + os.sep, "out/sub/"])
def test_export_to_a_folder_name_is_a_usage_error_and_creates_nothing(
    tmp_path, capsys, monkeypatch, target
):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "export", "-o", target)
    assert (code, out) == (2, "")
    assert "is a folder" in err
    assert list(tmp_path.iterdir()) == []


def test_a_trip_with_a_year_out_of_range_exits_2_naming_the_field(tmp_path, capsys):
    trip = tmp_path / "far.toml"
    trip.write_text(
        BAD_TRIP.replace("America/Las_Vegas", "America/Los_Angeles").replace(
            'time = { start = "2024-01-09T11:00[America/Los_Angeles]", '
            'end = "2024-01-09T10:00[America/Los_Angeles]" }',
            "time = { first = 9999-12-31 }",
        ),
        encoding="utf-8",
    )
    for command in ("check", "export", "agenda"):
        code, out, err = run(capsys, command, "--trip", str(trip))
        assert (code, out) == (2, ""), err
        assert 'events[0] "e" → time.first: year 9999 is outside' in err
        assert "unexpected" not in err


WIDE_TRIP = """
id = "wide"
zone = "America/Los_Angeles"
home_zone = "Asia/Seoul"
revised = "2024-01-01T00:00:00Z"
name = { ko = "가", en = "A" }
organizer = { name = { ko = "가", en = "A" } }

[[venues]]
id = "hall"
name = { ko = "Cafe\u0301 q\u0303 홀", en = "Cafe\u0301 q\u0303 Hall" }
zone = "America/Los_Angeles"

[[members]]
id = "jose"
name = { ko = "Jose\u0301 Nun\u0303ez", en = "Jose\u0301 Nun\u0303ez" }
role = { ko = "q\u0303\u0323 통역", en = "Interpreter" }

[[members]]
id = "kim"
name = { ko = "김민준", en = "Kim" }
role = { ko = "비서 👩\u200d💻", en = "Aide" }
language = "en"

[[members]]
id = "ann"
name = { ko = "Ann", en = "Ann" }
role = { ko = "\u1100\u1161\u11a8 본부", en = "HQ" }

[[events]]
id = "e"
title = { ko = "Re\u0301union q\u0303 회의", en = "Re\u0301union q\u0303" }
time = { start = "2024-01-09T11:00[America/Los_Angeles]", end = "2024-01-09T12:00[America/Los_Angeles]" }
venue = "hall"

[[events]]
id = "f"
title = { ko = "개막", en = "Opening" }
time = { start = "2024-01-10T11:00[America/Los_Angeles]", end = "2024-01-10T12:00[America/Los_Angeles]" }
venue = "hall"
"""


def _column_starts(line: str) -> list[int]:
    """Return where each cell of *line* starts, in the cells a terminal shows (wcwidth).

    Cells are runs of words with single spaces between; columns are two spaces or more apart.
    """
    return [wcwidth.wcswidth(line[: m.start()]) for m in re.finditer(r"\S+(?: \S+)*", line)]


def _columns_line_up(table: str) -> None:
    """Check that every row's columns start where the header's do, as a terminal shows them."""
    lines = [line for line in table.splitlines() if line.strip()]
    expected = _column_starts(lines[0])
    assert len(expected) > 1
    for line in lines[1:]:
        if set(line) <= {"-", " "}:
            continue
        assert _column_starts(line) == expected[: len(_column_starts(line))], line


def test_members_pads_by_what_a_terminal_shows(tmp_path, capsys):
    trip = tmp_path / "wide.toml"
    trip.write_text(WIDE_TRIP, encoding="utf-8")
    code, out, err = run(capsys, "members", "--trip", str(trip))
    assert code == 0, err
    assert "José Nuñez" in out  # NFC: one code point per letter
    _columns_line_up(out)


def test_agenda_pads_by_what_a_terminal_shows(tmp_path, capsys):
    trip = tmp_path / "wide.toml"
    trip.write_text(WIDE_TRIP, encoding="utf-8")
    for lang in ("ko", "en"):
        code, out, err = run(capsys, "agenda", "--trip", str(trip), "--lang", lang)
        assert code == 0, err
        _columns_line_up(out.split("\n\n")[1])


# --- build: a rebuild with nothing new answers from the record ----------------------------------

_BUILD = """
import sys
from seoulcal.cli import main
code = main(sys.argv[1:])
loaded = [name for name in ("pydantic", "icalendar", "seoulcal.model") if name in sys.modules]
sys.stderr.write("loaded: " + (" ".join(loaded) or "-") + "\\n")
raise SystemExit(code)
"""
CES_TOML = Path(seoulcal.__file__).parent / "trips" / "ces2024.toml"
BASE = "https://trips.example.org/ces2024/"


def build_cli(*argv: str | Path, env: dict[str, str] | None = None) -> tuple[str, str, bool]:
    """Run ``seoulcal build`` in a new process; return stdout, stderr and whether it loaded the
    model (pydantic, icalendar or seoulcal.model: the full path)."""
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, "build", *map(str, argv)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, **(env or {})},
        cwd=Path(argv[0]).parent,  # not the checkout: `python -c` imports from its folder first
    )
    assert done.returncode == 0, done.stderr
    *err, loaded = done.stderr.splitlines()
    return done.stdout, "\n".join(err), loaded != "loaded: -"


def site_files(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file of the site: bytes, inode, modification time."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), *_identity(path))
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


@pytest.fixture
def site(tmp_path):
    """A site built from a trip file with a secret, and the options that built it."""
    trip = tmp_path / "trip.toml"
    trip.write_bytes(CES_TOML.read_bytes())
    secret = tmp_path / "secret"
    secret.write_text("a-secret-of-the-cli-tests-0123456789\n")
    root = tmp_path / "site"
    options = [root, "--trip", trip, "--base-url", BASE, "--secret-file", secret]
    out, _, full = build_cli(*options)
    assert full
    assert "files written" in out
    return root, options


def test_a_rebuild_with_nothing_new_loads_no_pydantic_and_says_what_a_full_one_says(site):
    root, options = site
    before = site_files(root)
    fast, fast_err, full = build_cli(*options)
    assert not full  # neither pydantic nor icalendar (nor the model) was imported
    assert fast.startswith(f"{root}: up to date, no file touched\n")
    assert site_files(root) == before
    # The same build the long way (no record: it renders and compares every file) says the same.
    (root.parent / ".site.lock").unlink()
    slow, slow_err, full = build_cli(*options)
    assert full
    assert (slow, slow_err) == (fast, fast_err)
    assert site_files(root) == before
    assert "MEMBER" in fast
    assert len(re.findall(rf"^\S+ +{re.escape(BASE)}m/\S+/$", fast, flags=re.MULTILINE)) == 7
    again, again_err, full = build_cli(*options)
    assert not full
    assert (again, again_err) == (fast, fast_err)


def test_a_rebuild_of_the_built_in_trip_without_options_is_fast_and_warns_as_before(tmp_path):
    root = tmp_path / "site"
    env = {"SEOULCAL_SECRET": ""}
    first, _, _ = build_cli(root, env=env)
    fast, fast_err, full = build_cli(root, env=env)
    assert not full
    assert "NO SECRET" in fast_err
    assert "no base URL" in fast_err
    (tmp_path / ".site.lock").unlink()
    assert build_cli(root, env=env)[:2] == (fast, fast_err)
    assert first.splitlines()[1:] == fast.splitlines()[1:]  # the same addresses


def _edit_trip(root, options):
    trip = Path(options[2])
    trip.write_bytes(trip.read_bytes() + b"\n# edited, the same trip\n")
    return options, "up to date"


def _move_an_event(root, options):
    trip = Path(options[2])
    text = trip.read_text("utf-8")
    assert text.count("T11:00[America/Los_Angeles]") >= 1
    trip.write_text(text.replace("T11:00[America/Los_Angeles]", "T11:30[America/Los_Angeles]", 1))
    return options, "files written"


def _other_base_url(root, options):
    return [*options[:4], "https://trips.example.org/elsewhere/", *options[5:]], "files written"


def _other_secret(root, options):
    secret = root.parent / "secret2"
    secret.write_text("another-secret-of-the-cli-tests-0123\n")
    return [*options[:6], secret], "files written"


def _keep_cancelled(root, options):
    return [*options, "--keep-cancelled", "7"], "up to date"


def _edit_a_site_file(root, options):
    feed = root / "ces2024.ko.ics"
    data = feed.read_bytes()
    feed.write_bytes(data.replace(b"SEQUENCE:0", b"SEQUENCE:9", 1))
    assert len(feed.read_bytes()) == len(data)
    return options, "1 files written"


def _touch_a_site_file(root, options):
    feed = root / "ces2024.ko.ics"
    os.utime(feed, ns=(feed.stat().st_atime_ns, feed.stat().st_mtime_ns + 1_000_000_000))
    return options, "up to date"  # the same bytes: the build compares them and keeps the file


def _remove_a_site_file(root, options):
    (root / "ces2024.en.ics").unlink()
    return options, "1 files written"


def _add_a_site_file(root, options):
    (root / "extra.html").write_text("hello")
    return options, "1 removed"


def _older_record(root, options):
    lock = root.parent / ".site.lock"
    record = json.loads(lock.read_bytes())
    lock.write_text(json.dumps({**record, "format": "seoulcal-build/1"}))
    return options, "up to date"


def _cut_record(root, options):
    lock = root.parent / ".site.lock"
    data = lock.read_bytes()
    lock.write_bytes(data[: len(data) // 2])
    return options, "up to date"


def _upgraded_seoulcal(root, options):
    copy = root.parent / "upgraded"
    (copy / "seoulcal").mkdir(parents=True)
    source = Path(seoulcal.__file__).parent
    for path in source.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            target = copy / "seoulcal" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    wording = copy / "seoulcal" / "wording.py"
    wording.write_bytes(wording.read_bytes() + b"\n# the next release\n")
    # Members' states record the software's digest (to keep their files unread): any answer.
    return options, "", {"PYTHONPATH": str(copy)}


def _other_zone_data(root, options):
    zones = root.parent / "zones"
    zones.mkdir()
    (zones / "tzdata.zi").write_text("# version 2099z\n")  # other zone data comes first
    # The zones then come from the tzdata package, which may differ from the system's: any answer.
    return options, "", {"PYTHONTZPATH": str(zones)}


@pytest.mark.parametrize(
    "change",
    [
        _edit_trip,
        _move_an_event,
        _other_base_url,
        _other_secret,
        _keep_cancelled,
        _edit_a_site_file,
        _touch_a_site_file,
        _remove_a_site_file,
        _add_a_site_file,
        _older_record,
        _cut_record,
        _upgraded_seoulcal,
        _other_zone_data,
    ],
)
def test_anything_that_could_make_the_answer_stale_takes_the_full_build(site, change):
    root, options = site
    assert not build_cli(*options)[2]  # settled: the record answers
    options, says, *env = change(root, options)
    out, _, full = build_cli(*options, env=env[0] if env else None)
    assert full
    assert says in out.splitlines()[0]
    out, _, full = build_cli(*options, env=env[0] if env else None)
    assert not full  # that build recorded the new inputs
    assert "up to date" in out.splitlines()[0]


class _FullDisk(FolderTarget):
    """A folder whose disk is full: the build fails at its first new file."""

    def write(
        self,
        path: Path,  # noqa: ARG002 - as the method it replaces
        data: bytes,  # noqa: ARG002 - same
        *,
        after: float | None,  # noqa: ARG002 - same
        over: bool = False,  # noqa: ARG002 - same
    ) -> None:
        raise OSError(28, "No space left on device")


def test_a_build_that_failed_half_way_leaves_no_record_to_answer_from(site):
    root, options = site
    assert not build_cli(*options)[2]
    before = site_files(root)
    trip = seoulcal.load_trip(options[2])
    moved = trip.model_copy(update={"revised": trip.revised.replace(year=2025)})
    secret = read_secret(options[6])
    with pytest.raises(OSError, match="No space"):
        build_site(moved, _FullDisk(root), base_url=BASE, secret=secret)
    assert site_files(root) == before
    out, _, full = build_cli(*options)
    assert full
    assert "up to date" in out.splitlines()[0]


def roster_trip(folder: Path) -> tuple[Path, Path]:
    """Write the built-in trip with its members in a CSV roster; return the trip and roster."""
    roster = folder / "roster.csv"
    roster.write_bytes(
        subprocess.run(
            [sys.executable, "-m", "seoulcal", "members", "--format", "csv"],
            capture_output=True,
            check=True,
        ).stdout
    )
    lines = CES_TOML.read_text("utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("[[members]]"))
    after = next(i for i, line in enumerate(lines) if line.startswith("[[events]]"))
    trip = folder / "trip.toml"
    trip.write_text('members = "roster.csv"\n' + "".join(lines[:first] + lines[after:]), "utf-8")
    return trip, roster


def test_a_trip_whose_table_changed_takes_the_full_build(tmp_path):
    trip, roster = roster_trip(tmp_path)
    root = tmp_path / "site"
    options = [root, "--trip", trip, "--base-url", BASE]
    assert build_cli(*options)[2]
    assert not build_cli(*options)[2]
    roster.write_bytes(roster.read_bytes().replace(b"\nmayor,", b"\nthe-mayor,"))
    out, _, full = build_cli(*options)
    assert full
    assert "the-mayor" in out
    assert not build_cli(*options)[2]


def test_a_build_loads_the_table_bytes_it_digested(tmp_path, monkeypatch, capsys):
    # The build digests the tables before it loads the trip: an edit in between must not give a
    # site made from the new roster under a record of the old one's digest (put back, the old
    # roster would be answered from it). The build loads the bytes it digested.
    trip, roster = roster_trip(tmp_path)
    before = roster.read_bytes()
    edited = before.replace(b"\nmayor,", b"\nthe-mayor,")
    real = seoulcal.tripfile.start_loading

    def edited_meanwhile(*args, **kwargs):
        roster.write_bytes(edited)
        return real(*args, **kwargs)

    monkeypatch.setattr(seoulcal.tripfile, "start_loading", edited_meanwhile)
    root = tmp_path / "site"
    code, out, _ = run(capsys, "build", str(root), "--trip", str(trip), "--base-url", BASE)
    assert code == 0
    assert "the-mayor" not in out  # made from the roster it digested
    assert "mayor " in out
    monkeypatch.undo()
    out, _, full = build_cli(root, "--trip", trip, "--base-url", BASE)
    assert full  # the edited roster is a change
    assert "the-mayor" in out
    roster.write_bytes(before)
    out, _, full = build_cli(root, "--trip", trip, "--base-url", BASE)
    assert full
    assert "the-mayor" not in out
    assert not build_cli(root, "--trip", trip, "--base-url", BASE)[2]


def test_a_build_into_a_folder_seoulcal_did_not_make_still_says_so(tmp_path, capsys):
    root = tmp_path / "site"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "build", str(root))
    assert code == 2
    assert "did not build" in err
