"""The catalogue as its users see it: owners publish, the public finds published resources in any
language, trainees' learning reaches their record, outcomes and the usage statistics."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tvetbridge.library import queries, services
from tvetbridge.library.models import EnrolmentRecord, Resource
from tvetbridge.outcomes.models import LearningProgress


def publish_with_skill(w):
    staff = w["users"]["institution"]
    services.confirm_concepts(staff, w["resource"], skill_ids=[w["skill"].pk], occupation_ids=[w["occupation"].pk])
    return services.set_status(staff, w["resource"], "published")


def test_drafts_are_hidden_from_the_public_until_published(library_world):
    w = library_world
    public = w["users"]["public"]
    assert not queries.search(public, "").resources
    assert w["resource"] in queries.search(w["users"]["institution"], "").resources
    publish_with_skill(w)
    assert [r.pk for r in queries.search(public, "").resources] == [w["resource"].pk]


@pytest.mark.parametrize("query", ["дәнекерлеушілерге арналған", "焊接技术", "welding", "сварщики"])
def test_a_query_in_any_language_finds_the_module_through_its_skills(library_world, query):
    w = library_world
    publish_with_skill(w)
    found = queries.search(w["users"]["public"], query)
    assert [r.pk for r in found.resources] == [w["resource"].pk]


def test_filters_narrow_the_search(library_world):
    w = library_world
    publish_with_skill(w)
    public = w["users"]["public"]
    assert queries.search(public, "welding", queries.SearchFilters(language="ru")).resources
    assert not queries.search(public, "welding", queries.SearchFilters(language="kk")).resources
    assert not queries.search(public, "welding", queries.SearchFilters(kind="textbook")).resources
    assert queries.search(public, "welding", queries.SearchFilters(country="KZ")).resources


def test_only_the_owner_edits_and_a_stale_version_is_a_conflict(library_world, make_user):
    w = library_world
    other = make_user("institution", institution=w["other_institution"], username="other-staff")
    with pytest.raises(PermissionDenied):
        services.save_resource(other, {"authors": "x"}, instance=w["resource"])
    staff = w["users"]["institution"]
    services.save_resource(staff, {"authors": "A. Author"}, instance=w["resource"], version=1)
    with pytest.raises(services.Conflict):
        services.save_resource(staff, {"authors": "B. Author"}, instance=w["resource"], version=1)
    assert Resource.objects.get(pk=w["resource"].pk).authors == "A. Author"
    assert w["resource"].history.count() >= 2


@pytest.mark.parametrize("name, content, message", [
    ("tool.exe", b"MZ\x90\x00", "not accepted"),
    ("notes.pdf", b"not a pdf at all", "not a .pdf file"),
])
def test_disallowed_uploads_are_refused_and_nothing_is_saved(library_world, name, content, message):
    w = library_world
    before = Resource.objects.count()
    with pytest.raises(ValidationError, match=message):
        services.save_resource(w["users"]["institution"], {"kind": "textbook", "title_en": "T",
                                                           "file": SimpleUploadedFile(name, content)})
    assert Resource.objects.count() == before


def test_oversized_upload_is_refused(library_world, settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError, match="larger than"):
        services.validate_upload(SimpleUploadedFile("a.pdf", b"%PDF-1.7 " + b"x" * 100))


def test_learning_reaches_the_record_outcomes_and_usage(library_world, settings):
    import datetime as dt

    from django.utils import timezone

    from tvetbridge.library.models import Statement

    w = library_world
    resource = publish_with_skill(w)
    trainee_user = w["users"]["trainee"]
    services.record_event(trainee_user, resource, "launched")
    # the trainee spent 40 minutes on it
    Statement.objects.update(timestamp=timezone.now() - dt.timedelta(minutes=40))
    services.record_event(trainee_user, resource, "completed")
    record = EnrolmentRecord.objects.get(enrolment=w["enrolment"])
    assert record.modules_completed == 1
    progress = LearningProgress.objects.get(enrolment=w["enrolment"])
    assert float(progress.hours) == pytest.approx(0.7, abs=0.05)
    assert progress.modules_total == 1
    # staff actions are not learning
    assert services.record_event(w["users"]["institution"], resource, "launched") is None
    table = queries.usage_table("resource", public=False)
    assert table.rows[0]["visits"] == 1 and table.rows[0]["learners"] == 1
    assert table.rows[0]["hours"] == pytest.approx(40 / 60, abs=0.02)
    public = queries.usage_table("resource", public=True)
    assert public.rows[0]["withheld"] and public.totals["hours"] is None


def test_voiding_a_statement_updates_the_progress(library_world):
    w = library_world
    resource = publish_with_skill(w)
    sid = services.record_event(w["users"]["trainee"], resource, "completed")
    assert EnrolmentRecord.objects.get(enrolment=w["enrolment"]).modules_completed == 1
    from tvetbridge.library.xapi.services import store_statements

    store_statements(services.platform_client(), [{
        "actor": {"mbox": "mailto:registrar@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": sid}}])
    assert EnrolmentRecord.objects.get(enrolment=w["enrolment"]).modules_completed == 0


def test_pages(library_world, client):
    w = library_world
    publish_with_skill(w)
    assert client.get("/library/?q=дәнекерлеу").status_code == 200
    assert client.get(f"/library/r/{w['resource'].pk}/").status_code == 200
    assert client.get("/library/usage/?by=country").status_code == 200
    res = client.get("/library/usage/?format=csv")
    assert res["Content-Type"].startswith("text/csv")
    res = client.get("/library/usage/?format=xlsx")
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(res.content)).active.max_row >= 1
    client.force_login(w["users"]["trainee"])
    assert client.get("/library/my-learning/").status_code == 200
    client.force_login(w["users"]["institution"])
    res = client.post("/library/lrs-clients/", {"name": "College Moodle", "scope": "write"})
    assert res.status_code == 200 and "College Moodle" in res.content.decode()
    client.force_login(w["users"]["enterprise"])
    assert client.get("/library/lrs-clients/").status_code == 403


def test_menu_links_lead_nowhere_forbidden(library_world, client):
    """Every library link in the menu opens for the role that sees it."""
    import re

    w = library_world
    for role in ("public", "trainee", "institution", "enterprise", "coordinator"):
        user = w["users"][role]
        if role != "public":
            client.force_login(user)
        else:
            client.logout()
        html = client.get("/").content.decode()
        for href in set(re.findall(r'href="(/library/[^"]*)"', html)):
            assert client.get(href).status_code == 200, (role, href)
