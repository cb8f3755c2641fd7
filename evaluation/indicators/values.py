"""Reading one municipality number or one number as the files write them; the indicator's
listed municipalities."""

from __future__ import annotations

from decimal import Decimal

from evaluation.models import Indicator
from tromsvekst.lib import uploads

from .common import MUNICIPALITY_RE, NUMBER_RE

# --------------------------------------------------------------------------------------------
# Reading


def normalise_municipality(text: str) -> str | None:
    """«1806», «K-1806» or «1806 Narvik» → «1806»; None if it is no municipality number."""
    match = MUNICIPALITY_RE.fullmatch(text.strip())
    return match.group(1) if match else None


def parse_number(text: str) -> Decimal:
    """A number as people write it: «1 234,5», «-3.25», «1234». Raises ValueError otherwise."""
    cleaned = text.strip().replace("\u2212", "-")
    for space in (" ", "\u00a0", "\u202f", "\u2009"):
        cleaned = cleaned.replace(space, "")
    if "," in cleaned:
        if "." in cleaned:
            raise ValueError(text)
        cleaned = cleaned.replace(",", ".")
    if not NUMBER_RE.fullmatch(cleaned):
        raise ValueError(text)
    return Decimal(cleaned)


def max_upload_bytes() -> int:
    return uploads.upload_limit("INDICATOR_IMPORT_MAX_BYTES")


def _listed(indicator: Indicator) -> list[str]:
    """The indicator's municipality numbers, normalised («K-1806» → «1806»), in order."""
    listed = []
    for code in indicator.municipality_codes:
        municipality = normalise_municipality(code) or code
        if municipality not in listed:
            listed.append(municipality)
    return listed
