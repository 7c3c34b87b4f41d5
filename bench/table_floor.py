"""The tables' floors: a library's own read of a whole table, nothing validated.

    python bench/table_floor.py xlsx FILE            # openpyxl building the whole workbook
    python bench/table_floor.py xlsx-read-only FILE  # read-only (streaming), as seoulcal does
    python bench/table_floor.py csv-cp949 FILE       # the csv module over the CP949 text

``xlsx`` is ``openpyxl.load_workbook(data_only=True)`` of the bytes, then every row of the first
sheet with ``iter_rows(values_only=True)`` (what ``seoulcal.sources.tables`` did before it read
in read-only mode). ``xlsx-read-only`` adds ``read_only=True``, as seoulcal does now.
``csv-cp949`` decodes the bytes as CP949 and reads every row with ``csv.reader``. Each prints
the rows and cells it read.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path


def main() -> int:
    """Read the whole table; print its rows and cells."""
    mode, path = sys.argv[1], Path(sys.argv[2])
    raw = path.read_bytes()
    rows = cells = 0
    if mode.startswith("xlsx"):
        import openpyxl  # noqa: PLC0415 - only for the XLSX floors

        book = openpyxl.load_workbook(
            io.BytesIO(raw), data_only=True, read_only=mode == "xlsx-read-only"
        )
        for values in book.worksheets[0].iter_rows(values_only=True):
            rows += 1
            cells += sum(value is not None for value in values)
    elif mode == "csv-cp949":
        for row in csv.reader(io.StringIO(raw.decode("cp949"), newline="")):
            rows += 1
            cells += sum(bool(value) for value in row)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(rows, cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
