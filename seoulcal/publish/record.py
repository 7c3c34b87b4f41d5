"""The no-change record: a digest of everything a build's bytes depend on.

A target keeps the digest of the inputs of the last build whose site is settled (building again
with the same inputs would change nothing). A build that finds the same digest, and the site
untouched since, reports the site up to date without rendering anything. The digest covers the
trip, the base URL, an HMAC under the secret (never the secret itself), the retention, this
code, its libraries and the zone data. It holds no secret, token or member id.
"""

from __future__ import annotations

__all__ = ["RECORD_FORMAT", "inputs_digest", "software_digest"]

import contextlib
import functools
import hashlib
import hmac
import sys
import zoneinfo
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from seoulcal.publish.access import INSECURE_KEY

if TYPE_CHECKING:
    from datetime import timedelta

    from seoulcal.model import Trip

RECORD_FORMAT = "seoulcal-build/1"


@functools.cache
def _software() -> str:
    """Return what decides the site's bytes besides the inputs: this code, libraries, tzdata."""
    digest = hashlib.sha256()
    package = Path(__file__).parent.parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    parts = [digest.hexdigest(), sys.version]
    for name in ("icalendar", "pydantic", "tzdata"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    for folder in zoneinfo.TZPATH:  # the system's zone data comes first, then the tzdata package
        with contextlib.suppress(OSError), Path(folder, "tzdata.zi").open("rb") as stream:
            parts.append(f"{folder} {stream.readline().strip().decode('ascii', 'replace')}")
    return "\n".join(parts)


def software_digest() -> str:
    """Return a digest of what decides a site's bytes besides its inputs (see :func:`_software`)."""
    return hashlib.sha256(_software().encode("utf-8")).hexdigest()


def inputs_digest(
    trip: Trip,
    *,
    base_url: str,
    secret: bytes | None,
    retention: timedelta,
    printing: bool = False,
) -> str:
    """Return a digest of everything a build's bytes depend on, besides the previous site.

    The secret enters only through an HMAC under it, never as itself.
    """
    key = INSECURE_KEY if secret is None else secret
    keyed = hmac.new(key, b"seoulcal/build-record/v1", hashlib.sha256).hexdigest()
    digest = hashlib.sha256()
    for part in (
        RECORD_FORMAT,
        trip.model_dump_json(),
        base_url,
        keyed,
        repr(retention.total_seconds()),
        "print" if printing else "",
        _software(),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()
