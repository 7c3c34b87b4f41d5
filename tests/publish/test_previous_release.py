"""A site built by the previous release (tests/fixtures/previous-release) rebuilds cleanly."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import seoulcal
from seoulcal.publish import build_site

FIXTURE = Path(__file__).parent.parent / "fixtures" / "previous-release"
BASE = "https://trips.example.org/ces2024/"
SECRET = b"previous-release-secret-0123456789"


def states(root: Path) -> dict[str, dict]:
    return {
        path.relative_to(root).as_posix(): json.loads(path.read_bytes())["events"]
        for path in sorted(root.rglob(".seoulcal-state.json"))
    }


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(FIXTURE / "site", root)
    return root


def test_the_same_trip_rebuilds_without_any_sequence_change(tmp_path):
    root = copy(tmp_path)
    before = states(root)
    old_files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.ics")}
    report = build_site(seoulcal.load_trip(FIXTURE / "v2.toml"), root, base_url=BASE, secret=SECRET)
    assert report.revised == report.cancelled == report.dropped == ()
    after = states(root)
    assert after.keys() == before.keys()
    for path, entries in before.items():
        assert after[path].keys() == entries.keys()
        for uid, entry in entries.items():
            new = after[path][uid]
            # every fingerprint, sequence, stamp and withdrawal as it was
            assert revision(new) == revision(entry), (path, entry["id"])
            # the event's public data: the same, with the fields later releases added
            for key in ("event", "venue"):
                old_data, new_data = entry.get(key) or {}, new.get(key) or {}
                assert old_data.items() <= new_data.items(), (path, entry["id"], key)
    new_files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.ics")}
    assert new_files.keys() == old_files.keys()
    for name, data in new_files.items():  # every event at the revision subscribers have
        assert sequences(data) == sequences(old_files[name]), name


def revision(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if key not in {"event", "venue"}}


def sequences(data: bytes) -> dict[str, str]:
    unfolded = data.replace(b"\r\n ", b"").decode("utf-8")
    found = re.findall(r"UID:(\S+)\r\nSEQUENCE:(\d+)", unfolded)
    assert found
    return dict(found)


def test_a_later_change_continues_the_old_sequences(tmp_path):
    root = copy(tmp_path)
    text = (FIXTURE / "v2.toml").read_text("utf-8")
    text = text.replace(
        'revised = "2024-01-09T09:00[Asia/Seoul]"', 'revised = "2024-01-09T10:00[Asia/Seoul]"'
    )
    text = text.replace(
        "2024-01-09T11:30[America/Los_Angeles]", "2024-01-09T11:45[America/Los_Angeles]"
    )
    (tmp_path / "v3.toml").write_text(text, "utf-8")
    before = states(root)
    report = build_site(
        seoulcal.load_trip(tmp_path / "v3.toml"), root, base_url=BASE, secret=SECRET
    )
    assert report.revised == ("seoul-pavilion-opening",)
    after = states(root)
    for path, entries in before.items():
        for uid, entry in entries.items():
            new = after[path][uid]
            if entry["id"] == "seoul-pavilion-opening":
                assert new["sequence"] == entry["sequence"] + 1 == 2
            else:
                assert revision(new) == revision(entry), (path, entry["id"])
