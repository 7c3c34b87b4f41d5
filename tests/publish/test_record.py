"""The no-change record: what the digests of a build's inputs see (seoulcal.publish.record)."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest

from seoulcal.publish import record
from seoulcal.publish.record import BUILT_IN_TRIP, source_digest

BASE = "https://trips.example.org/ces2024/"
SECRET = b"test-secret-for-member-tokens-0123"
TRIP = BUILT_IN_TRIP.read_bytes()
ROOT_KEYS = TRIP.split(b"\n[", 1)[0]  # the trip's root table: no members, venues or events


def digest(trip: bytes = TRIP, **options):
    options.setdefault("folder", None)
    options.setdefault("base_url", BASE)
    options.setdefault("secret", SECRET)
    options.setdefault("retention", timedelta(days=30))
    return source_digest(trip, **options)


def test_the_source_digest_is_stable_and_holds_no_secret():
    first = digest()
    assert first == digest()
    assert len(first) == 64
    assert SECRET.hex() not in first


@pytest.mark.parametrize(
    "change",
    [
        {"trip": TRIP + b"\n# a comment\n"},
        {"trip": TRIP.replace(b"\n", b"\r\n")},
        {"base_url": "https://trips.example.org/other/"},
        {"secret": b"another-secret-for-member-tokens-01"},
        {"secret": None},
        {"retention": timedelta(days=7)},
        {"retention": timedelta(days=30, seconds=1)},
    ],
)
def test_every_raw_input_changes_the_source_digest(change):
    assert digest(**change) != digest()


def test_a_build_that_prints_has_no_source_digest():
    # Its PDFs depend on a font found on this system, which no digest here sees.
    assert digest(printing=True) is None


def test_the_tables_a_trip_names_are_digested_with_it(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes("id,name_ko,name_en\nmayor,시장,Mayor\n".encode())
    trip = b'members = "roster.csv"\n' + ROOT_KEYS
    first = digest(trip, folder=tmp_path)
    assert first is not None
    assert first == digest(trip, folder=tmp_path)
    roster.write_bytes(roster.read_bytes() + "aide,비서,Aide\n".encode())
    assert digest(trip, folder=tmp_path) != first
    roster.unlink()  # the full build reports the missing table
    assert digest(trip, folder=tmp_path) is None


@pytest.mark.parametrize("digester", ["source", "invitations"])
def test_the_digested_tables_are_handed_back_for_the_loading(tmp_path, digester):
    (tmp_path / "roster.csv").write_bytes(b"members")
    (tmp_path / "venues.csv").write_bytes(b"venues")
    trip = b'members = "roster.csv#one"\nevents = "roster.csv#two"\nvenues = "venues.csv"\n'
    make = digest if digester == "source" else invitations
    read: dict = {}
    assert make(trip + ROOT_KEYS, folder=tmp_path, read=read) is not None
    # Each file once, by the path the loader reads it from (the trip's folder / its name).
    assert read == {tmp_path / "roster.csv": b"members", tmp_path / "venues.csv": b"venues"}
    (tmp_path / "venues.csv").unlink()
    again: dict = {}
    assert make(trip + ROOT_KEYS, folder=tmp_path, read=again) is None
    assert again == {}  # nothing handed back from a digest that could not be made


@pytest.mark.parametrize(
    "line",
    [
        b'members = "roster.csv#sheet"',
        b"  venues='roster.csv'",
        b'"events" = "roster.csv"',
        b'"\\u006dembers" = "roster.csv"',  # a key spelled with an escape
        b'members = """roster.csv"""',
    ],
)
def test_every_spelling_of_a_table_is_seen(tmp_path, line):
    (tmp_path / "roster.csv").write_bytes(b"one")
    trip = line + b"\n" + ROOT_KEYS
    first = digest(trip, folder=tmp_path)
    (tmp_path / "roster.csv").write_bytes(b"two")
    assert digest(trip, folder=tmp_path) != first


def invitations(trip: bytes = TRIP, **given):
    given.setdefault("folder", None)
    given.setdefault("options", ["null", '"office@seoul.example"'])
    given.setdefault("secret", SECRET)
    return record.invitations_digest(trip, **given)


@pytest.mark.parametrize(
    "change",
    [
        {"trip": TRIP + b"\n# a comment\n"},
        {"options": ["null", '"other@seoul.example"']},
        {"options": ['"null"', "office@seoul.example"]},
        {"options": ["null", '"office@seoul.example"', ""]},  # one more, empty: still another
        {"options": ['null"', '"office@seoul.example']},  # the same text, cut elsewhere
        {"secret": b"another-secret-for-member-tokens-01"},
        {"secret": None},
    ],
)
def test_every_raw_input_changes_the_invitations_digest(change):
    first = invitations()
    assert first == invitations()
    assert SECRET.hex() not in first
    assert invitations(**change) != first


def test_the_invitations_digest_is_not_a_builds(tmp_path):
    assert invitations(options=[BASE, "2592000.0"]) != digest()
    roster = tmp_path / "roster.csv"
    roster.write_bytes("id,name_ko,name_en\nmayor,시장,Mayor\n".encode())
    trip = b'members = "roster.csv"\n' + ROOT_KEYS
    first = invitations(trip, folder=tmp_path)
    roster.write_bytes(roster.read_bytes() + "aide,비서,Aide\n".encode())
    assert invitations(trip, folder=tmp_path) not in {first, None}
    roster.unlink()  # the full run reports the missing table
    assert invitations(trip, folder=tmp_path) is None


def test_a_trip_without_tables_reads_no_file_beside_it(tmp_path):
    # The built-in trip lists its items: no folder is looked at, so none is needed.
    assert digest(folder=tmp_path / "missing") == digest()


def test_the_code_digest_sees_every_python_file(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub" / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "sub" / "b.py").write_text("B = 1\n")
    (package / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"compiled")
    first = record._code(package)
    (package / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"again")
    assert record._code(package) == first  # compiled files are not the code
    (package / "sub" / "b.py").write_text("B = 2\n")
    second = record._code(package)
    assert second != first
    (package / "sub" / "c.py").write_text("")
    assert record._code(package) != second


def test_a_library_is_known_by_its_installed_version(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "fakelib").mkdir(parents=True)
    (site / "fakelib" / "__init__.py").write_text("")
    info = site / "fakelib-1.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("fakelib/__init__.py,sha256=one,0\n")
    monkeypatch.syspath_prepend(str(site))
    first = record._library("fakelib")
    assert "fakelib-1.0" in first
    assert "fakelib" not in sys.modules  # found, never imported
    (info / "RECORD").write_text("fakelib/__init__.py,sha256=two,0\n")  # reinstalled
    second = record._library("fakelib")
    assert second != first
    info.rename(site / "fakelib-2.0.dist-info")  # upgraded
    assert "fakelib-2.0" in record._library("fakelib")
    assert record._library("no_such_library_here") == "no_such_library_here -"


def test_the_real_libraries_are_found_as_importlib_metadata_finds_them():
    from importlib import metadata  # noqa: PLC0415 - the slow, sure way, to compare with

    for name in ("icalendar", "pydantic", "pydantic_core", "tzdata"):
        assert f"{name}-{metadata.version(name)} " in record._library(name)


def test_the_zone_data_version_is_part_of_the_software(tmp_path):
    older, newer = tmp_path / "older", tmp_path / "newer"
    for folder, version in ((older, "2024a"), (newer, "2024b")):
        folder.mkdir()
        (folder / "tzdata.zi").write_text(f"# version {version}\n# more\n")
    assert record._zone_data([str(older)]) == [f"{older} # version 2024a"]
    assert record._zone_data([str(older)]) != record._zone_data([str(newer)])
    assert record._zone_data([str(tmp_path / "none")]) == []
    macos = tmp_path / "macos"
    macos.mkdir()
    (macos / "+VERSION").write_text("2024a\n")
    assert record._zone_data([str(macos), str(older)]) == [
        f"{macos} 2024a",
        *record._zone_data([str(older)]),
    ]


def test_the_software_covers_this_code_its_libraries_and_the_zone_data():
    software = record._software()
    assert record._code(record._PACKAGE) in software
    assert sys.version in software
    for name in ("icalendar", "pydantic", "pydantic_core", "tzdata"):
        assert record._library(name) in software
    assert "openpyxl" not in software
    assert record._library("openpyxl") in record._software(tables=True)
