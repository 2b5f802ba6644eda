"""Structured language levels on records: one validator for every path, the institution's scope,
and the migration that carries the older free levels over."""

import datetime as dt

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError

from tvetbridge.core.services import system_user
from tvetbridge.teachers import queries, services
from tvetbridge.teachers.models import LanguageProficiency, ProgrammeLanguageRequirement


@pytest.fixture
def teacher(world):
    from tvetbridge.registry.models import FacultyMember

    return FacultyMember.objects.create(external_key="fm-alt-1", institution=world["alt"], full_name="Aigerim S.")


def test_a_certificate_is_recorded_with_its_level_normalised(world, users, teacher):
    p = services.record_proficiency(users["institution"], {
        "external_key": "cert-1", "faculty": teacher, "language_id": "zh", "scale": "hsk3", "level": "HSK 6",
        "certificate": "H61002", "certified_on": dt.date(2024, 6, 1), "issuer": "Atyrau HSK centre"})
    assert (p.level, p.rank, p.cefr, p.certified) == ("6", 40, "B2", True)
    assert p.history.first().history_user == users["institution"]
    assert queries.best_ranks([teacher.pk]) == {teacher.pk: {"zh": 40}}


def test_a_level_off_its_scale_names_the_level_field(world, users, teacher):
    with pytest.raises(ValidationError) as exc:
        services.record_proficiency(users["coordinator"], {
            "external_key": "cert-2", "faculty": teacher, "language_id": "zh", "scale": "torfl", "level": "2"})
    assert "level" in exc.value.message_dict and "ru" in exc.value.message_dict["level"][0]
    assert not LanguageProficiency.objects.exists()


def test_staff_record_levels_only_for_their_own_institution(world, users):
    from tvetbridge.registry.models import FacultyMember

    elsewhere = FacultyMember.objects.create(external_key="fm-other", institution=world["other_institution"],
                                             full_name="Other teacher")
    with pytest.raises(PermissionDenied):
        services.record_proficiency(users["institution"], {
            "external_key": "cert-3", "faculty": elsewhere, "language_id": "ru", "scale": "cefr", "level": "C1"})


def test_a_certificate_outranks_what_was_declared(world, teacher):
    from tvetbridge.core.models import Language
    from tvetbridge.registry.models import FacultyLanguage

    FacultyLanguage.objects.create(faculty=teacher, language=Language.objects.get(code="ru"), level="B2")
    assert queries.best_ranks([teacher.pk]) == {teacher.pk: {"ru": 40}}
    services.record_proficiency(system_user(), {
        "external_key": "cert-4", "faculty": teacher, "language_id": "ru", "scale": "torfl", "level": "ТБУ"})
    # Tested at A2 (ТБУ): the certificate stands, not the B2 the record declared.
    assert queries.best_ranks([teacher.pk]) == {teacher.pk: {"ru": 20}}


def test_programmes_state_required_levels_the_same_way(world, users):
    req = services.set_programme_requirement(users["institution"], {
        "programme": world["programme"], "language_id": "zh", "scale": "hsk3", "level": "4"})
    again = services.set_programme_requirement(users["institution"], {
        "programme": world["programme"], "language_id": "zh", "scale": "hsk2", "level": "HSK 4"})
    assert again.pk == req.pk and (again.scale, again.cefr) == ("hsk2", "B2")
    assert ProgrammeLanguageRequirement.objects.count() == 1


def test_the_migration_carries_old_levels_over(world):
    import importlib

    from tvetbridge.core.models import Language
    from tvetbridge.outcomes.models import Credential, Trainee
    from tvetbridge.registry.models import FacultyLanguage, FacultyMember

    migration = importlib.import_module("tvetbridge.teachers.migrations.0002_levels_from_existing_records")
    member = FacultyMember.objects.create(external_key="fm-m", institution=world["urumqi"], full_name="Li Wei")
    FacultyLanguage.objects.create(faculty=member, language=Language.objects.get(code="ru"), level="B1")
    FacultyLanguage.objects.create(faculty=member, language=Language.objects.get(code="zh"), level="native")
    trainee = Trainee.objects.create(external_key="tr-m", institution=world["alt"])
    Credential.objects.create(trainee=trainee, kind="language", name="HSK", level="HSK 4", issuer="Almaty centre",
                              awarded=dt.date(2023, 5, 1))
    Credential.objects.create(trainee=trainee, kind="language", name="IELTS", level="6.5", awarded=dt.date(2023, 5, 1))
    migration.forwards(django_apps, None)
    got = {(p.faculty_id or p.trainee_id, p.language_id, p.scale, p.level, p.issuer)
           for p in LanguageProficiency.objects.all()}
    assert got == {(member.pk, "ru", "cefr", "B1", ""), (member.pk, "zh", "native", "native", ""),
                   (trainee.pk, "zh", "hsk2", "4", "Almaty centre")}
    migration.backwards(django_apps, None)
    assert not LanguageProficiency.objects.exists()
