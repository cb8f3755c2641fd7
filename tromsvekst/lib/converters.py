"""Path converters that refuse malformed ids and tokens before any view or query sees them.

``<id:pk>``: a positive whole number of at most 18 digits, so it always fits the databases'
64-bit keys (``<int:…>`` takes any number of digits, and 0). ``<token:…>``: 1–256 characters of
the URL-safe base64 alphabet and the separators of Django's signed values (``-_.:``); a NUL
byte, a slash or an odd character never reaches PostgreSQL, which refuses NUL in a string.
Anything else does not match, so the URL answers 404.
"""

from django.urls import register_converter


class IdConverter:
    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(value)


class TokenConverter:
    regex = "[A-Za-z0-9_.:-]{1,256}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


class YearConverter:
    regex = "[12][0-9]{3}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(IdConverter, "id")
register_converter(TokenConverter, "token")
register_converter(YearConverter, "year")
