"""Import and export of registry records: what a user uploading or downloading a file notices."""

from __future__ import annotations

import csv
import datetime as dt
import io as stdio
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import Workbook, load_workbook

from tvetbridge.registry import io
from tvetbridge.registry.models import CooperationProject, Enterprise, Institution, Programme

FILES = Path(__file__).parent / "files"
MODELS = (Institution, Programme, Enterprise, CooperationProject)


def snapshot():
    """Rows and audit rows of every importable kind: equal snapshots mean nothing was written."""
    return {m.__name__: (m.objects.count(), m.history.count()) for m in MODELS}


def run(user, kind, name, **kwargs):
    return io.import_file(user, kind, (FILES / name).read_bytes(), name, **kwargs)


def errors_by_row(result):
    return {(e.row, e.column) for e in result.errors}


def xlsx_bytes(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = stdio.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- bad files ------------------------------------------------------------------------------------

def test_bad_rows_are_all_reported_and_nothing_is_written(world, users):
    before = snapshot()
    result = run(users["coordinator"], "projects", "projects_bad.csv")
    assert not result.ok and not result.committed
    assert errors_by_row(result) == {
        (2, "start_date"),  # bad date
        (3, "host_country"),  # unknown country
        (5, "external_key"),  # duplicate key in the file
        (6, "target_trainees"), (6, "partner_institutions"), (6, "end_date"),  # several faults in one row
    }
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "2024-13-45" in messages[(2, "start_date")]
    assert "XX" in messages[(3, "host_country")]
    assert "row 4" in messages[(5, "external_key")]
    assert "inst-nowhere" in messages[(6, "partner_institutions")]
    # The good rows were checked too and would have been created; the file as a whole was refused.
    assert result.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 4}
    assert snapshot() == before
    assert not CooperationProject.objects.filter(external_key="p-fine").exists()


def test_csv_not_in_utf8_is_refused_naming_file_and_encoding(world, users):
    before = snapshot()
    result = run(users["coordinator"], "institutions", "institutions_cp1251.csv")
    [error] = result.errors
    assert "institutions_cp1251.csv" in error.message and "UTF-8" in error.message
    assert snapshot() == before


def test_missing_required_column_is_named(world, users):
    before = snapshot()
    result = run(users["coordinator"], "institutions", "institutions_missing_column.csv")
    [error] = result.errors
    assert error.row == 1 and "Country" in error.message
    assert snapshot() == before


def test_model_validation_and_region_outside_country_are_reported_per_field(world, users):
    data = xlsx_bytes([
        ["external_key", "name_en", "institution", "field", "isced_level", "duration_months", "languages",
         "intake_capacity", "expected_graduates"],
        ["p-a", "Over capacity", "inst-alt", "104", 5, 24, "ru", 10, 50],
        ["p-b", "", "inst-alt", "9999", 9, 0, "xx", -1, 0],
    ])
    before = snapshot()
    result = io.import_file(users["coordinator"], "programmes", data, "p.xlsx")
    assert errors_by_row(result) == {
        (2, "expected_graduates"),
        (3, "name_en"), (3, "field"), (3, "isced_level"), (3, "duration_months"), (3, "languages"),
        (3, "intake_capacity"),
    }
    region = io.import_file(users["coordinator"], "institutions", xlsx_bytes([
        ["external_key", "name_en", "kind", "country", "region"],
        ["i-x", "Somewhere", "college", "KZ", "CN-XJ"]]), "i.xlsx")
    assert errors_by_row(region) == {(2, "region")}
    assert snapshot() == before


# --- good files -----------------------------------------------------------------------------------

def test_good_csv_imports_with_audit_and_second_import_changes_nothing(world, users):
    coordinator = users["coordinator"]
    result = run(coordinator, "institutions", "institutions_good.csv")
    assert result.ok and result.committed
    assert result.counts == {"create": 2, "update": 1, "unchanged": 0, "error": 0}
    college = Institution.objects.get(external_key="inst-new-1")
    assert college.name_en == "Kazakh Transport College" and college.name_ru == "Казахский транспортный колледж"
    assert college.country_id == "KZ" and college.region == world["almaty"]
    assert sorted(college.languages.values_list("code", flat=True)) == ["kk", "ru"]
    assert Institution.objects.get(external_key="inst-new-2").is_synthetic
    assert college.history.get().history_user == coordinator
    alt = world["alt"]
    assert sorted(alt.languages.values_list("code", flat=True)) == ["kk", "ru", "zh"]
    assert alt.history.first().history_type == "~" and alt.history.first().history_user == coordinator
    # Changed columns are shown as the user wrote their headers.
    update = next(o for o in result.outcomes if o.external_key == "inst-alt")
    assert update.action == "update" and "Languages of instruction" in update.changes

    before = snapshot()
    again = run(coordinator, "institutions", "institutions_good.csv")
    assert again.ok and again.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert snapshot() == before


def test_good_xlsx_imports_and_reimport_changes_nothing(world, users):
    result = run(users["coordinator"], "programmes", "programmes_good.xlsx")
    assert result.ok, result.errors
    assert result.counts == {"create": 2, "update": 1, "unchanged": 0, "error": 0}
    railway = Programme.objects.get(external_key="prog-new-1")
    assert railway.name_zh_hans == "铁路运营" and railway.institution == world["alt"]
    assert railway.field_id == "104" and railway.intake_capacity == 50
    assert Programme.objects.get(external_key="prog-new-2").duration_months == 18
    assert Programme.objects.get(external_key="prog-1").intake_capacity == 80
    before = snapshot()
    again = run(users["coordinator"], "programmes", "programmes_good.xlsx")
    assert again.counts["unchanged"] == 3 and snapshot() == before


def test_dry_run_previews_changes_and_writes_nothing(world, users):
    before = snapshot()
    result = run(users["coordinator"], "institutions", "institutions_good.csv", dry_run=True)
    assert result.ok and not result.committed
    assert result.counts == {"create": 2, "update": 1, "unchanged": 0, "error": 0}
    assert snapshot() == before
    assert not Institution.objects.filter(external_key="inst-new-1").exists()


def test_project_import_keeps_partner_history(world, users):
    data = xlsx_bytes([
        ["external_key", "name_en", "kind", "host_country", "chinese_institutions", "partner_institutions",
         "enterprises", "start_date", "target_employment_rate"],
        ["proj-2", "Order class", "order_class", "KZ", "inst-urumqi", "inst-alt;inst-other", "ent-jd",
         "01.09.2025", "85,5"],
    ])
    result = io.import_file(users["coordinator"], "projects", data, "projects.xlsx")
    assert result.ok, result.errors
    project = CooperationProject.objects.get(external_key="proj-2")
    assert str(project.target_employment_rate) == "85.50" and project.start_date.isoformat() == "2025-09-01"
    record = project.history.get()
    assert {i.external_key for i in project.partner_institutions.all()} == {"inst-alt", "inst-other"}
    assert sorted(r.institution.external_key for r in record.partner_institutions.all()) == ["inst-alt",
                                                                                            "inst-other"]


def test_headers_are_accepted_in_any_interface_language(world, users):
    spec = io.SPECS["enterprises"]
    keys = ["external_key", "name_en", "country", "sector", "chinese_funded"]
    for language in ("ru", "zh-hans", "kk"):
        with translation.override(language):
            header = [spec.column(k).label(spec.model) for k in keys]
        data = xlsx_bytes([header, [f"ent-{language}", "Yutong", "CN", "C", "yes"]])
        result = io.import_file(users["coordinator"], "enterprises", data, "e.xlsx")
        assert result.ok and result.counts["create"] == 1, result.errors
    assert Enterprise.objects.get(external_key="ent-ru").chinese_funded


# --- permissions ----------------------------------------------------------------------------------

def test_institution_staff_get_row_errors_for_other_institutions(world, users):
    staff = users["institution"]  # acts for ALT University
    Programme.objects.create(external_key="prog-other", institution=world["other_institution"], name="Welding",
                             field=world["logistics"], isced_level=4, duration_months=12, intake_capacity=20,
                             expected_graduates=15)
    data = xlsx_bytes([
        ["external_key", "name_en", "institution", "field", "isced_level", "duration_months", "intake_capacity",
         "expected_graduates"],
        ["prog-1", "Smart logistics", "inst-alt", "104", 5, 24, 70, 50],  # own record: allowed
        ["prog-mine", "Customs", "inst-alt", "104", 5, 12, 20, 20],  # new, own institution: allowed
        ["prog-theirs", "Cranes", "inst-other", "104", 5, 12, 20, 20],  # new, for another institution
        ["prog-other", "Welding", "inst-alt", "104", 4, 12, 30, 15],  # another's record, taken over
    ])
    before = snapshot()
    result = io.import_file(staff, "programmes", data, "p.xlsx")
    assert errors_by_row(result) == {(4, "institution"), (5, "external_key")}
    assert result.counts["error"] == 2
    assert snapshot() == before
    # Enterprise staff may not import institutions at all: refused before the file is read (issue 11).
    with pytest.raises(PermissionDenied):
        run(users["enterprise"], "institutions", "institutions_good.csv")


def test_institution_staff_cannot_approve_projects_by_import(world, users):
    data = xlsx_bytes([
        ["external_key", "name_en", "kind", "status", "host_country", "partner_institutions"],
        ["proj-new", "New workshop", "luban_workshop", "approved", "KZ", "inst-alt"],
        ["proj-draft", "Draft", "luban_workshop", "proposed", "KZ", "inst-alt"],
        ["proj-foreign", "Not ours", "luban_workshop", "draft", "KZ", "inst-other"],
    ])
    result = io.import_file(users["institution"], "projects", data, "p.xlsx")
    assert errors_by_row(result) == {(2, "status"), (4, "partner_institutions")}
    ok = io.import_file(users["coordinator"], "projects", data, "p.xlsx")
    assert ok.ok


# --- export ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", io.KINDS)
def test_export_then_import_changes_nothing(world, users, kind, fmt):
    exported = io.export_file(users["coordinator"], kind, fmt)
    before = snapshot()
    result = io.import_file(users["coordinator"], kind, exported.content, exported.filename)
    assert result.ok, result.errors
    assert result.counts["unchanged"] == len(result.outcomes) > 0
    assert snapshot() == before


def test_export_csv_is_excel_friendly_and_carries_the_synthetic_flag(world, users):
    Institution.objects.filter(pk=world["other_institution"].pk).update(is_synthetic=True)
    exported = io.export_file(users["institution"], "institutions", "csv", {"country": "kz"})
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(stdio.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["External key"]: r["Synthetic"] for r in rows} == {"inst-alt": "no", "inst-other": "yes"}
    searched = io.export_rows(users["coordinator"], "institutions", {"q": "urumqi"})[1]
    assert [r[0] for r in searched] == ["inst-urumqi"]


def test_export_xlsx_has_bold_frozen_header(world, users):
    exported = io.export_file(users["coordinator"], "projects", "xlsx", {"kind": "luban_workshop"})
    sheet = load_workbook(stdio.BytesIO(exported.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "External key" and sheet["A1"].font.b
    assert sheet["A2"].value == "proj-1"
    assert sheet.column_dimensions["B"].width >= len("Luban Workshop (ALT)")


def test_export_headers_follow_the_active_language(world, users):
    spec = io.SPECS["projects"]
    with translation.override("ru"):
        header, _rows = io.export_rows(users["coordinator"], "projects")
        expected = [c.label(spec.model) for c in spec.columns]
    english, _rows = io.export_rows(users["coordinator"], "projects")
    assert header == expected and header != english
    assert header[spec.columns.index(spec.column("name_ru"))] != "Name (Russian)"
    assert any(not h.isascii() for h in header)


def test_export_needs_a_platform_role(world, users, make_user):
    from django.contrib.auth.models import User

    nobody = User.objects.create_user("no-role", password="x-123-456!")
    with pytest.raises(PermissionDenied):
        io.export_file(nobody, "institutions", "csv")
    with pytest.raises(PermissionDenied):
        io.export_file(users["public"], "institutions", "csv")


def test_updating_one_translation_leaves_the_others(world, users):
    with translation.override("ru"):
        result = io.import_file(users["coordinator"], "enterprises", xlsx_bytes([
            ["external_key", "name_ru", "country", "sector"],
            ["ent-jd", "Цзиндун", "CN", "H"]]), "e.xlsx")
    assert result.ok and result.outcomes[0].changes == ["name_ru"]
    jd = Enterprise.objects.get(external_key="ent-jd")
    assert (jd.name_en, jd.name_ru) == ("JD", "Цзиндун")  # a column left out of the file is left alone
    assert jd.history.first().history_user == users["coordinator"]


@pytest.mark.parametrize(("start", "end", "capacity", "graduates"), [
    ("2025-01-01", "2024-01-01", 10, 20), ("2025-01-01", "2025-01-01", 10, 10), (None, "2024-01-01", 0, 0),
    ("2025-01-01", None, 5, 6)])
def test_fast_constraint_check_agrees_with_django(world, start, end, capacity, graduates):
    """The in-memory constraint check gives the database's verdict, without a query per row."""
    from django.core.exceptions import ValidationError

    from tvetbridge.registry.io.checks import validate_constraint as _validate_constraint

    project = CooperationProject(start_date=start and dt.date.fromisoformat(start),
                                 end_date=end and dt.date.fromisoformat(end))
    programme = Programme(intake_capacity=capacity, expected_graduates=graduates)
    def verdict(check, *args) -> bool:
        try:
            check(*args)
        except ValidationError:
            return False
        return True

    for obj in (project, programme):
        [constraint] = type(obj)._meta.constraints
        fast = verdict(_validate_constraint, constraint, type(obj), obj, set())
        assert fast == verdict(constraint.validate, type(obj), obj)
