"""A site built by the previous release (tests/fixtures/previous-release) rebuilds cleanly."""

from __future__ import annotations

import json
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
    assert states(root) == before  # every fingerprint, sequence and withdrawal as it was
    new_files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.ics")}
    assert new_files == old_files  # subscribers see no change at all


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
                assert new == entry, (path, entry["id"])
