"""Serving a built site: a WSGI application, a small threaded server, and live rebuilds.

:class:`SiteApp` serves the files of one folder built by :func:`seoulcal.publish.build_site`, and
nothing else, following ``shared/research/clients.md`` §7:

* calendars as ``text/calendar; charset=utf-8`` (R-HTTP-01), whatever the ``Accept`` header or
  User-Agent (R-HTTP-02), with no redirect (R-HTTP-03) and no ``attachment`` disposition except on
  the one-event downloads under ``events/`` (R-HTTP-04), never compressed (R-HTTP-05);
* a strong ``ETag`` from the bytes and a ``Last-Modified`` from the file, which a build moves
  forward whenever the bytes change and which this application never lets go backwards;
  ``If-None-Match`` is decided before ``If-Modified-Since``, and a 304 repeats both validators
  (R-HTTP-06); ``GET`` and ``HEAD``, with ``Cache-Control: public, max-age=300`` (R-HTTP-07);
* unknown paths, folders without a page, hidden files (the state), ``..``, encoded or not, and
  symbolic links that lead out of the folder all get 404, never a listing.

Run it under any WSGI server (``gunicorn 'seoulcal.server:create_app("site")'``, or
``SEOULCAL_SITE=site gunicorn seoulcal.server:app``), or with :func:`make_server` from the
standard library (``seoulcal serve``). :class:`TripWatcher` rebuilds a site when its trip file
changes.
"""

from __future__ import annotations

__all__ = [
    "CACHE_CONTROL",
    "SITE_ENV",
    "SiteApp",
    "TripWatcher",
    "app",
    "create_app",
    "make_server",
]

import hashlib
import math
import os
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from seoulcal.errors import SeoulcalError
from seoulcal.publish.layout import CACHE_CONTROL, CONTENT_TYPES, headers_for

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from wsgiref.headers import Headers
    from wsgiref.types import StartResponse, WSGIEnvironment

SITE_ENV = "SEOULCAL_SITE"
"""The folder :data:`app` serves."""

_MAX_CACHED = 1024
_MAX_RESOLVED = 8192
_IDLE_SECONDS = 15
_MAX_REQUEST_LINE = 65536

_Resolved = tuple[str, Path] | str | None


@dataclass(frozen=True, slots=True)
class _Body:
    data: bytes
    etag: str


class SiteApp:
    """The WSGI application that serves the built site in *root*."""

    def __init__(self, root: str | Path) -> None:
        """Serve the files of the folder *root* (looked up on every request, so rebuilds show).

        Where a URL path leads is remembered while *root* is the same folder: a build puts a
        new folder in its place (a new inode), and adding or removing a file at the top changes
        its modification time, so either starts the lookups afresh.
        """
        self.root = Path(root).absolute()
        self._bodies: dict[tuple[str, int, int, int, int], _Body] = {}
        self._validators: dict[str, tuple[str, int]] = {}
        self._resolved: dict[str, _Resolved] = {}
        self._resolved_for: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    # --- WSGI ---

    def __call__(  # noqa: PLR0911 - one return per kind of answer
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Answer one request."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in {"GET", "HEAD"}:
            return self._plain(
                start_response,
                "405 Method Not Allowed",
                "Only GET and HEAD.\n",
                method,
                extra=[("Allow", "GET, HEAD")],
            )
        raw = environ.get("PATH_INFO", "") or "/"
        try:
            path = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return self._not_found(start_response, method)
        found = self._resolve(path)
        if found is None:
            return self._not_found(start_response, method)
        if isinstance(found, str):
            location = environ.get("SCRIPT_NAME", "") + found
            return self._plain(
                start_response,
                "301 Moved Permanently",
                f"See {location}\n",
                method,
                extra=[("Location", location)],
            )
        relative, file = found
        try:
            body, modified = self._load(relative, file)
        except OSError:
            return self._not_found(start_response, method)
        headers = self._headers(relative, body, modified)
        if _not_modified(environ, body.etag, modified):
            start_response("304 Not Modified", [h for h in headers if h[0] != "Content-Type"])
            return []
        headers = [("Content-Length", str(len(body.data))), *headers]
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body.data]

    # --- helpers ---

    def _resolve(self, path: str) -> _Resolved:
        """Map a URL path to a file of the site, a redirect (to add a final ``/``), or nothing.

        The answer is remembered until the root folder changes (see :meth:`__init__`).
        """
        try:
            info = self.root.stat()
        except OSError:
            return None
        identity = (info.st_dev, info.st_ino, info.st_mtime_ns)
        with self._lock:
            if identity != self._resolved_for or len(self._resolved) >= _MAX_RESOLVED:
                self._resolved = {}
                self._resolved_for = identity
            known = self._resolved
        if path in known:
            return known[path]
        try:
            found = self._lookup(path)
        except (OSError, ValueError):
            found = None  # a name the file system refuses (too long, say) names no file of the site
        with self._lock:
            known[path] = found
        return found

    def _lookup(  # noqa: C901, PLR0911 - each refusal is one plain line
        self, path: str
    ) -> _Resolved:
        """Map a URL path as :meth:`_resolve` does, looking at the folder."""
        if not path.startswith("/") or any(char in path for char in "\\\0%"):
            return None
        segments = path[1:].split("/")
        folder = segments[-1] == ""
        if folder:
            segments.pop()
        if any(not part or part.startswith(".") for part in segments):
            return None  # "..", ".", "//", and hidden files such as the revision state
        root = self.root.resolve()
        target = root.joinpath(*segments)
        if target.is_dir():
            if not (target / "index.html").is_file():
                return None
            if not folder and segments:
                return f"{path}/"
            target /= "index.html"
            segments.append("index.html")
        elif folder:
            return None
        try:
            real = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(root) or not real.is_file():
            return None
        if real.suffix not in CONTENT_TYPES or real.name.startswith("."):
            return None
        return "/".join(segments), real

    def _load(self, relative: str, file: Path) -> tuple[_Body, int]:
        """Return the file's bytes and ETag, and its Last-Modified (whole seconds, never lower).

        The file was resolved to a real path earlier: should it have become a symbolic link since,
        it is not opened.
        """
        with os.fdopen(os.open(file, os.O_RDONLY | os.O_NOFOLLOW), "rb") as stream:
            info = os.fstat(stream.fileno())
            key = (str(file), info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size)
            body = self._bodies.get(key)
            if body is None:
                data = stream.read()
                body = _Body(data, f'"{hashlib.sha256(data).hexdigest()[:40]}"')
        modified = math.floor(info.st_mtime)
        with self._lock:
            if len(self._bodies) >= _MAX_CACHED:
                self._bodies.clear()
            self._bodies[key] = body
            seen = self._validators.get(relative)
            if seen is not None:
                etag, before = seen
                # Never backwards; and a change of bytes always moves it forward (R-HTTP-06).
                modified = max(modified, before + 1) if etag != body.etag else max(modified, before)
            self._validators[relative] = (body.etag, modified)
        return body, modified

    def _headers(self, relative: str, body: _Body, modified: int) -> list[tuple[str, str]]:
        """Return the validators, then the headers every host sends (see :mod:`~.layout`)."""
        return [
            ("ETag", body.etag),
            ("Last-Modified", formatdate(modified, usegmt=True)),
            *headers_for(relative),
        ]

    def _plain(
        self,
        start_response: StartResponse,
        status: str,
        text: str,
        method: str,
        *,
        extra: list[tuple[str, str]] | None = None,
    ) -> list[bytes]:
        data = text.encode("utf-8")
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff"),
            *(extra or []),
        ]
        start_response(status, headers)
        return [] if method == "HEAD" else [data]

    def _not_found(self, start_response: StartResponse, method: str) -> list[bytes]:
        return self._plain(start_response, "404 Not Found", "Not found.\n", method)


def _not_modified(environ: WSGIEnvironment, etag: str, modified: int) -> bool:
    """Decide a conditional GET: If-None-Match first, then If-Modified-Since (RFC 9110 §13.2.2)."""
    match = environ.get("HTTP_IF_NONE_MATCH")
    if match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return "*" in tags or etag in tags
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if not since:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # not a date: ignore it
    if moment.tzinfo is None:
        return False
    return modified <= moment.timestamp()


def create_app(root: str | Path) -> SiteApp:
    """Return the WSGI application serving the built site in *root* (a gunicorn app factory)."""
    if not Path(root).is_dir():
        raise SeoulcalError(f"{root}: no such folder; build the site first with 'seoulcal build'")
    return SiteApp(root)


_apps: dict[str, SiteApp] = {}


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Serve the site in the folder ``$SEOULCAL_SITE`` (``gunicorn seoulcal.server:app``)."""
    root = os.environ.get(SITE_ENV)
    if not root:
        data = f"Set {SITE_ENV} to the folder 'seoulcal build' wrote.\n".encode()
        start_response(
            "500 Internal Server Error",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))],
        )
        return [data]
    site = _apps.get(root)
    if site is None:
        site = _apps.setdefault(root, SiteApp(root))
    return site(environ, start_response)


# --- the standard library's server ----------------------------------------------------------------


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


class _ServerHandler(ServerHandler):
    """wsgiref's response writer, speaking HTTP/1.1 and closing the connection when it must."""

    http_version = "1.1"
    request_handler: _Handler
    headers: Headers
    status: str | None  # the base class's attributes, which typeshed does not declare
    headers_sent: bool

    def _bodiless(self) -> bool:
        return self.status is not None and self.status[:3] in {"204", "304"}

    def cleanup_headers(self) -> None:
        """Add Content-Length where it can be known; otherwise the connection ends the body."""
        if self._bodiless():
            del self.headers["Content-Length"]  # RFC 9110 §8.6: 0 is not the length it stands for
        else:
            super().cleanup_headers()
            if "Content-Length" not in self.headers:
                self.request_handler.close_connection = True
        if self.request_handler.close_connection:
            self.headers["Connection"] = "close"

    def finish_content(self) -> None:
        """Send the headers of an answer without a body (wsgiref would add Content-Length: 0)."""
        if self._bodiless() and not self.headers_sent:
            self.send_headers()
        else:
            super().finish_content()

    def handle_error(self) -> None:
        """Answer 500 (as wsgiref does) and close the connection, whose state is unknown."""
        self.request_handler.close_connection = True
        super().handle_error()


class _Handler(WSGIRequestHandler):
    """wsgiref's request handler, keeping HTTP/1.1 connections open between requests.

    A connection stays open only after a GET or HEAD without a body (so nothing unread can be
    taken for the next request), and closes after :data:`_IDLE_SECONDS` without a request.
    """

    protocol_version = "HTTP/1.1"
    timeout = _IDLE_SECONDS
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    quiet = False

    def handle(self) -> None:
        """Answer requests on this connection until it closes."""
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        """Read one request and answer it with the application."""
        try:
            self.raw_requestline = self.rfile.readline(_MAX_REQUEST_LINE + 1)
        except (TimeoutError, ConnectionError):  # idle too long, or the client went away
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > _MAX_REQUEST_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():  # an error was sent
            self.close_connection = True
            return
        with_body = self.headers.get("Content-Length", "0").strip() != "0"
        if (
            self.request_version != "HTTP/1.1"
            or self.command not in {"GET", "HEAD"}
            or with_body
            or "Transfer-Encoding" in self.headers
        ):
            self.close_connection = True
        handler = _ServerHandler(
            self.rfile,
            cast("IO[bytes]", self.wfile),
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self
        application = cast("WSGIServer", self.server).get_app()
        assert application is not None  # noqa: S101 - make_server sets it before serving
        handler.run(application)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        if not self.quiet:
            super().log_message(format, *args)


class _QuietHandler(_Handler):
    quiet = True


def make_server(
    application: SiteApp, host: str = "127.0.0.1", port: int = 8000, *, quiet: bool = False
) -> WSGIServer:
    """Return a threaded HTTP server for *application*, bound to *host* and *port* (0: any free)."""
    handler = _QuietHandler if quiet else _Handler
    kind = _ThreadingServer6 if ":" in host else _ThreadingServer
    server = kind((host, port), handler)
    server.set_app(application)
    return server


# --- live rebuilds --------------------------------------------------------------------------------


class TripWatcher(threading.Thread):
    """Rebuild a site whenever its trip file changes (checked every *interval* seconds)."""

    def __init__(
        self,
        trip_file: str | Path,
        rebuild: Callable[[], str],
        *,
        interval: float = 1.0,
        report: Callable[[str], None] | None = None,
    ) -> None:
        """Watch *trip_file*; call *rebuild* (which returns a line to report) after each change."""
        super().__init__(name="seoulcal-trip-watcher", daemon=True)
        self.trip_file = Path(trip_file)
        self.rebuild = rebuild
        self.interval = interval
        self.report = report or (lambda line: sys.stderr.write(line + "\n"))
        self.builds = 0
        self._stopping = threading.Event()
        self._seen = self._signature()

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            info = self.trip_file.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def check(self) -> bool:
        """Rebuild now if the trip file changed since the last look; tell whether it did."""
        signature = self._signature()
        if signature == self._seen or signature is None:
            return False
        self._seen = signature
        try:
            self.report(self.rebuild())
        except SeoulcalError as error:
            self.report(f"seoulcal: {error}\nseoulcal: still serving the previous site")
        self.builds += 1
        return True

    def run(self) -> None:
        """Poll until :meth:`stop`."""
        while not self._stopping.wait(self.interval):
            self.check()

    def stop(self) -> None:
        """Stop polling."""
        self._stopping.set()
