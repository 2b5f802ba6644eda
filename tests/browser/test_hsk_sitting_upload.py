"""A centre's staff upload a sitting report from the centres' page: a bad file is refused with its rows
and columns named and nothing written; the corrected file lands and the centre's figures show it.
Screenshots go to $TVETBRIDGE_SCREENSHOTS when set."""

import datetime as dt
import os
from pathlib import Path

import pytest

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = b"external_key,centre,date,test,scale,level,registered,sat,passed\n"


def _shot(page, name):
    folder = os.environ.get("TVETBRIDGE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_staff_upload_a_sitting_report_and_see_bad_rows_named(page, live_server, world, users):
    from tvetbridge.teachers.models import HskCentre, HskSitting

    HskCentre.objects.create(external_key="hskc-alt", name="ALT HSK centre", institution=world["alt"],
                             country=world["kz"], city="Almaty", tests=["hsk"], accredited_on=dt.date(2022, 5, 1))
    base = live_server.url
    login(page, base, "institution-user", "pw-institution-123!")
    page.goto(f"{base}/teachers/hsk-centres/")
    page.click("text=Upload a sitting report")
    bad = HEADER + b"s1,hskc-alt,2024-06-15,hsk,hsk3,3,24,22,17\ns2,hskc-alt,2024-06-15,hsk,hsk3,12,5,6,3\n"
    page.set_input_files("input[name=file]", files=[{"name": "june.csv", "mimeType": "text/csv", "buffer": bad}])
    page.click("main form button[type=submit]")
    rows = page.locator("#import-errors tbody tr")
    assert {tuple(rows.nth(i).locator("td").all_inner_texts()[:2]) for i in range(rows.count())} == {
        ("3", "level"), ("3", "sat")}
    _shot(page, "hsk_upload_errors")
    assert not HskSitting.objects.exists()
    good = HEADER + b"s1,hskc-alt,2024-06-15,hsk,hsk3,3,24,22,17\ns2,hskc-alt,2024-06-15,hsk,hsk3,5,6,6,3\n"
    page.set_input_files("input[name=file]", files=[{"name": "june.csv", "mimeType": "text/csv", "buffer": good}])
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/teachers/hsk-centres/")
    assert "2 records imported." in page.inner_text("body")
    assert page.inner_text("#centres tbody tr") .split("\t")[-3:] == ["28", "20", "71%"]
    _shot(page, "hsk_upload_done")
