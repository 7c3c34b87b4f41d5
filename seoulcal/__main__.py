"""Run the command line: ``python -m seoulcal``."""

from seoulcal.cli import main

raise SystemExit(main())
