"""Stores that misbehave on purpose, wrapped around a real one: the fault-injection seam.

Each implements :class:`seoulcal.publish.s3.ObjectStore` around a real :class:`Boto3Store` talking
to SeaweedFS; nothing private is patched.
"""

from __future__ import annotations

import dataclasses
import sys
import threading

from seoulcal.errors import PublishError
from seoulcal.publish.s3 import LOCK_KEY, STATE_KEY


class ForgetsConditions:
    """A store that ignores If-Match and If-None-Match, as rclone's ``serve s3`` does."""

    def __init__(self, inner):
        self.inner = inner
        self.bucket = inner.bucket

    def get(self, key):
        return self.inner.get(key)

    def put(self, key, data, headers, *, if_match=None, if_none_match=False):  # noqa: ARG002 - ignored, as such stores do
        return self.inner.put(key, data, headers)

    def delete(self, key):
        self.inner.delete(key)


class LateClock:
    """A store whose Date, when the lock is read, is *late* after the lock's Last-Modified.

    Both are whole seconds by the server's clock; this pins that clock's reading at the edge a
    test wants, which a real server gives only by chance.
    """

    def __init__(self, inner, *, late):
        self.inner = inner
        self.bucket = inner.bucket
        self.late = late

    def get(self, key):
        found = self.inner.get(key)
        if found is None or not key.endswith(LOCK_KEY):
            return found
        return dataclasses.replace(found, now=found.modified + self.late)

    def put(self, key, data, headers, *, if_match=None, if_none_match=False):
        return self.inner.put(key, data, headers, if_match=if_match, if_none_match=if_none_match)

    def delete(self, key):
        self.inner.delete(key)


class Recording:
    """A store that records every write, and can fail (like a lost connection) at one of them."""

    def __init__(self, inner, *, fail_at=None):
        self.inner = inner
        self.bucket = inner.bucket
        self.log: list[tuple[str, str]] = []
        self.fail_at = fail_at
        """``(operation, number)``: the *number*-th (from 1) site write of that kind fails."""

    def _count(self, operation, key):
        self.log.append((operation, key))
        if ".seoulcal/" in key or self.fail_at is None:
            return
        kind, number = self.fail_at
        done = sum(1 for op, k in self.log if op == kind and ".seoulcal/" not in k)
        if kind == operation and done == number:
            raise PublishError(f"s3://{self.bucket}/{key}: {operation} failed: connection lost")

    def get(self, key):
        return self.inner.get(key)

    def put(self, key, data, headers, *, if_match=None, if_none_match=False):
        self._count("put", key)
        return self.inner.put(key, data, headers, if_match=if_match, if_none_match=if_none_match)

    def delete(self, key):
        self._count("delete", key)
        self.inner.delete(key)

    def site_writes(self):
        return [(op, key) for op, key in self.log if ".seoulcal/" not in key]

    def state_writes(self):
        return [key for op, key in self.log if key.endswith(STATE_KEY)]


class Stalling(Recording):
    """A store that stalls (as a hung connection would) after the *after*-th site upload.

    It prints ``stalled`` on stdout, so a test can kill the process at that moment, and waits
    until :attr:`go` is set (or a minute).
    """

    def __init__(self, inner, *, after):
        super().__init__(inner)
        self.after = after
        self.go = threading.Event()
        self.stalled = threading.Event()

    def put(self, key, data, headers, *, if_match=None, if_none_match=False):
        etag = super().put(key, data, headers, if_match=if_match, if_none_match=if_none_match)
        uploads = [k for op, k in self.log if op == "put" and ".seoulcal/" not in k]
        if ".seoulcal/" not in key and len(uploads) == self.after:
            sys.stdout.write("stalled\n")
            sys.stdout.flush()
            self.stalled.set()
            self.go.wait(60)
        return etag
