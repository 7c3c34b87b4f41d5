"""The ceiling of ``seoulcal serve``'s HTTP layer: its server with an app that does nothing.

``python bench/ceiling_server.py SITE PORT`` serves the ``.ics`` files of SITE from memory
(read once at start, a strong ETag each, 304 on a matching If-None-Match) through
``seoulcal.server.make_server``: the same threaded wsgiref server as ``seoulcal serve``, with no
path resolution, no file system access and no header work per request. W4 runs it beside
``seoulcal serve`` to tell the server's own cost from the application's.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from seoulcal.server import make_server


def main() -> int:
    """Serve the site's calendars from memory until interrupted."""
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    files = {}
    for path in root.rglob("*.ics"):
        data = path.read_bytes()
        etag = f'"{hashlib.sha256(data).hexdigest()[:40]}"'
        files["/" + path.relative_to(root).as_posix()] = (data, etag)

    def app(environ, start_response):  # noqa: ANN001, ANN202
        found = files.get(environ.get("PATH_INFO", ""))
        if found is None:
            start_response("404 Not Found", [("Content-Length", "0")])
            return []
        data, etag = found
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            start_response("304 Not Modified", [("ETag", etag)])
            return []
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(data))),
                ("ETag", etag),
            ],
        )
        return [data]

    server = make_server(app, "127.0.0.1", port, quiet=True)  # type: ignore[arg-type]
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
