"""Where everything of a site is, and what every host must send with it.

The one home of the site's layout (member folders, one-event files, feed names, state files)
and of the HTTP headers each path is served with. The feed server, the object-storage target and
the docs for static hosts all take them from here::

    index.html, index.en.html            the public page, in Korean and in English
    <trip>.ko.ics, <trip>.en.ics         the public calendars (every event, no member named)
    events/<event>.<lang>.ics            one-event files, to import a single event
    m/index.html                         a page that lists nothing (for hosts that list folders)
    m/<token>/index.html                 a member's private page, in the member's language
    m/<token>/<trip>.ko.ics, .en.ics     the member's own calendars
    m/<token>/.seoulcal-state.json       the member calendars' revision state (never served)
    .seoulcal-state.json                 the public calendars' revision state (never served)
"""

from __future__ import annotations

__all__ = [
    "CACHE_CONTROL",
    "CONTENT_TYPES",
    "EVENTS_DIR",
    "MEMBERS_PAGE",
    "MEMBER_DIR",
    "PAGE_POLICY",
    "PRIVATE_CACHE_CONTROL",
    "STATE_FILE",
    "Feed",
    "MemberSite",
    "event_path",
    "feed_name",
    "headers_for",
    "is_private",
    "is_state",
    "member_folder",
    "page_path",
    "servable",
    "state_path",
]

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from seoulcal.model import Language, Trip

STATE_FILE = ".seoulcal-state.json"
"""The revision state, in the site's root (public calendars) and in each member's folder."""
MEMBER_DIR = "m"
EVENTS_DIR = "events"
MEMBERS_PAGE = f"{MEMBER_DIR}/index.html"

CACHE_CONTROL = "public, max-age=300"
"""Five minutes: well under the calendars' one-hour REFRESH-INTERVAL (R-HTTP-07)."""
PRIVATE_CACHE_CONTROL = "private, max-age=300"
"""For members' folders: browsers may keep them, shared caches may not."""
CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}
"""The only kinds of file served, with their types; the charset is spelled ``utf-8`` (R-HTTP-01)."""
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
"""The Content-Security-Policy of every page: no script, no request to anywhere else."""


@dataclass(frozen=True, slots=True)
class Feed:
    """A calendar of the site, as its page offers it."""

    lang: Language
    name: str
    """The calendar's name (its X-WR-CALNAME), given to Outlook's subscribe link."""
    href: str
    """Its address relative to the page that shows it."""
    url: str
    """Its absolute address, the one clients subscribe to."""


@dataclass(frozen=True, slots=True)
class MemberSite:
    """Where a member's private page and calendars are published."""

    member_id: str
    page_url: str
    feeds: tuple[Feed, ...]


def feed_name(trip: Trip, lang: Language) -> str:
    """Return the file name of *trip*'s calendar in *lang* (the public one, and each member's)."""
    return f"{trip.id}.{lang}.ics"


def event_path(event_id: str, lang: Language) -> str:
    """Return the path of the one-event file of *event_id* in *lang*."""
    return f"{EVENTS_DIR}/{event_id}.{lang}.ics"


def page_path(lang: Language) -> str:
    """Return the path of the public page in *lang*."""
    return "index.html" if lang == "ko" else f"index.{lang}.html"


def member_folder(token: str) -> str:
    """Return the folder (relative, ending in ``/``) of the member whose token is *token*."""
    return f"{MEMBER_DIR}/{token}/"


def state_path(folder: str = "") -> str:
    """Return the path of the revision state of *folder* (``""``: the public calendars)."""
    return f"{folder}{STATE_FILE}"


def is_state(path: str) -> bool:
    """Tell whether *path* is a revision state file (kept by the site, never served)."""
    return path.rsplit("/", 1)[-1] == STATE_FILE


def is_private(path: str) -> bool:
    """Tell whether *path* belongs to a member: shared caches and search engines keep out."""
    return path.startswith(f"{MEMBER_DIR}/")


def servable(path: str) -> bool:
    """Tell whether a host may serve *path*: a kind of file it knows, and no hidden name."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return not any(part.startswith(".") for part in path.split("/")) and (
        dot > 0 and name[dot:] in CONTENT_TYPES
    )


def headers_for(path: str) -> list[tuple[str, str]]:
    """Return the headers every host sends with the file *path* (a relative POSIX path).

    Content-Type with its charset; Cache-Control (private in members' folders); no-sniff and
    no-referrer; noindex for members' files; the page policy for pages; and an ``attachment``
    disposition for the one-event downloads only (R-HTTP-04): feeds are never downloads.
    Validators (ETag, Last-Modified) are the host's own. Never Content-Encoding (R-HTTP-05).
    """
    private = is_private(path)
    name = path.rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :] if "." in name else ""
    headers = [
        ("Content-Type", CONTENT_TYPES.get(suffix, "application/octet-stream")),
        ("Cache-Control", PRIVATE_CACHE_CONTROL if private else CACHE_CONTROL),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
    if private:
        headers.append(("X-Robots-Tag", "noindex, nofollow, noarchive"))
    if suffix == ".html":
        headers.append(("Content-Security-Policy", PAGE_POLICY))
    if path.startswith(f"{EVENTS_DIR}/") and suffix == ".ics":
        headers.append(
            (
                "Content-Disposition",
                f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            )
        )
    return headers
