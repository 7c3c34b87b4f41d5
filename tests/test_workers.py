"""Worker processes: results and errors come back from a forked child; children never linger."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
import weakref

import pytest

from seoulcal.errors import PublishError, SeoulcalError
from seoulcal.workers import Worker, available_cpus, can_fork, halves, long_lived

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers fork: POSIX only")


def gone(pid: int) -> bool:
    """True once *pid* is neither running nor a zombie of ours."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_worker_returns_what_its_function_returned():
    parent = os.getpid()
    worker = Worker.start(lambda: {"pid": os.getpid(), "data": b"x" * 300_000})
    result = worker.result()
    assert result["pid"] not in {parent, 0}
    assert result["data"] == b"x" * 300_000  # larger than a pipe's buffer
    assert gone(worker.pid)


def test_a_worker_sees_the_parent_state_as_it_was_when_forked():
    state = {"members": list(range(5))}
    worker = Worker.start(lambda: sum(state["members"]))
    state["members"].append(100)  # after the fork: the child does not see it
    assert worker.result() == 10


def test_a_worker_raises_its_function_error_in_the_parent():
    def fail() -> None:
        raise PublishError("m/abc/index.html: no space left on device")

    worker = Worker.start(fail)
    with pytest.raises(PublishError, match="no space left"):
        worker.result()
    assert gone(worker.pid)


def test_an_error_that_cannot_be_pickled_comes_back_with_its_message():
    class LocalError(Exception):  # a local class cannot be pickled
        pass

    def fail() -> None:
        raise LocalError("the disk is full")

    with pytest.raises(SeoulcalError, match="a worker process failed: LocalError: the disk is"):
        Worker.start(fail).result()


def test_a_result_that_cannot_be_pickled_is_an_error():
    with pytest.raises(SeoulcalError, match="a worker process failed"):
        Worker.start(lambda: lambda: None).result()


def test_a_killed_worker_is_an_error_naming_the_signal():
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(SeoulcalError, match="killed by signal 9"):
        Worker.start(die).result()


def test_a_worker_that_exits_by_itself_is_an_error():
    with pytest.raises(SeoulcalError, match="exited with status 3"):
        Worker.start(lambda: os._exit(3)).result()


def test_stop_kills_and_reaps_a_running_worker():
    worker = Worker.start(lambda: time.sleep(60))
    started = time.monotonic()
    worker.stop()
    assert time.monotonic() - started < 10
    assert gone(worker.pid)
    worker.stop()  # twice is harmless


def test_an_interrupted_wait_kills_the_worker():
    def stop_waiting(signum, frame):
        raise TimeoutError("waited too long")

    previous = signal.signal(signal.SIGALRM, stop_waiting)
    worker = Worker.start(lambda: time.sleep(60))
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            worker.result()
        assert time.monotonic() - started < 10
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert gone(worker.pid)


def test_a_result_is_taken_once():
    worker = Worker.start(lambda: 1)
    assert worker.result() == 1
    with pytest.raises(SeoulcalError, match="already taken"):
        worker.result()


def test_the_child_leaves_the_parent_output_alone(capfd):
    sys.stdout.write("before the fork")  # buffered: the child must not write it again
    Worker.start(lambda: None).result()
    out, _ = capfd.readouterr()
    assert out.count("before the fork") == 1


def test_no_fork_while_another_thread_runs():
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not can_fork()
        with pytest.raises(SeoulcalError, match="single thread"):
            Worker.start(lambda: None)
    finally:
        release.set()
        thread.join()
    assert can_fork()


def _squares_where(items):
    return [(item * item, os.getpid()) for item in items]


def test_halves_work_out_the_second_half_in_a_child():
    items = list(range(7))
    parts = halves(_squares_where, items)
    assert [part for part, _ in parts] == [items[:3], items[3:]]
    assert [square for _, found in parts for square, _ in found] == [i * i for i in items]
    (_, here), (_, there) = parts
    assert {pid for _, pid in here} == {os.getpid()}
    assert {pid for _, pid in there} - {os.getpid()}


def test_halves_are_one_part_where_no_child_can_be_forked(monkeypatch):
    def no_process(work):
        raise OSError(f"no process for {work!r}")

    monkeypatch.setattr(Worker, "start", no_process)
    assert halves(_squares_where, [1, 2, 3]) == [
        ([1, 2, 3], [(i * i, os.getpid()) for i in (1, 2, 3)])
    ]


def test_a_failure_here_stops_the_child_of_halves(monkeypatch):
    started = []
    start = Worker.start
    monkeypatch.setattr(Worker, "start", lambda work: started.append(start(work)) or started[-1])
    parent = os.getpid()

    def work(items):
        if os.getpid() == parent:
            raise PublishError("this half failed")
        time.sleep(30)  # the child would still be at it
        return items

    with pytest.raises(PublishError, match="this half failed"):
        halves(work, [1, 2])
    assert gone(started[0].pid)


def test_available_cpus_is_what_this_process_may_use():
    count = available_cpus()
    assert count >= 1
    if hasattr(os, "sched_getaffinity"):
        assert count == len(os.sched_getaffinity(0))


class _Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_long_lived_objects_are_frozen_for_the_block_only():
    assert gc.get_freeze_count() == 0
    cycle = _Node()  # alive when the block starts, garbage inside it
    gone = weakref.ref(cycle)
    with long_lived():
        assert gc.get_freeze_count() > 0
        del cycle
        gc.collect()
        assert gone() is not None  # set aside: no pass walks it
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None  # unfrozen, and collected as any garbage


def test_an_inner_block_sets_aside_what_was_made_since_and_only_the_outer_one_unfreezes():
    with long_lived():
        outer = gc.get_freeze_count()
        made = [_Node() for _ in range(100)]  # made inside the outer block: not frozen yet
        gone = weakref.ref(made[0])
        with long_lived():
            assert gc.get_freeze_count() >= outer + len(made)
            del made
            gc.collect()
            assert gone() is not None  # set aside by the inner block
        assert gc.get_freeze_count() > 0  # the outer block still holds
        gc.collect()
        assert gone() is not None
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None


def test_a_failing_block_unfreezes_too():
    with pytest.raises(RuntimeError, match="boom"), long_lived():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_a_program_that_manages_the_collector_itself_is_left_alone():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with long_lived():
            pass
        assert gc.get_freeze_count() == frozen  # not unfrozen behind the program's back
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with long_lived():
            assert gc.get_freeze_count() == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
