"""Run the command line: ``python -m seoulcal``."""

from seoulcal.cli import run

raise SystemExit(run())
