"""Tables in and out: rosters and itineraries as Korean Excel keeps them (seoulcal.sources)."""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import trips

import seoulcal
from seoulcal import cli
from seoulcal.errors import SeoulcalError, TripError
from seoulcal.sources.columns import guard_formula, unguard_formula
from seoulcal.sources.sheets import agenda_table, members_table
from seoulcal.sources.tables import parse_date, parse_time
from seoulcal.sources.tomlfile import import_trip, trip_toml
from seoulcal.tripfile import load_trip, parse_trip, trip_schema

CES_TOML = Path(seoulcal.__file__).parent / "trips" / "ces2024.toml"

HEAD = """\
id = "office"
zone = "America/Los_Angeles"
home_zone = "Asia/Seoul"
revised = "2024-01-08T11:15[Asia/Seoul]"
name = { ko = "라스베이거스 출장", en = "Las Vegas trip" }
organizer = { name = { ko = "서울시 국제교류과", en = "Seoul International Relations" } }
"""

# The same trip, listed in TOML: what the tables below must give, byte for byte.
LISTED = (
    HEAD
    + """
[[venues]]
id = "eureka"
name = { ko = "유레카파크", en = "Eureka Park" }
zone = "America/Los_Angeles"
address = { ko = "201 Sands Ave, 라스베이거스", en = "201 Sands Ave, Las Vegas" }
latitude = 36.1215
longitude = -115.1651

[[venues]]
id = "city-hall"
name = { ko = "서울시청", en = "Seoul City Hall" }
zone = "Asia/Seoul"

[[members]]
id = "kim"
name = { ko = "김똠이", en = "Kim Ttom-i" }
role = { ko = "시장", en = "Mayor" }
email = "kim@example.org"
groups = ["core", "delegation"]

[[members]]
id = "park"
name = { ko = "박뷁", en = "Park Bwelk" }
role = { ko = "통역", en = "Interpreter" }
language = "en"
groups = ["delegation"]
illustrative = true

[[members]]
id = "choi"
name = { ko = "최상황", en = "Choi Sang-hwang" }
role = { ko = "상황실", en = "Duty office" }
groups = ["home"]

[[events]]
id = "opening"
title = { ko = "서울관 개관식", en = "Opening of the Seoul Pavilion" }
time = { start = "2024-01-09T11:00[America/Los_Angeles]", end = "2024-01-09T12:00[America/Los_Angeles]" }
venue = "eureka"
attendees = ["core"]
source = { document = "보도자료 (2024. 1. 8.)", quote = "1.9.(화) 오전 11시 개관식에 참석한다." }
assumptions = [{ ko = "종료 시각은 가정", en = "The end is assumed" }, { ko = "장소는 가정", en = "The place is assumed" }]

[[events]]
id = "forum"
title = { ko = "이노베이션 포럼", en = "Innovation Forum" }
time = { start = "2024-01-09T17:30[America/Los_Angeles]", end = "2024-01-09T19:00[America/Los_Angeles]" }
attendees = ["delegation"]
categories = [{ ko = "CES 2024", en = "CES 2024" }, { ko = "발표", en = "Speech" }]

[[events]]
id = "seoul-briefing"
title = { ko = "본청 보고", en = "Briefing at home" }
time = { start = "2024-01-10T09:00[Asia/Seoul]", end = "2024-01-10T09:30[Asia/Seoul]" }
attendees = ["home"]

[[events]]
id = "flight"
title = { ko = "귀국", en = "Flight home" }
time = { start = "2024-01-12T22:50[America/Los_Angeles]", end = "2024-01-14T05:00[Asia/Seoul]" }

[[events]]
id = "lunch"
title = { ko = "오찬 간담회", en = "Luncheon" }
time = { day = 2024-01-09, part = "lunch" }
attendees = ["core"]
status = "tentative"

[[events]]
id = "show"
title = { ko = "전시 참관", en = "Show visit" }
time = { first = 2024-01-09, last = 2024-01-10 }
venue = "eureka"
attendees = ["delegation"]
description = { ko = "국내·외 기업 전시를 봅니다.\\n둘째 줄.", en = "Korean and global exhibitors.\\nSecond line." }

[[events]]
id = "report"
title = { ko = "결과 보고", en = "Report" }
time = { day = 2024-01-11, part = "morning", zone = "Asia/Seoul" }
venue = "city-hall"
attendees = ["home"]
"""
)

VENUES = [
    ["아이디", "이름", "영문 이름", "시간대", "주소", "영문 주소", "위도", "경도"],
    [
        "eureka",
        "유레카파크",
        "Eureka Park",
        "America/Los_Angeles",
        "201 Sands Ave, 라스베이거스",
        "201 Sands Ave, Las Vegas",
        36.1215,
        -115.1651,
    ],
    ["city-hall", "서울시청", "Seoul City Hall", "Asia/Seoul", None, None, None, None],
]

ROSTER = [
    ["아이디", " 이름 ", "영문 이름", "직책", "영문 직책", "이메일", "언어", "그룹", "예시"],
    [
        "kim",
        "김똠이",
        "Kim Ttom-i",
        "시장",
        "Mayor",
        "kim@example.org",
        None,
        "core, delegation",
        None,
    ],
    ["park", "박뷁", "Park Bwelk", "통역", "Interpreter", None, "영어", "delegation", "예"],
    [None, None, None, None, None, None, None, None, None],  # a blank row, skipped
    ["choi", "최상황", "Choi Sang-hwang", "상황실", "Duty office", None, "ko", "home", "아니오"],
]

EVENT_HEAD = [
    "아이디",
    "제목",
    "영문 제목",
    "날짜",
    "시작",
    "종료",
    "시간대",
    "종료 날짜",
    "종료 시간대",
    "마지막 날",
    "때",
    "장소",
    "참석자",
    "상태",
    "설명",
    "영문 설명",
    "분류",
    "영문 분류",
    "출처 문서",
    "출처 인용",
    "가정",
    "영문 가정",
]


def _event_rows(*, cells: bool) -> list[list[object]]:
    """The itinerary; with *cells*, dates and times are real cells, else the forms people type."""

    def day(text: str, value: date) -> object:
        return value if cells else text

    def clock(text: str, value: time) -> object:
        return value if cells else text

    blank = [None] * len(EVENT_HEAD)

    def row(**values: object) -> list[object]:
        keys = {header: index for index, header in enumerate(EVENT_HEAD)}
        line = list(blank)
        for header, value in values.items():
            line[keys[header]] = value
        return line

    return [
        EVENT_HEAD,
        row(
            아이디="opening",
            제목="서울관 개관식",
            **{"영문 제목": "Opening of the Seoul Pavilion"},
            날짜=day("2024. 1. 9.", date(2024, 1, 9)),
            시작=clock("오전 11:00", time(11)),
            종료=clock("오후 12:00", time(12)),
            장소="eureka",
            참석자="core",
            **{
                "출처 문서": "보도자료 (2024. 1. 8.)",
                "출처 인용": "1.9.(화) 오전 11시 개관식에 참석한다.",
                "가정": "종료 시각은 가정\n장소는 가정",
                "영문 가정": "The end is assumed\nThe place is assumed",
            },
        ),
        row(
            아이디="forum",
            제목="이노베이션 포럼",
            **{"영문 제목": "Innovation Forum"},
            날짜=day("2024-01-09", date(2024, 1, 9)),
            시작=clock("오후 5:30", time(17, 30)),
            종료=clock("19:00", time(19)),
            참석자="delegation",
            분류="CES 2024, 발표",
            **{"영문 분류": "CES 2024, Speech"},
        ),
        row(
            아이디="seoul-briefing",
            제목="본청 보고",
            **{"영문 제목": "Briefing at home"},
            날짜=day("2024. 1. 10.(수)", date(2024, 1, 10)),
            시작=clock("오전 9:00", time(9)),
            종료=clock("09:30", time(9, 30)),
            시간대="Asia/Seoul",
            참석자="home",
        ),
        row(
            아이디="flight",
            제목="귀국",
            **{"영문 제목": "Flight home"},
            날짜=day("2024. 1. 12.", date(2024, 1, 12)),
            시작=clock("오후 10:50", time(22, 50)),
            종료=clock("오전 5:00", time(5)),
            시간대="America/Los_Angeles",
            **{"종료 날짜": day("2024. 1. 14.", date(2024, 1, 14)), "종료 시간대": "Asia/Seoul"},
        ),
        row(
            아이디="lunch",
            제목="오찬 간담회",
            **{"영문 제목": "Luncheon"},
            날짜=day("2024. 1. 9.", date(2024, 1, 9)),
            때="점심",
            참석자="core",
            상태="미정",
        ),
        row(
            아이디="show",
            제목="전시 참관",
            **{"영문 제목": "Show visit"},
            날짜=day("2024. 1. 9.", date(2024, 1, 9)),
            **{"마지막 날": day("2024. 1. 10.", date(2024, 1, 10))},
            장소="eureka",
            참석자="delegation",
            설명="국내·외 기업 전시를 봅니다.\n둘째 줄.",
            **{"영문 설명": "Korean and global exhibitors.\nSecond line."},
        ),
        row(
            아이디="report",
            제목="결과 보고",
            **{"영문 제목": "Report"},
            날짜=day("2024. 1. 11.", date(2024, 1, 11)),
            때="오전",
            시간대="Asia/Seoul",
            장소="city-hall",
            참석자="home",
        ),
    ]


def write_csv(path: Path, rows: list[list[object]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        ["" if cell is None else cell for cell in row] for row in rows
    )
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_book(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        page = book.create_sheet(title)
        for row in rows:
            page.append(row)
        for line in page.iter_rows():
            for cell in line:
                if isinstance(cell.value, datetime | date) and not isinstance(cell.value, time):
                    cell.number_format = "yyyy. m. d."
                elif isinstance(cell.value, time):
                    cell.number_format = "AM/PM h:mm"
    book.save(path)


def every_calendar(trip: seoulcal.Trip) -> list[bytes]:
    return [trip.to_ics(member, lang) for member in (None, *trip.members) for lang in ("ko", "en")]


@pytest.fixture(scope="module")
def listed() -> seoulcal.Trip:
    return parse_trip(LISTED)


def tabled_trip(folder: Path, form: str) -> Path:
    """Write the trip as tables in *form* (xlsx, or csv in an encoding) and a trip file."""
    if form == "xlsx":
        write_book(
            folder / "office.xlsx",
            {"장소": VENUES, "명단": ROSTER, "일정": _event_rows(cells=True)},
        )
        refs = 'venues = "office.xlsx#장소"\nmembers = "office.xlsx#명단"\nevents = "office.xlsx#일정"\n'
    else:
        encoding = form.removeprefix("csv-")
        write_csv(folder / "venues.csv", VENUES, encoding)
        write_csv(folder / "roster.csv", ROSTER, encoding)
        write_csv(folder / "itinerary.csv", _event_rows(cells=False), encoding)
        refs = 'venues = "venues.csv"\nmembers = "roster.csv"\nevents = "itinerary.csv"\n'
    path = folder / "trip.toml"
    path.write_text(HEAD + refs, encoding="utf-8")
    return path


@pytest.mark.parametrize("form", ["xlsx", "csv-utf-8-sig", "csv-utf-8", "csv-cp949"])
def test_tables_typed_in_korean_excel_give_the_same_calendars_as_toml(tmp_path, listed, form):
    trip = load_trip(tabled_trip(tmp_path, form))
    assert trip == listed
    assert every_calendar(trip) == every_calendar(listed)


def test_cp949_is_read_where_euc_kr_would_fail(tmp_path, listed):
    # Python's euc_kr cannot decode the UHC-only syllables of the roster (똠, 뷁): CP949 can.
    raw = "김똠이 박뷁".encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("euc_kr")
    trip = load_trip(tabled_trip(tmp_path, "csv-cp949"))
    assert trip.member("kim").name.ko == "김똠이"
    assert trip.member("park").name.ko == "박뷁"


def test_check_and_export_read_a_trip_with_tables(tmp_path, listed, capsys):
    path = tabled_trip(tmp_path, "xlsx")
    assert cli.main(["check", "--trip", str(path)]) == 0
    assert "7 events, 3 members, 2 venues" in capsys.readouterr().out
    out = tmp_path / "kim.ics"
    assert cli.main(["export", "--trip", str(path), "--member", "kim", "-o", str(out)]) == 0
    assert out.read_bytes() == listed.to_ics("kim")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-09", date(2024, 1, 9)),
        ("2024. 1. 9.", date(2024, 1, 9)),
        ("2024.1.9", date(2024, 1, 9)),
        ("2024/1/9", date(2024, 1, 9)),
        ("2024. 1. 9.(화)", date(2024, 1, 9)),
        (datetime(2024, 1, 9), date(2024, 1, 9)),
        (date(2024, 1, 9), date(2024, 1, 9)),
    ],
)
def test_date_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1/9/2024", "ambiguous"),
        ("24. 1. 9.", "ambiguous"),
        ("2024. 2. 30.", "not a day"),
        ("2024. 1. 9.(수)", r"a Tuesday \(화\), not \(수\)"),
        (45300, "a number"),
        (datetime(2024, 1, 9, 11), "date and time"),
    ],
)
def test_date_forms_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17:30", time(17, 30)),
        ("9:05", time(9, 5)),
        ("오전 11:00", time(11)),
        ("오후 5:30", time(17, 30)),
        ("오후 12:00", time(12)),
        ("오전 12:30", time(0, 30)),
        ("오후 5:30:15", time(17, 30, 15)),
        ("5:30 PM", time(17, 30)),
        (time(8, 15), time(8, 15)),
        (datetime(1899, 12, 30, 8, 15), time(8, 15)),
    ],
)
def test_time_forms(text, expected):
    assert parse_time(text) == (expected, None)


def test_a_time_may_carry_an_offset():
    assert parse_time("01:30 -07:00") == (time(1, 30), -timedelta(hours=7))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("오후 13:00", "1 to 12"),
        ("25:00", "not a time of day"),
        ("17:61", "not a time of day"),
        ("5시 30분", "not a time"),
        ("오후 5:30 PM", "both"),
        (0.5, "a number"),
        (datetime(2024, 1, 9, 11), "date and time"),
    ],
)
def test_time_forms_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_time(text)


# --- malformed tables ----------------------------------------------------------------------------


def _edited(rows: list[list[object]], row: int, column: str, value: object) -> list[list[object]]:
    copy = [list(line) for line in rows]
    copy[row][copy[0].index(column)] = value
    return copy


def _roster_with_email_at_row_7() -> list[list[object]]:
    rows = [list(line) for line in ROSTER if line[0] is not None]
    rows.extend(
        [f"extra-{number}", "직원", "Staff", "직원", "Staff", None, None, None, None]
        for number in range(4, 7)
    )
    rows[-1][5] = "kim@"  # the sixth data row, spreadsheet row 7
    return rows


MALFORMED = {
    "wrong encoding": (
        "roster.csv",
        lambda folder: (folder / "roster.csv").write_bytes("아이디,이름\n".encode("utf-16")),
        "roster.csv",
        (
            "is neither UTF-8 (with or without a byte order mark) nor CP949 text: tried "
            "UTF-8 (byte 0), CP949 (byte 0)"
        ),
    ),
    "missing column": (
        "roster.csv",
        lambda folder: write_csv(
            folder / "roster.csv", [line[:2] + line[3:] for line in ROSTER], "utf-8-sig"
        ),
        "roster.csv, row 1",
        "missing column '영문 이름' (or 'name_en')",
    ),
    "unknown column": (
        "roster.csv",
        lambda folder: write_csv(
            folder / "roster.csv", _edited(ROSTER, 0, "예시", "직급"), "utf-8-sig"
        ),
        "roster.csv, row 1, column 직급",
        "unknown column '직급'",
    ),
    "bad date": (
        "itinerary.csv",
        lambda folder: write_csv(
            folder / "itinerary.csv",
            _edited(_event_rows(cells=False), 2, "날짜", "2024. 2. 30."),
            "cp949",
        ),
        "itinerary.csv, row 3, column 날짜",
        "'2024. 2. 30.' is not a day of the calendar",
    ),
    "bad time": (
        "itinerary.csv",
        lambda folder: write_csv(
            folder / "itinerary.csv",
            _edited(_event_rows(cells=False), 1, "시작", "오후 13:00"),
            "utf-8",
        ),
        "itinerary.csv, row 2, column 시작",
        "the hour is 1 to 12",
    ),
    "time in a daylight-saving gap": (
        "itinerary.csv",
        lambda folder: write_csv(
            folder / "itinerary.csv",
            _edited(
                _edited(_event_rows(cells=False), 2, "날짜", "2024. 3. 10."), 2, "시작", "오전 2:30"
            ),
            "utf-8",
        ),
        "itinerary.csv, row 3, column 시작",
        "2024-03-10T02:30 in America/Los_Angeles does not exist",
    ),
    "duplicate id": (
        "roster.csv",
        lambda folder: write_csv(
            folder / "roster.csv", _edited(ROSTER, 2, "아이디", "kim"), "utf-8-sig"
        ),
        "roster.csv, row 3, column 아이디",
        "id 'kim' is used by 2 members",
    ),
    "empty required cell": (
        "roster.csv",
        lambda folder: write_csv(
            folder / "roster.csv", _edited(ROSTER, 1, "영문 직책", ""), "utf-8-sig"
        ),
        "roster.csv, row 2, column 영문 직책",
        "empty; every row needs this cell",
    ),
    "unknown sheet": (
        "office.xlsx#명단2",
        lambda folder: write_book(folder / "office.xlsx", {"명단": ROSTER}),
        "office.xlsx, sheet 명단2",
        "no such sheet; the workbook has: 명단",
    ),
    "a NUL in the name": (  # TOML lets a string hold one; no file system names a file so
        "ro\\u0000ster.csv",
        lambda _folder: None,  # no file to write: none can be named so
        "ro\\u0000ster.csv",
        "cannot read the file: its name holds a NUL (\\u0000)",
    ),
    "bad email": (
        "office.xlsx#명단",
        lambda folder: write_book(folder / "office.xlsx", {"명단": _roster_with_email_at_row_7()}),
        "office.xlsx, sheet 명단, row 7, column 이메일",
        "'kim@' is not an email address",
    ),
}


def _malformed_trip(folder: Path, case: str) -> Path:
    table, write, _, _ = MALFORMED[case]
    write(folder)
    field = "events" if table.startswith("itinerary") else "members"
    other = "roster.csv" if field == "events" else "itinerary.csv"
    if field == "events":
        write_csv(folder / "roster.csv", ROSTER, "utf-8")
    else:
        write_csv(folder / "itinerary.csv", _event_rows(cells=False), "utf-8")
    write_csv(folder / "venues.csv", VENUES, "utf-8")
    other_field = "members" if field == "events" else "events"
    text = HEAD + f'venues = "venues.csv"\n{field} = "{table}"\n{other_field} = "{other}"\n'
    path = folder / "trip.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_table_is_refused_with_its_place(tmp_path, case):
    _, _, where, message = MALFORMED[case]
    path = _malformed_trip(tmp_path, case)
    with pytest.raises(TripError) as caught:
        load_trip(path)
    found = [problem for problem in caught.value.problems if problem.where == where]
    assert len(found) == 1, caught.value  # reported once, where it is
    assert message in found[0].message


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_table_exits_2_and_writes_nothing(tmp_path, capsys, case):
    _, _, where, message = MALFORMED[case]
    path = _malformed_trip(tmp_path, case)
    out = tmp_path / "out.ics"
    assert cli.main(["export", "--trip", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{where}: " in err
    assert message in err
    assert not out.exists()


def test_the_issue_example_reads_as_the_issue_says(tmp_path):
    path = _malformed_trip(tmp_path, "bad email")
    with pytest.raises(TripError) as caught:
        load_trip(path)
    assert str(caught.value.problems[0]) == (
        "office.xlsx, sheet 명단, row 7, column 이메일: 'kim@' is not an email address like "
        "'office@example.org'"
    )


def test_every_problem_of_every_table_is_reported_at_once(tmp_path):
    roster = _edited(_edited(ROSTER, 1, "이메일", "kim@"), 2, "언어", "불어")
    write_csv(tmp_path / "roster.csv", roster, "utf-8")
    events = _edited(_event_rows(cells=False), 1, "종료", "")
    events = _edited(events, 2, "때", "오후")  # a timed event with a part of the day
    events = _edited(events, 5, "상태", "보류")
    write_csv(tmp_path / "itinerary.csv", events, "utf-8")
    write_csv(tmp_path / "venues.csv", VENUES, "utf-8")
    path = tmp_path / "trip.toml"
    path.write_text(
        HEAD + 'venues = "venues.csv"\nmembers = "roster.csv"\nevents = "itinerary.csv"\n',
        encoding="utf-8",
    )
    with pytest.raises(TripError) as caught:
        load_trip(path)
    wheres = [problem.where for problem in caught.value.problems]
    assert wheres == [
        "roster.csv, row 2, column 이메일",
        "roster.csv, row 3, column 언어",
        "itinerary.csv, row 2, column 종료",
        "itinerary.csv, row 3, column 때",
        "itinerary.csv, row 6, column 상태",
    ]
    assert str(path) in str(caught.value)


def test_a_reference_to_nothing_is_placed_by_row_and_column(tmp_path):
    events = _edited(_event_rows(cells=False), 6, "장소", "nowhere")
    write_csv(tmp_path / "itinerary.csv", events, "utf-8")
    write_csv(tmp_path / "roster.csv", ROSTER, "utf-8")
    write_csv(tmp_path / "venues.csv", VENUES, "utf-8")
    path = tmp_path / "trip.toml"
    path.write_text(
        HEAD + 'venues = "venues.csv"\nmembers = "roster.csv"\nevents = "itinerary.csv"\n',
        encoding="utf-8",
    )
    with pytest.raises(TripError) as caught:
        load_trip(path)
    assert [str(p).split(":")[0] for p in caught.value.problems] == [
        "itinerary.csv, row 7, column 장소"
    ]


def test_a_cell_without_a_header_and_a_doubled_column_are_refused(tmp_path):
    rows = [[*ROSTER[0], "name_ko"], *([*line, None] for line in ROSTER[1:])]
    rows[1].append("stray")
    write_csv(tmp_path / "roster.csv", rows, "utf-8")
    path = tmp_path / "trip.toml"
    path.write_text(HEAD + 'members = "roster.csv"\n', encoding="utf-8")
    with pytest.raises(TripError) as caught:
        load_trip(path)
    text = str(caught.value)
    assert (
        "roster.csv, row 1, column name_ko: column 'name_ko' says the same as column '이름'" in text
    )
    assert "roster.csv, row 2, column K: 'stray' is in a column without a header" in text


def test_a_table_of_another_kind_of_file_is_refused(tmp_path):
    (tmp_path / "roster.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    path = tmp_path / "trip.toml"
    path.write_text(HEAD + 'members = "roster.xls"\nevents = "broken.xlsx"\n', encoding="utf-8")
    with pytest.raises(TripError) as caught:
        load_trip(path)
    text = str(caught.value)
    assert "roster.xls: is not a table seoulcal reads" in text
    assert "broken.xlsx: is not an Excel workbook" in text


def test_without_openpyxl_an_xlsx_table_names_the_extra(tmp_path, capsys, monkeypatch):
    path = tabled_trip(tmp_path, "xlsx")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(SeoulcalError, match=r"pip install 'seoulcal\[tables\]'"):
        load_trip(path)
    assert cli.main(["check", "--trip", str(path)]) == 2
    assert "seoulcal[tables]" in capsys.readouterr().err


def test_the_schema_allows_a_table_name(listed):
    schema = trip_schema()
    data = {
        "id": "office",
        "zone": "America/Los_Angeles",
        "home_zone": "Asia/Seoul",
        "revised": "2024-01-08T02:15:00Z",
        "name": {"ko": "출장", "en": "Trip"},
        "organizer": {"name": {"ko": "서울시", "en": "Seoul"}},
        "members": "roster.xlsx#명단",
        "venues": "venues.csv",
        "events": "itinerary.xlsx",
    }
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "members": "roster.txt"}, schema)


# --- tables out, and back in ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_built_in_trip_round_trips_through_its_tables(tmp_path, ces, fmt, lang):
    (tmp_path / f"members.{fmt}").write_bytes(members_table(ces, fmt, lang=lang))
    (tmp_path / f"agenda.{fmt}").write_bytes(agenda_table(ces, fmt, lang=lang))
    trip = import_trip(
        CES_TOML,
        {"members": str(tmp_path / f"members.{fmt}"), "events": str(tmp_path / f"agenda.{fmt}")},
    )
    assert trip.members == ces.members
    assert set(trip.events) == set(ces.events)
    assert every_calendar(trip) == every_calendar(ces)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_korean_trip_round_trips_through_its_tables(tmp_path, listed, fmt):
    (tmp_path / f"m.{fmt}").write_bytes(members_table(listed, fmt))
    (tmp_path / f"a.{fmt}").write_bytes(agenda_table(listed, fmt, lang="en"))
    path = tmp_path / "trip.toml"
    venues = LISTED[len(HEAD) :].split("[[members]]")[0]
    path.write_text(HEAD + f'members = "m.{fmt}"\nevents = "a.{fmt}"\n' + venues, encoding="utf-8")
    assert every_calendar(load_trip(path)) == every_calendar(listed)


def test_a_members_agenda_holds_their_events(tmp_path, ces):
    (tmp_path / "aide.xlsx").write_bytes(agenda_table(ces, "xlsx", member="aide"))
    trip = import_trip(CES_TOML, {"events": str(tmp_path / "aide.xlsx")})
    assert trip.events == ces.events_for("aide")


def test_csv_out_has_a_bom_for_excel_and_crlf_rows(ces):
    data = members_table(ces, "csv")
    assert data.startswith(b"\xef\xbb\xbf\xec\x95\x84\xec\x9d\xb4\xeb\x94\x94,")  # BOM, "아이디"
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[0] == "아이디,이름,영문 이름,직책,영문 직책,언어,그룹,예시"
    assert "\r\nmayor,오세훈 서울시장,Mayor Oh Se-hoon,서울특별시장,Mayor of Seoul,ko," in text


def test_xlsx_out_has_real_date_and_time_cells_with_the_zone_beside(ces):
    data = agenda_table(ces, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    page = book["일정"]
    header = [cell.value for cell in page[1]]
    start, end, zone = header.index("시작"), header.index("종료"), header.index("시간대")
    assert (end, zone) == (start + 1, start + 2)
    rows = {row[0].value: row for row in page.iter_rows(min_row=2)}
    opening = rows["seoul-pavilion-opening"]
    assert opening[header.index("날짜")].value == datetime(2024, 1, 9)
    assert opening[header.index("날짜")].is_date
    assert opening[start].value == time(11)
    assert opening[start].number_format == "hh:mm"
    assert opening[zone].value == "America/Los_Angeles"
    flight = rows["depart-las-vegas"]
    assert flight[header.index("종료 날짜")].value == datetime(2024, 1, 14)
    assert flight[header.index("종료 시간대")].value == "Asia/Seoul"


def test_tables_out_are_deterministic(ces):
    first = agenda_table(ces, "xlsx")
    assert agenda_table(ces, "xlsx") == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2024, 1, 8, 2, 15, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2024-01-08T02:15:00Z" in core


def test_a_wall_clock_that_happens_twice_keeps_its_offset(tmp_path, listed):
    text = LISTED.replace(
        'time = { start = "2024-01-09T17:30[America/Los_Angeles]", end = "2024-01-09T19:00[America/Los_Angeles]" }',
        'time = { start = "2024-11-03T01:30-07:00[America/Los_Angeles]", end = "2024-11-03T01:45-08:00[America/Los_Angeles]" }',
    )
    trip = parse_trip(text)
    csv_data = agenda_table(trip, "csv").decode("utf-8-sig")
    assert "01:30:00 -07:00" in csv_data
    assert "01:45:00 -08:00" in csv_data
    (tmp_path / "a.csv").write_text(csv_data, encoding="utf-8")
    (tmp_path / "base.toml").write_text(text, encoding="utf-8")
    again = import_trip(tmp_path / "base.toml", {"events": str(tmp_path / "a.csv")})
    assert every_calendar(again) == every_calendar(trip)


def test_a_category_with_a_comma_cannot_be_written_to_a_table(listed):
    text = LISTED.replace('{ ko = "발표", en = "Speech" }', '{ ko = "발표, 토론", en = "Speech" }')
    with pytest.raises(SeoulcalError, match="category '발표, 토론' has a ','"):
        agenda_table(parse_trip(text), "csv")


# --- the command line ----------------------------------------------------------------------------


def test_import_writes_one_self_contained_trip_file(tmp_path, listed, capsys, monkeypatch):
    tabled_trip(tmp_path, "xlsx")
    base = tmp_path / "base.toml"
    base.write_text(HEAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = cli.main(
        [
            "import",
            "--trip",
            "base.toml",
            "--venues",
            "office.xlsx#장소",
            "--members",
            "office.xlsx#명단",
            "--events",
            "office.xlsx#일정",
            "-o",
            "trip.toml",
        ]
    )
    assert code == 0, capsys.readouterr().err
    text = (tmp_path / "trip.toml").read_text(encoding="utf-8")
    assert text.startswith(
        "# Written by seoulcal import: base.toml, with members from office.xlsx#명단, venues from "
        "office.xlsx#장소, events from office.xlsx#일정.\n"
    )
    assert ".xlsx" not in text.split("\n", 1)[1]  # self-contained: no table named
    assert '[[members]]\nid = "kim"\nname = { ko = "김똠이", en = "Kim Ttom-i" }' in text
    assert every_calendar(load_trip(tmp_path / "trip.toml")) == every_calendar(listed)
    assert trip_toml(listed).count("[[events]]") == 7


def test_import_of_a_malformed_table_writes_nothing(tmp_path, capsys, monkeypatch):
    _malformed_trip(tmp_path, "bad email")
    (tmp_path / "base.toml").write_text(HEAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = cli.main(
        ["import", "--trip", "base.toml", "--members", "office.xlsx#명단", "-o", "out.toml"]
    )
    assert code == 2
    assert "office.xlsx, sheet 명단, row 7, column 이메일" in capsys.readouterr().err
    assert not (tmp_path / "out.toml").exists()


def test_import_needs_a_table(tmp_path, capsys):
    (tmp_path / "base.toml").write_text(HEAD, encoding="utf-8")
    assert cli.main(["import", "--trip", str(tmp_path / "base.toml")]) == 2
    assert "give at least one of --members" in capsys.readouterr().err


def test_members_and_agenda_write_tables(tmp_path, ces, capsys):
    members = tmp_path / "members.xlsx"
    agenda = tmp_path / "aide.csv"
    assert cli.main(["members", "--format", "xlsx", "-o", str(members)]) == 0
    assert (
        cli.main(
            ["agenda", "--member", "aide", "--format", "csv", "--lang", "en", "-o", str(agenda)]
        )
        == 0
    )
    assert members.read_bytes() == members_table(ces, "xlsx")
    assert agenda.read_bytes() == agenda_table(ces, "csv", member="aide", lang="en")
    assert agenda.read_bytes().decode("utf-8-sig").startswith("id,title_ko,title_en,date,")


def test_o_without_a_table_format_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["members", "-o", str(tmp_path / "m.txt")]) == 2
    assert "--format csv" in capsys.readouterr().err
    assert not (tmp_path / "m.txt").exists()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(trip=trips(), fmt=st.sampled_from(["csv", "xlsx"]), lang=st.sampled_from(["ko", "en"]))
def test_any_trip_round_trips_through_tables_and_toml(tmp_path_factory, trip, fmt, lang):
    try:
        members, agenda = members_table(trip, fmt, lang=lang), agenda_table(trip, fmt, lang=lang)
    except SeoulcalError:
        assume(False)  # a list item the table cannot carry: refused, not split (tested above)
    folder = tmp_path_factory.mktemp("round-trip")
    (folder / f"members.{fmt}").write_bytes(members)
    (folder / f"agenda.{fmt}").write_bytes(agenda)
    base = folder / "base.toml"
    base.write_text(trip_toml(trip), encoding="utf-8")
    tables = {"members": str(folder / f"members.{fmt}"), "events": str(folder / f"agenda.{fmt}")}
    again = import_trip(base, tables)
    assert every_calendar(again) == every_calendar(trip)


def test_a_text_that_starts_with_an_equals_sign_stays_text_in_xlsx(tmp_path, listed):
    text = LISTED.replace('"서울관 개관식"', '"=1+1 개관식"')
    trip = parse_trip(text)
    (tmp_path / "a.xlsx").write_bytes(agenda_table(trip, "xlsx"))
    (tmp_path / "base.toml").write_text(text, encoding="utf-8")
    again = import_trip(tmp_path / "base.toml", {"events": str(tmp_path / "a.xlsx")})
    assert set(again.events) == set(trip.events)
    assert next(e for e in again.events if e.id == "opening").title.ko == "=1+1 개관식"


@given(st.text())
def test_a_csv_cell_guarded_against_formulas_reads_back_as_its_text(text):
    cell = guard_formula(text)
    assert unguard_formula(cell) == text
    if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        assert re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", cell), cell  # a number, never a formula


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1 개관식", "'=1+1 개관식"),
        ("-PT3H, -P1D", "'-PT3H, -P1D"),
        ("+82 2-120", "'+82 2-120"),
        ("@seoul", "'@seoul"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # a quote of the author's own stays
        ("'x", "'x"),
        ("'", "'"),
        ("", ""),
        ("-115.17", "-115.17"),  # a number is no formula
        ("+5", "+5"),
        ("서울 =1", "서울 =1"),
    ],
)
def test_which_csv_cells_are_guarded(text, cell):
    assert guard_formula(text) == cell
    assert unguard_formula(cell) == text


def test_a_text_that_a_spreadsheet_would_run_is_guarded_in_csv_and_reads_back(tmp_path, listed):
    text = LISTED.replace('"서울관 개관식"', '"=HYPERLINK(\\"https://evil.example\\")"')
    trip = parse_trip(text)
    data = agenda_table(trip, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    titles = {row["아이디"]: row["제목"] for row in rows}
    assert titles["opening"] == '\'=HYPERLINK("https://evil.example")'
    (tmp_path / "a.csv").write_bytes(data)
    (tmp_path / "base.toml").write_text(text, encoding="utf-8")
    again = import_trip(tmp_path / "base.toml", {"events": str(tmp_path / "a.csv")})
    assert every_calendar(again) == every_calendar(trip)
    assert next(e for e in again.events if e.id == "opening").title.ko == (
        '=HYPERLINK("https://evil.example")'
    )


def test_reminders_and_free_time_round_trip_through_a_table(tmp_path):
    text = (
        LISTED.replace('id = "flight"\n', 'id = "flight"\nreminders = ["-PT3H", "-P1D"]\n')
        .replace('id = "lunch"\n', 'id = "lunch"\nreminders = []\n')
        .replace('id = "show"\n', 'id = "show"\nbusy = false\n')
    )
    trip = parse_trip(text)
    data = agenda_table(trip, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    cells = {row["아이디"]: (row["알림"], row["바쁨"]) for row in rows}
    assert cells["flight"] == ("'-PT3H, -P1D", "")  # no formula in a spreadsheet
    assert cells["lunch"] == ("없음", "")
    assert cells["show"] == ("", "아니오")
    (tmp_path / "a.csv").write_bytes(data)
    (tmp_path / "base.toml").write_text(text, encoding="utf-8")
    again = import_trip(tmp_path / "base.toml", {"events": str(tmp_path / "a.csv")})
    assert every_calendar(again) == every_calendar(trip)


def test_a_bad_reminder_is_placed_by_row_and_column(tmp_path):
    events = _event_rows(cells=False)
    events[0].append("알림")
    for line in events[1:]:
        line.append(None)
    events[1][-1] = "-PT30M, 30분 전"
    write_csv(tmp_path / "itinerary.csv", events, "utf-8")
    write_csv(tmp_path / "roster.csv", ROSTER, "utf-8")
    write_csv(tmp_path / "venues.csv", VENUES, "utf-8")
    path = tmp_path / "trip.toml"
    path.write_text(
        HEAD + 'venues = "venues.csv"\nmembers = "roster.csv"\nevents = "itinerary.csv"\n',
        encoding="utf-8",
    )
    with pytest.raises(TripError) as caught:
        load_trip(path)
    assert [p.where for p in caught.value.problems] == ["itinerary.csv, row 2, column 알림"]
