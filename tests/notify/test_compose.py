"""Each invitation message: the CalConnect layout, the member's language, and no injection."""

from __future__ import annotations

import base64
import email
import re
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address, HeaderRegistry, UniqueUnstructuredHeader
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seoulcal
from seoulcal.identity import Revision
from seoulcal.notify import compose as composing
from seoulcal.notify.compose import compose, subject, text_body
from seoulcal.notify.invitations import Due, InvitationState, plan_invitations
from seoulcal.notify.mail import SendError

WHEN = datetime(2024, 1, 8, 3, 0, tzinfo=UTC)
CALENDAR = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def plan_of(trip, sequence=0, *, live=True):
    dues = {
        member.id: [
            Due(seoulcal.event_uid(trip, event), event, Revision(sequence, trip.revised), "f", live)
            for event in trip.events_for(member)
        ]
        for member in trip.members
    }
    return plan_invitations(trip, InvitationState(trip.id), dues)


def invitation(trip, member_id, event_id, **changes):
    found = next(
        item
        for item in plan_of(trip).invitations
        if item.member.id == member_id and item.event.id == event_id
    )
    return found if not changes else type(found)(**{**_fields(found), **changes})


def _fields(item):
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def test_the_calconnect_layout(invite_trip):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening")
    message = compose(invite_trip, item, CALENDAR, date=WHEN).message
    layout = [
        (part.get_content_type(), part.get_param("method"), part.get_content_disposition())
        for part in message.walk()
    ]
    assert layout == [
        ("multipart/mixed", None, None),
        ("multipart/alternative", None, None),
        ("text/plain", None, None),
        ("text/html", None, None),
        ("text/calendar", "REQUEST", None),
        ("application/ics", None, "attachment"),
    ]
    calendar_parts = [p for p in message.walk() if not p.is_multipart()][2:]
    assert [p.get_payload(decode=True) for p in calendar_parts] == [CALENDAR, CALENDAR]
    assert calendar_parts[1].get_filename() == "invite.ics"


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_the_mime_method_is_written_unquoted_in_upper_case(invite_trip, method):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening", method=method)
    data = compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes()
    assert f"\r\nContent-Type: text/calendar; charset=utf-8; method={method}\r\n".encode() in data
    assert b'\r\nContent-Type: application/ics; name="invite.ics"\r\n' in data
    assert data.count(b"method=") == 1


def test_the_subject_of_a_change_in_korean(invite_trip):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening", kind="change")
    assert subject(invite_trip, item) == "변경: CES 2024 서울관 개관식 — 1월 9일(화) 11:00 PST"
    message = compose(invite_trip, item, CALENDAR, date=WHEN).message
    assert message["Subject"] == "변경: CES 2024 서울관 개관식 — 1월 9일(화) 11:00 PST"


@pytest.mark.parametrize(
    ("kind", "event_id", "expected"),
    [
        (
            "invitation",
            "seoul-pavilion-opening",
            "Invitation: Opening of the Seoul Pavilion — Tue 9 Jan 11:00 PST",
        ),
        ("cancellation", "ces-visit", "Cancelled: CES visit — Tue 9 Jan–Wed 10 Jan"),
        ("change", "flight", "Updated: Flight home — Fri 12 Jan 00:30 PST"),
    ],
)
def test_english_subjects(invite_trip, kind, event_id, expected):
    item = invitation(invite_trip, "aide", event_id, kind=kind)
    assert subject(invite_trip, item) == expected


def test_an_approximate_subject_names_the_part_of_the_day(invite_trip):
    item = invitation(invite_trip, "mayor", "sphere")
    assert subject(invite_trip, item) == "초대: 스피어 방문 — 1월 10일(수) 저녁"


def test_the_body_has_both_times_the_place_the_source_and_the_page(invite_trip):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening")
    page = "https://trip.example/m/abc/"
    body = text_body(invite_trip, item, page)
    assert "현지 시각: 2024-01-09 (화) 11:00–12:00 PST" in body
    assert "서울 시각: 2024-01-10 (수) 04:00–05:00 KST" in body
    assert "장소:\n유레카파크\n201 Sands Ave, Las Vegas" in body
    assert "출처:\n보도자료\n«1.9.(화) 오전 11시 개관식에 참석한다.»" in body
    assert f"내 일정 페이지: {page}" in body
    message = compose(invite_trip, item, CALENDAR, date=WHEN, page_url=page).message
    html = message.get_body(("html",)).get_content()
    assert f'<a href="{page}">{page}</a>' in html
    assert "11:00–12:00 PST" in html
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == body


def test_no_page_link_without_a_base_url(invite_trip):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening")
    assert "페이지" not in text_body(invite_trip, item)


def test_an_approximate_time_is_marked(invite_trip):
    item = invitation(invite_trip, "mayor", "sphere")
    body = text_body(invite_trip, item)
    assert "스피어 방문 (저녁 중, 시각 미정)" in body
    assert "현지 시각: ≈ 2024-01-10 (수) 18:00–21:00 PST" in body
    assert "정확한 시각은 정해지지 않음" in body


def test_a_flight_shows_each_end_in_its_zone(invite_trip):
    body = text_body(invite_trip, invitation(invite_trip, "aide", "flight"))
    assert "Time at the place: 2024-01-12 (Fri) 00:30 PST → 2024-01-13 (Sat) 05:00 KST" in body


def test_whole_days_have_no_home_time(invite_trip):
    body = text_body(invite_trip, invitation(invite_trip, "aide", "ces-visit"))
    assert "Time at the place: Tue 9 Jan 2024 – Wed 10 Jan 2024 all day" in body
    assert "Time in Seoul" not in body


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("cancelled", "has been cancelled"),
        ("removed", "has been removed from Invite trip"),
        ("taken-off", "You are no longer on this event"),
    ],
)
def test_a_cancellation_says_why(invite_trip, reason, words):
    item = invitation(
        invite_trip, "aide", "ces-visit", kind="cancellation", method="CANCEL", reason=reason
    )
    assert words in text_body(invite_trip, item)


def test_headers_name_the_organizer_and_the_member_only(invite_trip):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening")
    mail = compose(invite_trip, item, CALENDAR, date=WHEN)
    message = mail.message
    assert (mail.sender, mail.recipient) == ("office@seoul.example", "mayor@seoul.example")
    assert message["From"].addresses[0].addr_spec == "office@seoul.example"
    assert message["From"].addresses[0].display_name == "서울시 국제교류과"
    assert [a.addr_spec for a in message["To"].addresses] == ["mayor@seoul.example"]
    assert message["To"].addresses[0].display_name == "시장"
    assert message["Reply-To"] is None
    assert message["Date"].datetime == WHEN
    assert re.fullmatch(r"<[0-9a-f-]{36}@seoul\.example>", message["Message-ID"])
    assert (mail.folder, mail.name) == ("mayor", "seoul-pavilion-opening.0.request")


def test_another_from_address_keeps_replies_with_the_organizer(invite_trip):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening")
    message = compose(invite_trip, item, CALENDAR, date=WHEN, sender="noreply@mail.example").message
    assert message["From"].addresses[0].addr_spec == "noreply@mail.example"
    assert message["Reply-To"].addresses[0].addr_spec == "office@seoul.example"


def test_the_same_message_gives_the_same_bytes(invite_trip):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening")
    first = compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes()
    assert compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes() == first
    later = invitation(invite_trip, "mayor", "seoul-pavilion-opening", revision=Revision(1, WHEN))
    assert (
        compose(invite_trip, later, CALENDAR, date=WHEN).message["Message-ID"]
        != (compose(invite_trip, item, CALENDAR, date=WHEN).message["Message-ID"])
    )


def plain_policy():
    """The policy of invitations without the headers it keeps from message to message."""
    return composing._Verbatim(linesep="\r\n", cte_type="7bit")


def test_every_message_is_the_same_whether_headers_were_kept_or_not(invite_trip, monkeypatch):
    items = plan_of(invite_trip).invitations
    assert len(items) > 5

    def written(order):
        return {
            (item.member.id, item.name): compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes()
            for item in order
        }

    kept = written(items)
    again = written(reversed(items))  # every header now comes from what the first round kept
    monkeypatch.setattr(composing, "POLICY", plain_policy())
    assert kept == again == written(items)


def test_the_headers_kept_are_bounded(invite_trip, monkeypatch):
    items = plan_of(invite_trip).invitations
    expected = [compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes() for item in items]
    monkeypatch.setattr(composing, "_HEADERS_KEPT", 8)
    composing._parsed.clear()
    composing._folded.clear()
    for item, data in zip(items, expected, strict=True):
        assert compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes() == data
        assert len(composing._parsed) <= 8
        assert len(composing._folded) <= 32


def test_the_registry_makes_each_header_class_once_and_forgets_them_when_changed():
    registry = composing._Registry()
    assert registry["Subject"] is registry["subject"]
    assert registry["To"].max_count == HeaderRegistry()["To"].max_count == 1
    before = registry["X-Note"]
    registry.map_to_type("x-note", UniqueUnstructuredHeader)
    assert registry["X-Note"] is not before
    assert registry["X-Note"].max_count == 1


_LOOKALIKES = ["=?utf-8?q?x?=", "x", "=?utf-8?b?7ZWc?=", "한", "a" * 200, "초대: " + "서울관 " * 30]
_TEXTS = st.text(max_size=120) | st.sampled_from(_LOOKALIKES)
_ADDRESSES = st.builds(
    Address,
    display_name=_TEXTS.filter(lambda text: "\r" not in text and "\n" not in text),
    username=st.sampled_from(["mayor", "aide"]),
    domain=st.sampled_from(["seoul.example", "example.org"]),
)
_HEADERS = st.lists(
    st.tuples(st.sampled_from(["Subject", "Message-ID", "Content-Language", "X-Note"]), _TEXTS)
    | st.tuples(st.sampled_from(["From", "To", "Reply-To"]), _ADDRESSES | _TEXTS),
    min_size=1,
    max_size=6,
)


def _outcome(policy_, headers, **written):
    """The bytes of a message with *headers*, or the error the library raised for them."""
    try:
        message = EmailMessage(policy=policy_)
        for name, value in headers:
            message[name] = value
        message.set_content("x")  # its Content-Type is read back while it is written
        return message.as_bytes(policy=message.policy.clone(**written))
    except (ValueError, TypeError, IndexError) as error:
        return (type(error), str(error))


@settings(max_examples=200, deadline=None)
@given(_HEADERS, st.sampled_from([{}, {"linesep": "\n"}, {"max_line_length": 40}]))
def test_headers_parsed_and_folded_once_are_the_librarys_own_bytes(headers, written):
    expected = _outcome(plain_policy(), headers, **written)
    assert _outcome(composing.POLICY, headers, **written) == expected  # made now, and kept
    assert _outcome(composing.POLICY, headers, **written) == expected  # from what was kept


def decoded(data: bytes) -> str:
    """The message's bytes with every base64 body decoded, to search all of it."""
    text = data.decode("ascii")
    chunks = re.findall(r"(?m)^(?:[A-Za-z0-9+/=]{4,}\r\n)+", text)
    extra = []
    for chunk in chunks:
        try:
            extra.append(base64.b64decode(chunk.replace("\r\n", "")).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    return text + "".join(extra)


def test_no_other_members_address_or_name_anywhere(invite_trip):
    plan = plan_of(invite_trip)
    addresses = {m.id: m.email for m in invite_trip.members if m.email}
    names = {m.id: {m.name.ko, m.name.en} for m in invite_trip.members}
    assert plan.invitations
    for item in plan.invitations:
        text = decoded(compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes())
        for member_id, address in addresses.items():
            assert (address in text) is (member_id == item.member.id), (item.name, address)
        for member_id, shown in names.items():
            if member_id != item.member.id:
                assert not any(f"\n{name}" in text for name in shown)


def test_a_name_with_a_line_break_adds_no_header(invite_trip):
    # Trip files cannot hold such names; a Python caller's unvalidated model could.
    member = invite_trip.member("mayor")
    bad_name = seoulcal.Text.model_construct(
        ko="시장\r\nBcc: everyone@seoul.example", en="Mayor\nBcc: everyone@seoul.example"
    )
    bad = member.model_construct(**{**member.__dict__, "name": bad_name})
    event = invite_trip.events[0]
    bad_title = seoulcal.Text.model_construct(ko="개관식\r\nCc: x@evil.example", en="x")
    bad_event = event.model_construct(**{**event.__dict__, "title": bad_title})
    item = invitation(invite_trip, "mayor", event.id, member=bad, event=bad_event)
    data = compose(invite_trip, item, CALENDAR, date=WHEN).as_bytes()
    head = data.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in head.split(b"\r\n") if not line[:1].isspace()]
    assert names == [
        b"From",
        b"To",
        b"Subject",
        b"Date",
        b"Message-ID",
        b"MIME-Version",
        b"Content-Type",
        b"Content-Language",
    ]
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["mayor@seoul.example"]
    assert parsed["Bcc"] is None
    assert parsed["Cc"] is None
    assert parsed["Subject"].startswith("초대: 개관식 Cc: x@evil.example — ")  # one line


@pytest.mark.parametrize(
    "address", ["mayor@seoul.example\r\nBcc: everyone@seoul.example", "a@b.example, c@d.example"]
)
def test_an_address_that_is_not_one_is_refused(invite_trip, address):
    item = invitation(invite_trip, "mayor", "seoul-pavilion-opening", address=address)
    with pytest.raises(SendError, match="the email of member 'mayor'"):
        compose(invite_trip, item, CALENDAR, date=WHEN)
    with pytest.raises(SendError, match="the sender"):
        compose(
            invite_trip,
            invitation(invite_trip, "mayor", "seoul-pavilion-opening"),
            CALENDAR,
            date=WHEN,
            sender=address,
        )


def test_the_organizer_email_is_required(invite_data):
    del invite_data["organizer"]["email"]
    trip = seoulcal.Trip.model_validate(invite_data)
    with pytest.raises(seoulcal.TripError, match=r"organizer\.email: invitations need"):
        compose(trip, invitation(trip, "mayor", "seoul-pavilion-opening"), CALENDAR, date=WHEN)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_texts_that_spell_the_boundaries_are_no_delimiters(invite_trip, lang):
    # The boundaries are the same in every message: no text may end a part early.
    mixed, alternative = composing.BOUNDARIES
    assert not mixed.startswith(alternative)
    assert not alternative.startswith(mixed)
    spelled = f"--{mixed}\n--{alternative}--\n{mixed}"
    member = invite_trip.member("mayor")
    name = seoulcal.Text(ko=f"--{alternative}", en=f"--{mixed}")
    named = member.model_copy(update={"name": name, "language": lang})
    event = invite_trip.events[0]
    title = seoulcal.Text(ko=f"--{mixed} 개관식", en=f"--{mixed}")
    described = event.model_copy(
        update={"title": title, "description": seoulcal.LongText(ko=spelled, en=spelled)}
    )
    item = invitation(invite_trip, "mayor", event.id, member=named, event=described)
    calendar = CALENDAR.replace(b"METHOD", f"X-NOTE:--{mixed}\r\nMETHOD".encode())
    data = compose(invite_trip, item, calendar, date=WHEN).as_bytes()
    delimiters = [line for line in data.split(b"\r\n") if line.startswith(b"--=_seoulcal_")]
    assert delimiters == [
        f"--{mixed}".encode(),
        f"--{alternative}".encode(),
        f"--{alternative}".encode(),
        f"--{alternative}".encode(),
        f"--{alternative}--".encode(),
        f"--{mixed}".encode(),
        f"--{mixed}--".encode(),
    ]
    parsed = email.message_from_bytes(data, policy=policy.default)
    leaves = [part for part in parsed.walk() if not part.is_multipart()]
    assert [part.get_content_type() for part in leaves] == [
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    assert spelled.splitlines()[0] in leaves[0].get_content()
    assert [part.get_payload(decode=True) for part in leaves[2:]] == [calendar, calendar]
