"""Publishing: a trip as a site of calendars and pages, and rebuilds that update subscribers.

:func:`build_site` writes a site for any static web host (or for :mod:`seoulcal.server`) into a
:class:`~seoulcal.publish.target.Target`: by default the local folder
(:class:`~seoulcal.publish.folder.FolderTarget`). The site's layout is in
:mod:`~seoulcal.publish.layout`; the package's modules, each with one concern:

* :mod:`~seoulcal.publish.access`: member tokens (an HMAC of the trip and member ids under a
  secret, 160 bits), the secret, the base URL;
* :mod:`~seoulcal.publish.state` and :mod:`~seoulcal.publish.revisions`: the revision state and
  the pure policy of R-UPD-01/02 (SEQUENCE, LAST-MODIFIED, cancellation and retention);
* :mod:`~seoulcal.publish.render` and :mod:`~seoulcal.publish.pages`: the files and the pages;
* :mod:`~seoulcal.publish.target`, :mod:`~seoulcal.publish.folder`: where the files go;
* :mod:`~seoulcal.publish.record`: the no-change record, so that a rebuild with nothing new
  renders nothing and loads no calendar library.

**Privacy.** The public state holds UIDs, fingerprints, revisions and each event's public data
(with its attendee list blanked); which members had an event is only in each member's own folder.
No state file holds a secret, a token, a member id, name or email.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_RETENTION",
    "LOCAL_BASE_URL",
    "SECRET_ENV",
    "STATE_FILE",
    "BuildReport",
    "MemberSite",
    "PublishError",
    "build_site",
    "member_token",
    "normalize_base_url",
    "read_secret",
]

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from seoulcal.errors import PublishError
from seoulcal.publish.access import (
    LOCAL_BASE_URL,
    SECRET_ENV,
    base_url_warning,
    member_site,
    member_token,
    normalize_base_url,
    read_secret,
)
from seoulcal.publish.folder import FolderTarget
from seoulcal.publish.layout import STATE_FILE, MemberSite
from seoulcal.publish.record import inputs_digest

if TYPE_CHECKING:
    from seoulcal.model import Trip
    from seoulcal.publish.target import Target

DEFAULT_RETENTION = timedelta(days=30)
"""How long (on the itinerary's ``revised`` clock) a withdrawn event stays as cancelled."""

_NO_SECRET_WARNING = (
    f"NO SECRET (no secret file and no ${SECRET_ENV}): member addresses are derived from a "
    "public key and anyone who knows a member id can compute them. Use this site only locally, "
    "never publish it."
)


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did."""

    outdir: Path
    """The site's folder (for another target, its name as a path)."""
    base_url: str
    changed: bool
    """False when no byte changed, so nothing was touched."""
    written: tuple[str, ...]
    """Files (relative paths) with new bytes."""
    kept: tuple[str, ...]
    """Files whose bytes did not change (hard-linked, same inode and modification time)."""
    removed: tuple[str, ...]
    """Files of the previous site that are gone."""
    revised: tuple[str, ...]
    """Ids of events whose revision rose in the public calendars."""
    cancelled: tuple[str, ...]
    """Ids of removed events published as cancelled in the public calendars."""
    dropped: tuple[str, ...]
    """Ids of cancelled events dropped from the public calendars after the retention period."""
    members: tuple[MemberSite, ...]
    warnings: tuple[str, ...]
    processes: int = 1
    """How many processes rendered the site (members are shared out between them)."""


def build_site(  # noqa: PLR0913 - keyword-only options of one call
    trip: Trip,
    outdir: str | Path | Target,
    *,
    base_url: str | None = None,
    secret: bytes | None = None,
    retention: timedelta = DEFAULT_RETENTION,
    jobs: int | None = None,
) -> BuildReport:
    """Build (or rebuild) *trip*'s site in *outdir* and return what changed.

    *outdir* is a folder, or any :class:`~seoulcal.publish.target.Target`. *base_url* is the
    address the site will have on the web (subscribe links need it); without it, links point to
    :data:`LOCAL_BASE_URL`. *secret* keys the member tokens (see :func:`member_token`). Events
    removed since the last build stay as cancelled for *retention*. *jobs* is how many processes
    share out the members' files (``None``: on Linux, one per CPU with at least 50 members each;
    elsewhere one). A process is forked only where that is safe (POSIX, no other thread
    running): otherwise, or when the system has no process to give, this one renders those
    members itself. The site's bytes are the same for any value.
    """
    base = LOCAL_BASE_URL if base_url is None else normalize_base_url(base_url)
    warnings = [warning for warning in (base_url_warning(base_url and base),) if warning]
    if secret is None:
        warnings.append(_NO_SECRET_WARNING)
    if retention < timedelta(0):
        raise PublishError(f"retention {retention} must not be negative", field="retention")
    if jobs is not None and jobs < 1:
        raise PublishError(
            f"jobs {jobs}: give at least 1 process (or none, for one per CPU)", field="jobs"
        )
    inputs = inputs_digest(trip, base_url=base, secret=secret, retention=retention)
    target = outdir if not isinstance(outdir, str | Path) else FolderTarget(outdir)
    with target:
        if target.settled(inputs):  # the site this build would make is already there
            return _up_to_date(trip, target, base=base, secret=secret, warnings=warnings)
        target.settle(None)
        # The one place publishing loads the renderer (and icalendar with it): only to render.
        from seoulcal.publish import render  # noqa: PLC0415

        try:
            plan = render.plan(
                trip, target, base_url=base, secret=secret, retention=retention, jobs=jobs
            )
            changes = target.commit(plan.parts)
        finally:
            target.discard()
        if plan.settled or not (changes.written or changes.removed):
            target.settle(inputs)
    return BuildReport(
        outdir=Path(target.name),
        base_url=base,
        changed=bool(changes.written or changes.removed),
        written=changes.written,
        kept=changes.kept,
        removed=changes.removed,
        revised=tuple(plan.public.revised),
        cancelled=tuple(plan.public.newly_withdrawn),
        dropped=tuple(plan.public.dropped),
        members=tuple(plan.members),
        warnings=(*warnings, *plan.warnings),
        processes=plan.processes,
    )


def _up_to_date(
    trip: Trip, target: Target, *, base: str, secret: bytes | None, warnings: list[str]
) -> BuildReport:
    """Report a build that found the site it would make already in place: nothing touched."""
    members = [member_site(trip, m, base_url=base, secret=secret)[1] for m in trip.members]
    files = target.manifest()[0]
    return BuildReport(
        outdir=Path(target.name),
        base_url=base,
        changed=False,
        written=(),
        kept=tuple(files),
        removed=(),
        revised=(),
        cancelled=(),
        dropped=(),
        members=tuple(members),
        warnings=tuple(warnings),
    )
