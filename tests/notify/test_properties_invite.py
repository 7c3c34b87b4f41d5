"""Properties of planning and delivery: whatever fails and whatever changes, in any order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from notify_helpers import INVITE_TRIP

import seoulcal
from seoulcal.identity import Revision
from seoulcal.notify.invitations import Due, InvitationState, plan_invitations, send_invitations
from seoulcal.notify.mail import SendError

TRIP = seoulcal.Trip.model_validate(INVITE_TRIP)
ADDRESSES = sorted(m.email for m in TRIP.members if m.email)
EVENTS = [event.id for event in TRIP.events]


class Flaky:
    """A caller's mailer that refuses some addresses, temporarily or for good."""

    def __init__(self, refused, fatal_after):
        self.refused, self.fatal_after, self.delivered = refused, fatal_after, []

    def send(self, mail):
        if self.fatal_after is not None and len(self.delivered) >= self.fatal_after:
            raise SendError("the server went away", temporary=True, fatal=True)
        if mail.recipient in self.refused:
            raise SendError("refused", temporary=False)
        self.delivered.append(mail)

    def close(self):
        pass


def dues(sequences):
    return {
        member.id: [
            Due(
                seoulcal.event_uid(TRIP, event),
                event,
                Revision(sequences[event.id], TRIP.revised),
                f"f{sequences[event.id]}",
            )
            for event in TRIP.events_for(member)
        ]
        for member in TRIP.members
    }


steps = st.lists(
    st.one_of(
        st.tuples(st.just("change"), st.sampled_from(EVENTS)),
        st.tuples(
            st.just("run"),
            st.frozensets(st.sampled_from(ADDRESSES)),
            st.none() | st.integers(min_value=0, max_value=5),
        ),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(steps)
def test_every_revision_reaches_every_member_once_in_order(script):
    sequences = dict.fromkeys(EVENTS, 0)
    state = InvitationState(TRIP.id)
    delivered: list[tuple[str, str, int]] = []

    def record(new):
        nonlocal state
        state = new

    def run(refused, fatal_after):
        mailer = Flaky(refused, fatal_after)
        plan = plan_invitations(TRIP, state, dues(sequences))
        send_invitations(
            plan, mailer, state, calendar=lambda _: b"BEGIN:VCALENDAR\r\n", save=record
        )
        for mail in mailer.delivered:
            event_id, sequence, _ = mail.name.split(".")
            delivered.append((mail.recipient, event_id, int(sequence)))

    for step in script:
        if step[0] == "change":
            sequences[step[1]] += 1
        else:
            run(step[1], step[2])
    run(frozenset(), None)
    run(frozenset(), None)
    assert len(delivered) == len(set(delivered)), "a revision was delivered twice"
    last: dict[tuple[str, str], int] = {}
    for address, event_id, sequence in delivered:
        assert sequence > last.get((address, event_id), -1), "a revision went out of order"
        last[address, event_id] = sequence
    expected = {
        (member.email, event.id): sequences[event.id]
        for member in TRIP.members
        if member.email
        for event in TRIP.events_for(member)
    }
    assert last == expected
