"""A local SMTP sink for the invitations benchmark: a real aiosmtpd server on 127.0.0.1.

    python bench/smtp_sink.py PORT CAPTURE

Listens on 127.0.0.1:PORT and appends every message it accepts to CAPTURE: one JSON line (the
envelope sender, the recipients, the size in bytes) followed by exactly that many bytes, the
message as it arrived (``envelope.original_content``: after SMTP's dot-unstuffing, before any
decoding). It accepts everything, checks nothing and answers 250 at once, so that the sender is
what is measured. SIGTERM stops it (the capture is flushed after every message).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Capture:
    """An aiosmtpd handler that appends each message to one file."""

    def __init__(self, path: Path) -> None:
        """Append to *path*."""
        self.stream = path.open("ab")
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, ARG002, N802
        """Append the message to the capture and accept it."""
        data = envelope.original_content or envelope.content
        head = {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "size": len(data)}
        self.stream.write(json.dumps(head).encode() + b"\n" + data)
        self.stream.flush()
        self.count += 1
        return "250 OK"


def read_capture(path: Path) -> list[tuple[str, list[str], bytes]]:
    """Return the messages of a capture file: (sender, recipients, bytes), in order."""
    raw = path.read_bytes() if path.exists() else b""
    out, at = [], 0
    while at < len(raw):
        end = raw.index(b"\n", at)
        head = json.loads(raw[at:end])
        start = end + 1
        out.append((head["from"], head["to"], raw[start : start + head["size"]]))
        at = start + head["size"]
    return out


def main() -> int:
    """Serve until SIGTERM."""
    port, capture = int(sys.argv[1]), Path(sys.argv[2])
    handler = Capture(capture)
    controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=None)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    handler.stream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
