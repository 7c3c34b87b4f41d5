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
  renders nothing and loads no calendar library; given the digest of the raw inputs
  (:func:`up_to_date`), it does not even load the trip.

**Privacy.** The public state holds UIDs, fingerprints, revisions and each event's public data
(with its attendee list blanked); which members had an event is only in each member's own folder.
No state file holds a secret, a token, a member id, name or email. The no-change record of a
folder (in the lock file beside it, never served, readable by its owner only) holds no secret,
but it does hold each member's id and addresses, as the build's report does.
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
    "up_to_date",
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
    from collections.abc import Sequence

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
    """The site's folder. For a bucket, ``Path(site)``, which folds the ``//`` of the address:
    read :attr:`site` there."""
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
    site: str = ""
    """Where the site is, as its target names it: the folder's path, or ``s3://BUCKET/PREFIX/``."""


def build_site(  # noqa: PLR0913 - keyword-only options of one call
    trip: Trip,
    outdir: str | Path | Target,
    *,
    base_url: str | None = None,
    secret: bytes | None = None,
    retention: timedelta = DEFAULT_RETENTION,
    jobs: int | None = None,
    printing: bool = False,
    source: str | None = None,
) -> BuildReport:
    """Build (or rebuild) *trip*'s site in *outdir* and return what changed.

    *outdir* is a folder, an ``s3://BUCKET/PREFIX/`` address (with boto3's ordinary
    configuration; :func:`seoulcal.publish.s3.open_target` takes options), or any
    :class:`~seoulcal.publish.target.Target`. *base_url* is the address the site will have on
    the web (subscribe links need it); without it, links point to :data:`LOCAL_BASE_URL`.
    *secret* keys the member tokens (see :func:`member_token`). Events removed since the last
    build stay as cancelled for *retention*. *jobs* is how many processes
    share out the members' files (``None``: on Linux, one per CPU with at least 50 members each,
    or 2 with *printing*; elsewhere one). A process is forked only where that is safe (POSIX,
    no other thread running): otherwise, or when the system has no process to give, this one
    renders those members itself. The site's bytes are the same for any value. *printing* puts
    a printable itinerary (A4 PDF, with a QR code of the member's page) in every member's
    folder; it needs the ``print`` extra and a Korean font, and is checked before anything is
    written.

    *source* is for a caller that read *trip* from raw inputs: their
    :func:`~seoulcal.publish.record.source_digest` (the caller vouches that *trip* and these
    options are what it digests). A folder's record then keeps it, with the members' addresses,
    so that :func:`up_to_date` can answer the next build from the record alone.
    """
    base = LOCAL_BASE_URL if base_url is None else normalize_base_url(base_url)
    warnings = _warnings(base_url and base, secret)
    if retention < timedelta(0):
        raise PublishError(f"retention {retention} must not be negative", field="retention")
    if jobs is not None and jobs < 1:
        raise PublishError(
            f"jobs {jobs}: give at least 1 process (or none, for one per CPU)", field="jobs"
        )
    if printing:
        from seoulcal import paper  # noqa: PLC0415 - the print extra: only when asked

        paper.require_printing(trip)  # before anything is written; workers inherit the font
    inputs = inputs_digest(
        trip, base_url=base, secret=secret, retention=retention, printing=printing
    )
    if isinstance(outdir, str) and outdir.startswith("s3://"):
        from seoulcal.publish.s3 import open_target  # noqa: PLC0415 - loads boto3: s3:// only

        target: Target = open_target(outdir)
    else:
        target = outdir if not isinstance(outdir, str | Path) else FolderTarget(outdir)
    with target:
        if target.settled(inputs):  # the site this build would make is already there
            report = _up_to_date(trip, target, base=base, secret=secret, warnings=warnings)
            if source is not None:  # the same site from other bytes (a comment edited, say)
                _settle(target, inputs, source, report.members)
            return report
        target.settle(None)
        # The one place publishing loads the renderer (and icalendar with it): only to render.
        from seoulcal.publish import render  # noqa: PLC0415
        from seoulcal.workers import long_lived  # noqa: PLC0415 - as the renderer: to render

        # The trip and what the build makes of it live as long as the build: a full pass of the
        # collector over them (50 ms for a thousand members, in a rebuild of three) is wasted.
        with long_lived():
            try:
                plan = render.plan(
                    trip,
                    target,
                    base_url=base,
                    secret=secret,
                    retention=retention,
                    jobs=jobs,
                    printing=printing,
                )
                changes = target.commit(plan.parts)
            finally:
                target.discard()
            if plan.settled or not (changes.written or changes.removed):
                _settle(target, inputs, source, plan.members)
    return BuildReport(
        outdir=Path(target.name),
        site=target.name,
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


def _settle(target: Target, inputs: str, source: str | None, members: Sequence[MemberSite]) -> None:
    """Record the site as settled; a folder also keeps *source* and the members' sites."""
    if source is not None and isinstance(target, FolderTarget):
        target.settle(inputs, source=source, members=members)
    else:
        target.settle(inputs)


def up_to_date(
    outdir: str | Path, source: str, *, base_url: str | None = None, secret: bytes | None = None
) -> BuildReport | None:
    """Return the report of a build of the folder *outdir* that would change nothing, or ``None``.

    *source* is the :func:`~seoulcal.publish.record.source_digest` of the raw inputs; it answers
    from the folder's record alone, without the trip (so without the model or pydantic): the
    report :func:`build_site` would give, if the last settled build recorded the same *source*
    and no file of the site changed since. ``None`` means: build. *base_url* and *secret* are
    those *source* digests (for the report's warnings).
    """
    base = LOCAL_BASE_URL if base_url is None else normalize_base_url(base_url)
    target = FolderTarget(outdir)
    with target:
        found = target.up_to_date(source)
    if found is None:
        return None
    members, files = found
    return _unchanged(target, base, files, members, _warnings(base_url and base, secret))


def _warnings(base_url: str | None, secret: bytes | None) -> list[str]:
    """Return the warnings of a build's options (*base_url* normalised, ``None`` when not given)."""
    warnings = [warning for warning in (base_url_warning(base_url),) if warning]
    if secret is None:
        warnings.append(_NO_SECRET_WARNING)
    return warnings


def _up_to_date(
    trip: Trip, target: Target, *, base: str, secret: bytes | None, warnings: list[str]
) -> BuildReport:
    """Report a build that found the site it would make already in place: nothing touched."""
    members = [member_site(trip, m, base_url=base, secret=secret)[1] for m in trip.members]
    return _unchanged(target, base, target.manifest()[0], members, warnings)


def _unchanged(
    target: Target,
    base: str,
    files: Sequence[str],
    members: Sequence[MemberSite],
    warnings: Sequence[str],
) -> BuildReport:
    """Return the report of a build that changed nothing: every file kept as it was."""
    return BuildReport(
        outdir=Path(target.name),
        site=target.name,
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
