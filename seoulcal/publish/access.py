"""Who may read what: member tokens, the secret that keys them, and the site's base URL.

A member's folder is named by :func:`member_token`: an HMAC-SHA256 of the trip and member ids
under a secret, 160 bits in URL-safe base64. Without a secret, a fixed public key is used and the
build warns that member addresses are predictable. Messages speak of "the secret file" and "the
base URL"; the command line adds the names of its options.
"""

from __future__ import annotations

__all__ = [
    "INSECURE_KEY",
    "LOCAL_BASE_URL",
    "MIN_SECRET_BYTES",
    "SECRET_ENV",
    "base_url_warning",
    "member_site",
    "member_token",
    "normalize_base_url",
    "read_secret",
]

import base64
import hashlib
import hmac
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from seoulcal.errors import PublishError
from seoulcal.publish import layout

if TYPE_CHECKING:
    from collections.abc import Mapping

    from seoulcal.model import Member, Trip

LOCAL_BASE_URL = "http://127.0.0.1:8000/"
"""The base URL when none is given: ``seoulcal serve``'s default address."""
SECRET_ENV = "SEOULCAL_SECRET"  # noqa: S105 - the name of a variable, not a secret
"""The environment variable that holds the token secret when no secret file is given."""
MIN_SECRET_BYTES = 16
INSECURE_KEY = b"seoulcal: no secret given, member addresses are predictable"
"""The public key used when no secret is given (local use only)."""

_TOKEN_BYTES = 20  # 160 bits
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def member_token(secret: bytes | None, trip: Trip, member: Member | str) -> str:
    """Return the unguessable folder name of *member*'s page and calendars.

    It is HMAC-SHA256 of the trip and member ids under *secret* (160 bits, URL-safe base64). With
    ``None`` the key is public, so anyone can compute the token: for local use only.
    """
    member_id = member if isinstance(member, str) else member.id
    key = INSECURE_KEY if secret is None else secret
    message = f"seoulcal/member/v1/{trip.id}/{member_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:_TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def member_site(
    trip: Trip, member: Member, *, base_url: str, secret: bytes | None
) -> tuple[str, layout.MemberSite]:
    """Return *member*'s folder (relative, ending in ``/``) and where its page and feeds are."""
    # Here, not above: a rebuild that finds its site up to date reads its secret and base URL
    # with this module, before (and without) loading the model and pydantic.
    from seoulcal import wording  # noqa: PLC0415 - see above
    from seoulcal.model import LANGUAGES  # noqa: PLC0415 - see above

    folder = layout.member_folder(member_token(secret, trip, member))
    feeds = []
    for lang in LANGUAGES:
        name = layout.feed_name(trip, lang)
        url = base_url + folder + name
        feeds.append(layout.Feed(lang, wording.calendar_name(trip, member, lang), name, url))
    return folder, layout.MemberSite(member.id, base_url + folder, tuple(feeds))


def read_secret(
    secret_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """Return the token secret from *secret_file*, else from :data:`SECRET_ENV`, else ``None``.

    Surrounding white space is ignored. A secret shorter than 16 bytes is refused.
    """
    env = os.environ if environ is None else environ
    if secret_file is not None:
        try:
            raw = Path(secret_file).read_bytes().strip()
        except OSError as error:
            raise PublishError(
                f"the secret file {secret_file}: cannot read it: {error.strerror or error}",
                field="secret_file",
            ) from None
        where, field = f"the secret file {secret_file}", "secret_file"
    elif env.get(SECRET_ENV, "").strip():
        raw = env[SECRET_ENV].strip().encode("utf-8")
        where, field = f"the secret in ${SECRET_ENV}", None
    else:
        return None
    if len(raw) < MIN_SECRET_BYTES:
        raise PublishError(
            f"{where}: the secret has {len(raw)} bytes; use at least {MIN_SECRET_BYTES}, for "
            "example from: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
            field=field,
        )
    return raw


def normalize_base_url(url: str) -> str:
    """Check that *url* is an absolute http(s) address with no query or fragment; end it in /."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise PublishError(
            f"the base URL {url!r}: give the absolute address the site will have, "
            "such as https://trips.example.org/ces2024/",
            field="base_url",
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise PublishError(
            f"the base URL {url!r}: must have no ?query, #fragment, user name or password",
            field="base_url",
        )
    return url if url.endswith("/") else f"{url}/"


def base_url_warning(base: str | None) -> str | None:
    """Return the warning a build gives for its base URL *base* (``None``: none given), if any."""
    if base is None:
        return (
            f"no base URL: subscribe links point to {LOCAL_BASE_URL}, which works only with "
            "'seoulcal serve' on this computer; give the site's https address before publishing"
        )
    host = urlsplit(base).hostname or ""
    if base.startswith("http://") and host not in _LOOPBACK:
        return f"the base URL {base} is not https: Google Calendar and many hosts need https"
    return None
