"""Paper: a printable A4 itinerary (PDF) for the whole delegation or for one member.

The PDF lists the events by day, each with the time at the place and at home (the same words as
``seoulcal agenda``, :func:`seoulcal.agenda.agenda_rows`), the place and its address, approximate
times marked, sources and assumptions in small print, and, when a page address is given, a QR code
that opens the member's own page, so that a printout becomes a subscription.

It is drawn with ``fpdf2`` and the QR code with ``segno`` (the ``print`` extra), in a Korean font
that is embedded (subset) in the file; :func:`find_korean_font` says how it is found. The bytes
are deterministic: the same trip, member, language, address and font give the same file (the
creation date is the trip's ``revised`` time, never the clock).

``docs/paper.md`` is the reference.
"""

from __future__ import annotations

__all__ = [
    "FONT_ENV",
    "KoreanFont",
    "find_korean_font",
    "itinerary_pdf",
    "member_pdf",
    "require_printing",
]

import atexit
import contextlib
import functools
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from seoulcal import wording, zones
from seoulcal.agenda import AgendaRow, agenda_rows
from seoulcal.errors import SeoulcalError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from fpdf import FPDF

    from seoulcal.model import Language, Member, Trip

FONT_ENV = "SEOULCAL_FONT"
"""The environment variable naming a Korean font file (``.ttf``, ``.otf`` or ``.ttc``) to use."""
FONT_BOLD_ENV = "SEOULCAL_FONT_BOLD"
"""The environment variable naming its bold face (optional: the regular face is used if absent)."""

_EXTRA = "pip install 'seoulcal[print]'"


@dataclass(frozen=True, slots=True)
class KoreanFont:
    """A font file with Hangul, and its bold face if one was found."""

    regular: Path
    bold: Path | None = None
    index: int = 0
    """The face's number in a font collection (``.ttc``), 0 for a plain font file."""


# Where Korean fonts are on common systems, best first. Each entry: regular, bold, index.
_KNOWN_FONTS: tuple[tuple[str, str | None, int], ...] = (
    # Debian and Ubuntu: apt install fonts-nanum
    (
        "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
        "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf",
        0,
    ),
    ("/usr/share/fonts/nanum/NanumGothic.ttf", "/usr/share/fonts/nanum/NanumGothicBold.ttf", 0),
    # macOS with Nanum installed, and Windows' Malgun Gothic
    ("/Library/Fonts/NanumGothic.ttf", "/Library/Fonts/NanumGothicBold.ttf", 0),
    ("~/Library/Fonts/NanumGothic.ttf", "~/Library/Fonts/NanumGothicBold.ttf", 0),
    ("%WINDIR%/Fonts/malgun.ttf", "%WINDIR%/Fonts/malgunbd.ttf", 0),
    # fonts installed for one user on Linux
    ("~/.local/share/fonts/NanumGothic.ttf", "~/.local/share/fonts/NanumGothicBold.ttf", 0),
    ("~/.fonts/NanumGothic.ttf", "~/.fonts/NanumGothicBold.ttf", 0),
)


def _expand(path: str, environ: Mapping[str, str]) -> Path:
    windir = environ.get("WINDIR", "C:/Windows")
    return Path(path.replace("%WINDIR%", windir)).expanduser()


def find_korean_font(environ: Mapping[str, str] | None = None) -> KoreanFont:
    """Find a font with Hangul to set the itinerary in.

    In this order: the file named by ``$SEOULCAL_FONT`` (and ``$SEOULCAL_FONT_BOLD``); Nanum Gothic
    where Debian's ``fonts-nanum``, macOS or a user's font folder put it; Windows' Malgun Gothic;
    then the first TrueType font fontconfig (``fc-list :lang=ko``) knows with Korean. Raises
    :class:`SeoulcalError` saying how to install one when there is none.
    """
    env = os.environ if environ is None else environ
    named = env.get(FONT_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SeoulcalError(f"${FONT_ENV}={named}: no such font file; give a .ttf or .otf file")
        bold_name = env.get(FONT_BOLD_ENV, "").strip()
        bold = Path(bold_name).expanduser() if bold_name else None
        if bold is not None and not bold.is_file():
            raise SeoulcalError(f"${FONT_BOLD_ENV}={bold_name}: no such font file")
        return KoreanFont(path, bold)
    for regular, bold_path, index in _KNOWN_FONTS:
        path = _expand(regular, env)
        if path.is_file():
            bold = _expand(bold_path, env) if bold_path else None
            return KoreanFont(path, bold if bold is not None and bold.is_file() else None, index)
    found = _fontconfig_font()
    if found is not None:
        return found
    raise SeoulcalError(
        "no Korean font found to print with; install Nanum Gothic (Debian and Ubuntu: "
        "apt install fonts-nanum; elsewhere from https://hangeul.naver.com/font), or set "
        f"${FONT_ENV} to a .ttf file that has Hangul"
    )


def _fontconfig_font() -> KoreanFont | None:
    tool = shutil.which("fc-list")
    if tool is None:
        return None
    try:
        listed = subprocess.run(  # noqa: S603 - a fixed command found on PATH
            [tool, ":lang=ko", "file"], capture_output=True, text=True, check=False, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(
        line.strip().rstrip(":") for line in listed.splitlines() if line.strip().endswith(".ttf:")
    )
    return KoreanFont(Path(files[0])) if files else None


# --- the document --------------------------------------------------------------------------------


_MARGIN = 15.0
_LEFT_WIDTH = 62.0
_GAP = 4.0
_QR_SIZE = 32.0
_INK = (0, 0, 0)
_GREY = (90, 90, 90)
_RULE = (190, 190, 190)


def _say(key: str, lang: Language, **values: str) -> str:
    return wording.sheet_text(key, lang, **values)


def _modules() -> tuple[Any, Any]:
    try:
        import fpdf  # noqa: PLC0415 - an optional dependency, loaded only to print
        import segno  # noqa: PLC0415 - same as above
    except ImportError as error:
        raise SeoulcalError(
            f"printing needs the 'print' extra ({error.name} is missing); install it with {_EXTRA}"
        ) from None
    return fpdf, segno


def require_printing(
    trip: Trip | None = None, environ: Mapping[str, str] | None = None
) -> KoreanFont:
    """Check that PDFs can be printed here: the ``print`` extra and a Korean font.

    Returns the font :func:`itinerary_pdf` will use; raises :class:`SeoulcalError` saying what to
    install. A build that prints calls it before it writes anything. With *trip*, the font is also
    cut down to the trip's characters now, so that forked workers inherit it ready.
    """
    _modules()
    font = find_korean_font(environ)
    if trip is not None:
        chars = _trip_characters(trip, None)
        with _quiet_fonttools():
            _FONTS.subset(font.regular, font.index, chars)
            if font.bold is not None:
                _FONTS.subset(font.bold, 0, chars)
    return font


@contextlib.contextmanager
def _quiet_fonttools() -> Iterator[None]:
    """Silence fontTools' subsetting notes ("TSI0 NOT subset"): they are not the user's."""
    quiet = logging.getLogger("fontTools")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        yield
    finally:
        quiet.setLevel(level)


def itinerary_pdf(
    trip: Trip,
    member: Member | str | None = None,
    *,
    lang: Language | None = None,
    page_url: str | None = None,
    font: KoreanFont | None = None,
) -> bytes:
    """Return the printable itinerary of *trip* (or of one *member*) as PDF bytes (A4).

    *lang* defaults to the member's language (Korean for the whole trip). *page_url*, when given,
    is printed as a QR code: the member's own page (a private address: print it only on their
    sheet) or the public page. *font* defaults to :func:`find_korean_font`.
    """
    _modules()
    who = trip.member(member) if isinstance(member, str) else member
    language: Language = lang or (who.language if who else "ko")
    chosen = font or find_korean_font()
    rows = agenda_rows(trip, member=who, lang=language)
    _check_glyphs(chosen, _texts(trip, rows, language, who))
    chars = _trip_characters(trip, who)
    with _quiet_fonttools():
        regular = _FONTS.subset(chosen.regular, chosen.index, chars)
        bold = _FONTS.subset(chosen.bold, 0, chars) if chosen.bold else regular
        pdf = _document(trip, who, language, KoreanFont(regular, bold))
        _head(pdf, trip, who, language, page_url)
        _days(pdf, trip, rows, language)
        _places(pdf, trip, rows, language)
        return bytes(pdf.output())


def member_pdf(trip: Trip, member: Member | str, *, lang: Language, page_url: str) -> bytes:
    """Return *member*'s printable itinerary in *lang*, with a QR code of *page_url*.

    This is what ``seoulcal build`` puts beside each member's page (see ``docs/paper.md``).
    Raises :class:`SeoulcalError` when the ``print`` extra or a Korean font is missing.
    """
    return itinerary_pdf(trip, member, lang=lang, page_url=page_url)


def _document(trip: Trip, who: Member | None, lang: Language, font: KoreanFont) -> FPDF:
    from fpdf import FPDF  # noqa: PLC0415 - an optional dependency (checked by _modules)

    home = zones.zone(trip.home_zone).key

    class Paper(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("korean", "", 7.5)
            self.set_text_color(*_GREY)
            name = trip.name.pick(lang) + (f" · {who.name.pick(lang)}" if who else "")
            count = f"{self.page_no()}/{{nb}}"
            number = wording.sheet_text("page", lang, count=count)
            self.cell(0, 5, f"{name}   {number}", align="C")

    pdf = Paper(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("korean", "", str(font.regular), collection_font_number=font.index)
    bold = font.bold or font.regular
    pdf.add_font(
        "korean", "B", str(bold), collection_font_number=font.index if not font.bold else 0
    )
    pdf.set_creation_date(trip.revised)
    pdf.set_lang(lang)
    title = trip.name.pick(lang) + (f" · {who.name.pick(lang)}" if who else "")
    pdf.set_title(title)
    pdf.set_subject(_say("zones", lang, home=home))
    pdf.set_creator("seoulcal")
    pdf.set_author(trip.organizer.name.pick(lang))
    pdf.add_page()
    return pdf


def _revised_text(trip: Trip, lang: Language) -> str:
    moment = trip.revised.astimezone(zones.zone(trip.home_zone))
    return f"{_say('revised', lang)} {wording.day_text(moment.date(), lang)} {moment:%H:%M %Z}"


def _head(
    pdf: FPDF,
    trip: Trip,
    who: Member | None,
    lang: Language,
    page_url: str | None,
) -> None:
    text_width = pdf.epw - (_QR_SIZE + _GAP if page_url else 0)
    top = pdf.get_y()
    pdf.set_text_color(*_INK)
    pdf.set_font("korean", "B", 16)
    pdf.multi_cell(text_width, 7.5, trip.name.pick(lang), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("korean", "B", 12)
    if who is not None:
        line = f"{who.name.pick(lang)} · {who.role.pick(lang)}"
    else:
        line = _say("whole_trip", lang)
    pdf.multi_cell(text_width, 6.5, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("korean", "", 8.5)
    pdf.set_text_color(*_GREY)
    home = zones.zone(trip.home_zone).key
    pdf.multi_cell(
        text_width, 4.5, _revised_text(trip, lang), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.multi_cell(
        text_width, 4.5, _say("zones", lang, home=home), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    bottom = pdf.get_y()
    if page_url:
        left = pdf.w - _MARGIN - _QR_SIZE
        _qr(pdf, page_url, (left, top, _QR_SIZE))
        pdf.set_xy(left - 6, top + _QR_SIZE + 1)
        pdf.set_font("korean", "", 6.5)
        pdf.set_text_color(*_GREY)
        words = _say("scan", lang) if who else _say("public", lang)
        if who is not None:
            words += " " + _say("private", lang)
        pdf.multi_cell(_QR_SIZE + 6, 3.2, words, align="C", new_x="LMARGIN", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_y(bottom + 3)
    _rule(pdf)


def _qr(pdf: FPDF, url: str, box: tuple[float, float, float]) -> None:
    """Draw *url* as a QR code (vector squares, quiet zone included) in *box* (left, top, size)."""
    _, segno = _modules()
    left, top, size = box
    code = segno.make_qr(url, error="m")  # never a Micro QR: phone cameras do not read those
    matrix = [list(row) for row in code.matrix_iter(border=4)]
    module = size / len(matrix)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(left, top, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            run = x
            while run < len(row) and row[run]:
                run += 1
            pdf.rect(left + x * module, top + y * module, (run - x) * module, module, style="F")
            x = run


def _rule(pdf: FPDF) -> None:
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.line(_MARGIN, pdf.get_y(), pdf.w - _MARGIN, pdf.get_y())
    pdf.ln(2)


@dataclass(frozen=True, slots=True)
class _Part:
    text: str
    size: float
    bold: bool = False
    grey: bool = False


def _event_parts(trip: Trip, row: AgendaRow, lang: Language) -> tuple[list[_Part], list[_Part]]:
    event = row.event
    left = [
        _Part(row.local, 9.5, bold=True),
        _Part(f"{wording.label('home', lang)} {row.home}", 8.5, grey=True),
    ]
    right = [_Part(row.title, 10.5, bold=True)]
    venue = trip.venue_of(event)
    if venue is not None:
        place = f"{wording.label('place', lang)}: {venue.name.pick(lang)}"
        if venue.address is not None:
            place += f" · {venue.address.pick(lang)}"
        right.append(_Part(place, 8.5))
    if row.timing.approximate is not None:
        right.append(_Part(wording.approximate_note(row.timing, lang), 8, grey=True))
    if event.source is not None:
        source = event.source
        right.append(
            _Part(
                f"{wording.label('source', lang)}: {source.document} — {source.quote}",
                6.5,
                grey=True,
            )
        )
    right.extend(
        _Part(f"{wording.label('assumed', lang)}: {assumption.pick(lang)}", 6.5, grey=True)
        for assumption in event.assumptions
    )
    return left, right


def _height(pdf: FPDF, parts: Iterable[_Part], width: float) -> float:
    total = 0.0
    for part in parts:
        pdf.set_font("korean", "B" if part.bold else "", part.size)
        lines = pdf.multi_cell(
            width, part.size * 0.45, part.text, align="L", dry_run=True, output="LINES"
        )
        lines = cast("list[str]", lines)
        total += len(lines) * part.size * 0.45 + 0.6
    return total


def _write(pdf: FPDF, parts: Iterable[_Part], x: float, width: float) -> float:
    for part in parts:
        pdf.set_x(x)
        pdf.set_font("korean", "B" if part.bold else "", part.size)
        pdf.set_text_color(*(_GREY if part.grey else _INK))
        pdf.multi_cell(width, part.size * 0.45, part.text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.6)
    return float(pdf.get_y())


def _fits(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > pdf.page_break_trigger and pdf.get_y() > _MARGIN + 30:
        pdf.add_page()


def _day_of(row: AgendaRow) -> date:
    start = row.timing.start
    if isinstance(start, datetime):
        return start.astimezone(row.timing.zone).date()
    return start


def _days(pdf: FPDF, trip: Trip, rows: list[AgendaRow], lang: Language) -> None:
    right_x = _MARGIN + _LEFT_WIDTH + _GAP
    right_width = pdf.w - _MARGIN - right_x
    if not rows:
        pdf.set_font("korean", "", 11)
        pdf.cell(0, 8, _say("no_events", lang), new_x="LMARGIN", new_y="NEXT")
        return
    current: date | None = None
    for row in rows:
        left, right = _event_parts(trip, row, lang)
        height = max(_height(pdf, left, _LEFT_WIDTH), _height(pdf, right, right_width)) + 3
        day = _day_of(row)
        if day != current:
            _fits(pdf, height + 10)
            pdf.ln(1)
            pdf.set_font("korean", "B", 12)
            pdf.set_text_color(*_INK)
            pdf.cell(0, 7, wording.day_text(day, lang), new_x="LMARGIN", new_y="NEXT")
            _rule(pdf)
            current = day
        else:
            _fits(pdf, height)
        top = pdf.get_y()
        page = pdf.page_no()
        pdf.set_xy(_MARGIN, top)
        below_left = _write(pdf, left, _MARGIN, _LEFT_WIDTH)
        pdf.page = page
        pdf.set_xy(right_x, top)
        below_right = _write(pdf, right, right_x, right_width)
        pdf.set_y(max(below_left, below_right) + 2.5)
    if any(row.approximate for row in rows):
        pdf.ln(2)
        pdf.set_font("korean", "", 8)
        pdf.set_text_color(*_GREY)
        pdf.multi_cell(0, 4, _say("approximate", lang), align="L", new_x="LMARGIN", new_y="NEXT")


def _places(pdf: FPDF, trip: Trip, rows: list[AgendaRow], lang: Language) -> None:
    seen: dict[str, str] = {}
    for row in rows:
        venue = trip.venue_of(row.event)
        if venue is None or venue.id in seen:
            continue
        line = venue.name.pick(lang)
        if venue.address is not None:
            line += f" — {venue.address.pick(lang)}"
        seen[venue.id] = f"{line} ({venue.zone})"
    if not seen:
        return
    _fits(pdf, 20)
    pdf.ln(3)
    pdf.set_font("korean", "B", 12)
    pdf.set_text_color(*_INK)
    pdf.cell(0, 7, _say("places", lang), new_x="LMARGIN", new_y="NEXT")
    _rule(pdf)
    pdf.set_font("korean", "", 8.5)
    for line in seen.values():
        pdf.multi_cell(0, 4.5, f"· {line}", align="L", new_x="LMARGIN", new_y="NEXT")


def _texts(trip: Trip, rows: list[AgendaRow], lang: Language, who: Member | None) -> list[str]:
    """Return every text a sheet of *rows* prints."""
    texts = [trip.name.pick(lang), _revised_text(trip, lang), "0123456789/"]
    texts.extend(wording.sheet_texts(lang))
    if who is not None:
        texts += [who.name.pick(lang), who.role.pick(lang)]
    for row in rows:
        left, right = _event_parts(trip, row, lang)
        texts.extend(part.text for part in (*left, *right))
        venue = trip.venue_of(row.event)
        if venue is not None:
            texts.append(venue.zone)
    return texts


def _trip_characters(trip: Trip, who: Member | None) -> frozenset[str]:
    """Return every character any sheet of *trip* (in either language) may print.

    The embedded font is cut down to these once per trip, so that each member's sheet loads a
    small font; a sheet's bytes do not depend on which other sheets were printed before it.
    """
    chars: set[str] = set()
    members = (*trip.members, *((who,) if who is not None else ()))
    for lang in ("ko", "en"):
        rows = agenda_rows(trip, lang=lang)
        for text in _texts(trip, rows, lang, None):
            chars.update(text)
        for member in members:
            chars.update(member.name.pick(lang) + member.role.pick(lang))
    return frozenset(char for char in chars if char.isprintable())


@functools.cache
def _character_map(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # noqa: PLC0415 - comes with fpdf2, loaded only to print

    with TTFont(str(path), fontNumber=index, lazy=True) as face:
        return frozenset(face.getBestCmap())


def _check_glyphs(font: KoreanFont, texts: list[str]) -> None:
    """Refuse to print characters the font lacks: they would print as empty boxes (tofu)."""
    missing: set[str] = set()
    for path in {font.regular, font.bold or font.regular}:
        cmap = _character_map(path, font.index)
        missing |= {
            char
            for text in texts
            for char in text
            if char.isprintable() and char != " " and ord(char) not in cmap
        }
    if missing:
        shown = " ".join(f"{char} (U+{ord(char):04X})" for char in sorted(missing))
        raise SeoulcalError(
            f"the font {font.regular} has no glyph for {shown}, which would print as empty "
            f"boxes; set ${FONT_ENV} to a font that has them, or change the text"
        )


class _FontCache:
    """Fonts cut down to a trip's characters, in a temporary folder removed at exit."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.owner = 0
        self.files: dict[tuple[Path, int, frozenset[str]], Path] = {}

    def subset(self, path: Path, index: int, chars: frozenset[str]) -> Path:
        key = (path, index, chars)
        found = self.files.get(key)
        if found is not None and found.is_file():
            return found
        from fontTools import subset  # noqa: PLC0415 - comes with fpdf2, loaded only to print
        from fontTools.ttLib import TTFont  # noqa: PLC0415 - same as above

        if self.folder is None or not self.folder.is_dir():
            self.folder = Path(tempfile.mkdtemp(prefix="seoulcal-fonts-"))
            self.owner = os.getpid()
            atexit.register(self.remove)
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.recalc_timestamp = False
        with TTFont(str(path), fontNumber=index, recalcTimestamp=False) as face:
            cutter = subset.Subsetter(options)
            cutter.populate(unicodes=sorted(ord(char) for char in chars))
            cutter.subset(face)
            target = self.folder / f"{len(self.files)}-{path.stem}.ttf"
            face.save(str(target))
        self.files[key] = target
        return target

    def remove(self) -> None:
        if self.folder is not None and os.getpid() == self.owner:  # not in a forked worker
            shutil.rmtree(self.folder, ignore_errors=True)


_FONTS = _FontCache()
