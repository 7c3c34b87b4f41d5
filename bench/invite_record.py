"""A whole first send of invitations but the delivery: every message made and recorded.

    python bench/invite_record.py TRIP STATE [OUT]

What ``seoulcal invite`` does from an empty state at *STATE*, through the same
``seoulcal.notify.run.invite``: the trip loaded, every member revised, the plan of a first send,
and for every owed message its iTIP calendar, its e-mail and the bytes that would go on the wire
(``Mail.as_bytes``, as ``SmtpMailer`` sends them), then the record of it kept in the state file
(a journal line flushed to disk, the file written whole as the journal grows, and at the end).
Only the SMTP session is left out: the mailer takes each message's bytes and keeps nothing. So
the cost that grows with the send (composing and bookkeeping) is measured at sizes a send into
a local SMTP server would take too long for. Prints the number of messages and their total size
(and writes them to OUT, if given).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from seoulcal import load_trip
from seoulcal.notify.invitations import InvitationStateFile
from seoulcal.notify.run import invite


class Discard:
    """A mailer (``seoulcal.notify.mail.Mailer``) that makes each message's bytes, and drops it."""

    def __init__(self) -> None:
        """Count what it is given."""
        self.count = 0
        self.size = 0

    def send(self, mail) -> None:  # noqa: ANN001 - a seoulcal.notify.mail.Mail
        """Take the message's wire bytes, as an SMTP mailer would send them."""
        self.count += 1
        self.size += len(mail.as_bytes())

    def close(self) -> None:
        """Nothing to close."""


def main() -> int:
    """Send every owed message of a first send into a mailer that keeps nothing; print how many."""
    trip = load_trip(sys.argv[1])
    state = Path(sys.argv[2])
    mailer = Discard()
    run = invite(
        trip, InvitationStateFile(state), mailer, clock=lambda: datetime(2024, 12, 20, tzinfo=UTC)
    )
    if run.report is None or not run.report.ok:
        print("the send did not complete", file=sys.stderr)
        return 1
    print(mailer.count, mailer.size)
    if len(sys.argv) > 3:
        Path(sys.argv[3]).write_text(f"{mailer.count} {mailer.size}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
