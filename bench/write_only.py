"""The file system's share of a build: create a built site's folders and files again, nothing else.

Reads every file of SITE (or only those listed in ``--files LIST``, one relative path a line) into
memory, then creates the same folders and files (same bytes) under OUTDIR, and reports how long
the creating alone took. No rendering, no checks: a floor for ``seoulcal build`` on the folder's
file system, which is far from free on some disks (see docs/performance.md).

``--processes 2`` shares the files out between this process and a forked one as ``seoulcal
build`` shares its members (the sorted list cut in two runs, in order); ``--sync`` then makes
them durable with one ``syncfs`` of OUTDIR's file system (``os.sync()`` where ``syncfs`` is
missing), as ``seoulcal.publish.folder._sync`` does before a build's swap. The clock starts after
every source file is in memory, just before the fork, and stops after the flush; ``--report
FILE`` writes that time (with the file and byte counts) as JSON, so that a benchmark reports it
instead of the process's wall time (which includes start-up and reading the sources).

Usage::

    python bench/write_only.py SITE OUTDIR [--files LIST] [--processes N] [--sync] [--report F]
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import os
import sys
import time
from pathlib import Path


def read(site: str, listed: list[str] | None = None) -> list[tuple[str, bytes]]:
    """Return (relative path, bytes) of *site*'s files (or of *listed* ones), sorted by path."""
    root = Path(site)
    if listed is not None:
        return [(rel, (root / rel).read_bytes()) for rel in sorted(listed)]
    return [
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]


def create(files: list[tuple[str, bytes]], outdir: str) -> None:
    """Create *files* under *outdir*: folders as needed, each file new (O_EXCL), bytes written."""
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


def sync(folder: str) -> str:
    """Flush *folder*'s file system as seoulcal's build does; return how (``syncfs``/``sync``)."""
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        os.sync()
        return "sync"
    handle = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(handle) != 0:
            code = ctypes.get_errno()
            if code != errno.ENOSYS:
                raise OSError(code, os.strerror(code), folder)
            os.sync()
            return "sync"
    finally:
        os.close(handle)
    return "syncfs"


def write(
    files: list[tuple[str, bytes]], outdir: str, *, processes: int = 1, durable: bool = False
) -> dict[str, object]:
    """Create *files* under *outdir* with *processes* processes (then flush if *durable*)."""
    os.makedirs(outdir, exist_ok=True)  # noqa: PTH103
    shares = [
        files[at * len(files) // processes : (at + 1) * len(files) // processes]
        for at in range(processes)
    ]
    start = time.perf_counter()
    children = []
    for share in shares[1:]:
        pid = os.fork()
        if pid == 0:  # the child: write its run of files, and leave without any clean-up
            code = 0
            try:
                create(share, outdir)
            except BaseException:  # noqa: BLE001 - reported through the exit status
                code = 1
            os._exit(code)
        children.append(pid)
    create(shares[0], outdir)
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    if failed:
        raise SystemExit(f"write_only.py: {len(failed)} writer process(es) failed")
    how = sync(outdir) if durable else "none"
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "files": len(files),
        "bytes": sum(len(data) for _, data in files),
        "processes": processes,
        "flush": how,
    }


def main() -> int:
    """Create the files from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site")
    parser.add_argument("outdir")
    parser.add_argument("--files", help="a file of relative paths (one a line): only these")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--sync", action="store_true", help="one syncfs of OUTDIR at the end")
    parser.add_argument("--report", help="write the timing as JSON here")
    args = parser.parse_args()
    listed = (
        [line for line in Path(args.files).read_text("utf-8").splitlines() if line]
        if args.files
        else None
    )
    files = read(args.site, listed)
    done = write(files, args.outdir, processes=max(1, args.processes), durable=args.sync)
    if args.report:
        Path(args.report).write_text(json.dumps(done))
    print(
        f"{done['files']} files ({done['bytes']:,} bytes) created by {done['processes']} "
        f"process(es), flush {done['flush']}, in {done['seconds']:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
