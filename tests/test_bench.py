"""The benchmark suite still runs (tiny sizes, no timing asserted): bench/run.py --smoke."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_benchmark_smoke(tmp_path):
    report = tmp_path / "performance.md"
    done = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--smoke",
            "--no-nginx",
            "--work",
            str(tmp_path / "w"),
            "--out",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = report.read_text("utf-8")
    assert "## Targets" in text
    assert "byte for byte" in text
    assert "; paired " in text  # each ratio target also gives its rounds' own ratios
