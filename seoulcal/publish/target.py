"""Where a build's files go: the :class:`Target` protocol.

A build reads the previous site's states through :meth:`Target.previous`, hands over every file
of the new site with :meth:`Target.add` (in any order: a target that must publish in a safe order
sorts them itself) or, for files whose inputs did not change, :meth:`Target.keep`, and ends
with :meth:`Target.commit`, which makes the new site visible as one step as far as the store
allows, or with :meth:`Target.discard` when anything failed, which leaves
the previous site as it was. A target is used as a context manager: entering it takes the site's
lock and repairs what a killed build left; leaving it releases the lock.

:class:`seoulcal.publish.folder.FolderTarget` is the local folder. Tests inject faults by giving
a build a target that fails (see ``tests/publish/targets.py``), never by patching private names.
"""

from __future__ import annotations

__all__ = ["Changes", "Part", "Target"]

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import TracebackType


@dataclass(frozen=True, slots=True)
class Changes:
    """What a commit did, by relative path."""

    written: tuple[str, ...]
    """Files with new bytes."""
    kept: tuple[str, ...]
    """Files whose bytes did not change (left exactly as they were)."""
    removed: tuple[str, ...]
    """Files of the previous site that are gone."""


class Part(Protocol):
    """A writer for one worker process of a build (see :meth:`Target.part`)."""

    def add(self, path: str, data: bytes) -> None:
        """Take the file *path* of the new site with *data*."""

    def keep(self, paths: Sequence[str]) -> bool:
        """Take *paths* into the new site as they are in the previous one (see Target.keep)."""

    def memo(self, name: str) -> str | None:
        """Return the memo the last commit kept under *name* (see :meth:`Target.memo`)."""

    def remember(self, name: str, memo: str) -> None:
        """Keep *memo* under *name* with this build's commit (see :meth:`Target.remember`)."""

    def files(self) -> object:
        """Finish; return what was done, to hand to :meth:`Target.commit` (it is pickled)."""


class Target(Protocol):
    """Where a build's files go, and where the previous build's states are read from."""

    @property
    def name(self) -> str:
        """Name the site's place in messages and reports (a folder's path, a bucket's URL)."""

    @property
    def first_build(self) -> bool:
        """Tell whether there is no previous site at all (nothing to read)."""

    def __enter__(self) -> Self:
        """Take the site's lock and repair what a killed build left."""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Release the lock."""

    def settled(self, inputs: str) -> bool:
        """Tell whether the site was made from *inputs* (a digest) and is still untouched."""

    def settle(self, inputs: str | None) -> None:
        """Record that the site is settled for *inputs*; ``None`` forgets any such record."""

    def manifest(self) -> tuple[list[str], str]:
        """Return the site's files as they are (relative paths, sorted) and a digest of them."""

    def previous(self, path: str) -> bytes | None:
        """Return the bytes of *path* in the site as it is, or ``None`` if it has none."""

    def add(self, path: str, data: bytes) -> None:
        """Take the file *path* (a relative POSIX path) of the new site with *data*."""

    def keep(self, paths: Sequence[str]) -> bool:
        """Take every one of *paths* into the new site with the bytes it has in the previous one.

        All or nothing: ``False`` (and nothing taken) unless the target holds each of them and
        can vouch that they are as the last build left them; the build then renders them and
        hands them to :meth:`add`. A build keeps only files whose inputs it knows are unchanged.
        """

    def memo(self, name: str) -> str | None:
        """Return the memo the last commit kept under *name*, while the site is as it left it.

        ``None`` when there is none, or when the target cannot vouch that no file changed since
        that commit (a target may keep no memos at all). A build remembers, for each member
        whose files it settled, a digest of what they were made from: the same digest in the
        next build means the same bytes, so it keeps them without reading the member's state.
        """

    def remember(self, name: str, memo: str) -> None:
        """Keep *memo* under *name* with this build's commit, for the next build's :meth:`memo`."""

    def renders(self) -> bytes | None:
        """Return what the last commit kept of the build's rendering, or ``None`` if nothing.

        Opaque bytes that the build reads back itself (see :mod:`seoulcal.publish.renders`),
        which check their own integrity: a target may keep none, or lose them, at no cost but
        time.
        """

    def keep_renders(self, make: Callable[[], bytes | None]) -> None:
        """Keep what *make* returns with this build's commit, for the next build's :meth:`renders`.

        *make* seals what the build rendered (tens of megabytes for a trip of a thousand events,
        a tenth of a second), so a target that keeps nothing never calls it. It returns ``None``
        when what :meth:`renders` gave back is still exactly right: keep that.
        """

    def part(self) -> Part | None:
        """Return a writer for a forked worker process, or ``None`` if this target has none."""

    def commit(self, parts: Sequence[object] = ()) -> Changes:
        """Make the new site visible (*parts*: what the workers' :meth:`Part.files` returned)."""

    def discard(self) -> None:
        """Throw away whatever the build staged and did not commit."""
