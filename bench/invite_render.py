"""Plan and render a first send of invitations without sending or saving anything.

    python bench/invite_render.py TRIP [OUT]

What ``seoulcal invite`` does before each message leaves (``seoulcal.notify.run.invite``): load
the trip, revise every member's events with the site's policy, plan what is owed from an empty
state, then for every owed message build its iTIP calendar (``InvitationWriter.render``, as
``invite`` does: ``invitation_ics``'s bytes), compose the e-mail (``compose``) and turn it into
the bytes that go on the wire (``Mail.as_bytes``). Nothing
is sent and no state is written: the cost of composing, apart from delivery and bookkeeping.
Prints the number of messages and their total size (and writes them to OUT, if given).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from seoulcal import load_trip
from seoulcal.ics.fingerprint import fingerprint
from seoulcal.ics.itip import InvitationWriter
from seoulcal.notify.compose import compose
from seoulcal.notify.invitations import InvitationState, plan_invitations
from seoulcal.notify.run import revise_invitations


def main() -> int:
    """Plan and render every message of a first send; print how many."""
    trip = load_trip(sys.argv[1])
    state = InvitationState(trip.id)
    members = [member for member in trip.members if member.email is not None]
    revised = revise_invitations(trip, state, fingerprint=fingerprint, members=members)
    plan = plan_invitations(revised.trip, state, revised.dues)
    date = datetime(2024, 12, 20, tzinfo=UTC)
    count = size = 0
    writer = InvitationWriter(revised.trip)
    for item in plan.invitations:
        calendar = writer.render(
            item.event, item.revision, method=item.method, attendee=item.member
        )
        mail = compose(plan.trip, item, calendar, date=date)
        size += len(mail.as_bytes())
        count += 1
    print(count, size)
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(f"{count} {size}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
