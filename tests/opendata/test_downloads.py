"""Public downloads: every table as CSV, XLSX and JSON with its dictionary, licence and version;
a DCAT-AP catalogue that is valid JSON-LD; nothing unpublished or personal, small counts withheld."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pyld import jsonld

from tvetbridge.opendata import queries
from tvetbridge.registry.models import CooperationProject, Institution

FORMATS = ("csv", "xlsx", "json")


def _get(client, key, fmt):
    resp = client.get(reverse("opendata_download", args=[key, fmt]))
    assert resp.status_code == 200, (key, fmt)
    return resp


def _csv_rows(resp) -> list[dict]:
    return list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("key", list(queries.DATASETS))
def test_every_table_downloads_anonymously_in_three_formats_with_dictionary(published, world, users, client, key):
    if key == "enterprises":
        from tvetbridge.opendata import services

        services.set_enterprise_listing(users["enterprise"], world["jd"], listed=True)
    columns = [c.name for c in queries.DATASETS[key].columns]
    rows = _csv_rows(_get(client, key, "csv"))
    assert rows and list(rows[0]) == columns
    doc = json.loads(_get(client, key, "json").content)
    assert doc["licence"] == "CC-BY-4.0" and len(doc["version"]) == 12 and doc["date"]
    assert [d["column"] for d in doc["dictionary"]] == columns and all(d["meaning"] for d in doc["dictionary"])
    assert len(doc["rows"]) == len(rows)
    book = load_workbook(io.BytesIO(_get(client, key, "xlsx").content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == columns and sheet.max_row == len(rows) + 1
    assert "about" in book.sheetnames


def test_tables_hold_only_published_records_and_no_personal_data(published, world, client):
    unpublished = CooperationProject.objects.create(external_key="proj-secret", name="Unpublished project",
                                                    kind="order_class", status="active", host_country=world["kz"])
    unpublished.partner_institutions.add(world["other_institution"])
    Institution.objects.filter(pk=world["alt"].pk).update(email="rector@alt.example", phone="+7 700 000 00 00")
    for key in queries.DATASETS:
        for fmt in ("csv", "json"):
            body = _get(client, key, fmt).content.decode("utf-8-sig")
            assert "proj-secret" not in body and "Unpublished project" not in body
            assert "inst-other" not in body  # takes part only in an unpublished project
            assert "rector@alt.example" not in body and "+7 700" not in body
            assert "ent-jd" not in body and "ent-other" not in body  # no enterprise agreed to be listed
    projects = _csv_rows(_get(client, "projects", "csv"))
    assert [p["id"] for p in projects] == ["proj-1"]
    assert projects[0]["iati_identifier"] == "KZ-BIN-990140000483-LW-ALT-2023"
    institutions = {r["id"] for r in _csv_rows(_get(client, "institutions", "csv"))}
    assert institutions == {"inst-alt", "inst-urumqi"}


def test_counts_under_five_are_withheld_in_every_format(published, client):
    from tvetbridge.outcomes.models import Enrolment

    keep = list(Enrolment.objects.exclude(status="applied").values_list("trainee_id", flat=True).distinct()[:3])
    Enrolment.objects.exclude(trainee_id__in=keep).delete()
    [row] = _csv_rows(_get(client, "projects", "csv"))
    assert row["trainees_enrolled"] == "" and row["trainees_withheld"] == "True"
    [jrow] = json.loads(_get(client, "projects", "json").content)["rows"]
    assert jrow["trainees_enrolled"] is None and jrow["trainees_withheld"] is True
    sheet = load_workbook(io.BytesIO(_get(client, "projects", "xlsx").content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("trainees_enrolled") + 1).value is None


def test_cells_that_look_like_formulas_stay_text(published, client):
    Institution.objects.filter(pk=published["alt"].institution_id).update(name_en='=HYPERLINK("http://x","y")')
    rows = _csv_rows(_get(client, "institutions", "csv"))
    assert next(r for r in rows if r["id"] == "inst-alt")["name_en"] == "'=HYPERLINK(\"http://x\",\"y\")"
    sheet = load_workbook(io.BytesIO(_get(client, "institutions", "xlsx").content)).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_dcat_catalogue_is_valid_json_ld_listing_every_download(published, client):
    resp = client.get(reverse("opendata_catalogue"))
    assert resp["Content-Type"].startswith("application/ld+json")
    doc = json.loads(resp.content)
    expanded = jsonld.expand(doc)  # raises on invalid JSON-LD; the context is inline, so no network
    assert expanded
    dcat = "http://www.w3.org/ns/dcat#"
    [catalog] = [n for n in expanded if f"{dcat}Catalog" in n.get("@type", [])]
    urls, media = set(), {}
    for ds in catalog[f"{dcat}dataset"]:
        for dist in ds[f"{dcat}distribution"]:
            url = dist[f"{dcat}downloadURL"][0]["@id"]
            urls.add(url)
            media[url] = dist[f"{dcat}mediaType"][0]["@id"]
    expected = {f"http://testserver{reverse('opendata_download', args=[k, f])}" for k in queries.DATASETS
                for f in FORMATS}
    expected |= {f"http://testserver{reverse('opendata_iati_file', args=[k])}" for k in ("activity", "organisation")}
    assert urls == expected
    assert media[f"http://testserver{reverse('opendata_download', args=['projects', 'csv'])}"].endswith("/text/csv")
    # and every listed download answers
    for url in urls:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200


def test_downloads_page_is_public_in_russian(published, client):
    resp = client.get("/ru" + reverse("opendata_downloads"))
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "Открытые данные" in page and reverse("opendata_download", args=["institutions", "csv"]) in page


def test_downloads_carry_etags(published, client):
    resp = _get(client, "projects", "csv")
    again = client.get(reverse("opendata_download", args=["projects", "csv"]), HTTP_IF_NONE_MATCH=resp["ETag"])
    assert again.status_code == 304
