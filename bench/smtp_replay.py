"""The invitations' floor: smtplib sending prebuilt messages, nothing composed.

    python bench/smtp_replay.py CAPTURE PORT

Reads the messages a sink captured from ``seoulcal invite`` (``smtp_sink.read_capture``) and
sends the same bytes, with the same envelopes and in the same order, to 127.0.0.1:PORT the way
``seoulcal.notify.mail.SmtpMailer`` does: one connection (``smtplib.SMTP``, then EHLO), one
``sendmail`` per message, QUIT at the end.
"""

from __future__ import annotations

import smtplib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smtp_sink import read_capture


def main() -> int:
    """Send the captured messages again."""
    messages = read_capture(Path(sys.argv[1]))
    smtp = smtplib.SMTP("127.0.0.1", int(sys.argv[2]), timeout=60)
    smtp.ehlo()
    for sender, recipients, data in messages:
        smtp.sendmail(sender, recipients, data)
    smtp.quit()
    print(len(messages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
