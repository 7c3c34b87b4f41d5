"""The object-storage target: a site built straight into an S3-compatible bucket.

``seoulcal build s3://BUCKET/PREFIX/`` publishes here (:func:`open_target`). This is the only
module that imports ``boto3`` (the ``seoulcal[s3]`` extra), and only when a bucket is opened, so
nothing else pays for it. It knows objects, keys and HTTP conditions, not calendars:

* :class:`Location` parses ``s3://BUCKET/PREFIX/`` and names every key of a site: its public
  objects under ``PREFIX``, and its private ones under ``PREFIX.seoulcal/`` (the state, the lock,
  the probe), which the documented bucket policy (:func:`bucket_policy`) never lets an anonymous
  reader fetch.
* :class:`ObjectStore` is the effect: get, put and delete one object. :class:`Boto3Store` is the
  real one (boto3's ordinary credential chain, ``endpoint_url`` or ``AWS_ENDPOINT_URL``); tests
  wrap it to inject failures. No listing call exists here at all (NAVER Cloud's government
  region has no ListObjectsV2), and objects are never copied (servers change the Content-Type on
  copy): every object is PUT whole with the headers of :func:`~seoulcal.publish.layout.headers_for`.
* :class:`SiteBucket` is what a build does with a bucket: check that the store honours
  conditional writes (or refuse, unless the caller promises a single writer), hold the site's
  lease (:data:`LOCK_KEY`) so two builds never upload into one site at once, read the state with
  its ETag, replace it with ``If-Match`` (``If-None-Match: *`` the first time), upload and delete.
* :class:`S3Target` is the :class:`~seoulcal.publish.target.Target`: the site's state files live
  in one private state object (:class:`BucketState`, with the manifest of what is published);
  only changed objects are uploaded, in :func:`upload_order`, the state last, deletions after.

Every failure of the network, the credentials or the permissions becomes a
:class:`~seoulcal.errors.PublishError` that names the bucket, the key and the operation.
"""

from __future__ import annotations

__all__ = [
    "LOCK_KEY",
    "PRIVATE_DIR",
    "PROBE_KEY",
    "S3_EXTRA",
    "STATE_KEY",
    "Boto3Store",
    "BucketState",
    "ConditionsUnsupportedError",
    "Location",
    "ObjectHeaders",
    "ObjectStore",
    "PreconditionFailedError",
    "S3Part",
    "S3Target",
    "SiteBucket",
    "Stored",
    "bucket_policy",
    "deletion_order",
    "object_digest",
    "object_headers",
    "open_store",
    "open_target",
    "upload_order",
]

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol, Self, cast

from seoulcal.errors import PublishError
from seoulcal.publish.layout import CONTENT_TYPES, headers_for, is_state, servable
from seoulcal.publish.target import Changes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from seoulcal.publish.target import Target

S3_EXTRA = "seoulcal[s3]"
"""The extra that installs boto3."""
PRIVATE_DIR = ".seoulcal/"
"""The private folder of a site in a bucket, relative to its prefix: never public."""
STATE_KEY = PRIVATE_DIR + "state.json"
"""The site's state (every state file and the manifest of uploaded objects), one object."""
LOCK_KEY = PRIVATE_DIR + "lock.json"
"""The lease a build holds while it uploads into the site."""
PROBE_KEY = PRIVATE_DIR + "probe"
"""A throwaway object that shows whether the store honours conditional writes."""
DEFAULT_LEASE = timedelta(minutes=5)
"""How long a build's hold on a site lasts without renewal (a killed build's hold expires).

A build renews it every third of that while it renders and uploads, and one PutObject gives up
well within it (:func:`open_store`'s timeouts and retries), so only a build whose whole process
stops (suspended) for longer can outlive its hold; it then stops at its next renewal.
"""
LOCK_FORMAT = "seoulcal-lock/1"
_CLOCK_STEP = timedelta(seconds=1)
"""The store's clock step: Last-Modified and Date are HTTP dates, in whole seconds.

Both are cut down to the second, so a lock written at 10.9 s reads as written at 10 s, and a Date
of 11 s may be 11.0 s: a hold has surely lasted its lease only a full step after
``modified + lease`` by that clock.
"""

_NEVER_MATCHES = '"seoulcal-probe-this-etag-never-matches"'
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
_PRIVATE_HEADERS_CONTENT_TYPE = "application/json"


# --- where ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """A site's place in a bucket: ``s3://BUCKET/PREFIX/`` (an empty prefix: the whole bucket)."""

    bucket: str
    prefix: str
    """``""`` or a path ending in ``/``."""

    @classmethod
    def parse(cls, url: str) -> Location:
        """Parse ``s3://BUCKET/PREFIX/``; a missing final ``/`` is added.

        Raises :class:`PublishError` naming the URL and what to write instead.
        """
        if not url.startswith("s3://"):
            raise PublishError(f"{url!r}: not an s3:// address; write s3://BUCKET/PREFIX/")
        rest = url.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        if not _BUCKET.fullmatch(bucket) or ".." in bucket:
            raise PublishError(
                f"{url!r}: {bucket!r} is not a bucket name (3 to 63 lowercase letters, digits, "
                "dots and hyphens, starting and ending with a letter or digit)"
            )
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        segments = prefix.split("/")[:-1] if prefix else []
        for segment in segments:
            if segment in {"", ".", ".."} or not _SEGMENT.fullmatch(segment):
                raise PublishError(
                    f"{url!r}: the prefix segment {segment!r} is not allowed (use letters, digits "
                    "and - _ . ~, separated by single slashes)"
                )
            if segment == PRIVATE_DIR.rstrip("/"):
                raise PublishError(
                    f"{url!r}: {PRIVATE_DIR!r} is where seoulcal keeps a site's private state; "
                    "choose another prefix"
                )
        return cls(bucket, prefix)

    def key(self, path: str) -> str:
        """Return the key of the site's file *path* (relative, with ``/``)."""
        return self.prefix + path

    def url(self, path: str = "") -> str:
        """``s3://BUCKET/KEY`` of *path*, for messages."""
        return f"s3://{self.bucket}/{self.key(path)}"

    def __str__(self) -> str:
        """``s3://BUCKET/PREFIX/``."""
        return self.url()


# --- headers --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectHeaders:
    """The headers stored with an object and sent with every GET of it."""

    content_type: str
    cache_control: str
    content_disposition: str | None = None

    def digest_text(self) -> str:
        """Return these headers as stable text, so a manifest sees when only a header changed."""
        return f"{self.content_type}\n{self.cache_control}\n{self.content_disposition or ''}"


PRIVATE_HEADERS = ObjectHeaders(_PRIVATE_HEADERS_CONTENT_TYPE, "no-store")
"""Headers of the private objects (state, lock, probe): never cached by anyone."""


def object_headers(path: str) -> ObjectHeaders:
    """Return the headers stored with the site's file *path*: those of :func:`headers_for`.

    ``text/calendar; charset=utf-8`` and ``text/html; charset=utf-8`` (without the charset Google
    garbles Korean), ``public`` caching for public files and ``private`` for members' folders, the
    ``attachment`` disposition only on the one-event downloads, and never a Content-Encoding
    (R-HTTP-05). An object cannot carry the other headers of :func:`headers_for` (no-sniff,
    no-referrer, noindex, the page policy): a CDN in front adds them (docs/publishing.md).
    Raises :class:`PublishError` for a file no host may serve.
    """
    if not servable(path):
        raise PublishError(f"{path}: not a kind of file a site publishes (no object stored)")
    headers = dict(headers_for(path))
    return ObjectHeaders(
        headers["Content-Type"], headers["Cache-Control"], headers.get("Content-Disposition")
    )


def bucket_policy(location: Location) -> dict[str, Any]:
    """Return a bucket policy that lets anyone read the site's public files, and nothing else.

    ``s3:GetObject`` on the kinds of file a site publishes (the feed server's list, by suffix),
    under the site's prefix; never ``s3:ListBucket`` (a listing would reveal every member's
    token), and nothing under :data:`PRIVATE_DIR` (the state and the lock are ``.json``, the probe
    has no suffix). The builder's own credentials need GetObject, PutObject and DeleteObject on
    the prefix, granted to them, not here.
    """
    arn = f"arn:aws:s3:::{location.bucket}/{location.prefix}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicSiteFiles",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"{arn}*{suffix}" for suffix in sorted(CONTENT_TYPES)],
            }
        ],
    }


# --- the effect -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stored:
    """An object as read: its bytes, its ETag, and the server's clock."""

    data: bytes
    etag: str
    modified: datetime
    """The object's Last-Modified (the server's clock, whole seconds)."""
    now: datetime
    """The server's Date when it answered (the same clock as :attr:`modified`)."""


class PreconditionFailedError(Exception):
    """A conditional write found the object changed (HTTP 412, or 409/404 for If-Match)."""


class ConditionsUnsupportedError(Exception):
    """The store refused a conditional write as not implemented (HTTP 501)."""


class ObjectStore(Protocol):
    """Get, put and delete whole objects of one bucket: all a site needs (no listing, no copy)."""

    @property
    def bucket(self) -> str:
        """The bucket's name."""
        ...

    def get(self, key: str) -> Stored | None:
        """Return the object at *key*, or ``None`` if there is none."""
        ...

    def put(
        self,
        key: str,
        data: bytes,
        headers: ObjectHeaders,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        """Store *data* at *key* whole; return the new ETag.

        With *if_match*, only if the object's ETag is that one; with *if_none_match*, only if
        there is no object; otherwise :class:`PreconditionFailedError`.
        """
        ...

    def delete(self, key: str) -> None:
        """Delete the object at *key* (nothing if there is none)."""
        ...


def open_store(
    bucket: str, *, endpoint_url: str | None = None, region: str | None = None
) -> Boto3Store:
    """Open *bucket* with boto3's ordinary credentials and configuration.

    The endpoint is *endpoint_url*, else ``AWS_ENDPOINT_URL`` (boto3 reads it), else AWS. Raises
    :class:`PublishError` naming the ``seoulcal[s3]`` extra when boto3 is not installed.
    """
    try:
        import boto3  # noqa: PLC0415 - the optional extra, only for s3:// targets
        from botocore.config import Config  # noqa: PLC0415 - same as above
    except ImportError:
        raise PublishError(
            f"s3://{bucket}/: publishing to object storage needs boto3; "
            f"install it with: pip install '{S3_EXTRA}'"
        ) from None
    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},  # at most about 2 min per request
        connect_timeout=10,
        read_timeout=30,
        max_pool_connections=16,
        # Only checksums an operation requires: S3-compatible stores differ in the rest.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session(region_name=region)
    client = session.client("s3", endpoint_url=endpoint_url, config=config)
    return Boto3Store(client, bucket)


class Boto3Store:
    """:class:`ObjectStore` over a boto3 S3 client (thread-safe, as boto3's clients are)."""

    def __init__(self, client: Any, bucket: str) -> None:  # noqa: ANN401 - boto3 has no types
        """Use *client* (a ``boto3.client("s3")``) for *bucket*."""
        self._client = client
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        """The bucket's name."""
        return self._bucket

    @property
    def endpoint(self) -> str:
        """The endpoint URL the client talks to."""
        return str(self._client.meta.endpoint_url)

    def get(self, key: str) -> Stored | None:
        """Return the object at *key*, or ``None`` (see :class:`ObjectStore`)."""
        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=key)
            data = answer["Body"].read()
        except Exception as error:
            if _status(error) == 404 and _code(error) in {"NoSuchKey", "404", "NotFound"}:
                return None
            raise self._failure("GetObject", key, error) from error
        return Stored(
            data=data,
            etag=str(answer["ETag"]),
            modified=answer["LastModified"].astimezone(UTC),
            now=_server_date(answer),
        )

    def put(
        self,
        key: str,
        data: bytes,
        headers: ObjectHeaders,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        """Store *data* at *key* (see :class:`ObjectStore`)."""
        arguments: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": key,
            "Body": data,
            "ContentType": headers.content_type,
            "CacheControl": headers.cache_control,
        }
        if headers.content_disposition is not None:
            arguments["ContentDisposition"] = headers.content_disposition
        if if_match is not None:
            arguments["IfMatch"] = if_match
        if if_none_match:
            arguments["IfNoneMatch"] = "*"
        conditional = if_match is not None or if_none_match
        try:
            answer = self._client.put_object(**arguments)
        except Exception as error:
            status = _status(error)
            if conditional and (status in {409, 412} or (if_match and status == 404)):
                raise PreconditionFailedError(key) from error
            if conditional and status == 501:
                raise ConditionsUnsupportedError(key) from error
            raise self._failure("PutObject", key, error) from error
        return str(answer["ETag"])

    def delete(self, key: str) -> None:
        """Delete the object at *key* (see :class:`ObjectStore`)."""
        try:
            self._client.delete_object(Bucket=self._bucket, Key=key)
        except Exception as error:
            if _status(error) == 404 and _code(error) == "NoSuchKey":
                return
            raise self._failure("DeleteObject", key, error) from error

    def _failure(self, operation: str, key: str, error: Exception) -> Exception:
        """Turn *error* into a :class:`PublishError` that names bucket, key and operation.

        Errors that are neither from boto3 nor from botocore are returned as they are: they are
        faults of this program, not of the store.
        """
        where = f"s3://{self._bucket}/{key}: {operation}"
        module = type(error).__module__
        if not module.startswith(("botocore", "boto3", "urllib3")):
            return error
        code = _code(error)
        status = _status(error)
        if code == "NoSuchBucket":
            reason = f"the bucket {self._bucket!r} does not exist at {self.endpoint}"
        elif code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}:
            reason = (
                f"the store refused the credentials ({code}); check AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or the profile in use"
            )
        elif code in {"AccessDenied", "AllAccessDisabled"} or status == 403:
            reason = (
                f"access denied ({code or 'HTTP 403'}); the credentials in use may not "
                f"{operation} here: allow it in their policy"
            )
            if operation == "GetObject":
                reason += " (on AWS a missing key also answers 403 unless they may s3:ListBucket)"
        elif code:
            message = _message(error)
            reason = f"{code} (HTTP {status})" + (f": {message}" if message else "")
        elif type(error).__name__ == "NoCredentialsError":
            reason = (
                "no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                "AWS_PROFILE, or run where an instance role provides them"
            )
        elif type(error).__name__ in {"EndpointConnectionError", "ConnectTimeoutError"}:
            reason = f"cannot reach {self.endpoint} ({error})"
        else:
            reason = f"{type(error).__name__}: {error}"
        return PublishError(f"{where} failed: {reason}")


def _response(error: Exception) -> Mapping[str, Any]:
    response = getattr(error, "response", None)
    return response if isinstance(response, dict) else {}


def _code(error: Exception) -> str:
    return str(_response(error).get("Error", {}).get("Code", ""))


def _message(error: Exception) -> str:
    return str(_response(error).get("Error", {}).get("Message", ""))


def _status(error: Exception) -> int | None:
    status = _response(error).get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def _server_date(answer: Mapping[str, Any]) -> datetime:
    """Return an answer's Date (the server's clock); the local clock if it sent none."""
    text = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if text:
        try:
            return parsedate_to_datetime(text).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


# --- what a build does with a bucket --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hold:
    holder: str
    renewal: int
    etag: str | None
    """The lock object's ETag (``None`` in the single-writer mode: written unconditionally)."""
    renewed_at: float
    """``time.monotonic()`` when the lease was last written."""
    uploading: bool
    """Whether this build may have left the site's objects ahead of its state."""


class SiteBucket:
    """One site's objects in a bucket, as a build uses them.

    Open it (``with SiteBucket(...) as site:``) to check the store's conditional writes and take
    the site's lease; leaving the block gives the lease back. Then :meth:`read_state`,
    :meth:`start_uploading`, uploads with :meth:`put` and :meth:`renew` between them,
    :meth:`replace_state`, :meth:`delete`, and :meth:`complete` once the state matches the objects.

    The lock object (:data:`LOCK_KEY`) also remembers whether the last build stopped between its
    first upload and its last state write (killed, or failed): :attr:`repair` then tells the next
    build not to trust the state's list of what is published, and to upload everything again.
    """

    def __init__(
        self,
        store: ObjectStore,
        location: Location,
        *,
        single_writer: bool = False,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        """Use *store* for the site at *location*.

        *single_writer* is the caller's promise that no two builds of this site ever run at
        once; only then is a store that ignores conditional writes accepted (with no lease and
        plain writes of the state: nothing else can be relied on there). *lease* is how long
        the hold on the site lasts without renewal.
        """
        if store.bucket != location.bucket:
            msg = f"the store is for bucket {store.bucket!r}, the site is in {location.bucket!r}"
            raise ValueError(msg)
        self.store = store
        self.location = location
        self.single_writer = single_writer
        self.lease = lease
        self.conditional: bool | None = None
        """Whether the store honours conditional writes (known once the site is opened)."""
        self.repair = False
        """Whether the last build stopped mid-publish, so its objects may differ from the state."""
        self.record: dict[str, str] | None = None
        """A note the last build left about the site (kept in the lock object; see
        :meth:`S3Target.settle`), and the one this build leaves: written with the lock."""
        self._hold: _Hold | None = None
        self._state_etag: str | None = None
        self._state_read = False

    # --- opening and the lease ---

    def __enter__(self) -> Self:
        """Check the store's conditional writes and take the site's lease."""
        self.conditional = self.check_conditions()
        if not self.conditional and not self.single_writer:
            raise PublishError(
                f"{self.location}: this store ignores conditional writes (a PutObject with "
                "If-Match or If-None-Match: * that should have failed succeeded), so two "
                "builds at once could mix the site or lose a revision. Use a store that "
                "honours them, or, if only one build of this site ever runs at a time, "
                "choose the single-writer mode (--single-writer)"
            )
        self._acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Give the lease back (a build that failed gives it back too)."""
        self.release()

    def check_conditions(self) -> bool:
        """Whether the store honours ``If-None-Match: *`` and ``If-Match`` on PutObject.

        Three small writes of :data:`PROBE_KEY`: a plain one (so the object exists), one with
        ``If-None-Match: *`` and one with an ``If-Match`` that never matches; both must fail.
        """
        key = self.location.key(PROBE_KEY)
        body = b"seoulcal checks that this store honours conditional writes\n"
        self.store.put(key, body, PRIVATE_HEADERS)
        for if_match, if_none_match in ((None, True), (_NEVER_MATCHES, False)):
            try:
                self.store.put(
                    key, body, PRIVATE_HEADERS, if_match=if_match, if_none_match=if_none_match
                )
            except PreconditionFailedError:
                continue
            except ConditionsUnsupportedError:
                return False
            return False
        return True

    def _lock_bytes(self, holder: str, renewal: int, *, held: bool, uploading: bool) -> bytes:
        document = {
            "format": LOCK_FORMAT,
            "held": held,
            "holder": holder,
            "lease_seconds": self.lease.total_seconds(),
            "record": self.record,
            "renewal": renewal,
            "uploading": uploading,
        }
        return (json.dumps(document, sort_keys=True) + "\n").encode()

    def _write_lock(self, hold: _Hold, *, held: bool) -> str | None:
        """Write the lock object for *hold* (``If-Match`` its ETag); return the new ETag."""
        body = self._lock_bytes(hold.holder, hold.renewal, held=held, uploading=hold.uploading)
        key = self.location.key(LOCK_KEY)
        if not self.conditional:
            self.store.put(key, body, PRIVATE_HEADERS)
            return None
        return self.store.put(key, body, PRIVATE_HEADERS, if_match=hold.etag)

    def _acquire(self) -> None:
        key = self.location.key(LOCK_KEY)
        holder = secrets.token_hex(8)
        found = self.store.get(key)
        info = None if found is None else _LockInfo.parse(found.data)
        self.repair = info is not None and info.uploading
        self.record = None if info is None else info.record
        body = self._lock_bytes(holder, 0, held=True, uploading=self.repair)
        if not self.conditional:
            self.store.put(key, body, PRIVATE_HEADERS)
            self._hold = _Hold(holder, 0, None, time.monotonic(), self.repair)
            return
        try:
            if found is None or info is None:
                etag = self.store.put(key, body, PRIVATE_HEADERS, if_none_match=True)
            else:
                expires = found.modified + info.lease + _CLOCK_STEP
                if info.held and found.now < expires:
                    raise PublishError(
                        f"{self.location}: another build is publishing this site (it took the "
                        f"site at {found.modified:%Y-%m-%d %H:%M:%S} UTC by the store's clock). "
                        "Wait for it to finish; if it was stopped, its hold expires at "
                        f"{expires:%H:%M:%S} UTC, then build again"
                    )
                etag = self.store.put(key, body, PRIVATE_HEADERS, if_match=found.etag)
        except PreconditionFailedError:
            raise PublishError(
                f"{self.location}: another build started publishing this site at the same "
                "moment; this one stopped before changing anything. Build again when it is done"
            ) from None
        self._hold = _Hold(holder, 0, etag, time.monotonic(), self.repair)

    def renew(self, *, force: bool = False, uploading: bool | None = None) -> None:
        """Renew the lease if a third of it has passed (always with *force* or *uploading*).

        *uploading* records whether this build may have left objects ahead of its state.
        Raises :class:`PublishError` if another build has taken the site meanwhile (this build's
        lease had expired): this build must stop uploading at once.
        """
        hold = self._hold
        if hold is None:
            return
        elapsed = time.monotonic() - hold.renewed_at
        if uploading is None and not force and elapsed < self.lease.total_seconds() / 3:
            return
        now_uploading = hold.uploading if uploading is None else uploading
        renewed = _Hold(hold.holder, hold.renewal + 1, hold.etag, 0.0, now_uploading)
        try:
            etag = self._write_lock(renewed, held=True)
        except PreconditionFailedError:
            self._hold = None
            raise PublishError(
                f"{self.location}: another build took this site over while this one was "
                f"publishing (this build paused longer than its {self.lease.total_seconds():g} s "
                "hold); this build stopped. Build again: the next build repairs the site"
            ) from None
        self._hold = _Hold(hold.holder, renewed.renewal, etag, time.monotonic(), now_uploading)

    def start_uploading(self) -> None:
        """Record, before the first upload, that the objects may get ahead of the state."""
        if self._hold is not None and not self._hold.uploading:
            self.renew(uploading=True)

    def complete(self) -> None:
        """Record that the state now matches every object (written when the lease is released).

        A build killed before that leaves the mark of an interrupted publish: the next build
        then uploads everything again, which changes no ETag.
        """
        hold = self._hold
        if hold is not None:
            self._hold = replace(hold, uploading=False)
        self.repair = False

    def release(self) -> None:
        """Give the lease back (nothing if none is held or another build has taken it)."""
        hold = self._hold
        if hold is None:
            return
        self._hold = None
        try:
            self._write_lock(
                _Hold(hold.holder, hold.renewal + 1, hold.etag, 0.0, hold.uploading), held=False
            )
        except PreconditionFailedError:
            return  # taken over after this build's lease expired: theirs now

    # --- the state ---

    @property
    def state_etag(self) -> str | None:
        """The ETag of the state object as this build last read or wrote it."""
        return self._state_etag

    def read_state(self) -> bytes | None:
        """Return the state object's bytes (``None`` before the first publish); keep its ETag."""
        found = self.store.get(self.location.key(STATE_KEY))
        self._state_read = True
        self._state_etag = None if found is None else found.etag
        return None if found is None else found.data

    def replace_state(self, data: bytes) -> None:
        """Replace the state object, if no other build has replaced it since it was read.

        ``If-Match`` the ETag read (``If-None-Match: *`` when there was none); a build that finds
        it changed raises :class:`PublishError` ("another build changed the site"). In the
        single-writer mode on a store without conditional writes, a plain PUT.
        """
        if not self._state_read:
            msg = "replace_state() before read_state()"
            raise RuntimeError(msg)
        key = self.location.key(STATE_KEY)
        if self.conditional is False:
            self._state_etag = self.store.put(key, data, PRIVATE_HEADERS)
            return
        self.renew(force=True)
        try:
            if self._state_etag is None:
                etag = self.store.put(key, data, PRIVATE_HEADERS, if_none_match=True)
            else:
                etag = self.store.put(key, data, PRIVATE_HEADERS, if_match=self._state_etag)
        except PreconditionFailedError:
            raise PublishError(
                f"{self.location.url(STATE_KEY)}: another build changed the site since this "
                "build read its state; this build's state was not saved. Build again: it starts "
                "from the site as the other build left it"
            ) from None
        self._state_etag = etag

    # --- objects ---

    def put(self, path: str, data: bytes) -> None:
        """Upload the site's file *path* with its headers (:func:`object_headers`)."""
        self.store.put(self.location.key(path), data, object_headers(path))

    def delete(self, path: str) -> None:
        """Delete the site's file *path*."""
        self.store.delete(self.location.key(path))


@dataclass(frozen=True, slots=True)
class _LockInfo:
    held: bool
    lease: timedelta
    uploading: bool
    record: dict[str, str] | None

    @classmethod
    def parse(cls, data: bytes) -> _LockInfo:
        """Read a lock object; an unreadable one counts as held (default lease) and mid-upload."""
        try:
            document = json.loads(data)
            record = document.get("record")
            return cls(
                held=bool(document["held"]),
                lease=timedelta(seconds=max(0.0, float(document["lease_seconds"]))),
                uploading=bool(document["uploading"]),
                record=(
                    {str(key): str(value) for key, value in record.items()}
                    if isinstance(record, dict)
                    else None
                ),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(held=True, lease=DEFAULT_LEASE, uploading=True, record=None)


# --- the site's state in the bucket ---------------------------------------------------------------

BUCKET_STATE_FORMAT = "seoulcal-bucket/1"


@dataclass(frozen=True, slots=True)
class BucketState:
    """What the state object holds: the site's state files and what is published.

    *objects* maps each published file to the digest of its headers and bytes (the manifest: no
    listing is ever needed to know what the bucket holds); *states* holds the site's state files
    (the public one and each member's), byte for byte as the build wrote them; *pending* lists
    objects a build meant to delete after saving this state, in case it was stopped before.
    """

    objects: Mapping[str, str]
    states: Mapping[str, bytes]
    pending: tuple[str, ...] = ()

    def to_bytes(self) -> bytes:
        """Return the state object's bytes (the same state always gives the same bytes)."""
        document = {
            "format": BUCKET_STATE_FORMAT,
            "objects": dict(sorted(self.objects.items())),
            "pending": sorted(self.pending),
            "states": {path: data.decode("utf-8") for path, data in sorted(self.states.items())},
        }
        return (json.dumps(document, ensure_ascii=False, indent=0, sort_keys=True) + "\n").encode()

    @classmethod
    def parse(cls, data: bytes, where: str) -> BucketState:
        """Read a state object's bytes; *where* (its ``s3://`` address) names it in errors."""
        try:
            document = json.loads(data.decode("utf-8"))
            if not isinstance(document, dict) or document.get("format") != BUCKET_STATE_FORMAT:
                found = document.get("format") if isinstance(document, dict) else None
                raise PublishError(
                    f"{where}: not a seoulcal site state (format {found!r}, expected "
                    f"{BUCKET_STATE_FORMAT!r}); another program wrote this key, or a newer "
                    "seoulcal did: build with that version, or choose another prefix"
                )
            objects = {str(path): str(digest) for path, digest in document["objects"].items()}
            states = {str(path): str(text).encode() for path, text in document["states"].items()}
            pending = tuple(str(path) for path in document["pending"])
        except (UnicodeDecodeError, ValueError, KeyError, AttributeError, TypeError) as error:
            raise PublishError(
                f"{where}: the site's state is damaged ({type(error).__name__}: {error}); "
                "restore the object from the bucket's versions, or delete it to publish anew "
                "(every event then starts again at SEQUENCE 0)"
            ) from None
        return cls(objects, states, pending)


def object_digest(path: str, data: bytes) -> str:
    """Return the digest of the object *path* would be: its headers and its bytes."""
    digest = hashlib.sha256(object_headers(path).digest_text().encode())
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def upload_order(paths: Iterable[str]) -> list[list[str]]:
    """Split the files to upload into batches, each uploaded only after the one before.

    New member files and one-event files first (what pages and calendars link to), then the
    pages inside folders (members' pages), then the top-level calendars, then the top-level
    pages: whatever a subscriber can reach from an object that is already up links to objects
    that are up too.
    """
    batches: list[list[str]] = [[], [], [], []]
    for path in sorted(paths):
        page = path.endswith(".html")
        top = "/" not in path
        batches[2 * top + page].append(path)
    return [batch for batch in batches if batch]


def deletion_order(paths: Iterable[str]) -> list[str]:
    """Order deletions the other way round: pages before the files they link to."""
    order = {path: index for index, batch in enumerate(upload_order(paths)) for path in batch}
    return sorted(order, key=lambda path: (-order[path], path))


# --- a build's target -----------------------------------------------------------------------------

UPLOAD_THREADS = 8
"""Uploads in flight at once (boto3's clients are thread-safe)."""


@dataclass(frozen=True, slots=True)
class Spooled:
    """A file to upload, kept in a spool file on the local disk until the commit uploads it."""

    path: str
    offset: int
    length: int


class _Spool:
    """The files a process must upload, appended to one spool file of the build's spool folder.

    Holding them in memory would cost the whole changed site (1,000 members: about 600 MB
    over the processes); on disk a build's memory stays flat, and only where each file is
    travels back from a worker. The folder is removed when the target is left.
    """

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        self._handle: int | None = None
        self._name = ""
        self._offset = 0

    def put(self, data: bytes) -> Spooled:
        if self.folder is None:  # pragma: no cover - a part is only made inside the target
            raise RuntimeError("the target's spool folder is made on entering it")
        if self._handle is None:
            self._handle, self._name = tempfile.mkstemp(prefix="part-", dir=self.folder)
        view = memoryview(data)
        while view:
            view = view[os.write(self._handle, view) :]
        spooled = Spooled(self._name, self._offset, len(data))
        self._offset += len(data)
        return spooled

    def close(self) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None


class S3Part:
    """The writer of one forked worker process: compares its files with the manifest there.

    Only where the files that must be uploaded are (in the spool folder, see :class:`Spooled`)
    travels back to the building process, with their digests; the worker never talks to the
    bucket.
    """

    def __init__(
        self, published: Mapping[str, str], *, repair: bool, spool: str | None = None
    ) -> None:
        """Compare with *published* (path → digest); with *repair*, everything is to upload.

        Files to upload go to a spool file in the folder *spool*.
        """
        self._published = published
        self._repair = repair
        self._spool = _Spool(spool)
        self._objects: dict[str, str] = {}
        self._changed: dict[str, Spooled] = {}
        self._states: dict[str, bytes] = {}

    def add(self, path: str, data: bytes) -> None:
        """Take the file *path* of the new site with *data*."""
        if is_state(path):
            self._states[path] = data
            return
        digest = object_digest(path, data)
        self._objects[path] = digest
        if self._repair or self._published.get(path) != digest:
            self._changed[path] = self._spool.put(data)
        else:
            self._changed.pop(path, None)

    def keep(self, paths: Sequence[str]) -> bool:
        """Keep *paths* as published (all or none): never while repairing, never a state file.

        The state object's manifest says what each object holds, as it does for :meth:`add`.
        """
        if self._repair or any(is_state(p) or p not in self._published for p in paths):
            return False
        for path in paths:
            self._objects[path] = self._published[path]
            self._changed.pop(path, None)
        return True

    def memo(self, name: str) -> str | None:  # noqa: ARG002 - a bucket keeps no memos
        """Return ``None``: the state object holds every member's state, read without a request."""
        return None

    def remember(self, name: str, memo: str) -> None:
        """Keep nothing (see :meth:`memo`)."""

    def files(self) -> tuple[dict[str, str], dict[str, Spooled], dict[str, bytes]]:
        """Return what :meth:`S3Target.commit` needs: digests, files to upload, state files."""
        self._spool.close()
        return self._objects, self._changed, self._states


class S3Target:
    """The :class:`~seoulcal.publish.target.Target` of a site in a bucket.

    Entering it opens the :class:`SiteBucket` (the conditional-write check and the lease) and
    reads the state object. :meth:`previous` gives the build the site's state files from it;
    :meth:`add` takes each file of the new site (state files are kept for the state object,
    files whose headers and bytes are already published are only counted); :meth:`commit` uploads
    the rest in :func:`upload_order`, saves the state object (``If-Match``), deletes what the new
    site no longer has, and saves the state again without the pending deletions. Nothing is
    written to the bucket's site before :meth:`commit`, so a build that fails earlier changes
    nothing (:meth:`discard`).
    """

    def __init__(
        self,
        site: SiteBucket,
        *,
        progress: Callable[[int, int], None] | None = None,
        threads: int = UPLOAD_THREADS,
    ) -> None:
        """Publish into *site*; *progress* is called with (done, total) as objects go up."""
        self.site = site
        self.progress = progress
        self.threads = threads
        self._previous: BucketState | None = None
        self._spool: str | None = None
        self._own = S3Part({}, repair=False)
        self._settle: str | None = None

    @property
    def name(self) -> str:
        """The site's address, ``s3://BUCKET/PREFIX/``."""
        return str(self.site.location)

    @property
    def first_build(self) -> bool:
        """Whether the bucket holds no state of this site yet."""
        return self._previous is None

    @property
    def repairing(self) -> bool:
        """Whether this build uploads every file again, the last one having stopped mid-publish."""
        return self.site.repair

    def __enter__(self) -> Self:
        """Open the bucket's site (lease) and read its state."""
        self.site.__enter__()
        try:
            data = self.site.read_state()
            where = self.site.location.url(STATE_KEY)
            self._previous = None if data is None else BucketState.parse(data, where)
        except BaseException:
            self.site.release()
            raise
        self._spool = tempfile.mkdtemp(prefix="seoulcal-upload-")
        self._own = self.part()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Give the site's lease back (with the record of :meth:`settle`); remove the spool."""
        try:
            self.site.release()
        finally:
            if self._spool is not None:
                shutil.rmtree(self._spool, ignore_errors=True)
                self._spool = None

    def _published(self) -> Mapping[str, str]:
        return {} if self._previous is None else self._previous.objects

    # --- the record of a settled site ---

    def settled(self, inputs: str) -> bool:
        """Whether the last build recorded *inputs* and the state has not changed since.

        Never after a build that stopped mid-publish (the objects may not match the state).
        """
        record = self.site.record
        return (
            not self.site.repair
            and record is not None
            and record.get("inputs") == inputs
            and record.get("state") == self.site.state_etag
        )

    def settle(self, inputs: str | None) -> None:
        """Record that the site is settled for *inputs* (``None``: forget), with the lease."""
        self._settle = inputs
        self.site.record = (
            None if inputs is None else {"inputs": inputs, "state": self.site.state_etag or ""}
        )

    def manifest(self) -> tuple[list[str], str]:
        """Return the published files (from the state object, no listing) and their digest."""
        published = self._published()
        digest = hashlib.sha256(json.dumps(sorted(published.items())).encode()).hexdigest()
        return sorted(published), digest

    # --- the files of the new site ---

    def previous(self, path: str) -> bytes | None:
        """Return the published bytes of the state file *path*, or ``None``."""
        if self._previous is None:
            return None
        return self._previous.states.get(path)

    def add(self, path: str, data: bytes) -> None:
        """Take the file *path* of the new site (and renew the lease while the build renders)."""
        self.site.renew()
        self._own.add(path, data)

    def keep(self, paths: Sequence[str]) -> bool:
        """Keep *paths* as published, if the state object lists them all (see S3Part.keep)."""
        self.site.renew()
        return self._own.keep(paths)

    def memo(self, name: str) -> str | None:
        """Return ``None``: a bucket keeps no memos (see :meth:`S3Part.memo`)."""
        return self._own.memo(name)

    def remember(self, name: str, memo: str) -> None:
        """Keep nothing (see :meth:`S3Part.memo`)."""

    def renders(self) -> None:
        """Return ``None``: a bucket keeps nothing of the rendering (each build renders it all)."""

    def keep_renders(self, make: Callable[[], bytes | None]) -> None:
        """Keep nothing (see :meth:`renders`): *make* is never called, nothing is sealed."""

    def part(self) -> S3Part:
        """Return a writer for a forked worker (it compares there; changed files come back)."""
        return S3Part(self._published(), repair=self.site.repair, spool=self._spool)

    def discard(self) -> None:
        """Forget the files taken and not committed: nothing of them was written to the bucket."""
        self._own.files()  # closes its spool file; the folder goes when the target is left
        self._own = self.part()

    def commit(self, parts: Sequence[object] = ()) -> Changes:
        """Publish the new site (see the class); return what changed."""
        own_objects, own_changed, own_states = self._own.files()
        objects, changed, states = dict(own_objects), dict(own_changed), dict(own_states)
        for part in parts:
            their_objects, their_changed, their_states = cast("_PartFiles", part)
            objects.update(their_objects)
            changed.update(their_changed)
            states.update(their_states)
        previous = self._previous or BucketState({}, {})
        removed = [path for path in previous.objects if path not in objects]
        pending = sorted({*removed, *(path for path in previous.pending if path not in objects)})
        state = BucketState(objects, states, tuple(pending))
        kept = tuple(sorted(path for path in objects if path not in changed))
        written = tuple(sorted(changed))
        if not written and not pending and self._previous == state:
            return Changes((), kept, ())
        self.site.start_uploading()
        self._upload(changed)
        self.site.replace_state(state.to_bytes())
        self._previous = state
        if pending:
            for path in deletion_order(pending):
                self.site.renew()
                self.site.delete(path)
            state = BucketState(state.objects, state.states, ())
            self.site.replace_state(state.to_bytes())
            self._previous = state
        self.site.complete()
        self._own = S3Part(self._published(), repair=False, spool=self._spool)
        return Changes(written, kept, tuple(sorted(removed)))

    def _upload(self, changed: Mapping[str, Spooled]) -> None:
        """Upload the changed files, batch after batch; the first failure stops the rest."""
        total = len(changed)
        done = 0
        reader = _SpoolReader()
        with reader, ThreadPoolExecutor(self.threads, thread_name_prefix="seoulcal-upload") as pool:
            for batch in upload_order(changed):
                futures = [
                    pool.submit(lambda p: self.site.put(p, reader.read(changed[p])), path)
                    for path in batch
                ]
                try:
                    for future in as_completed(futures):
                        future.result()
                        done += 1
                        if self.progress is not None:
                            self.progress(done, total)
                        self.site.renew()
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise


_PartFiles = tuple[dict[str, str], dict[str, Spooled], dict[str, bytes]]


class _SpoolReader:
    """Read spooled files from the upload threads: one descriptor per spool file, ``pread``."""

    def __init__(self) -> None:
        self._handles: dict[str, int] = {}
        self._lock = threading.Lock()

    def read(self, spooled: Spooled) -> bytes:
        with self._lock:
            handle = self._handles.get(spooled.path)
            if handle is None:
                handle = self._handles[spooled.path] = os.open(spooled.path, os.O_RDONLY)
        data = os.pread(handle, spooled.length, spooled.offset)
        if len(data) != spooled.length:  # pragma: no cover - the spool is this build's own
            raise PublishError(f"{spooled.path}: the upload spool lost a file's bytes")
        return data

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for handle in self._handles.values():
            os.close(handle)
        self._handles.clear()


def open_target(  # noqa: PLR0913 - keyword-only options of one call
    url: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    single_writer: bool = False,
    lease: timedelta = DEFAULT_LEASE,
    progress: Callable[[int, int], None] | None = None,
) -> S3Target:
    """Return the target for the site at *url* (``s3://BUCKET/PREFIX/``), ready to enter.

    boto3 is imported here (:func:`open_store`); nothing touches the network before the target
    is entered.
    """
    location = Location.parse(url)
    store = open_store(location.bucket, endpoint_url=endpoint_url, region=region)
    site = SiteBucket(store, location, single_writer=single_writer, lease=lease)
    return S3Target(site, progress=progress)


if TYPE_CHECKING:

    def _a_target(target: S3Target) -> Target:
        """Let mypy check that :class:`S3Target` is a :class:`Target` (never called)."""
        return target
