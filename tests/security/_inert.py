"""Checkers for ``test_user_text_is_inert``: does user text stay text in each kind of output?

Each ``*_problems`` function returns a list of problems (empty when the output is fine), so one
test can report every output where a payload became live, not just the first.
"""

import io
import re
import zipfile
from html.parser import HTMLParser

# A cell whose text begins with one of these can be taken for a formula by a spreadsheet
# (OWASP's CSV-injection list, and the full-width forms).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}
# RFC 5545's CONTROL characters: not allowed in a text value (except the tab).
ICS_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class ParsedHtml(HTMLParser):
    """Elements, attribute values, text and script bodies of an HTML document (stdlib parser)."""

    def __init__(self, content: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []
        self.scripts: list[str] = []
        self._raw: str | None = None
        self.feed(content)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag in ("script", "style"):
            self._raw = tag

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        (self.scripts if self._raw else self.texts).append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    @property
    def attribute_values(self) -> list[str]:
        return [value for _tag, attrs in self.elements for _name, value in attrs if value]


def html_problems(content: str, *, payloads, expected: list[str]) -> list[str]:
    """Problems in an HTML page, fragment or e-mail: anything the payload made live, and every
    expected text that does not show (escaped) as text or as an attribute value."""
    page = ParsedHtml(content)
    problems = []
    for tag, attrs in page.elements:
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag}> has an event handler attribute {name}={value!r}")
            if name in URL_ATTRIBUTES and value:
                scheme = re.sub(r"[\x00-\x20]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                    problems.append(f"<{tag} {name}={value!r}> runs script")
        if tag == "img" and dict(attrs).get("src") == "x":
            problems.append("an <img src=x> element came from user text")
    for body in page.scripts:
        if "alert(" in body:
            problems.append(f"a <script> element holds user text: {body[:80]!r}")
    for payload in payloads:
        if any(ch in payload for ch in "<>\"'&") and payload in content:
            problems.append(f"the payload stands unescaped in the markup: {payload[:60]!r}")
    shown = page.text + "\n" + "\n".join(page.attribute_values)
    for text in expected:
        if text not in shown:
            problems.append(f"expected text is not shown: {text[:80]!r}")
    return problems


def excel_problems(data: bytes, *, expected: list[str]) -> list[str]:
    """Problems in an .xlsx file: any formula; any text cell that is not of the string type or
    that begins like a formula without Excel's quote-prefix flag; expected texts missing."""
    from openpyxl import load_workbook

    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                if re.search(rb"<(?:\w+:)?f[ >/]", xml):
                    problems.append(f"{name} holds a formula element")
    workbook = load_workbook(io.BytesIO(data))
    values = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f":
                    problems.append(f"{sheet.title}!{cell.coordinate} is a formula: {value!r}")
                if not isinstance(value, str):
                    continue
                values.add(value)
                if cell.data_type != "s":
                    problems.append(f"{sheet.title}!{cell.coordinate} has type {cell.data_type}")
                if value.startswith(FORMULA_STARTS) and not cell.quotePrefix:
                    problems.append(
                        f"{sheet.title}!{cell.coordinate} begins like a formula without the "
                        f"quote prefix: {value[:40]!r}"
                    )
    for text in expected:
        if text not in values:
            problems.append(f"no cell holds exactly {text[:80]!r}")
    return problems


ICS_EVENT_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "SEQUENCE",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "URL",
    "STATUS",
}


def ics_problems(data: bytes, *, summary: str | None, location: str | None) -> list[str]:
    """Problems in an .ics file: it must parse, its events must hold only the properties the
    portal writes and no sub-components (an injected VALARM), and the meeting's title and place
    must come back as exactly the text typed."""
    from icalendar import Calendar

    problems = []
    try:
        calendar = Calendar.from_ical(data)
    except Exception as exc:  # noqa: BLE001 - any failure to parse is the finding
        return [f"the calendar does not parse: {exc}"]
    events = list(calendar.walk("VEVENT"))
    if not events:
        problems.append("the calendar has no event")
    if list(calendar.walk("VALARM")):
        problems.append("the calendar has an alarm")
    summaries, locations = [], []
    for event in events:
        extra = set(event.keys()) - ICS_EVENT_PROPERTIES
        if extra:
            problems.append(f"an event has properties the portal never writes: {sorted(extra)}")
        if event.subcomponents:
            problems.append("an event has sub-components")
        summaries.append(str(event.get("SUMMARY", "")))
        locations.append(str(event.get("LOCATION", "")))
    if summary is not None and summary not in summaries:
        problems.append(f"no event is titled {summary[:80]!r}: {summaries}")
    if location is not None and location not in locations:
        problems.append(f"no event is at {location[:80]!r}: {locations}")
    for line in data.decode("utf-8").split("\r\n"):
        if ICS_CONTROL.search(line):
            problems.append(f"a line holds control characters: {line[:60]!r}")
    return problems


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_problems(data: bytes, *, expected: list[str]) -> list[str]:
    """Problems in a PDF: any JavaScript, launch action or javascript: link anywhere in it, and
    every expected text that is not in the page text (white space ignored)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    problems = []
    reader = PdfReader(io.BytesIO(data))
    seen: set[tuple[int, int]] = set()

    def walk(obj, path: str) -> None:
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                return
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for name in ("/JS", "/JavaScript", "/Launch", "/OpenAction", "/AA"):
                if name in obj:
                    problems.append(f"{path} has {name}")
            if obj.get("/S") in ("/JavaScript", "/Launch"):
                problems.append(f"{path} is a {obj.get('/S')} action")
            uri = obj.get("/URI")
            if uri is not None:
                scheme = _squash(str(uri)).lower()
                if not scheme.startswith(("http:", "https:", "mailto:")):
                    problems.append(f"{path} links to {str(uri)[:60]!r}")
            for name, value in obj.items():
                if name not in ("/Parent", "/P"):
                    walk(value, f"{path}{name}")
        elif isinstance(obj, ArrayObject):
            for index, value in enumerate(obj):
                walk(value, f"{path}[{index}]")

    walk(reader.trailer, "trailer")
    text = _squash("".join(page.extract_text() or "" for page in reader.pages))
    for wanted in expected:
        if _squash(wanted) not in text:
            problems.append(f"expected text is not in the PDF: {wanted[:80]!r}")
    return problems
