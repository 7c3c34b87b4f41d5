"""The file system's share of a build: create a built site's folders and files again, nothing else.

Reads every file of SITE into memory, then creates the same folders and files (same bytes) under
OUTDIR in one process, and prints how long the creating alone took. No rendering, no checks, no
flush to disk: a floor for ``seoulcal build`` on the folder's file system, which is far from
free on some disks (see docs/performance.md).

Usage::

    python bench/write_only.py SITE OUTDIR
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def write(site: str, outdir: str) -> tuple[int, float]:
    """Copy *site*'s tree to *outdir* from memory; return the file count and seconds taken."""
    root = Path(site)
    files = [
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]
    start = time.perf_counter()
    made: set[str] = set()
    for rel, data in files:
        folder = os.path.dirname(rel)  # noqa: PTH120 - plain strings: the floor, not pathlib's cost
        if folder not in made:
            os.makedirs(os.path.join(outdir, folder), exist_ok=True)  # noqa: PTH103, PTH118
            made.add(folder)
        handle = os.open(os.path.join(outdir, rel), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # noqa: PTH118
        try:
            os.write(handle, data)
        finally:
            os.close(handle)
    return len(files), time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    count, seconds = write(sys.argv[1], sys.argv[2])
    print(f"{count} files created in {seconds:.3f} s")
