"""Imports of faculty language certificates and of HSK results: levels checked against their scales,
bad rows reported by row and column, nothing written unless every row is good."""

import pytest

from tvetbridge.teachers import io
from tvetbridge.teachers.models import LanguageProficiency


@pytest.fixture
def holders(world):
    from tvetbridge.outcomes.models import Trainee
    from tvetbridge.registry.models import FacultyMember

    FacultyMember.objects.create(external_key="fm-1", institution=world["alt"], full_name="Aigerim S.")
    FacultyMember.objects.create(external_key="fm-2", institution=world["urumqi"], full_name="Li Wei")
    Trainee.objects.create(external_key="tr-1", institution=world["alt"])
    Trainee.objects.create(external_key="tr-2", institution=world["alt"])
    return world


def csv(*rows: str) -> bytes:
    return "\n".join(rows).encode()


FACULTY_HEADER = "external_key,faculty,language,scale,level,certificate,certified_on,issuer"


def test_faculty_certificates_import_and_reimport_unchanged(holders, users):
    data = csv(FACULTY_HEADER, "c1,fm-1,zh,hsk3,HSK 5,H51,2024-05-01,Almaty CI",
               "c2,fm-2,ru,torfl,ТРКИ-2,R2,2023-10-10,SPbU", "c3,fm-2,kk,kaztest,B1,,,")
    result = io.import_faculty_languages(users["coordinator"], data, "certs.csv")
    assert result.ok and result.committed and result.counts["create"] == 3
    stored = {p.external_key: (p.level, p.rank) for p in LanguageProficiency.objects.all()}
    assert stored == {"c1": ("5", 35), "c2": ("2", 40), "c3": ("B1", 30)}
    again = io.import_faculty_languages(users["coordinator"], data, "certs.csv")
    assert again.counts["unchanged"] == 3 and again.ok


def test_bad_rows_are_named_and_nothing_is_written(holders, users):
    data = csv(FACULTY_HEADER, "c1,fm-1,zh,hsk3,5,,,",
               "c2,fm-1,zh,hsk2,7,,,",           # the older HSK stops at 6
               "c3,fm-2,zh,torfl,2,,,",           # ТРКИ measures Russian
               "c4,fm-9,ru,cefr,B2,,,",           # no such teacher
               "c5,fm-2,kk,kaztest,C2,,,",        # KAZTEST has no C2
               "c6,fm-2,ru,ielts,7,,,",           # not a scale
               "c7,fm-2,ru,cefr,B2,,2099-01-01,")  # a certificate from the future
    result = io.import_faculty_languages(users["coordinator"], data, "certs.csv")
    assert not result.ok and not result.committed
    by_row = {(e.row, e.column) for e in result.errors}
    assert by_row == {(3, "level"), (4, "scale"), (5, "faculty"), (6, "level"), (7, "scale"), (8, "certified_on")}
    assert "1, 2, 3, 4, 5, 6" in next(e.message for e in result.errors if e.row == 3)
    assert not LanguageProficiency.objects.exists()


def test_hsk_results_import_for_trainees(holders, users):
    header = "external_key,trainee,scale,level,certificate,certified_on,issuer"
    data = csv(header, "h1,tr-1,,HSK 4,H41001,2024-06-15,Atyrau HSK centre", "h2,tr-2,hsk2,3,H31,2020-06-15,Almaty CI")
    result = io.import_hsk_results(users["institution"], data, "hsk.xlsx.csv")
    assert result.ok and result.committed
    got = {p.trainee.external_key: (p.language_id, p.scale, p.level) for p in LanguageProficiency.objects.all()}
    assert got == {"tr-1": ("zh", "hsk3", "4"), "tr-2": ("zh", "hsk2", "3")}


def test_hsk_results_out_of_scale_or_of_another_institution(holders, users, world):
    from tvetbridge.outcomes.models import Trainee

    Trainee.objects.create(external_key="tr-x", institution=world["other_institution"])
    header = "external_key,trainee,level"
    result = io.import_hsk_results(users["institution"], csv(header, "h1,tr-1,10", "h2,tr-x,3"), "hsk.csv")
    assert {(e.row, e.column) for e in result.errors} == {(2, "level"), (3, "trainee")}
    assert not LanguageProficiency.objects.exists()


def test_who_may_not_import_learns_nothing(holders, users):
    result = io.import_hsk_results(users["enterprise"], b"not even a file", "x.csv")
    assert [e.message for e in result.errors] == ["You may not import language levels."]


def test_xlsx_files_are_read_too(holders, users):
    from tvetbridge.registry.io.files import write_xlsx

    data = write_xlsx(FACULTY_HEADER.split(","), [["c1", "fm-1", "ru", "torfl", "TBU", "", "", ""]], title="x")
    result = io.import_faculty_languages(users["coordinator"], data, "certs.xlsx")
    assert result.ok and LanguageProficiency.objects.get().level == "TBU"
