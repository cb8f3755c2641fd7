"""Every string a user reads goes through gettext, and the English catalogue has them all.

The test runs ``makemessages`` on a copy of the code and compares the message ids it finds with
``locale/en/LC_MESSAGES/django.po``: a new string without an English translation fails here.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
SOURCES = [
    "manage.py",
    "tromsvekst",
    "agreements",
    "actionplans",
    "evaluation",
    "templates",
]


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """A .po string's content as the program sees it (\\n is a line break, and so on)."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text)


def _entries(po_text: str) -> dict[str, str]:
    """msgid -> msgstr (plural forms joined), for every entry of a .po file."""
    out = {}
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines:
            continue
        fields: dict[str, list[str]] = {}
        current = None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = [_unquote(match.group(2))]
            elif line.startswith('"') and current:
                fields[current].append(_unquote(line[1:-1]))
        if "msgid" not in fields:
            continue
        msgid = "".join(fields["msgid"])
        if not msgid:
            continue  # the header
        key = ("".join(fields.get("msgctxt", [])) + "\x04" if "msgctxt" in fields else "") + msgid
        out[key] = "".join(
            "".join(value) for name, value in fields.items() if name.startswith("msgstr")
        )
        if "#, fuzzy" in block:
            out[key] = ""
    return out


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_english_catalogue_has_every_string(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations")
            )
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "en",
            "--no-location",
            "--verbosity",
            "0",
        ],
        cwd=tmp_path,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "True", "PYTHONPATH": str(tmp_path)},
    )
    found = _entries((tmp_path / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    catalogue = _entries(PO.read_text(encoding="utf-8"))
    missing = sorted(set(found) - set(catalogue))
    untranslated = sorted(key for key in found if key in catalogue and not catalogue[key])
    assert not missing, (
        f"{len(missing)} strings are not in {PO.name}; run `make messages`: {missing[:10]}"
    )
    assert not untranslated, (
        f"{len(untranslated)} strings have no English translation: {untranslated[:10]}"
    )


def test_english_catalogue_is_compiled():
    """The compiled .mo holds the same translations as the .po (run `make messages`)."""
    import gettext

    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    catalogue = _entries(PO.read_text(encoding="utf-8"))
    compiled_ids = {key if isinstance(key, str) else key[0] for key in compiled if key}
    assert set(catalogue) == compiled_ids


def test_a_page_in_english(client, db):
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext("Logg inn") == "Log in"
