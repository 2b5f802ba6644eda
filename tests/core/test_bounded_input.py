"""Bounded input: uploads are refused for their size, rows or expansion before anything parses them,
and refused for the uploader's role before the file is read at all."""

from __future__ import annotations

import datetime as dt
import io as stdio
import os
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tvetbridge.core import uploads as core_uploads
from tvetbridge.core.models import Job
from tvetbridge.core.uploads import FileRefused, StoredUpload, check_xlsx_archive, purge_uploads, store_upload
from tvetbridge.registry import io
from tvetbridge.registry.models import Institution

SHEET = "xl/worksheets/sheet1.xml"


def small_xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = stdio.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb(expand_mb: int, *, pad_kb: int = 0) -> bytes:
    """A real workbook whose first sheet is replaced by ``expand_mb`` MB of repeated rows."""
    source = zipfile.ZipFile(stdio.BytesIO(small_xlsx([["Name", "Country"]])))
    out = stdio.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for entry in source.infolist():
            if entry.filename != SHEET:
                archive.writestr(entry, source.read(entry))
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
            chunk = b'<row><c t="inlineStr"><is><t>Bomb College</t></is></c><c t="inlineStr"><is><t>KZ</t>' \
                    b'</is></c></row>' * 16384
            written = 0
            while written < expand_mb * 2**20:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")
        if pad_kb:
            # incompressible filler, as an embedded picture would be, to reach the attack's file size
            archive.writestr(zipfile.ZipInfo("xl/media/image1.png"), os.urandom(pad_kb * 1024))
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb():
    """The attack of issue 11: an XLSX of about 2.4 MB whose sheet expands to 554 MB."""
    data = bomb(554, pad_kb=560)
    expanded = sum(e.file_size for e in zipfile.ZipFile(stdio.BytesIO(data)).infolist())
    assert 2.0 * 2**20 < len(data) < 2.8 * 2**20 and expanded > 554 * 2**20
    return data


def test_zip_bomb_is_refused_from_the_archive_directory_at_bounded_memory(world, users, zip_bomb, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open the bomb")

    monkeypatch.setattr(core_uploads, "load_workbook", no_parsing)
    before = Institution.objects.count()
    tracemalloc.start()
    try:
        result = io.import_file(users["coordinator"], "institutions", zip_bomb, "bomb.xlsx", dry_run=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [error] = result.errors
    assert "bomb.xlsx" in error.message and "expands to 55" in error.message and "MB" in error.message
    assert error.row is None
    assert peak < 16 * 2**20  # the archive is 2.4 MB; nothing near its 554 MB was ever held
    assert Institution.objects.count() == before


def test_highly_compressed_part_under_the_size_cap_is_refused_for_its_ratio(settings):
    data = bomb(40)
    settings.XLSX_MAX_EXPANDED_BYTES = 256 * 2**20
    with pytest.raises(FileRefused, match="compressed"):
        check_xlsx_archive(data, "dense.xlsx")


def test_ordinary_workbook_passes_the_archive_check():
    rows = [["Name", "Country"]] + [[f"College {i}", "KZ"] for i in range(5000)]
    check_xlsx_archive(small_xlsx(rows), "fine.xlsx")


def test_rows_beyond_the_cap_are_refused_while_streaming(world, users, settings):
    settings.IMPORT_MAX_ROWS = 10
    header = "External key,Name,Kind,Country\n"
    body = "".join(f"inst-{i},College {i},college,KZ\n" for i in range(11))
    result = io.import_file(users["coordinator"], "institutions", (header + body).encode(), "many.csv",
                            dry_run=True)
    [error] = result.errors
    assert "more than 10 data rows" in error.message
    xlsx = small_xlsx([["External key", "Name", "Kind", "Country"]] +
                      [[f"inst-{i}", f"College {i}", "college", "KZ"] for i in range(11)])
    result = io.import_file(users["coordinator"], "institutions", xlsx, "many.xlsx", dry_run=True)
    assert "more than 10 data rows" in result.errors[0].message


def test_oversized_file_is_refused_before_reading(world, users, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    result = io.import_file(users["coordinator"], "institutions", b"x" * 2048, "big.csv", dry_run=True)
    assert "larger than" in result.errors[0].message


def test_outcomes_income_csv_row_cap(world, users, settings):
    from tvetbridge.outcomes.services import import_file

    settings.IMPORT_MAX_ROWS = 3
    data = b"trainee,period,amount,currency,source\n" + b"T-1,2025-01,1,KZT,payroll\n" * 5
    result = import_file(users["coordinator"], "incomes", data, "incomes.csv", dry_run=True)
    assert "more than 3 data rows" in result.errors[0].message


def test_forbidden_roles_are_refused_before_the_file_is_read(world, users, make_user, monkeypatch):
    def unread(*args, **kwargs):
        raise AssertionError("the file was read for a user who may not import")

    monkeypatch.setattr("tvetbridge.registry.io.importer.read_table", unread)
    trainee = make_user("trainee")
    for user, kind in [(trainee, "institutions"), (users["enterprise"], "institutions"),
                       (users["institution"], "enterprises"), (users["enterprise"], "programmes")]:
        with pytest.raises(PermissionDenied):
            io.import_file(user, kind, b"whatever", "x.csv", dry_run=True)


def test_import_page_refuses_a_trainee_before_parsing_the_upload(client, world, make_user, monkeypatch):
    def unread(*args, **kwargs):
        raise AssertionError("the upload was parsed")

    monkeypatch.setattr("tvetbridge.registry.io.importer.read_table", unread)
    trainee = make_user("trainee")
    client.force_login(trainee)
    page = client.get(reverse("io_index"))
    assert page.status_code == 200 and b'type="file"' not in page.content
    upload = stdio.BytesIO(b"External key,Name\nx,y\n")
    upload.name = "x.csv"
    response = client.post(reverse("io_index"), {"kind": "institutions", "file": upload})
    assert response.status_code == 403


def test_enterprise_staff_choose_only_what_they_may_import(client, users):
    client.force_login(users["enterprise"])
    page = client.get(reverse("io_index")).content.decode()
    assert 'value="enterprises"' in page and 'value="institutions"' not in page


def test_stored_upload_round_trip_and_expiry(world, users, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    header = "External key,Name (English),Kind,Country\ninst-new,New College,college,KZ\n"
    stored = store_upload(header.encode(), "new.csv")
    again = StoredUpload.from_dict(stored.as_dict())
    assert io.import_stored(users["coordinator"], "institutions", again, dry_run=True).ok
    result = io.import_stored(users["coordinator"], "institutions", again)
    assert result.committed and Institution.objects.filter(external_key="inst-new").exists()
    # kept for a retried job; the nightly purge removes it
    assert stored.path.exists() and purge_uploads(dt.timedelta(0)) == 1 and not stored.path.exists()
    expired = io.import_stored(users["coordinator"], "institutions", again)
    assert "expired" in expired.errors[0].message
    with pytest.raises(FileRefused):
        StoredUpload.from_dict({"token": "../../etc/passwd"})


def test_a_large_confirmed_import_runs_as_a_job_the_user_follows(client, world, users, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.IMPORT_BACKGROUND_BYTES = 10  # every file is "large" here
    body = "External key,Name (English),Kind,Country\ninst-bg,Background College,college,KZ\n"
    client.force_login(users["coordinator"])
    preview = client.post(reverse("io_index"), {"kind": "institutions",
                                                "file": SimpleUploadedFile("bg.csv", body.encode(), "text/csv")})
    token = preview.context["token"]
    assert token and not Institution.objects.filter(external_key="inst-bg").exists()
    confirmed = client.post(reverse("io_confirm"), {"token": token})
    job = Job.objects.get(kind="registry.import_file")
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.created_by == users["coordinator"]
    assert job.result["written"] and job.result["counts"]["create"] == 1
    assert Institution.objects.get(external_key="inst-bg").history.latest().history_user == users["coordinator"]
    page = client.get(confirmed["Location"]).content.decode()
    assert "The import is saved." in page and "Background College" not in page


def test_a_background_import_is_refused_to_who_may_not_import(world, users, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    stored = store_upload(b"External key,Name (English)\nx,y\n", "x.csv")
    with pytest.raises(PermissionDenied):
        io.start_import(users["enterprise"], "institutions", stored)
    assert not Job.objects.exists()
