"""A strict, independent reader of iCalendar bytes and the client rules of clients.md.

It does not use the ``icalendar`` package that wrote the files: it splits, unfolds and parses
content lines itself, so the checks do not share the writer's mistakes. :func:`violations` returns
every broken rule as ``"R-ID: what"`` strings; an empty list means the file passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import available_timezones

TEXT_PROPERTIES = {
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "NAME",
    "X-WR-CALNAME",
    "X-WR-CALDESC",
    "CATEGORIES",
    "COMMENT",
}
_TEXT_VALUE = re.compile(r"^(?:[^\\;,\r\n]|\\[\\;,nN])*$")
_CATEGORIES_VALUE = re.compile(r"^(?:[^\\;\r\n]|\\[\\;,nN])*$")  # unescaped commas separate items
_NAME = re.compile(r"^[A-Za-z0-9-]+")
_DENIED_TZIDS = {"GMT", "UTC", "EST", "PST", "CST", "MST", "EDT", "PDT", "KST"}


@dataclass
class Line:
    """One unfolded content line."""

    name: str
    params: dict[str, list[str]]
    value: str
    quoted: dict[str, list[bool]] = field(default_factory=dict)


@dataclass
class Component:
    """A BEGIN/END block with its lines and children."""

    name: str
    lines: list[Line] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def all(self, name: str) -> list[Line]:
        return [line for line in self.lines if line.name == name]

    def one(self, name: str) -> Line:
        found = self.all(name)
        assert len(found) == 1, f"{self.name} has {len(found)} {name}"
        return found[0]

    def walk(self, name: str) -> list[Component]:
        found = [self] if self.name == name else []
        for child in self.children:
            found.extend(child.walk(name))
        return found


def physical_lines(data: bytes) -> list[bytes]:
    """Split on CRLF; the file must end with CRLF."""
    assert data.endswith(b"\r\n"), "file does not end with CRLF"
    return data[:-2].split(b"\r\n")


def unfold(data: bytes) -> list[str]:
    """Unfold continuation lines (CRLF + one space or tab) and decode as UTF-8."""
    return data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode("utf-8").split("\r\n")[:-1]


def parse_line(text: str) -> Line:
    """Parse ``NAME;P=V;Q="x,y":value`` strictly (RFC 5545 §3.1 grammar)."""
    match = _NAME.match(text)
    assert match, f"bad name in {text!r}"
    name = match.group(0).upper()
    rest = text[match.end() :]
    params: dict[str, list[str]] = {}
    quoted: dict[str, list[bool]] = {}
    while rest.startswith(";"):
        key_match = _NAME.match(rest[1:])
        assert key_match, f"bad parameter in {text!r}"
        key = key_match.group(0).upper()
        rest = rest[1 + key_match.end() :]
        assert rest.startswith("="), f"parameter without '=' in {text!r}"
        rest = rest[1:]
        values: list[str] = []
        flags: list[bool] = []
        while True:
            if rest.startswith('"'):
                end = rest.index('"', 1)
                values.append(rest[1:end])
                flags.append(True)
                rest = rest[end + 1 :]
            else:
                stop = re.search(r"[;:,]", rest)
                assert stop, f"unterminated parameter in {text!r}"
                values.append(rest[: stop.start()])
                flags.append(False)
                rest = rest[stop.start() :]
            if rest.startswith(","):
                rest = rest[1:]
                continue
            break
        params[key] = values
        quoted[key] = flags
    assert rest.startswith(":"), f"no ':' after parameters in {text!r}"
    return Line(name, params, rest[1:], quoted)


def parse(data: bytes) -> Component:
    """Parse a whole stream into its (single) top-level component."""
    stack: list[Component] = []
    root: Component | None = None
    for text in unfold(data):
        line = parse_line(text)
        if line.name == "BEGIN":
            component = Component(line.value.upper())
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "more than one top-level component"
                root = component
            stack.append(component)
        elif line.name == "END":
            assert stack, f"END:{line.value} without BEGIN"
            assert stack[-1].name == line.value.upper(), f"unbalanced END:{line.value}"
            stack.pop()
        else:
            assert stack, f"content outside a component: {text!r}"
            stack[-1].lines.append(line)
    assert root is not None, "no component"
    assert not stack, "unbalanced BEGIN/END"
    return root


def param_text(value: str) -> str:
    """Undo RFC 6868 parameter encoding (^' ^n ^^)."""
    return re.sub(r"\^(['n^])", lambda m: {"'": '"', "n": "\n", "^": "^"}[m.group(1)], value)


def unescape(value: str) -> str:
    """Undo TEXT escaping."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def violations(data: bytes, *, feed: bool = True) -> list[str]:  # noqa: C901, PLR0912, PLR0915
    """Return every client rule *data* breaks (empty if none)."""
    found: list[str] = []

    def need(condition: object, rule: str) -> None:
        if not condition:
            found.append(rule)

    # R-FMT-01/02/03: bytes, line ends, encoding, folding.
    need(not data.startswith(b"\xef\xbb\xbf"), "R-FMT-02: BOM")
    need(data.startswith(b"BEGIN:VCALENDAR\r\n"), "R-FMT-02: first line is not BEGIN:VCALENDAR")
    need(data.endswith(b"\r\n"), "R-FMT-01: no final CRLF")
    need(data.replace(b"\r\n", b"").count(b"\n") == 0, "R-FMT-01: bare LF")
    need(data.replace(b"\r\n", b"").count(b"\r") == 0, "R-FMT-01: bare CR")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        found.append(f"R-FMT-02: not UTF-8 ({error})")
        return found
    for raw in physical_lines(data):
        need(len(raw) <= 75, f"R-FMT-03: line of {len(raw)} octets: {raw[:40]!r}")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            found.append(f"R-FMT-03: fold inside a UTF-8 sequence: {raw[:40]!r}")
    need(data.count(b"BEGIN:VCALENDAR") == 1, "R-FMT-08: not exactly one VCALENDAR")
    root = parse(data)
    need(root.name == "VCALENDAR", "R-FMT-07: top component is not VCALENDAR")

    # R-FMT-04/05/06: escaping and parameters.
    for component in [root, *root.walk("VEVENT"), *root.walk("VTIMEZONE")]:
        for line in component.lines:
            if line.name == "CATEGORIES":
                need(_CATEGORIES_VALUE.match(line.value), f"R-FMT-04: bad escaping in {line.name}")
            elif line.name in TEXT_PROPERTIES:
                need(_TEXT_VALUE.match(line.value), f"R-FMT-04: bad escaping in {line.name}")
            for key, values in line.params.items():
                for value, was_quoted in zip(values, line.quoted[key], strict=True):
                    need('"' not in value and "\n" not in value, f"R-FMT-06: quote in {key}")
                    if re.search(r"[:;,]", value):
                        need(was_quoted, f"R-FMT-06: {line.name};{key} needs quoting")

    # R-FMT-07 and R-CAL-*: calendar properties.
    for name in ("VERSION", "PRODID"):
        need(len(root.all(name)) == 1, f"R-FMT-07: {name} count")
    need([line.value for line in root.all("VERSION")] == ["2.0"], "R-FMT-07: VERSION is not 2.0")
    methods = [line.value for line in root.all("METHOD")]
    need(methods in ([], ["PUBLISH"]), f"R-CAL-01: METHOD {methods}")
    need(b"\r\nATTENDEE" not in data, "R-CAL-01: ATTENDEE in a PUBLISH calendar")
    tzids_used: set[str] = set()
    for event in root.walk("VEVENT"):
        for line in event.lines:
            tzids_used.update(line.params.get("TZID", []))
    vtimezones = {component.one("TZID").value for component in root.walk("VTIMEZONE")}
    if feed:
        names = [unescape(line.value) for line in root.all("X-WR-CALNAME")]
        need(len(names) == 1, "R-CAL-02: X-WR-CALNAME count")
        need(
            names and [unescape(line.value) for line in root.all("NAME")] == names,
            "R-CAL-02: NAME differs from X-WR-CALNAME",
        )
        need(
            names and len(names[0].encode("utf-16-le")) // 2 <= 255 and "\n" not in names[0],
            "R-CAL-02: calendar name too long or multi-line",
        )
        refresh = root.all("REFRESH-INTERVAL")
        ttl = root.all("X-PUBLISHED-TTL")
        need(
            len(refresh) == 1 and refresh[0].params.get("VALUE") == ["DURATION"],
            "R-CAL-03: REFRESH-INTERVAL;VALUE=DURATION",
        )
        need(
            len(ttl) == 1 and refresh and ttl[0].value == refresh[0].value,
            "R-CAL-03: X-PUBLISHED-TTL differs",
        )
        zone = [line.value for line in root.all("X-WR-TIMEZONE")]
        need(len(zone) == 1 and zone[0] in vtimezones, "R-CAL-04: X-WR-TIMEZONE has no VTIMEZONE")
    else:
        for name in ("X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
            need(not root.all(name), f"R-CAL-02/03: {name} in a one-event file")

    # R-TZ-02/03/04: zones.
    need(tzids_used <= vtimezones, f"R-TZ-02: TZIDs without VTIMEZONE: {tzids_used - vtimezones}")
    for tzid in tzids_used | vtimezones:
        need(
            tzid in available_timezones()
            and tzid not in _DENIED_TZIDS
            and not tzid.startswith(("Etc/", "/")),
            f"R-TZ-03: TZID {tzid!r}",
        )
    for zone_component in root.walk("VTIMEZONE"):
        need(zone_component.children, "R-TZ-04: empty VTIMEZONE")
        for part in zone_component.children:
            need(part.name in {"STANDARD", "DAYLIGHT"}, f"R-TZ-04: {part.name} in VTIMEZONE")
            need(not part.all("RDATE"), "R-TZ-04: RDATE in VTIMEZONE")
            for name in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO"):
                need(len(part.all(name)) == 1, f"R-TZ-04: {name} count in {part.name}")

    # Events.
    uids: list[str] = []
    for event in root.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART"):
            need(len(event.all(name)) == 1, f"R-FMT-07: {name} count")
        need(len(event.all("DTEND")) + len(event.all("DURATION")) <= 1, "R-FMT-07: DTEND+DURATION")
        for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "GEO", "SEQUENCE", "STATUS"):
            need(len(event.all(name)) <= 1, f"R-FMT-07: {name} repeated")
        uid = event.one("UID").value
        uids.append(uid)
        need(
            re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uid),
            f"R-UID-02: UID {uid!r} is not a UUID",
        )
        for name in ("DTSTAMP", "LAST-MODIFIED", "CREATED"):
            for line in event.all(name):
                need(re.fullmatch(r"\d{8}T\d{6}Z", line.value), f"R-TZ-01: {name} not UTC")
        start, end = event.one("DTSTART"), event.all("DTEND")
        date_valued = start.params.get("VALUE") == ["DATE"]
        for line in [start, *end]:
            if date_valued:
                need(
                    line.params.get("VALUE") == ["DATE"]
                    and "TZID" not in line.params
                    and re.fullmatch(r"\d{8}", line.value),
                    "R-AD-01: all-day value",
                )
            else:
                need(
                    re.fullmatch(r"\d{8}T\d{6}Z", line.value)
                    or ("TZID" in line.params and re.fullmatch(r"\d{8}T\d{6}", line.value)),
                    f"R-TZ-01: floating {line.name} {line.value}",
                )
        if date_valued:
            need(end and end[0].value > start.value, "R-AD-01: all-day DTEND not after DTSTART")
            flag = event.all("X-MICROSOFT-CDO-ALLDAYEVENT")
            need(all(line.value == "TRUE" for line in flag), "R-AD-02: flag disagrees")
        else:
            need(
                all(line.value != "TRUE" for line in event.all("X-MICROSOFT-CDO-ALLDAYEVENT")),
                "R-AD-02: all-day flag on a timed event",
            )
        summary = event.all("SUMMARY")
        need(len(summary) == 1, "R-TXT-01: SUMMARY count")
        if summary:
            text = unescape(summary[0].value)
            need(
                "\n" not in text and len(text.encode("utf-16-le")) // 2 <= 255,
                "R-TXT-01: SUMMARY multi-line or too long",
            )
        languages = {
            tuple(line.params.get("LANGUAGE", []))
            for name in ("SUMMARY", "DESCRIPTION", "LOCATION")
            for line in event.all(name)
        }
        need(len(languages) <= 1, f"R-TXT-02: LANGUAGE differs: {languages}")
        for line in event.all("GEO"):
            need(
                re.fullmatch(r"-?\d{1,2}(\.\d+)?;-?\d{1,3}(\.\d+)?", line.value),
                f"R-TXT-04: GEO {line.value}",
            )
        for line in event.all("X-APPLE-STRUCTURED-LOCATION"):
            need(
                line.value.startswith("geo:")
                and "\\" not in line.value
                and line.params.get("VALUE") == ["URI"],
                "R-TXT-04: structured location",
            )
            title = param_text(line.params.get("X-TITLE", [""])[0])
            location = [unescape(loc.value) for loc in event.all("LOCATION")]
            need(location == [title], "R-TXT-04: X-TITLE differs from LOCATION")
        for alarm in event.walk("VALARM"):  # R-TXT-05 and field notes 1.1: Outlook's rules
            need(
                [line.value for line in alarm.all("ACTION")] == ["DISPLAY"],
                "R-TXT-05: a VALARM that is not one DISPLAY",
            )
            need(len(alarm.all("DESCRIPTION")) == 1, "R-TXT-05: a DISPLAY VALARM without text")
            triggers = alarm.all("TRIGGER")
            need(
                len(triggers) == 1 and re.fullmatch(r"-P[0-9WDTHMS]+|P(T0S|0D)", triggers[0].value),
                "R-TXT-05: a VALARM after the start (Outlook refuses it)",
            )

    need(len(uids) == len(set(uids)), "R-UID-01: duplicate UID")
    return found
