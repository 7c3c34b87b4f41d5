"""Targets that fail: the fault-injection seam of the build's tests (no private name patched)."""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import TYPE_CHECKING

from seoulcal.errors import PublishError
from seoulcal.publish.folder import FolderTarget

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


class FailingDisk(FolderTarget):
    """A folder whose disk fails when the *fail_at*-th new file is written."""

    def __init__(self, outdir: str | Path, *, fail_at: int) -> None:
        super().__init__(outdir)
        self.fail_at = fail_at
        self.writes = 0

    def write(self, path: Path, data: bytes, *, after: float | None, over: bool = False) -> None:
        self.writes += 1
        if self.writes == self.fail_at:
            raise OSError(28, "No space left on device")
        super().write(path, data, after=after, over=over)


class StallingDisk(FolderTarget):
    """A folder whose disk stalls for a minute at the *stall_at*-th new file (to be killed)."""

    def __init__(self, outdir: str | Path, *, stall_at: int) -> None:
        super().__init__(outdir)
        self.stall_at = stall_at
        self.writes = 0

    def write(self, path: Path, data: bytes, *, after: float | None, over: bool = False) -> None:
        self.writes += 1
        super().write(path, data, after=after, over=over)
        if self.writes == self.stall_at:
            sys.stdout.write("writing\n")
            sys.stdout.flush()
            time.sleep(60)


class _BrokenPart:
    """A worker's writer that fails (or dies) on the files of one member folder."""

    def __init__(self, inner, folder: str, *, die: bool) -> None:
        self.inner = inner
        self.folder = folder
        self.die = die

    def add(self, path: str, data: bytes) -> None:
        if path.startswith(self.folder):
            if self.die:
                os.kill(os.getpid(), signal.SIGKILL)
            raise PublishError(f"{path}: the page cannot be made")
        self.inner.add(path, data)

    def keep(self, paths: Sequence[str]) -> bool:
        if any(path.startswith(self.folder) for path in paths):
            if self.die:
                os.kill(os.getpid(), signal.SIGKILL)
            raise PublishError(f"{paths[0]}: the page cannot be made")
        return self.inner.keep(paths)

    def memo(self, name: str) -> str | None:
        return self.inner.memo(name)

    def remember(self, name: str, memo: str) -> None:
        self.inner.remember(name, memo)

    def files(self) -> object:
        return self.inner.files()


class BrokenWorkers(FolderTarget):
    """A folder whose worker processes fail (or are killed) on one member's files."""

    def __init__(self, outdir: str | Path, *, folder: str, die: bool = False) -> None:
        super().__init__(outdir)
        self.folder = folder
        self.die = die
        self.parent = os.getpid()

    def part(self):
        inner = super().part()
        if os.getpid() == self.parent:  # the check before forking: an ordinary part
            return inner
        return _BrokenPart(inner, self.folder, die=self.die)


class Forgetful(FolderTarget):
    """A folder that never gives back a memo: every member's state is read and revised.

    Only for builds in one process (the built-in trip's few members): a worker's part looks its
    memos up itself.
    """

    def memo(self, name: str) -> str | None:
        super().memo(name)  # as the folder would look it up, then forget it
        return None


class CountingReads(FolderTarget):
    """A folder that counts which of its files a build read (the states)."""

    def __init__(self, outdir: str | Path) -> None:
        super().__init__(outdir)
        self.reads: list[str] = []

    def previous(self, path: str) -> bytes | None:
        self.reads.append(path)
        return super().previous(path)
