"""Every fixed word seoulcal adds around a trip's own texts, in Korean and in English.

Calendars, agendas, pages and messages take their words from here, so a reader sees the same
wording everywhere, and a word is translated in one place. The words are generic: they speak of
"the source", never of a press release, because a trip may come from any document.

Each word is a pair ``(ko, en)`` in a table; :func:`word` picks one. The composed texts that
several views share (an event's title with its markers, a place on one line, an event's
description) are built here too.
"""

from __future__ import annotations

__all__ = [
    "approximate_marker",
    "approximate_note",
    "calendar_name",
    "contact_line",
    "day_text",
    "event_description",
    "event_title",
    "home_name",
    "invitation_word",
    "label",
    "link_line",
    "link_name",
    "mail_day",
    "one_line",
    "page_word",
    "part_name",
    "place_line",
    "reminder_text",
    "sheet_text",
    "sheet_texts",
    "short_day",
    "table_words",
    "weekday_letter",
    "word",
]

from datetime import date, datetime
from typing import TYPE_CHECKING

from seoulcal.model import DAY_PART_WINDOWS, DayPart, Language

if TYPE_CHECKING:
    from collections.abc import Mapping

    from seoulcal.model import Contact, Event, Link, Member, Timing, Trip, Venue

Pair = tuple[str, str]

_LABELS: dict[str, Pair] = {
    "place": ("장소", "Place"),
    "source": ("출처", "Source"),
    "assumed": ("가정 (출처에 없는 내용)", "Assumed (not in the source)"),
    "time": ("시간", "Time"),
    "cancelled": ("취소", "Cancelled"),
    "tentative": ("미정", "Tentative"),
    "illustrative": ("예시", "illustrative"),
    "local": ("현지", "local"),
    "home": ("본국", "home"),
    # the terminal agenda
    "all-day": ("종일", "all day"),
    "agenda-local": ("현지 시각 (장소 기준)", "Local time (at the place)"),
    "agenda-home": ("{zone} 시각", "Time in {zone}"),
    "agenda-event": ("일정", "Event"),
    "agenda-place": ("장소", "Place"),
    "agenda-approx": (
        "≈ 시각 미정: 출처에 날짜와 때(오전·오후 등)만 있는 일정입니다.",
        "≈ time to be confirmed: the source gives only the day and part of the day.",
    ),
    "agenda-empty": ("(일정 없음)", "(no events)"),
    # what calendars add to an event
    "links": ("링크", "Links"),
    "contact": ("연락처", "Contact"),
    "more": ("자세히", "Details"),
    "check-in": ("체크인", "Check-in"),
    "check-out": ("체크아웃", "Check-out"),
    "reminder": ("알림: {title}", "Reminder: {title}"),
    "video": ("화상 회의", "video call"),
}

_SHEET: dict[str, Pair] = {
    # the printed itinerary (seoulcal.paper)
    "whole_trip": ("전체 일정", "Full itinerary"),
    "revised": ("기준", "As of"),
    "zones": (
        "시각: 위는 현지 시각(장소 기준), '본국'은 {home} 시각",
        "Times: first at the place, then at 'home' in {home}",
    ),
    "scan": (
        "휴대전화 카메라로 찍으면 내 일정 페이지가 열립니다 (달력 구독).",
        "Scan with a phone camera to open your own page and subscribe.",
    ),
    "private": (
        "개인 주소입니다: 다른 사람과 공유하지 마세요.",
        "This code is your private address: do not share it.",
    ),
    "public": (
        "휴대전화 카메라로 찍으면 일정 페이지가 열립니다.",
        "Scan with a phone camera to open the itinerary page.",
    ),
    "places": ("장소", "Places"),
    "no_events": ("일정 없음", "No events"),
    "approximate": (
        "≈ 시각 미정: 출처에 날짜와 때(오전·오후 등)만 있는 일정입니다.",
        "≈ time to be confirmed: the source gives only the day and part of the day.",
    ),
    "page": ("{count} 쪽", "page {count}"),
}

_TABLE_HEADERS: dict[str, str] = {
    # the Korean headers of members, venues and events tables (seoulcal.sources.columns)
    "id": "아이디",
    "name_ko": "이름",
    "name_en": "영문 이름",
    "role_ko": "직책",
    "role_en": "영문 직책",
    "email": "이메일",
    "language": "언어",
    "groups": "그룹",
    "illustrative": "예시",
    "zone": "시간대",
    "address_ko": "주소",
    "address_en": "영문 주소",
    "latitude": "위도",
    "longitude": "경도",
    "assumptions_ko": "가정",
    "assumptions_en": "영문 가정",
    "title_ko": "제목",
    "title_en": "영문 제목",
    "date": "날짜",
    "start": "시작",
    "end": "종료",
    "end_date": "종료 날짜",
    "end_zone": "종료 시간대",
    "last_day": "마지막 날",
    "part": "때",
    "venue": "장소",
    "attendees": "참석자",
    "status": "상태",
    "description_ko": "설명",
    "description_en": "영문 설명",
    "categories_ko": "분류",
    "categories_en": "영문 분류",
    "source_document": "출처 문서",
    "source_quote": "출처 인용",
    "source_url": "출처 주소",
    "reminders": "알림",
    "busy": "바쁨",
}

_TABLE_WORDS: dict[str, dict[str, str]] = {
    # the Korean words table cells may hold, by what they say (seoulcal.sources)
    "status": {"확정": "confirmed", "미정": "tentative", "취소": "cancelled"},
    "language": {"한국어": "ko", "영어": "en"},
    "yes_no": {"예": "yes", "아니오": "no", "아니요": "no"},
    "meridiem": {"오전": "AM", "오후": "PM"},
    "sheet": {"명단": "members", "일정": "agenda"},
    "format": {"CSV UTF-8 (쉼표로 분리)": "csv-utf-8"},
    "none": {"없음": "none"},
}

_PAGE: dict[str, Pair] = {
    "subscribe": ("일정 구독하기", "Subscribe to the calendar"),
    "subscribe-intro": (
        (
            "구독하면 일정이 바뀔 때 내 달력에도 자동으로 반영됩니다. 사용하는 달력 앱의 단추를 "
            "누르세요."
        ),
        (
            "Subscribe and your calendar follows every change to the itinerary. Choose the button "
            "for the calendar app you use."
        ),
    ),
    "calendar-ko": ("한국어 달력", "Calendar in Korean"),
    "calendar-en": ("영어 달력", "Calendar in English"),
    "apple": ("Apple 캘린더 · iPhone · Thunderbird", "Apple Calendar · iPhone · Thunderbird"),
    "google": ("Google 캘린더", "Google Calendar"),
    "outlook": ("Outlook.com", "Outlook.com"),
    "m365": ("Microsoft 365 (업무용 Outlook)", "Microsoft 365 (work Outlook)"),
    "download": (".ics 파일 내려받기", "Download the .ics file"),
    "copy": ("주소 복사 (다른 앱에 붙여넣기)", "Address to copy into other apps"),
    "google-fallback": (
        "Google 단추가 안 되면 주소를 복사해 ‘URL로 추가’ 화면에 붙여넣으세요",
        "If the Google button fails, paste the address into Google’s ‘From URL’ page",
    ),
    "refresh-note": (
        (
            "달력 앱은 구독한 달력을 스스로 새로 고칩니다. Apple 캘린더는 설정한 주기(5분~1주), "
            "Outlook은 몇 시간마다, Google 캘린더는 12~24시간마다 가져오므로 바로 전날의 변경은 "
            "늦게 보일 수 있습니다. ‘.ics 파일 내려받기’로 가져온 일정은 나중에 바뀌지 않습니다."
        ),
        (
            "Calendar apps refresh subscriptions on their own: Apple Calendar as often as you set "
            "(5 minutes to a week), Outlook every few hours, Google Calendar every 12 to 24 "
            "hours, so a change the day before may arrive late. Events imported from a "
            "downloaded .ics file never change afterwards."
        ),
    ),
    "agenda": ("일정표", "Itinerary"),
    "agenda-intro": (
        "시각은 일정이 열리는 곳의 현지 시각과 {home} 시각으로 함께 적었습니다.",
        "Each time is given at the place where the event happens and in {home}.",
    ),
    "approx-note": (
        (
            "≈ 표시는 출처에 날짜와 때(오전·오후 등)만 있어 시각이 정해지지 않은 일정입니다. "
            "달력에는 그 때의 시간대로 표시합니다."
        ),
        (
            "≈ marks events the source dates but does not time: calendars show them in the "
            "window of that part of the day."
        ),
    ),
    "local": ("현지", "Local"),
    "add-google": ("Google 캘린더에 추가", "Add to Google Calendar"),
    "add-outlook": ("Outlook.com에 추가", "Add to Outlook.com"),
    "add-m365": ("Microsoft 365에 추가", "Add to Microsoft 365"),
    "add-ics": (".ics", ".ics"),
    "add-label": ("이 일정만 내 달력에 추가:", "Add this event only:"),
    "other-language": ("English", "한국어"),
    "revised": ("최종 변경", "Last changed"),
    "published-by": ("펴낸 곳", "Published by"),
    "private": (
        "이 페이지와 달력 주소는 {name} 님 전용입니다. 다른 사람과 나누지 마세요.",
        "This page and its calendar addresses are for {name} only. Please do not share them.",
    ),
    "your-calendars": ("내 달력 구독하기", "Subscribe to your calendar"),
    "members-folder": (
        "대표단 개인 페이지는 각자에게 따로 보낸 주소로만 열 수 있습니다.",
        "Delegation members' pages open only from the address each member was sent.",
    ),
    "your-agenda": ("내 일정", "Your itinerary"),
    "printout": ("인쇄용 일정표 (PDF, A4)", "Printable itinerary (PDF, A4)"),
    "no-events": ("일정이 없습니다.", "No events."),
    "tbc": ("시각 미정", "time to be confirmed"),
    "generator": ("seoulcal로 만들었습니다.", "Made with seoulcal."),
    # Accessible names: {visible} is what the eye reads; the rest is visually hidden text.
    "name-event": ("{title} — {visible}", "{title} — {visible}"),
    "name-event-ics": (
        "{title} — {visible} 파일 내려받기",
        "{title} — download the {visible} file",
    ),
    "name-feed": ("{calendar} — {visible}", "{calendar} — {visible}"),
    "skip": ("일정표로 건너뛰기", "Skip to the itinerary"),
    "public-page": ("공개 일정표", "Public itinerary"),
    # Android: the Google Calendar app cannot subscribe from a link (field notes §1.12).
    "android": ("Android 휴대전화에서 구독하기", "Subscribing on an Android phone"),
    "android-intro": (
        (
            "Android의 Google 캘린더 앱은 링크로 달력을 구독하지 못합니다. 위의 Google 단추도 "
            "앱에서는 오류로 끝납니다. 대신 웹에서 주소로 추가하면 앱에도 나타납니다."
        ),
        (
            "The Google Calendar app on Android cannot subscribe from a link: the Google buttons "
            "above end in an error there. Add the calendar by its address on the web instead, "
            "and it appears in the app too."
        ),
    ),
    "android-copy": (
        "위의 ‘주소 복사’ 칸에서 원하는 달력의 주소를 복사합니다.",
        "Copy the address of the calendar you want from its box above.",
    ),
    "android-web": (
        (
            "컴퓨터의 브라우저에서, 또는 휴대전화 브라우저 메뉴의 ‘데스크톱 사이트’를 켜고 "
            "{link}을 엽니다. Google의 ‘URL로 추가’ 화면이 열립니다(캘린더 화면에서는 ‘다른 "
            "캘린더’ 옆의 + → ‘URL로 추가’)."
        ),
        (
            "In a browser on a computer, or on the phone with ‘Desktop site’ turned on in the "
            "browser’s menu, open {link}. It opens Google’s ‘From URL’ page (in the calendar, + "
            "next to ‘Other calendars’, then ‘From URL’)."
        ),
    ),
    "android-link": ("{visible} — ‘URL로 추가’ 화면", "{visible} — the ‘From URL’ page"),
    "android-sync": (
        (
            "주소를 붙여 넣고 ‘캘린더 추가’를 누릅니다. 잠시 뒤 휴대전화의 Google 캘린더 앱에도 "
            "나타납니다. 보이지 않으면 앱의 설정에서 그 달력을 누르고 ‘동기화’를 켜세요."
        ),
        (
            "Paste the address and choose ‘Add calendar’. It shows in the Google Calendar app "
            "on the phone shortly after; if it does not, open the app’s Settings, tap the "
            "calendar and turn on Sync."
        ),
    ),
    "android-other": (
        (
            "Samsung 캘린더 같은 다른 달력 앱에서는 ICSx⁵ 같은 구독 앱에 같은 주소를 넣어 "
            "구독할 수 있습니다."
        ),
        (
            "Other calendar apps on Android, such as Samsung Calendar, can subscribe to the same "
            "address through a subscription app such as ICSx⁵."
        ),
    ),
}

_HOME_NAMES: dict[str, Pair] = {"Asia/Seoul": ("서울", "Seoul")}
"""Names of home zones that read better than the zone's id; any other shows its id."""

_PARTS: dict[DayPart, Pair] = {
    DayPart.MORNING: ("오전", "morning"),
    DayPart.LUNCH: ("점심", "lunch"),
    DayPart.AFTERNOON: ("오후", "afternoon"),
    DayPart.EVENING: ("저녁", "evening"),
    DayPart.ALL_DAY: ("하루", "during the day"),
}

_WEEKDAYS: tuple[Pair, ...] = (
    ("월", "Mon"),
    ("화", "Tue"),
    ("수", "Wed"),
    ("목", "Thu"),
    ("금", "Fri"),
    ("토", "Sat"),
    ("일", "Sun"),
)

_COMPOSED: dict[str, Pair] = {
    "approximate-marker": ("({part} 중, 시각 미정)", "({part}, time to be confirmed)"),
    "approximate-note": (
        (
            "{day} {part} 중 (정확한 시각은 정해지지 않음). 달력에는 {zone} 기준 {begin}–{end}로 "
            "표시합니다."
        ),
        "{day}, {part} (exact time not fixed). Shown as {begin}–{end} {zone} time.",
    ),
    "day": ("{year}년 {month}월 {day}일({weekday})", "{weekday} {day} {month_name} {year}"),
}


def pick(pair: Pair, lang: Language) -> str:
    """Return the *lang* half of a ``(ko, en)`` pair."""
    return pair[0] if lang == "ko" else pair[1]


def word(table: Mapping[str, Pair], key: str, lang: Language, **values: str) -> str:
    """Return *key* of *table* in *lang*, with ``{name}`` fields filled from *values*."""
    text = pick(table[key], lang)
    return text.format(**values) if values else text


def label(key: str, lang: Language, **values: str) -> str:
    """Return the fixed label *key* in *lang* (calendars and the terminal)."""
    return word(_LABELS, key, lang, **values)


def page_word(key: str, lang: Language, **values: str) -> str:
    """Return the fixed word *key* of the site's pages in *lang*."""
    return word(_PAGE, key, lang, **values)


def home_name(zone: str, lang: Language) -> str:
    """Return how pages name the home zone *zone* ("서울" for Asia/Seoul; else the zone id)."""
    names = _HOME_NAMES.get(zone)
    return zone if names is None else pick(names, lang)


def sheet_text(key: str, lang: Language, **values: str) -> str:
    """Return the printed itinerary's fixed text *key* in *lang*, with *values* filled in."""
    return word(_SHEET, key, lang, **values)


def sheet_texts(lang: Language) -> list[str]:
    """Return every fixed text of the printed itinerary in *lang* (to check a font covers them)."""
    return [pick(pair, lang) for pair in _SHEET.values()]


def table_words(kind: str) -> dict[str, str]:
    """Return the Korean words of tables of *kind*, each mapped to what it means.

    Kinds: ``headers``, ``status``, ``language``, ``yes_no``, ``meridiem``, ``sheet``, ``format``
    and ``part``.
    """
    if kind == "headers":
        return dict(_TABLE_HEADERS)
    if kind == "part":
        return {ko: part.value for part, (ko, _) in _PARTS.items()}
    return dict(_TABLE_WORDS[kind])


def weekday_letter(day: date) -> str:
    """Return the one-letter Korean weekday of *day* (``화`` for a Tuesday)."""
    return _WEEKDAYS[day.weekday()][0]


def part_name(part: DayPart, lang: Language) -> str:
    """Return the name of a part of the day in *lang*."""
    return pick(_PARTS[part], lang)


def approximate_marker(part: DayPart, lang: Language) -> str:
    """Return the short marker added to an approximate event's title."""
    return word(_COMPOSED, "approximate-marker", lang, part=part_name(part, lang))


def approximate_note(timing: Timing, lang: Language) -> str:
    """Explain that an approximate event's time is a window, and which window it is shown as."""
    assert timing.approximate is not None  # noqa: S101 - callers check
    part = timing.approximate
    begin, end = DAY_PART_WINDOWS[part]
    day = timing.start.date() if isinstance(timing.start, datetime) else timing.start
    return word(
        _COMPOSED,
        "approximate-note",
        lang,
        day=day_text(day, lang),
        part=part_name(part, lang),
        zone=timing.zone.key,
        begin=f"{begin:%H:%M}",
        end=f"{end:%H:%M}",
    )


def day_text(day: date, lang: Language) -> str:
    """Format a day as ``2024년 1월 9일(화)`` or ``Tue 9 Jan 2024``."""
    return word(
        _COMPOSED,
        "day",
        lang,
        year=str(day.year),
        month=str(day.month),
        day=str(day.day),
        month_name=f"{day:%b}",
        weekday=short_day(day, lang),
    )


def short_day(day: date, lang: Language) -> str:
    """Return the short name of *day*'s weekday: ``화`` or ``Tue``."""
    return pick(_WEEKDAYS[day.weekday()], lang)


def calendar_name(trip: Trip, member: Member | None, lang: Language) -> str:
    """Return the name a calendar carries (NAME, X-WR-CALNAME): the trip's, plus the member's.

    The pages and subscribe links use the same name, so that a member sees one name everywhere.
    """
    name = trip.name.pick(lang)
    return name if member is None else f"{name} · {member.name.pick(lang)}"


def event_title(event: Event, timing: Timing, lang: Language, *, tentative: bool = False) -> str:
    """Return *event*'s title with its markers: approximate time, cancelled (and *tentative*).

    Calendars leave a tentative event's title alone (its STATUS says so); agendas mark it.
    """
    title = event.title.pick(lang)
    if event.marker is not None:
        title = f"{label(event.marker, lang)} · {title}"
    if timing.approximate is not None:
        title = f"{title} {approximate_marker(timing.approximate, lang)}"
    if event.status == "cancelled":
        title = f"[{label('cancelled', lang)}] {title}"
    elif tentative and event.status == "tentative":
        title = f"[{label('tentative', lang)}] {title}"
    return title


def one_line(text: str) -> str:
    """Join the lines of *text* with commas, for fields that hold one line (an address)."""
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def place_line(venue: Venue, lang: Language) -> str:
    """Return a venue on one line: its name, then its address (LOCATION, add-event links)."""
    parts = [venue.name.pick(lang)]
    if venue.address is not None:
        address = one_line(venue.address.pick(lang))
        if address:
            parts.append(address)
    return ", ".join(parts)


def contact_line(contact: Contact, lang: Language) -> str:
    """Return a public contact on one line: its name, phone and email."""
    parts = [contact.name.pick(lang)] if contact.name is not None else []
    parts.extend(value for value in (contact.phone, contact.email) if value)
    return ", ".join(parts)


def event_description(  # noqa: C901 - one block per part of the description
    trip: Trip, event: Event, timing: Timing, lang: Language, *, page: str | None = None
) -> str:
    """Return the text a calendar gives as *event*'s description ("" when there is nothing).

    The event's own description, then the approximate-time note, the place with its address and
    contact, the event's links and contact, the source with its quote, and what was assumed, in
    blocks separated by a blank line; last, on a line of its own, *page* (the event on the page
    it links to), because Google, Outlook and Thunderbird show no URL property.
    """
    blocks: list[str] = []
    if event.description is not None:
        blocks.append(event.description.pick(lang))
    if timing.approximate is not None:
        blocks.append(f"{label('time', lang)}: {approximate_note(timing, lang)}")
    venue = trip.venue_of(event)
    if venue is not None:
        place = venue.name.pick(lang)
        if venue.address is not None:
            place = f"{place}\n{venue.address.pick(lang)}"
        if venue.contact is not None:
            place = f"{place}\n{contact_line(venue.contact, lang)}"
        blocks.append(f"{label('place', lang)}: {place}")
    if event.links:
        lines = "\n".join(f"- {link_line(link, lang)}" for link in event.links)
        blocks.append(f"{label('links', lang)}:\n{lines}")
    if event.contact is not None:
        blocks.append(f"{label('contact', lang)}: {contact_line(event.contact, lang)}")
    if event.source is not None:
        blocks.append(f"{label('source', lang)}: {event.source.document}\n«{event.source.quote}»")
    assumed = [*event.assumptions, *(venue.assumptions if venue else ())]
    if assumed:
        lines = "\n".join(f"- {note.pick(lang)}" for note in assumed)
        blocks.append(f"{label('assumed', lang)}:\n{lines}")
    if page is not None:
        blocks.append(f"{label('more', lang)}: {page}")
    return "\n\n".join(blocks)


def link_name(link: Link, lang: Language) -> str:
    """Return what a link is called: its label, and that it is a video call if it is one."""
    name = link.label.pick(lang)
    return f"{name} ({label('video', lang)})" if link.kind == "video" else name


def link_line(link: Link, lang: Language) -> str:
    """Return a link as a line of text: its name, then its address."""
    return f"{link_name(link, lang)}: {link.url}"


def reminder_text(event: Event, timing: Timing, lang: Language) -> str:
    """Return what a reminder of *event* says."""
    return label("reminder", lang, title=event_title(event, timing, lang))


# --- invitations by e-mail (seoulcal.notify) ----------------------------------------------------
# Kept together at the end of the file: the subjects and bodies of `seoulcal invite`'s messages.

_INVITATION: dict[str, Pair] = {
    # the subject's first word, by kind of message
    "invitation": ("초대", "Invitation"),
    "change": ("변경", "Updated"),
    "cancellation": ("취소", "Cancelled"),
    # the first line of the body, by why the message is sent
    "lead.invitation": ("{trip} 일정에 초대합니다.", "You are invited to this event of {trip}."),
    "lead.change": (
        "{trip} 일정이 바뀌었습니다. 달력의 일정이 새 내용으로 바뀝니다.",
        "This event of {trip} has changed; your calendar will show the new details.",
    ),
    "lead.cancelled": (
        "{trip}의 이 일정은 취소되었습니다.",
        "This event of {trip} has been cancelled.",
    ),
    "lead.removed": (
        "{trip}에서 이 일정이 빠졌습니다.",
        "This event has been removed from {trip}.",
    ),
    "lead.taken-off": (
        "이 일정은 이제 귀하의 {trip} 일정에 들어 있지 않습니다.",
        "You are no longer on this event of {trip}.",
    ),
    # labels of the body
    "at-place": ("현지 시각", "Time at the place"),
    "at-home": ("{home} 시각", "Time in {home}"),
    "page": ("내 일정 페이지", "Your schedule page"),
    "attachment": (
        "초대가 보이지 않으면 첨부된 invite.ics 파일을 여세요.",
        "If no invitation is shown, open the attached invite.ics.",
    ),
    "footer": (
        "{organizer}에서 보낸 출장 일정 안내입니다 (seoulcal).",
        "A trip schedule notice from {organizer} (seoulcal).",
    ),
    "mail-day": ("{month}월 {day}일({weekday})", "{weekday} {day} {month_name}"),
}


def invitation_word(key: str, lang: Language, **values: str) -> str:
    """Return the fixed word *key* of invitation messages in *lang*."""
    return word(_INVITATION, key, lang, **values)


def mail_day(day: date, lang: Language) -> str:
    """Format a day without its year, as ``1월 9일(화)`` or ``Tue 9 Jan`` (mail subjects)."""
    return word(
        _INVITATION,
        "mail-day",
        lang,
        month=str(day.month),
        day=str(day.day),
        month_name=f"{day:%b}",
        weekday=short_day(day, lang),
    )
