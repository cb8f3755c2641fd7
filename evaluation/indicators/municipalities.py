"""Municipality reforms: old municipality numbers counted as today's, from SSB's KLASS 131 changes.

``evaluation/data/kommuneendringer.json`` holds, for the municipalities of the Hålogaland region,
the changes of municipality number in 2013, 2020 and 2024 as SSB's classification of
municipalities (KLASS 131) publishes them, with their source. A number that became one other
number (1903 → 5402 → 5503 Harstad), or that merged with others (1805 Narvik + 1854 Ballangen →
1806 Narvik), is counted as today's number; a municipality that was split (1850 Tysfjord, between
Narvik and Hamarøy) cannot be and is left as it is.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "kommuneendringer.json"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    valid_from: datetime.date | None  # None: before the table begins
    valid_to: datetime.date | None  # None: still valid

    def valid_in(self, year: int) -> bool:
        """Valid on 1 January of ``year`` (every change takes effect on 1 January)."""
        starts = self.valid_from is None or self.valid_from.year <= year
        ends = self.valid_to is None or year < self.valid_to.year
        return starts and ends


@dataclass(frozen=True)
class Reforms:
    successors: dict[str, tuple[str, ...]]  # old number → the numbers it became
    codes: dict[str, Code]

    def current(self, code: str) -> str:
        """Today's number for ``code``: followed through every change to one number; ``code``
        itself if it never changed or was split."""
        seen = {code}
        while len(self.successors.get(code, ())) == 1:
            code = self.successors[code][0]
            if code in seen:  # a cycle would be a broken table; stop rather than loop
                break
            seen.add(code)
        return code

    def split(self, code: str) -> bool:
        return len(self.successors.get(code, ())) > 1

    def predecessors(self, current: str) -> list[str]:
        """Every old number counted as ``current``, oldest change first."""
        found = [
            code for code in self.successors if code != current and self.current(code) == current
        ]
        return sorted(
            found, key=lambda code: (self.codes[code].valid_to or datetime.date.max, code)
        )

    def split_into(self, current: str) -> list[str]:
        """Old numbers that were split, a part of which became ``current``."""
        return sorted(
            code
            for code, new in self.successors.items()
            if len(new) > 1 and any(self.current(n) == current for n in new)
        )

    def name(self, code: str) -> str:
        known = self.codes.get(code)
        return known.name if known else ""

    def valid_in(self, code: str, year: int) -> bool:
        known = self.codes.get(code)
        return known.valid_in(year) if known else True


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


@cache
def reforms() -> Reforms:
    """The correspondence table, read once."""
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    successors: dict[str, tuple[str, ...]] = {}
    for change in data["changes"]:
        old, new = change["oldCode"], change["newCode"]
        if old != new:
            successors[old] = (*successors.get(old, ()), new)
    codes = {
        code: Code(code, item["name"], _date(item["valid_from"]), _date(item["valid_to"]))
        for code, item in data["codes"].items()
    }
    return Reforms(successors=successors, codes=codes)
