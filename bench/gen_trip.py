"""A deterministic synthetic trip: N members, M events, written as a TOML trip file.

The trip looks like a trade-show pavilion: a Seoul delegation in Las Vegas with side trips (New
York, Berlin, Tokyo) and an office at home. Members belong to a company (or an institution), one
or two interest tracks, and sometimes to the core team or the press pool; events go to everyone,
to tracks, to a few companies, or to a handful of named people, so each member attends a realistic
subset (about a third to a half of the events). Times mix exact (some across zones: flights),
whole days and approximate parts of the day. Texts are Korean and English, with commas,
semicolons, quotes and multi-line descriptions, so escaping and folding are exercised.

The same (members, events, seed) always gives the same bytes.

With ``--three-member-event`` the last event is made one that exactly three named members attend
(the first, middle and last member), at an exact time, confirmed: the rebuild benchmarks move it.
``--move EVENT`` writes the trip with that event moved: its start and end ``--minutes`` later (30),
and the trip's ``revised`` instant ``--revise-minutes`` later (60), as an author's edit would;
``--move most`` picks the event with exact times that the most members attend (``--move three``:
the event of ``--three-member-event``). :func:`moved` is the same from Python.

Usage::

    python bench/gen_trip.py --members 1000 --events 60 -o trip.toml [--check]
    python bench/gen_trip.py --members 1000 --events 60 --three-member-event --move most -o t.toml
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

VENUES = [
    # id, ko, en, zone, address ko, address en, lat, lon
    (
        "lvcc",
        "라스베이거스 컨벤션센터 (LVCC)",
        "Las Vegas Convention Center (LVCC)",
        "America/Los_Angeles",
        "3150 Paradise Rd, Las Vegas, NV 89109, 미국",
        "3150 Paradise Rd, Las Vegas, NV 89109, USA",
        36.1316,
        -115.1516,
    ),
    (
        "venetian-expo",
        "베네시안 엑스포 (유레카파크)",
        "Venetian Expo (Eureka Park)",
        "America/Los_Angeles",
        "201 Sands Ave, Las Vegas, NV 89169, 미국",
        "201 Sands Ave, Las Vegas, NV 89169, USA",
        36.1215,
        -115.1651,
    ),
    (
        "hotel",
        "숙소 호텔 회의실",
        "Hotel meeting rooms",
        "America/Los_Angeles",
        "3355 S Las Vegas Blvd, Las Vegas, NV 89109, 미국",
        "3355 S Las Vegas Blvd, Las Vegas, NV 89109, USA",
        36.1212,
        -115.1697,
    ),
    (
        "las-airport",
        "해리 리드 국제공항 (LAS)",
        "Harry Reid International Airport (LAS)",
        "America/Los_Angeles",
        "5757 Wayne Newton Blvd, Las Vegas, NV 89119, 미국",
        "5757 Wayne Newton Blvd, Las Vegas, NV 89119, USA",
        36.0840,
        -115.1537,
    ),
    (
        "javits",
        "제이콥 재비츠 센터",
        "Javits Center",
        "America/New_York",
        "429 11th Ave, New York, NY 10001, 미국",
        "429 11th Ave, New York, NY 10001, USA",
        40.7578,
        -74.0022,
    ),
    (
        "messe-berlin",
        "메세 베를린",
        "Messe Berlin",
        "Europe/Berlin",
        "Messedamm 22, 14055 Berlin, 독일",
        "Messedamm 22, 14055 Berlin, Germany",
        52.5065,
        13.2846,
    ),
    (
        "tokyo-big-sight",
        "도쿄 빅사이트",
        "Tokyo Big Sight",
        "Asia/Tokyo",
        "3-11-1 Ariake, Koto City, Tokyo, 일본",
        "3-11-1 Ariake, Koto City, Tokyo, Japan",
        35.6298,
        139.7942,
    ),
    (
        "seoul-hall",
        "서울시청 대회의실",
        "Seoul City Hall, main conference room",
        "Asia/Seoul",
        "서울특별시 중구 세종대로 110",
        "110 Sejong-daero, Jung-gu, Seoul",
        37.5663,
        126.9779,
    ),
    (
        "icn",
        "인천국제공항",
        "Incheon International Airport",
        "Asia/Seoul",
        "인천광역시 중구 공항로 272",
        "272 Gonghang-ro, Jung-gu, Incheon",
        37.4602,
        126.4407,
    ),
]

TRACKS = [
    ("ai", "인공지능", "AI"),
    ("mobility", "모빌리티", "Mobility"),
    ("health", "디지털 헬스", "Digital health"),
    ("smart-city", "스마트시티", "Smart city"),
    ("robotics", "로보틱스", "Robotics"),
    ("energy", "에너지·기후테크", "Energy and climate tech"),
    ("content", "콘텐츠·XR", "Content and XR"),
    ("fintech", "핀테크", "Fintech"),
]

KINDS = [
    ("투자 상담회", "Investor meetings"),
    ("기업 설명회", "Company pitch session"),
    ("네트워킹 리셉션", "Networking reception"),
    ("전시 부스 운영", "Booth duty"),
    ("업무 협약 체결식", "MOU signing ceremony"),
    ("현지 기업 방문", "Site visit"),
    ("언론 인터뷰", "Press interview"),
    ("바이어 1:1 미팅", "One-to-one buyer meetings"),
    ("세미나", "Seminar"),
    ("오찬 간담회", "Working lunch"),
    ("내부 회의", "Internal briefing"),
    ("기조연설 참관", "Keynote"),
]

TOPICS_KO = [
    "글로벌 진출 전략",
    "현지 파트너십",
    "규제 동향",
    "투자 유치",
    "공동 연구",
    "실증 사업",
    "수출 상담",
    "판로 개척",
    "기술 협력",
    "인재 교류",
]
TOPICS_EN = [
    "going global",
    "local partnerships",
    "regulation",
    "fund-raising",
    "joint research",
    "pilot projects",
    "export deals",
    "market entry",
    "technology cooperation",
    "talent exchange",
]

SENTENCES = [
    (
        "참석 기업은 발표 자료(10분 이내)를 사전에 제출해 주시기 바랍니다.",
        "Participating companies: please send your slides (10 minutes at most) in advance.",
    ),
    (
        "통역이 제공되며, 좌석은 선착순입니다; 늦지 않게 도착해 주세요.",
        "Interpretation is provided; seats are first come, first served, so please be on time.",
    ),
    (
        "드레스 코드: 비즈니스 캐주얼, 명함 지참.",
        "Dress code: business casual; bring business cards.",
    ),
    ('"서울관" 공동 홍보 영상이 상영됩니다.', 'The joint "Seoul Pavilion" video will be shown.'),
    (
        "셔틀버스는 호텔 로비에서 출발합니다 (15분 간격).",
        "Shuttles leave from the hotel lobby (every 15 minutes).",
    ),
    (
        "회의록은 국제교류과에서 정리해 공유합니다.",
        "The International Relations Division will circulate the minutes.",
    ),
]

FAMILY = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권"]
GIVEN = [
    "민준",
    "서연",
    "지호",
    "하은",
    "도윤",
    "지우",
    "서준",
    "수아",
    "예준",
    "지민",
    "현우",
    "유진",
    "준서",
    "채원",
    "시우",
    "다은",
]
ROMAN_FAMILY = {
    "김": "Kim",
    "이": "Lee",
    "박": "Park",
    "최": "Choi",
    "정": "Jung",
    "강": "Kang",
    "조": "Cho",
    "윤": "Yoon",
    "장": "Jang",
    "임": "Lim",
    "한": "Han",
    "오": "Oh",
    "서": "Seo",
    "신": "Shin",
    "권": "Kwon",
}
ROMAN_GIVEN = {
    "민준": "Min-jun",
    "서연": "Seo-yeon",
    "지호": "Ji-ho",
    "하은": "Ha-eun",
    "도윤": "Do-yun",
    "지우": "Ji-woo",
    "서준": "Seo-jun",
    "수아": "Su-a",
    "예준": "Ye-jun",
    "지민": "Ji-min",
    "현우": "Hyun-woo",
    "유진": "Yu-jin",
    "준서": "Jun-seo",
    "채원": "Chae-won",
    "시우": "Si-woo",
    "다은": "Da-eun",
}
ROLES = [
    ("대표이사", "CEO"),
    ("기술이사", "CTO"),
    ("해외사업 팀장", "Head of global business"),
    ("연구원", "Researcher"),
    ("마케팅 매니저", "Marketing manager"),
    ("주무관", "City official"),
    ("통역", "Interpreter"),
    ("기자", "Reporter"),
]

TRIP_START = date(2025, 1, 6)  # January: no DST change in any zone used, the whole trip in 2025


def q(text: str) -> str:
    """Return *text* as a TOML basic string (JSON's escapes are all valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def text(ko: str, en: str) -> str:
    """Return a TOML inline table of a bilingual text."""
    return f"{{ ko = {q(ko)}, en = {q(en)} }}"


def _wall(day: date, hour: int, minute: int, zone: str) -> str:
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return f"{moment:%Y-%m-%dT%H:%M}[{zone}]"


def generate(members: int, events: int, seed: int = 0) -> str:  # noqa: C901, PLR0912, PLR0915
    """Return the TOML text of a synthetic trip of *members* members and *events* events."""
    rng = random.Random(f"seoulcal-bench/{members}/{events}/{seed}")  # noqa: S311 - data, not keys
    companies = max(1, min(400, members // 12))
    institutions = max(1, companies // 6)
    out: list[str] = []
    add = out.append
    add(f"# Synthetic benchmark trip: {members} members, {events} events (seed {seed}).")
    add('id = "bench-pavilion"')
    add('zone = "America/Los_Angeles"')
    add('home_zone = "Asia/Seoul"')
    add('revised = "2024-12-20T09:00[Asia/Seoul]"')
    add("")
    add("[name]")
    add(f"ko = {q('서울관 CES 2025 참가단 일정')}")
    add(f"en = {q('Seoul Pavilion at CES 2025: delegation schedule')}")
    add("")
    add("[description]")
    add(
        "ko = "
        + q(f"서울관 참가 기업·기관 {members}명의 공동 일정입니다.\n변경 사항은 매일 반영됩니다.")
    )
    add(
        "en = "
        + q(f"The shared schedule of the Seoul Pavilion: {members} members.\nUpdated daily.")
    )
    add("")
    add("[organizer]")
    add('email = "pavilion@example.org"')
    add(
        f"name = {text('서울경제진흥원 해외사업팀', 'Seoul Business Agency, Global Business Team')}"
    )
    for vid, ko, en, zone, addr_ko, addr_en, lat, lon in VENUES:
        add("")
        add("[[venues]]")
        add(f'id = "{vid}"')
        add(f'zone = "{zone}"')
        add(f"name = {text(ko, en)}")
        add(f"address = {text(addr_ko, addr_en)}")
        add(f"latitude = {lat}")
        add(f"longitude = {lon}")
        if rng.random() < 0.4:
            add("assumptions = [" + text("좌표는 근사값", "Coordinates are approximate") + "]")

    member_ids: list[str] = []
    groups_of: dict[str, list[str]] = {}
    for index in range(members):
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        role = rng.choice(ROLES)
        mid = f"m{index:05d}"
        member_ids.append(mid)
        if rng.random() < 0.87:
            org = f"company-{rng.randrange(companies):03d}"
            org_ko, org_en = f"참가기업 {org[-3:]}", f"Company {org[-3:]}"
        else:
            org = f"institution-{rng.randrange(institutions):02d}"
            org_ko, org_en = f"참가기관 {org[-2:]}", f"Institution {org[-2:]}"
        groups = [org, *(f"track-{t[0]}" for t in rng.sample(TRACKS, rng.choice((1, 1, 2))))]
        if rng.random() < 0.05:
            groups.append("core")
        if rng.random() < 0.03:
            groups.append("press")
        groups_of[mid] = groups
        add("")
        add("[[members]]")
        add(f'id = "{mid}"')
        add(
            "name = "
            + text(
                f"{family}{given} ({org_ko})",
                f"{ROMAN_GIVEN[given]} {ROMAN_FAMILY[family]} ({org_en})",
            )
        )
        add(f"role = {text(*role)}")
        add(f'email = "{mid}@example.org"')
        add(f'language = "{"en" if rng.random() < 0.2 else "ko"}"')
        add("groups = [" + ", ".join(f'"{g}"' for g in groups) + "]")

    days = max(7, min(300, events // 4))  # longer seasons for more events
    for index in range(events):
        eid = f"e{index:05d}-{rng.choice(KINDS)[1].split()[0].lower().strip(',:')}"
        kind_ko, kind_en = rng.choice(KINDS)
        topic = rng.randrange(len(TOPICS_KO))
        venue = rng.choice(VENUES)
        vid, zone = venue[0], venue[3]
        day = TRIP_START + timedelta(days=rng.randrange(days))
        add("")
        add("[[events]]")
        add(f'id = "{eid}"')
        add("title = " + text(f"{kind_ko}: {TOPICS_KO[topic]}", f"{kind_en}: {TOPICS_EN[topic]}"))
        roll = rng.random()
        if roll < 0.06 and zone == "America/Los_Angeles":  # a flight home, across zones
            start = _wall(day, 22, 50, "America/Los_Angeles")
            end = _wall(day + timedelta(days=2), 5, 0, "Asia/Seoul")
            add(f'time = {{ start = "{start}", end = "{end}" }}')
        elif roll < 0.65:
            hour = rng.randrange(8, 19)
            minute = rng.choice((0, 0, 15, 30, 45))
            length = rng.choice((30, 60, 60, 90, 120, 180))
            # A wall clock (naive on purpose): written with its zone below.
            begin = datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001
            finish = begin + timedelta(minutes=length)
            if rng.random() < 0.05:
                add(
                    f'time = {{ start = "{begin:%Y-%m-%dT%H:%M}Z", '
                    f'end = "{finish:%Y-%m-%dT%H:%M}Z" }}'
                )
            else:
                add(
                    f'time = {{ start = "{_wall(begin.date(), begin.hour, begin.minute, zone)}", '
                    f'end = "{_wall(finish.date(), finish.hour, finish.minute, zone)}" }}'
                )
        elif roll < 0.8:
            last = day + timedelta(days=rng.choice((0, 0, 1, 3)))
            add(f"time = {{ first = {day.isoformat()}, last = {last.isoformat()} }}")
        else:
            part = rng.choice(("morning", "lunch", "afternoon", "evening", "all_day"))
            add(f'time = {{ day = {day.isoformat()}, part = "{part}" }}')
        add(f'venue = "{vid}"')
        # Who attends.
        who = rng.random()
        if who < 0.25:
            attendees = ["everyone"]
        elif who < 0.6:
            attendees = [f"track-{t[0]}" for t in rng.sample(TRACKS, rng.choice((1, 2)))]
        elif who < 0.85:
            attendees = [
                f"company-{rng.randrange(companies):03d}" for _ in range(rng.randint(1, 4))
            ]
            attendees = sorted(set(attendees))
            if rng.random() < 0.5:
                attendees.append("core")
        else:
            attendees = sorted(set(rng.sample(member_ids, min(len(member_ids), rng.randint(1, 5)))))
            if rng.random() < 0.5:
                attendees.append("press" if rng.random() < 0.5 else "core")
        add("attendees = [" + ", ".join(f'"{a}"' for a in attendees) + "]")
        lines = rng.sample(SENTENCES, rng.randint(1, 3))
        add("description = " + text("\n".join(s[0] for s in lines), "\n".join(s[1] for s in lines)))
        if rng.random() < 0.7:
            track = rng.choice(TRACKS)
            add("categories = [" + text(track[1], track[2]) + "]")
        status = rng.random()
        if status < 0.08:
            add('status = "tentative"')
        elif status < 0.11:
            add('status = "cancelled"')
        if rng.random() < 0.3:
            add(
                "source = { document = "
                + q("서울경제진흥원 CES 2025 서울관 운영 계획 (2024. 12.)")
                + ", quote = "
                + q(f"{kind_ko} 일정은 현지 사정에 따라 변경될 수 있음.")
                + " }"
            )
        if rng.random() < 0.25:
            add("assumptions = [" + text("종료 시각은 추정", "The end time is assumed") + "]")
    # Groups that no event names are fine; events only name groups that exist? Companies drawn
    # at random may have no member at small sizes, so drop attendee names that are not groups.
    known = {"everyone", *member_ids, *(g for gs in groups_of.values() for g in gs)}
    return _prune(out, known)


def _prune(lines: list[str], known: set[str]) -> str:
    fixed = []
    for line in lines:
        if line.startswith("attendees = ["):
            names = [n.strip().strip('"') for n in line[len("attendees = [") : -1].split(",")]
            names = [n for n in names if n in known] or ["everyone"]
            fixed.append("attendees = [" + ", ".join(f'"{n}"' for n in names) + "]")
        else:
            fixed.append(line)
    return "\n".join(fixed) + "\n"


def _blocks(text: str) -> tuple[str, list[str]]:
    """Split a generated trip into what comes before the first event, and the event blocks."""
    head, *events = text.split("\n[[events]]\n")
    return head, events


def _join(head: str, events: list[str]) -> str:
    return "\n[[events]]\n".join([head, *events])


def _field(block: str, name: str) -> str | None:
    match = re.search(rf"^{name} = (.*)$", block, re.MULTILINE)
    return match.group(1) if match else None


def with_three_member_event(text: str) -> str:
    """Make the trip's last event one that exactly three named members attend, at an exact time.

    Only that event's lines change (its attendees, its time if it had none exact, its status
    dropped), so the rest of the trip keeps its bytes. The three are the first, middle and last
    member. The time, when it must be made, is 10:00-11:00 on the trip's third day in the
    venue's zone.
    """
    head, events = _blocks(text)
    ids = re.findall(r'^id = "(m\d+)"$', head, re.MULTILINE)
    if len(ids) < 3 or not events:
        raise SystemExit("--three-member-event needs at least three members and one event")
    three = [ids[0], ids[len(ids) // 2], ids[-1]]
    block = events[-1]
    lines = []
    for original in block.split("\n"):
        line = original
        if line.startswith("attendees = "):
            line = "attendees = [" + ", ".join(f'"{m}"' for m in three) + "]"
        elif line.startswith("status = "):
            continue
        elif line.startswith("time = ") and "start = " not in line:
            venue = (_field(block, "venue") or '"hotel"').strip('"')
            zone = next(v[3] for v in VENUES if v[0] == venue)
            day = TRIP_START + timedelta(days=2)
            line = (
                f'time = {{ start = "{_wall(day, 10, 0, zone)}", '
                f'end = "{_wall(day, 11, 0, zone)}" }}'
            )
        lines.append(line)
    events[-1] = "\n".join(lines)
    return _join(head, events)


_WALL = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d)(Z|\[[^\]]+\])"')


def _shift(line: str, minutes: int) -> str:
    def later(match: re.Match[str]) -> str:
        moment = datetime.fromisoformat(match.group(1)) + timedelta(minutes=minutes)
        return f'"{moment:%Y-%m-%dT%H:%M}{match.group(2)}"'

    return _WALL.sub(later, line)


def exact_events(text: str) -> list[str]:
    """Return the ids of the events with an exact start and end that are not cancelled."""
    found = []
    for block in _blocks(text)[1]:
        time_line = _field(block, "time") or ""
        if "start = " in time_line and _field(block, "status") != '"cancelled"':
            found.append((_field(block, "id") or "").strip('"'))
    return found


def most_attended(text: str, trip: object) -> str:
    """Return the exact-time event that the most members of *trip* (loaded from *text*) attend."""
    exact = set(exact_events(text))
    counts = {
        event.id: sum(1 for member in trip.members if trip.attends(member, event))  # type: ignore[attr-defined]
        for event in trip.events  # type: ignore[attr-defined]
        if event.id in exact
    }
    if not counts:
        raise SystemExit("no event with exact times to move")
    return min(counts, key=lambda eid: (-counts[eid], eid))  # the most attended, then by id


def moved(text: str, event_id: str, *, minutes: int = 30, revise_minutes: int = 60) -> str:
    """Return *text* with event *event_id* moved *minutes* later and ``revised`` moved on too."""
    head, events = _blocks(text)
    for index, block in enumerate(events):
        if _field(block, "id") == f'"{event_id}"':
            time_line = _field(block, "time") or ""
            if "start = " not in time_line:
                raise SystemExit(f"{event_id}: has no exact start to move")
            events[index] = block.replace(
                f"time = {time_line}", _shift(f"time = {time_line}", minutes), 1
            )
            break
    else:
        raise SystemExit(f"{event_id}: no such event")
    revised = _field(head, "revised")
    if revised is None:
        raise SystemExit("the trip has no revised instant")
    head = head.replace(f"revised = {revised}", f"revised = {_shift(revised, revise_minutes)}", 1)
    return _join(head, events)


def write_trip(  # noqa: PLR0913 - the generator's knobs
    path: Path,
    members: int,
    events: int,
    seed: int = 0,
    *,
    check: bool = True,
    three: bool = False,
    move: str | None = None,
    minutes: int = 30,
    revise_minutes: int = 60,
) -> Path:
    """Write the trip to *path* (if its bytes differ) and validate it with seoulcal.load_trip.

    *three* adds the three-member event (:func:`with_three_member_event`); *move* (an event id,
    ``"most"`` or ``"three"``) writes the trip with that event moved (:func:`moved`).
    """
    text = generate(members, events, seed)
    if three:
        text = with_three_member_event(text)
    if move is not None:
        if move == "three":
            if not three:
                raise SystemExit("--move three needs --three-member-event")
            move = exact_events(text)[-1]
        elif move == "most":
            from seoulcal.tripfile import parse_trip  # noqa: PLC0415 - only to pick the event

            move = most_attended(text, parse_trip(text))
        text = moved(text, move, minutes=minutes, revise_minutes=revise_minutes)
    data = text.encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    if check:
        from seoulcal import load_trip  # noqa: PLC0415 - only when asked to validate

        trip = load_trip(path)
        if len(trip.members) != members or len(trip.events) != events:
            raise SystemExit(f"{path}: generated trip has the wrong size")
    return path


def main() -> int:
    """Write one trip file from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--check", action="store_true", help="validate with seoulcal.load_trip")
    parser.add_argument(
        "--three-member-event",
        action="store_true",
        help="make the last event one that exactly three named members attend",
    )
    parser.add_argument("--move", help="an event id, 'most' or 'three': write it moved")
    parser.add_argument("--minutes", type=int, default=30, help="how far --move moves it")
    parser.add_argument(
        "--revise-minutes", type=int, default=60, help="how far --move moves 'revised'"
    )
    args = parser.parse_args()
    write_trip(
        Path(args.output),
        args.members,
        args.events,
        args.seed,
        check=args.check,
        three=args.three_member_event,
        move=args.move,
        minutes=args.minutes,
        revise_minutes=args.revise_minutes,
    )
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
