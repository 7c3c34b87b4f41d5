"""Load a trip with seoulcal and nothing else: ``python bench/load_trip.py TRIP``.

``seoulcal.load_trip`` reads the TOML file and every table it names (CSV or XLSX), and validates
every member, venue and event; prints the counts.
"""

from __future__ import annotations

import sys

from seoulcal import load_trip


def main() -> int:
    """Load the trip; print its counts."""
    trip = load_trip(sys.argv[1])
    print(len(trip.members), len(trip.venues), len(trip.events))
    return 0


if __name__ == "__main__":
    sys.exit(main())
