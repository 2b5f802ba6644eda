"""The import/export pages and commands, as a signed-in user or an operator at the console sees them."""

from __future__ import annotations

import io as stdio
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from tvetbridge.registry.models import Institution, Programme

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def upload(client, kind, name):
    data = (FILES / name).read_bytes()
    return client.post(reverse("io_index"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_anonymous_is_sent_to_login(client, world):
    for url in (reverse("io_index"), reverse("io_export", kwargs={"kind": "projects"}) + "?format=csv"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_upload_previews_then_confirm_saves(client, world, users):
    client.force_login(users["coordinator"])
    assert client.get(reverse("io_index")).status_code == 200
    preview = upload(client, "institutions", "institutions_good.csv")
    assert preview.status_code == 200
    assert preview.context["counts"] == {"create": 2, "update": 1, "unchanged": 0, "error": 0}
    assert not Institution.objects.filter(external_key="inst-new-1").exists()
    token = preview.context["token"]
    assert token and reverse("io_confirm") in preview.content.decode()
    done = client.post(reverse("io_confirm"), {"token": token})
    assert done.status_code == 200 and done.context["result"].committed
    assert Institution.objects.filter(external_key="inst-new-1").exists()
    # The stored upload is used once.
    again = client.post(reverse("io_confirm"), {"token": token})
    assert again.status_code == 302 and again["Location"].endswith(reverse("io_index"))


def test_bad_upload_shows_every_error_and_offers_no_confirm(client, world, users):
    client.force_login(users["coordinator"])
    response = upload(client, "projects", "projects_bad.csv")
    page = response.content.decode()
    assert response.context["token"] is None and reverse("io_confirm") not in page
    rows = [(e.row, e.column) for e in response.context["result"].errors]
    assert rows == [(2, "start_date"), (3, "host_country"), (5, "external_key"), (6, "target_trainees"),
                    (6, "partner_institutions"), (6, "end_date")]
    assert "inst-nowhere" in page and "2024-13-45" in page


def test_confirm_validates_again(client, world, users):
    """A file previewed as good but made bad by a change in between is refused at confirmation."""
    client.force_login(users["coordinator"])
    preview = upload(client, "programmes", "programmes_good.xlsx")
    from tvetbridge.core.models import Language

    Language.objects.filter(code="kk").delete()  # row 2 teaches in Kazakh
    done = client.post(reverse("io_confirm"), {"token": preview.context["token"]})
    result = done.context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(2, "languages")] and not result.committed
    assert not Programme.objects.filter(external_key="prog-new-1").exists()


def test_export_view_downloads_filtered_files(client, world, users):
    client.force_login(users["enterprise"])
    url = reverse("io_export", kwargs={"kind": "institutions"})
    response = client.get(url, {"format": "csv", "country": "CN"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    assert "inst-urumqi" in body and "inst-alt" not in body
    xlsx = client.get(reverse("io_export", kwargs={"kind": "programmes"}), {"format": "xlsx"})
    sheet = load_workbook(stdio.BytesIO(xlsx.content)).active
    assert sheet["A2"].value == "prog-1"
    assert client.get(reverse("io_export", kwargs={"kind": "trainees"})).status_code == 404


def test_export_headers_in_russian_page(client, world, users):
    client.force_login(users["coordinator"])
    english = client.get(reverse("io_export", kwargs={"kind": "projects"}), {"format": "csv"})
    russian = client.get("/ru" + reverse("io_export", kwargs={"kind": "projects"}), {"format": "csv"})
    assert russian.status_code == 200
    header_en = english.content.decode("utf-8-sig").splitlines()[0]
    header_ru = russian.content.decode("utf-8-sig").splitlines()[0]
    assert header_ru != header_en and not header_ru.isascii()


def test_commands_import_and_export(world, users, tmp_path, capsys):
    call_command("import_records", "institutions", str(FILES / "institutions_good.csv"), "--dry-run")
    assert not Institution.objects.filter(external_key="inst-new-1").exists()
    call_command("import_records", "institutions", str(FILES / "institutions_good.csv"),
                 "--user", users["coordinator"].username)
    created = Institution.objects.get(external_key="inst-new-1")
    assert created.history.get().history_user == users["coordinator"]
    with pytest.raises(CommandError, match="Nothing was saved"):
        call_command("import_records", "projects", str(FILES / "projects_bad.csv"))
    assert "row 3, host_country" in capsys.readouterr().err
    out = tmp_path / "institutions.xlsx"
    call_command("export_records", "institutions", str(out), "--country", "KZ", "--language", "ru")
    sheet = load_workbook(out).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"inst-alt", "inst-other",
                                                                               "inst-new-1"}
