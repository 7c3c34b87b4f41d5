"""Trip files: errors name the file, item and field; the schema fits the files."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import seoulcal
from seoulcal import TripError, load_trip, tripfile
from seoulcal.tripfile import trip_schema_text

DOCS = Path(__file__).parent.parent / "docs"
BUILT_IN = resources.files("seoulcal").joinpath("trips", "ces2024.toml")


def test_the_built_in_trip_loads_from_its_file(tmp_path):
    path = tmp_path / "trip.toml"
    path.write_text(BUILT_IN.read_text("utf-8"), encoding="utf-8")
    assert load_trip(path) == seoulcal.ces2024()


def test_the_built_in_trip_follows_the_press_release():
    trip = seoulcal.ces2024()
    release = (Path(__file__).parent.parent / "seeds" / "000_e89f5d920099174e.txt").read_text(
        "utf-8"
    )
    assert len(trip.events) == 12
    for event in trip.events:
        assert event.source is not None, event.id
        assert event.source.quote in release, event.id  # quoted verbatim
    assert [m.id for m in trip.members if not m.illustrative] == ["mayor"]
    assert all(m.email is None for m in trip.members)
    opening = next(e for e in trip.events if e.id == "seoul-pavilion-opening")
    assert trip.timing(opening).start.isoformat() == "2024-01-09T11:00:00-08:00"


def test_errors_name_the_file_the_item_and_the_field(tmp_path):
    text = BUILT_IN.read_text("utf-8").replace(
        'end = "2024-01-09T19:00[America/Los_Angeles]"',
        'end = "2024-01-09T17:00[America/Los_Angeles]"',
    )
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TripError) as caught:
        load_trip(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid trip: ")
    assert 'events[6] "seoul-innovation-forum" → time: end 2024-01-09T17:00:00-08:00' in message


def test_a_toml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('id = "x"\nname = {ko = "가"\n', encoding="utf-8")
    with pytest.raises(TripError, match=r"broken.toml: invalid trip: not valid TOML: .*line 2"):
        load_trip(path)


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(TripError, match=r"nope.toml: invalid trip: cannot read the file"):
        load_trip(tmp_path / "nope.toml")


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "euc-kr.toml"
    path.write_bytes('id = "서울"\n'.encode("euc-kr"))
    with pytest.raises(TripError, match=r"not UTF-8 text \(byte 6\); save the file as UTF-8"):
        load_trip(path)


def test_a_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BUILT_IN.read_bytes())
    assert load_trip(path).id == "ces2024"


def test_the_schema_accepts_the_built_in_trip():
    schema = json.loads(trip_schema_text())
    data = tomllib.loads(BUILT_IN.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        json.loads(json.dumps(data, default=str))
    )


def test_the_schema_rejects_what_the_model_rejects():
    schema = json.loads(trip_schema_text())
    data = json.loads(json.dumps(tomllib.loads(BUILT_IN.read_text("utf-8")), default=str))
    del data["events"][0]["title"]
    data["events"][1]["titel"] = "x"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert len(errors) >= 2


def test_the_published_schema_is_current():
    assert (DOCS / "trip.schema.json").read_text("utf-8") == trip_schema_text(), (
        "run: python docs/generate.py"
    )


def test_the_generated_docs_are_current():
    result = subprocess.run(
        [sys.executable, str(DOCS / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- hardening (issue 8): strict types, TOML spellings, the supported years ---------------------

HEAD = """
id = "t"
zone = "America/Los_Angeles"
home_zone = "Asia/Seoul"
revised = "2024-01-01T00:00:00Z"
name = { ko = "가", en = "A" }
organizer = { name = { ko = "가", en = "A" } }
"""
VENUE = """
[[venues]]
id = "hall"
name = { ko = "홀", en = "Hall" }
zone = "America/Los_Angeles"
"""
MEMBER = """
[[members]]
id = "aide"
name = { ko = "가", en = "A" }
role = { ko = "가", en = "A" }
"""
EVENT = """
[[events]]
id = "e"
title = { ko = "가", en = "A" }
"""


def toml_problem(text: str) -> str:
    with pytest.raises(TripError) as caught:
        seoulcal.parse_trip(HEAD + text, source="t.toml")
    return str(caught.value)


# Spellings a trip file's author cannot act on: they are Python's.
PYTHON_WORDS = (
    "datetime(",
    "datetime.",
    "ZoneInfo(",
    "timedelta",
    "tuple",
    "dictionary",
    "instance",
)


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        (VENUE + 'latitude = "36.1215"\nlongitude = -115.1', "latitude", "is not a number"),
        (VENUE + "latitude = nan\nlongitude = -115.1", "latitude", "nan and inf"),
        (VENUE + "latitude = 36.1\nlongitude = inf", "longitude", "nan and inf"),
        (VENUE + "latitude = true\nlongitude = -115.1", "latitude", "is not a number"),
        (MEMBER + 'illustrative = "yes"', "illustrative", "write true or false"),
        (MEMBER + "illustrative = 1", "illustrative", "write true or false"),
        (MEMBER + 'language = "fr"', "language", '"ko" or "en"'),
        (MEMBER + 'groups = "team"', "groups", "write a list in brackets"),
        (MEMBER + "email = 5", "email", "write text in double quotes"),
        (
            EVENT
            + 'time = { start = "2024-01-09T11:00[Asia/Seoul]", end = "2024-01-09T12:00[Asia/Seoul]" }\nattendees = "everyone"',
            "attendees",
            "write a list",
        ),
        (
            EVENT.replace('title = { ko = "가", en = "A" }', 'title = "Opening"')
            + "time = { first = 2024-01-09 }",
            "title",
            '{ ko = "…", en = "…" }',
        ),
        (
            EVENT + "time = { start = 2024-01-09T11:00:00, end = 2024-01-09T12:00:00 }",
            "time.start",
            'as a string with its zone, such as "2024-01-09T11:00[America/Los_Angeles]"',
        ),
        (
            EVENT + "time = { start = 2024-01-09T11:00:00-08:00, end = 2024-01-09T12:00:00-08:00 }",
            "time.start",
            'with the zone of its place, such as "2024-01-09T11:00[America/Los_Angeles]"',
        ),
        (
            EVENT + 'time = { start = 2024-01-09, end = "2024-01-09T12:00[Asia/Seoul]" }',
            "time.start",
            "time = { first = 2024-01-09 }",
        ),
        (
            EVENT + 'time = { start = 11:00:00, end = "2024-01-09T12:00[Asia/Seoul]" }',
            "time.start",
            "a time of day without a date",
        ),
        (
            EVENT
            + 'time = { start = "2024-01-09T11:00:00.5[Asia/Seoul]", end = "2024-01-09T12:00[Asia/Seoul]" }',
            "time.start",
            "is not a date and time",
        ),
        (
            EVENT + "time = { first = 2024-01-09T10:00:00 }",
            "time.first",
            "a day is a date without quotes",
        ),
        (EVENT + "time = { first = 20240109 }", "time.first", "write one without quotes"),
        (EVENT + 'time = { day = 2024-01-09, part = "noon" }', "time.part", '"morning"'),
    ],
)
def test_a_trip_file_author_reads_toml_spellings(body, where, says):
    message = toml_problem(body)
    assert message.startswith("t.toml: invalid trip")
    assert f"→ {where}:" in message, message
    assert says in message, message
    for word in PYTHON_WORDS:
        assert word not in message, (word, message)


@pytest.mark.parametrize(
    "revised",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        '"0001-01-01T00:00:00Z"',
        '"1969-12-31T23:59:59Z"',
    ],
)
def test_a_revised_stamp_outside_the_supported_years_is_refused(revised):
    text = HEAD.replace('revised = "2024-01-01T00:00:00Z"', f"revised = {revised}")
    with pytest.raises(TripError, match=r"revised: year \d+ is outside .* 1970 to 2099"):
        seoulcal.parse_trip(text, source="t.toml")


@pytest.mark.parametrize(
    "time_",
    [
        "{ first = 0001-01-01 }",
        "{ first = 9999-12-31 }",
        "{ first = 2024-01-01, last = 9999-12-31 }",
        '{ start = "0001-01-01T00:00[Asia/Seoul]", end = "2024-01-01T00:00[Asia/Seoul]" }',
        '{ start = "2024-01-01T00:00[Asia/Seoul]", end = "9999-12-31T23:00[Asia/Seoul]" }',
        '{ start = "0001-01-01T00:00:00Z", end = "2024-01-01T00:00[Asia/Seoul]" }',
        "{ start = 0001-01-01T00:00:00Z, end = 2024-01-01T00:00:00Z }",
        '{ day = 0001-01-01, part = "morning" }',
        '{ day = 9999-12-31, part = "evening" }',
    ],
)
def test_times_outside_the_supported_years_are_refused_by_item_and_field(time_):
    message = toml_problem(EVENT + f"time = {time_}")
    assert 'events[0] "e" → time.' in message
    assert "1970 to 2099" in message


@pytest.mark.parametrize(
    "revised",
    [
        "2024-01-08T11:15:00+09:00",
        '"2024-01-08T11:15:00+09:00"',
        '"2024-01-08T11:15+0900"',
        "2024-01-08T02:15:00Z",
        '"2024-01-08T11:15[Asia/Seoul]"',
    ],
)
def test_revised_is_an_instant_given_in_utc_with_an_offset_or_with_a_zone(revised):
    text = HEAD.replace('revised = "2024-01-01T00:00:00Z"', f"revised = {revised}")
    trip = seoulcal.parse_trip(text, source="t.toml")
    assert trip.revised.isoformat() == "2024-01-08T02:15:00+00:00"


@pytest.mark.parametrize("revised", ["2024-01-08T02:15:00", "2024-01-08"])
def test_revised_without_an_offset_says_how_to_write_an_instant(revised):
    text = HEAD.replace('revised = "2024-01-01T00:00:00Z"', f"revised = {revised}")
    with pytest.raises(
        TripError, match=r"revised: .* is not an instant.*such as revised = 2024-01-08T"
    ):
        seoulcal.parse_trip(text, source="t.toml")


def _large_trip_file(tmp_path, text=None):
    """The built-in trip, padded with comments past tripfile.READ_AHEAD (read ahead in a child)."""
    path = tmp_path / "large.toml"
    padding = "# padding\n" * (tripfile.READ_AHEAD // 10 + 1)
    path.write_text(padding + (BUILT_IN.read_text("utf-8") if text is None else text), "utf-8")
    return path


def _counting_forks(monkeypatch):
    from seoulcal import workers  # noqa: PLC0415 - the seam the read-ahead forks through

    started = []
    real = workers.Worker.start.__func__
    monkeypatch.setattr(
        workers.Worker,
        "start",
        classmethod(lambda cls, function: started.append(function) or real(cls, function)),
    )
    return started


def test_a_large_trip_file_is_parsed_ahead_in_a_child_and_loads_the_same_trip(
    tmp_path, monkeypatch
):
    path = _large_trip_file(tmp_path)
    started = _counting_forks(monkeypatch)
    finish = tripfile.start_loading(path)
    assert len(started) == (1 if workers_fork() else 0)
    assert finish() == load_trip(path) == seoulcal.ces2024()
    small = tmp_path / "small.toml"
    small.write_bytes(BUILT_IN.read_bytes())  # under READ_AHEAD: parsed here, no child
    assert tripfile.start_loading(small)() == seoulcal.ces2024()
    assert len(started) == (1 if workers_fork() else 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id = "ces2024"\nname = [unclosed\n', "not valid TOML"),
        ('id = "ces2024"\n', "name"),  # valid TOML, an invalid trip
    ],
)
def test_a_large_trip_file_read_ahead_fails_as_load_trip_does(tmp_path, text, message):
    path = _large_trip_file(tmp_path, text)
    with pytest.raises(TripError, match=message) as ahead:
        tripfile.start_loading(path)()
    with pytest.raises(TripError) as loaded:
        load_trip(path)
    assert str(ahead.value) == str(loaded.value)
    (tmp_path / "latin1.toml").write_bytes(path.read_bytes() + "# é\n".encode("latin-1"))
    with pytest.raises(TripError, match="not UTF-8") as ahead:
        tripfile.start_loading(tmp_path / "latin1.toml")()
    with pytest.raises(TripError) as loaded:
        load_trip(tmp_path / "latin1.toml")
    assert str(ahead.value) == str(loaded.value)


def test_a_child_that_dies_is_set_aside_and_the_file_loaded_here(tmp_path, monkeypatch):
    import os  # noqa: PLC0415 - only to kill the child

    path = _large_trip_file(tmp_path)
    started = _counting_forks(monkeypatch)
    monkeypatch.setattr(tripfile, "_toml", lambda _raw: os._exit(3))
    assert tripfile.start_loading(path)() == seoulcal.ces2024()
    assert len(started) == (1 if workers_fork() else 0)


def workers_fork() -> bool:
    from seoulcal.workers import forks_by_default  # noqa: PLC0415 - what start_loading asks

    return forks_by_default()
