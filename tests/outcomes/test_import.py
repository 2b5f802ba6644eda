"""Bulk import: per-row, per-column errors; all or nothing; idempotent; the column path for incomes."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tvetbridge.outcomes.models import Employment, Enrolment, ImportBatch, IncomeObservation, Trainee
from tvetbridge.outcomes.services import import_file

TRAINEES = ("external_key,identity_number,gender,birth_year,home_region,baseline_income,baseline_currency,"
            "consent_follow_up,consent_date\n"
            "T-1,850101300123,female,2001,KZ-75,120000,KZT,yes,2024-09-01\n"
            "T-2,900202400456,male,1999,KZ-75,,,да,01.09.2024\n")
ENROLMENTS = ("external_key,trainee,project,status,start_date,end_date,occupation_code\n"
              "E-1,T-1,proj-1,completed,2024-09-01,2025-06-30,7233\n"
              "E-2,T-2,proj-1,applied,2024-09-01,,\n")


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


@pytest.fixture
def loaded(world):
    assert import_file(None, "trainees", _csv(TRAINEES), "t.csv").committed
    assert import_file(None, "enrolments", _csv(ENROLMENTS), "e.csv").committed


def test_trainees_import_hashes_identity_and_is_idempotent(world):
    result = import_file(None, "trainees", _csv(TRAINEES), "t.csv")
    assert result.ok and result.created == 2
    assert Trainee.objects.get(external_key="T-1").identity_hash and b"850101300123" not in _csv(
        str(list(Trainee.objects.values())))
    again = import_file(None, "trainees", _csv(TRAINEES), "t.csv")
    assert again.ok and again.created == 0 and again.updated == 0 and again.unchanged == 2
    assert Trainee.objects.get(external_key="T-1").history.count() == 1


def test_duplicate_trainee_in_file_is_an_error_naming_row_and_column(world):
    text = TRAINEES + "T-3,850101-300-123,male,2000,,,,no,\n"
    result = import_file(None, "trainees", _csv(text), "t.csv")
    assert not result.ok and not result.committed
    assert [(e.row, e.column) for e in result.errors] == [(4, "identity_number")]
    assert "Duplicate trainee" in result.errors[0].message and "row 2" in result.errors[0].message
    assert Trainee.objects.count() == 0


def test_duplicate_trainee_already_in_database_is_an_error(loaded):
    text = "external_key,identity_number\nT-9,850101300123\n"
    result = import_file(None, "trainees", _csv(text), "t.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "identity_number")]
    assert "T-1" in result.errors[0].message
    assert not Trainee.objects.filter(external_key="T-9").exists()


def test_unknown_baseline_currency_and_bad_date(world):
    text = "external_key,baseline_income,baseline_currency,consent_date\nT-1,100,ABC,2024-13-45\n"
    result = import_file(None, "trainees", _csv(text), "t.csv")
    columns = {e.column: e.message for e in result.errors}
    assert "not a known currency" in columns["baseline_currency"]
    assert "not a date" in columns["consent_date"]
    assert Trainee.objects.count() == 0


def test_employment_before_enrolment_start_writes_nothing(loaded):
    text = ("external_key,trainee,country,start_date,occupation_code\n"
            "J-1,T-1,KZ,2025-08-01,7233\n"
            "J-2,T-1,KZ,2024-05-01,7233\n")
    result = import_file(None, "employment", _csv(text), "j.csv")
    assert [(e.row, e.column) for e in result.errors] == [(3, "start_date")]
    assert "before the enrolment start (2024-09-01)" in result.errors[0].message
    assert Employment.objects.count() == 0
    ok = import_file(None, "employment", _csv(text.rsplit("J-2", 1)[0]), "j.csv")
    assert ok.committed and Employment.objects.get().enrolment.external_key == "E-1"


def test_enrolments_need_known_trainee_and_project(loaded):
    text = "external_key,trainee,project,status,start_date\nE-9,T-404,proj-404,enrolled,2024-01-01\n"
    result = import_file(None, "enrolments", _csv(text), "e.csv")
    assert {e.column for e in result.errors} == {"trainee", "project"}
    assert Enrolment.objects.count() == 2


INCOMES = ("trainee,period,amount,currency,source,verified\n"
           "T-1,2025-09,285000,KZT,payroll,yes\n"
           "T-1,2025-10-01,\"290 000,50\",KZT,Payroll,no\n"
           "T-2,2025-09,250000,KZT,survey,\n")


def test_income_file_loads_in_bulk_and_is_idempotent(loaded):
    result = import_file(None, "incomes", _csv(INCOMES), "i.csv")
    assert result.ok and result.committed and result.created == 3
    assert IncomeObservation.objects.filter(trainee__external_key="T-1").count() == 2
    assert float(IncomeObservation.objects.get(trainee__external_key="T-1", period="2025-10-01").amount) == 290000.5
    again = import_file(None, "incomes", _csv(INCOMES), "i.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = import_file(None, "incomes", _csv(INCOMES.replace("285000", "286000")), "i.csv")
    assert (changed.created, changed.updated) == (0, 1)
    assert ImportBatch.objects.count() == 3
    # only the changed row has a new version, so a form opened on it before the import now conflicts
    assert sorted(IncomeObservation.objects.values_list("version", flat=True)) == [1, 1, 2]


def test_income_in_unknown_currency_writes_nothing(loaded):
    text = INCOMES + "T-2,2025-10,250000,ABC,survey,\nT-404,2025-10,1,KZT,survey,\nT-2,2025-13,1,KZT,tax,\n"
    result = import_file(None, "incomes", _csv(text), "i.csv")
    assert not result.committed
    found = {(e.row, e.column) for e in result.errors}
    assert (5, "currency") in found and (7, "period") in found
    assert any("ABC" in e.message for e in result.errors)
    assert IncomeObservation.objects.count() == 0
    only_unknown_trainee = INCOMES + "T-404,2025-10,1,KZT,survey,\n"
    result = import_file(None, "incomes", _csv(only_unknown_trainee), "i.csv")
    assert [(e.row, e.column) for e in result.errors] == [(5, "trainee")]
    assert IncomeObservation.objects.count() == 0


def test_duplicate_income_rows_in_file(loaded):
    text = INCOMES + "T-1,2025-09,1,KZT,payroll,\n"
    result = import_file(None, "incomes", _csv(text), "i.csv")
    assert [(e.row, e.column) for e in result.errors] == [(5, "period")]
    assert "row 2" in result.errors[0].message


def test_income_xlsx_and_semicolon_csv(loaded):
    book = Workbook()
    sheet = book.active
    for row in [line.split(",") for line in INCOMES.replace('"290 000,50"', "290000.5").strip().split("\n")]:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    assert import_file(None, "incomes", buf.getvalue(), "i.xlsx").created == 3
    semi = "trainee;period;amount;currency;source\nT-2;2025-11;260000,5;KZT;tax record\n"
    assert import_file(None, "incomes", _csv(semi), "i.csv").created == 1


def test_only_permitted_users_import(loaded, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_file(users["enterprise"], "incomes", _csv(INCOMES), "i.csv")
    assert import_file(users["institution"], "incomes", _csv(INCOMES), "i.csv").committed


def test_income_errors_are_all_counted_and_found_together(loaded):
    # a dotted month, duplicates of known and of unknown trainees, and cell errors, in one file
    text = ("trainee,period,amount,currency,source\n"
            "T-1,01.09.2025,100,KZT,payroll\n"
            "T-1,2025-09,100,KZT,payroll\n"
            "T-404,2025-09,1,KZT,survey\n"
            "T-404,2025-09,1,KZT,survey\n"
            "T-2,2025-09,-5,KZT,tax\n"
            "T-2,2025-10,x,KZT,tax\n")
    result = import_file(None, "incomes", _csv(text), "i.csv")
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "period"), (4, "trainee"), (5, "period"), (5, "trainee"), (6, "amount"), (7, "amount")]
    assert "row 2" in result.errors[0].message and "row 4" in result.errors[2].message
    assert result.error_count == len(result.errors) == 6
    assert IncomeObservation.objects.count() == 0


def test_income_import_takes_ids_from_the_sequence(loaded):
    """The column path reserves ids itself on PostgreSQL: single writes after it must not collide."""
    import datetime as dt
    from decimal import Decimal

    from tvetbridge.core.services import system_user
    from tvetbridge.outcomes import services

    assert import_file(None, "incomes", _csv(INCOMES), "i.csv").created == 3
    t2 = Trainee.objects.get(external_key="T-2")
    one = services.record_income(system_user(), {"trainee": t2, "period": dt.date(2026, 1, 1), "amount": Decimal(5),
                                        "currency": "KZT", "source": "tax"})
    assert one.pk > max(IncomeObservation.objects.exclude(pk=one.pk).values_list("pk", flat=True))
    assert import_file(None, "incomes", _csv(INCOMES.replace("2025-09", "2025-12")), "i.csv").created == 2
    assert IncomeObservation.objects.count() == 6


def test_trainee_deleted_while_the_file_is_checked_writes_nothing(loaded, monkeypatch):
    import polars as pl

    from tvetbridge.outcomes.io import incomes as bulk_import

    gone = Trainee.objects.create(external_key="T-GONE")
    resolved = bulk_import._trainee_keys(pl.Series(["T-GONE"]))
    gone.delete()  # after its key was resolved, before the write locks the trainees
    monkeypatch.setattr(bulk_import, "_trainee_keys", lambda keys: resolved)
    text = "trainee,period,amount,currency,source\nT-GONE,2025-09,1,KZT,tax\n"
    result = import_file(None, "incomes", _csv(text), "i.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "trainee")] and not result.committed
    assert IncomeObservation.objects.count() == 0 and ImportBatch.objects.count() == 0
