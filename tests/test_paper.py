"""Paper: the printable itinerary, checked as a person sees it (seoulcal.paper).

Each PDF is read back with poppler (pdftotext for the words, pdftoppm for the picture, pdffonts
and pdfinfo for what is embedded) and its QR code is decoded from the rendered page with zxing,
as a phone camera would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

import seoulcal
from seoulcal import cli
from seoulcal.agenda import agenda_rows
from seoulcal.errors import SeoulcalError
from seoulcal.paper import (
    FONT_ENV,
    KoreanFont,
    find_korean_font,
    itinerary_pdf,
    member_pdf,
    require_printing,
)
from seoulcal.publish import build_site
from seoulcal.tripfile import parse_trip

URL = "https://calendar.example.org/ces2024/m/3q2-x_token/"
NANUM = Path("/usr/share/fonts/truetype/nanum")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: Path, *, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    result = subprocess.run(
        ["pdftotext", "-raw", *pages, str(path), "-"], capture_output=True, check=True
    )
    return _flat(result.stdout.decode("utf-8"))


def first_page_png(path: Path, folder: Path, dpi: int = 150) -> Path:
    stem = folder / "page"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "-png", str(path), stem],
        check=True,
    )
    return stem.with_suffix(".png")


def qr_texts(png: Path) -> list[str]:
    with Image.open(png) as image:
        found = zxingcpp.read_barcodes(image)
    return [code.text for code in found if code.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture(scope="module")
def mayor_pdf(ces, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("paper") / "mayor.pdf"
    path.write_bytes(member_pdf(ces, "mayor", lang="ko", page_url=URL))
    return path


def test_the_pdf_shows_the_members_agenda_in_order(ces, mayor_pdf):
    text = pdf_text(mayor_pdf)
    position = 0
    for row in agenda_rows(ces, member="mayor", lang="ko"):
        found = text.find(_flat(row.title), position)
        assert found >= 0, row.title
        assert _flat(row.local) in text
        assert _flat(f"본국 {row.home}") in text
        position = found
    assert "서울시장 CES 2024 출장 (라스베이거스)" in text
    assert "오세훈 서울시장 · 서울특별시장" in text
    assert "기준 2024년 1월 8일(월) 11:15 KST" in text


def test_the_pdf_has_places_with_addresses_approximate_times_and_sources(ces, mayor_pdf):
    text = pdf_text(mayor_pdf)
    assert (
        "장소: 유레카파크 (Tech West, 베네시안 엑스포) · 201 Sands Ave, Las Vegas, NV 89169, 미국"
        in text
    )
    assert "≈ 2024-01-09 (화) 12:00–14:00 PST" in text
    assert "CES 2024 혁신상 수상기업 대표 오찬간담회 (점심 중, 시각 미정)" in text
    assert "2024년 1월 9일(화) 점심 중 (정확한 시각은 정해지지 않음)." in text
    opening = ces.events[2]
    assert opening.source is not None
    assert _flat(f"출처: {opening.source.document} — {opening.source.quote}") in text
    assert (
        "· 해리 리드 국제공항 (LAS) — 5757 Wayne Newton Blvd, Las Vegas, NV 89119, 미국 "
        "(America/Los_Angeles)"
    ) in text


def test_the_qr_code_on_the_rendered_page_opens_the_members_page(mayor_pdf, tmp_path):
    png = first_page_png(mayor_pdf, tmp_path)
    assert qr_texts(png) == [URL]


def test_korean_is_set_in_an_embedded_font(mayor_pdf):
    fonts = subprocess.run(
        ["pdffonts", str(mayor_pdf)], capture_output=True, text=True, check=True
    ).stdout
    lines = fonts.splitlines()[2:]
    assert lines
    for line in lines:
        name, *_ = line.split()
        assert "Nanum" in name
        assert re.search(r"CID TrueType\s+Identity-H\s+yes\s+yes\s+yes", line), line


def test_the_pdf_is_a4_and_its_bytes_do_not_depend_on_the_clock(ces, mayor_pdf):
    info = subprocess.run(
        ["pdfinfo", str(mayor_pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "A4" in info
    assert re.search(r"CreationDate:\s+Mon Jan\s+8 02:15:00 2024 UTC", info)
    assert re.search(r"Pages:\s+2\b", info)
    assert member_pdf(ces, "mayor", lang="ko", page_url=URL) == mayor_pdf.read_bytes()
    assert "1/2 쪽" in pdf_text(mayor_pdf, first=1, last=1)


def test_a_member_gets_their_own_language_and_only_their_events(ces, tmp_path):
    path = tmp_path / "coordinator.pdf"
    path.write_bytes(itinerary_pdf(ces, "local-coordinator", page_url=URL))
    text = pdf_text(path)
    assert "Local coordinator (illustrative) · On-site support in Las Vegas" in text
    rows = agenda_rows(ces, member="local-coordinator", lang="en")
    for row in rows:
        assert _flat(row.title) in text
    assert "Meeting with MLB" not in text  # the core group's, not theirs
    assert "This code is your private address: do not share it." in text


def test_the_whole_trip_prints_without_a_qr_code_when_no_page_is_given(ces, tmp_path):
    path = tmp_path / "trip.pdf"
    path.write_bytes(itinerary_pdf(ces))
    text = pdf_text(path)
    assert "전체 일정" in text
    for row in agenda_rows(ces, lang="ko"):
        assert _flat(row.title) in text
    assert qr_texts(first_page_png(path, tmp_path)) == []


def test_a_member_with_no_events_gets_a_page_that_says_so(tmp_path):
    trip = parse_trip(
        """
id = "empty"
zone = "Asia/Seoul"
home_zone = "Asia/Seoul"
revised = "2024-01-01T00:00:00Z"
name = { ko = "빈 출장", en = "Empty trip" }
organizer = { name = { ko = "서울시", en = "Seoul" } }
[[members]]
id = "kim"
name = { ko = "김", en = "Kim" }
role = { ko = "직원", en = "Staff" }
"""
    )
    path = tmp_path / "kim.pdf"
    path.write_bytes(itinerary_pdf(trip, "kim", page_url=URL))
    assert "일정 없음" in pdf_text(path)


def test_a_character_the_font_lacks_is_refused_not_printed_as_a_box(ces):
    event = ces.events[0]
    odd = event.model_copy(update={"title": event.title.model_copy(update={"ko": "출발 𓀀"})})
    trip = ces.model_copy(update={"events": (odd, *ces.events[1:])})
    with pytest.raises(SeoulcalError, match=r"no glyph for 𓀀 \(U\+13000\)"):
        itinerary_pdf(trip, "mayor")


def test_the_font_is_found_and_may_be_chosen(tmp_path, ces, monkeypatch):
    found = find_korean_font({})
    assert found.regular.is_file()
    monkeypatch.setenv(FONT_ENV, str(NANUM / "NanumMyeongjo.ttf"))
    path = tmp_path / "serif.pdf"
    path.write_bytes(itinerary_pdf(ces, "aide"))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "NanumMyeongjo" in fonts.stdout
    with pytest.raises(SeoulcalError, match="no such font file"):
        find_korean_font({FONT_ENV: str(tmp_path / "missing.ttf")})
    regular = KoreanFont(NANUM / "NanumGothic.ttf")
    assert itinerary_pdf(ces, "aide", font=regular).startswith(b"%PDF-")


def test_print_puts_the_page_that_build_publishes_in_the_qr_code(tmp_path, ces, capsys):
    secret = tmp_path / "secret"
    secret.write_text("a-secret-of-more-than-sixteen-bytes\n", encoding="utf-8")
    base = "https://calendar.example.org/ces2024/"
    report = build_site(ces, tmp_path / "site", base_url=base, secret=secret.read_bytes().strip())
    page = next(site.page_url for site in report.members if site.member_id == "aide")
    out = tmp_path / "aide.pdf"
    argv = ["print", "--member", "aide", "--base-url", base, "--secret-file", str(secret)]
    assert cli.main([*argv, "-o", str(out)]) == 0, capsys.readouterr().err
    assert qr_texts(first_page_png(out, tmp_path)) == [page]
    assert "수행비서 (예시) · 시장 수행" in pdf_text(out)


def test_print_with_a_page_url_and_in_english(tmp_path, capsys):
    out = tmp_path / "mayor.pdf"
    code = cli.main(
        ["print", "--member", "mayor", "--lang", "en", "--page-url", URL, "-o", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    assert "Mayor Oh Se-hoon · Mayor of Seoul" in pdf_text(out)
    assert qr_texts(first_page_png(out, tmp_path)) == [URL]


def test_print_of_an_unknown_member_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert cli.main(["print", "--member", "nobody", "-o", str(out)]) == 2
    assert "no member 'nobody'" in capsys.readouterr().err
    assert not out.exists()


def test_without_the_print_extra_print_names_it_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "fpdf", None)
    out = tmp_path / "x.pdf"
    assert cli.main(["print", "--member", "mayor", "-o", str(out)]) == 2
    assert "pip install 'seoulcal[print]'" in capsys.readouterr().err
    assert not out.exists()


def test_a_build_can_check_before_it_starts_that_printing_works(ces, monkeypatch):
    assert require_printing().regular.is_file()
    assert require_printing(ces).regular.is_file()  # and cuts the font down for the trip
    monkeypatch.setitem(sys.modules, "segno", None)
    with pytest.raises(SeoulcalError, match=r"segno is missing.*seoulcal\[print\]"):
        require_printing()


def test_a_build_with_print_puts_each_members_itinerary_beside_their_page(tmp_path):
    from seoulcal.publish import layout, member_token  # noqa: PLC0415

    trip = seoulcal.ces2024()
    secret = tmp_path / "secret"
    secret.write_text("paper-build-secret-0123456789")
    root = tmp_path / "site"
    argv = ["build", str(root), "--base-url", "https://trips.example.org/ces2024/"]
    assert cli.main([*argv, "--secret-file", str(secret), "--print", "--jobs", "1"]) == 0
    token = member_token(secret.read_bytes().strip(), trip, "mayor")
    pdf = root / "m" / token / "itinerary.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    page = (root / "m" / token / "index.html").read_text("utf-8")
    assert 'href="itinerary.pdf" data-link="printout"' in page
    assert ("Content-Disposition", 'inline; filename="itinerary.pdf"') in layout.headers_for(
        f"m/{token}/itinerary.pdf"
    )
    # Without --print a rebuild drops them (the inputs differ), and the page no longer links one.
    assert cli.main([*argv, "--secret-file", str(secret), "--jobs", "1"]) == 0
    assert not pdf.exists()
    assert "itinerary.pdf" not in (root / "m" / token / "index.html").read_text("utf-8")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes fork: POSIX only")
def test_printouts_made_in_two_processes_are_the_same_files(tmp_path, ces):
    # From two members a process, a build with printouts shares its members out by default.
    secret = b"paper-build-secret-0123456789"
    base = "https://trips.example.org/ces2024/"
    sites = {}
    for jobs in (1, 2):
        root = tmp_path / f"site-{jobs}"
        report = build_site(ces, root, base_url=base, secret=secret, jobs=jobs, printing=True)
        assert report.processes == jobs
        sites[jobs] = {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }
    assert sum(rel.endswith("/itinerary.pdf") for rel in sites[1]) == len(ces.members)
    assert sites[2] == sites[1]
