"""Work split across processes: a function run in a forked child, its result sent back.

A build renders each member's files independently of the others, so on a machine with several
cores the members are shared out between the building process and forked children. Forking
(rather than spawning) gives each child the parent's state as it is (the trip, the rendered
events and pages) without pickling it or importing anything again; only the child's small result
(or its exception) comes back, pickled, through a pipe.

Forking is only safe in a process that runs no other thread (another thread may hold a lock that
the child would inherit held), so :func:`can_fork` says no while other threads run: then the work
is done in the process itself. A child dies with its parent (``PR_SET_PDEATHSIG`` on Linux), and
:meth:`Worker.stop` kills and reaps a child that is no longer wanted. :func:`halves` works on a
list half here and half in a child; :func:`long_lived` keeps the heap a build shares with its
children out of the garbage collector's passes while they run.
"""

from __future__ import annotations

__all__ = ["Worker", "available_cpus", "can_fork", "forks_by_default", "halves", "long_lived"]

import contextlib
import ctypes
import functools
import gc
import os
import pickle
import signal
import sys
import threading
from typing import TYPE_CHECKING, Generic, TypeVar

from seoulcal.errors import InternalError, SeoulcalError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
_CHUNK = 1 << 16


def available_cpus() -> int:
    """Return how many CPUs this process may run on (its affinity, where the system tells)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Tell whether :meth:`Worker.start` may fork here: a POSIX system and no other thread."""
    return hasattr(os, "fork") and threading.active_count() == 1


def forks_by_default() -> bool:
    """Tell whether work is shared out without being asked: on Linux only.

    macOS system libraries are not safe to use in a forked child (CPython starts its own
    multiprocessing workers with spawn there), so elsewhere workers are forked only on request.
    """
    return sys.platform.startswith("linux") and can_fork()


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Keep the objects alive now out of the garbage collector's passes until the block ends.

    A build holds a large heap that lives as long as it does (the trip, its models, the rendered
    events and pages); each full pass of the cyclic collector walks all of it again, and in a
    forked child that walk writes to every page it shares with the parent, so the pages are
    copied (Python's documentation of :func:`gc.freeze` recommends freezing before a fork for
    this). Frozen objects are only set aside: the block's end unfreezes them, and a later pass
    collects whatever of them became garbage. Left alone where the program already froze
    objects of its own or turned the collector off: it manages the collector itself.

    Blocks nest: an inner one sets aside what was made since the outer one began (a build's
    rendered events, before its workers are forked), and only the outermost unfreezes.
    """
    with _freezing:
        ours = gc.isenabled() and (_frozen[0] > 0 or not gc.get_freeze_count())
        if ours:
            gc.freeze()
            _frozen[0] += 1
    if not ours:
        yield
        return
    try:
        yield
    finally:
        with _freezing:
            _frozen[0] -= 1
            if not _frozen[0]:
                gc.unfreeze()


_freezing = threading.Lock()
_frozen = [0]
"""How many :func:`long_lived` blocks that froze objects are open (in any thread)."""


def halves(work: Callable[[Sequence[T]], R], items: Sequence[T]) -> list[tuple[Sequence[T], R]]:
    """Return each part of *items* with what *work* made of it, half here and half in a child.

    The first half is worked out in this process while a forked child works out the second.
    Where no child can be forked (see :func:`can_fork`, or the system has no process to give),
    all of *items* is one part, worked out here. The child is stopped whatever happens here.
    """
    if not can_fork():
        return [(items, work(items))]
    mine, theirs = items[: len(items) // 2], items[len(items) // 2 :]
    try:
        worker: Worker[R] = Worker.start(functools.partial(work, theirs))
    except OSError:
        return [(items, work(items))]
    try:
        here = work(mine)
        return [(mine, here), (theirs, worker.result())]
    finally:
        worker.stop()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this (child) process when its parent dies; exit if it is already gone."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl: nobody wants the result
        os._exit(1)


def _payload(function: Callable[[], object]) -> bytes:
    """Run *function*; return its result, or the exception it raised, pickled."""
    try:
        outcome: tuple[bool, object] = (True, function())
    except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
        outcome = (False, error)
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)  # noqa: S301 - our own bytes; checks the parent can read them
    except Exception as problem:  # noqa: BLE001 - an unpicklable result or error
        detail = f"{type(outcome[1]).__name__}: {outcome[1]}" if not outcome[0] else repr(problem)
        data = pickle.dumps((False, SeoulcalError(f"a worker process failed: {detail}")))
    return data


class Worker(Generic[T]):
    """A function running in a forked child process.

    :meth:`result` waits for the child and returns what the function returned, or raises what
    it raised (exceptions that cannot be pickled come back as :class:`SeoulcalError` with their
    message). Always end with :meth:`result` or :meth:`stop`.
    """

    def __init__(self, pid: int, reader: int) -> None:
        """Wrap the child *pid* whose result will come on the pipe end *reader*."""
        self.pid = pid
        self._reader = reader
        self._done = False

    @classmethod
    def start(cls, function: Callable[[], T]) -> Worker[T]:
        """Fork a child that runs *function* (only where :func:`can_fork` says yes)."""
        if not can_fork():
            raise InternalError("a worker process may only be forked from a single thread")
        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):  # or the child would inherit unwritten output
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            raise
        if pid == 0:  # pragma: no cover - runs in the child, which coverage does not follow
            code = 1
            try:
                os.close(reader)
                _die_with_parent(parent)
                data = _payload(function)
                view = memoryview(data)
                while view:
                    view = view[os.write(writer, view[:_CHUNK]) :]
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no buffers flushed: they are the parent's
        os.close(writer)
        return cls(pid, reader)

    def result(self) -> T:
        """Wait for the child; return its function's result or raise its exception."""
        if self._done:
            raise InternalError("a worker's result was already taken")
        chunks = []
        try:
            while chunk := os.read(self._reader, _CHUNK):
                chunks.append(chunk)
        except BaseException:  # interrupted while waiting: the result is no longer wanted
            self.stop()
            raise
        os.close(self._reader)
        _, status = os.waitpid(self.pid, 0)
        self._done = True
        data = b"".join(chunks)
        if not data or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            how = (
                f"was killed by signal {os.WTERMSIG(status)}"
                if os.WIFSIGNALED(status)
                else f"exited with status {os.waitstatus_to_exitcode(status)}"
            )
            message = f"a worker process (pid {self.pid}) {how} before sending its result"
            raise SeoulcalError(message)
        ok, value = pickle.loads(data)  # noqa: S301 - written by our own child process
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]  # what the function returned

    def stop(self) -> None:
        """Kill the child if it is still running, and reap it (after :meth:`result`, nothing)."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self._reader)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
