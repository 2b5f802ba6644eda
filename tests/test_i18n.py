"""Every string of the project is translated into zh-hans, ru and kk, and Kazakh formats work."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.utils import formats, translation

pytestmark = pytest.mark.engine  # reads files only; run once

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tvetbridge"
CATALOGUES = sorted(PACKAGE.glob("locale*/*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def test_all_three_languages_have_a_catalogue():
    langs = {po.parent.parent.name for po in PACKAGE.glob("locale/*/LC_MESSAGES/django.po")}
    assert {"zh_Hans", "ru", "kk"} <= langs


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: f"{p.parents[2].name}/{p.parents[1].name}")
def test_catalogue_is_complete_and_compiled(path):
    po = polib.pofile(str(path))
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    assert not missing, f"{len(missing)} untranslated in {path}: {missing[:10]}"
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags and not e.obsolete]
    assert not fuzzy, f"fuzzy entries in {path}: {fuzzy[:10]}"
    for entry in po:
        if entry.obsolete:
            continue
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        got = set(PLACEHOLDER.findall(entry.msgstr)) if not entry.msgid_plural else \
            set().union(*(set(PLACEHOLDER.findall(s)) for s in entry.msgstr_plural.values()))
        assert wanted <= got | {"%(count)s", "%(counter)s"} if entry.msgid_plural else wanted == got, \
            f"placeholders differ in {path}: {entry.msgid!r} -> {entry.msgstr!r}"
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    assert {(e.msgctxt, e.msgid) for e in compiled} >= {(e.msgctxt, e.msgid) for e in po if e.translated()}, \
        f"{path.with_suffix('.mo')} is out of date: run `make messages`"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is installed by make test")
def test_every_source_string_is_in_the_catalogue(tmp_path):
    """Extract the messages afresh from a copy of the source and compare with what is committed."""
    copy = tmp_path / "tvetbridge"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data", "static"))
    # Without settings, makemessages writes into the copy's own locale/ and never the real catalogue.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "ru", "--no-obsolete",
                    "--ignore", "formats/*"], cwd=copy, env=env, check=True, capture_output=True, timeout=300)
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale/ru/LC_MESSAGES/django.po"))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PACKAGE / "locale/ru/LC_MESSAGES/django.po"))}
    new = sorted(msgid for _ctx, msgid in fresh - committed)
    assert not new, f"{len(new)} strings are not in the catalogues (run `make messages`): {new[:15]}"


def test_kazakh_number_and_date_formats_come_from_the_project():
    import datetime

    with translation.override("kk"):
        assert formats.number_format(Decimal("1234567.5"), 1, use_l10n=True, force_grouping=True) == \
            "1\xa0234\xa0567,5"
        assert formats.date_format(datetime.date(2025, 9, 1), "SHORT_DATE_FORMAT") == "01.09.2025"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


def test_django_messages_missing_in_kazakh_are_supplied():
    with translation.override("kk"):
        assert translation.gettext("This field is required.") != "This field is required."
        assert translation.gettext("Enter a valid date.") != "Enter a valid date."
