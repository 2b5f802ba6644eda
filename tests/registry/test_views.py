"""Registry pages as a signed-in member uses them: list, search, filter, sort, detail, forms."""

import pytest
from django.urls import reverse
from django.utils import translation

from tvetbridge.core.models import Source
from tvetbridge.registry.models import CooperationProject, Institution, Programme, ReportedResult


@pytest.fixture
def coordinator_client(client, users):
    client.force_login(users["coordinator"])
    return client


def test_list_requires_login(client, world):
    response = client.get(reverse("institution_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_institution_list_search_filter_and_sort(coordinator_client, world):
    url = reverse("institution_list")
    page = coordinator_client.get(url).content.decode()
    assert "ALT University" in page and "Urumqi Vocational University" in page
    page = coordinator_client.get(url, {"q": "urumqi"}).content.decode()
    assert "Urumqi Vocational University" in page and "ALT University" not in page
    page = coordinator_client.get(url, {"country": "KZ"}).content.decode()
    assert "ALT University" in page and "Urumqi" not in page
    page = coordinator_client.get(url, {"field": "10"}).content.decode()  # broad field includes 104
    assert "Urumqi" in page and "ALT University" not in page
    page = coordinator_client.get(url, {"kind": "college"}).content.decode()
    assert "Other College" in page and "ALT University" not in page
    rows = coordinator_client.get(url, {"sort": "-name"}).context["rows"]
    assert [str(r["title"]) for r in rows] == ["Urumqi Vocational University", "Other College", "ALT University"]


def test_search_finds_translated_name_in_active_language(coordinator_client, world):
    alt = world["alt"]
    alt.name_ru = "Университет АЛТ"
    alt.save()
    with translation.override("ru"):
        url = reverse("institution_list")
    assert url.startswith("/ru/")
    response = coordinator_client.get(url, {"q": "университет"})
    page = response.content.decode()
    assert "Университет АЛТ" in page and "Urumqi" not in page


def test_synthetic_filter_and_badge(coordinator_client, world):
    Institution.objects.filter(pk=world["other_institution"].pk).update(is_synthetic=True)
    url = reverse("institution_list")
    page = coordinator_client.get(url, {"synthetic": "yes"}).content.decode()
    assert "Other College" in page and "ALT University" not in page and "badge synthetic" in page
    page = coordinator_client.get(url, {"synthetic": "no"}).content.decode()
    assert "Other College" not in page


@pytest.mark.parametrize("name", ["institution", "programme", "facultymember", "facility", "enterprise", "alliance",
                                  "cooperationproject"])
def test_every_list_renders(coordinator_client, world, name):
    assert coordinator_client.get(reverse(f"{name}_list")).status_code == 200
    assert coordinator_client.get(reverse(f"{name}_list"), {"q": "x", "synthetic": "no", "sort": "-name"}).status_code == 200


def test_list_paginates_at_50(coordinator_client, world):
    Programme.objects.bulk_create([
        Programme(external_key=f"bulk-{i}", institution=world["alt"], name=f"Course {i:03}", name_en=f"Course {i:03}",
                  field=world["logistics"], isced_level=4, duration_months=12, intake_capacity=10,
                  expected_graduates=5, is_synthetic=True) for i in range(60)])
    response = coordinator_client.get(reverse("programme_list"))
    assert len(response.context["rows"]) == 50 and response.context["page"].paginator.count == 61
    assert len(coordinator_client.get(reverse("programme_list"), {"page": 2}).context["rows"]) == 11


def test_project_detail_shows_results_with_source_funding_and_partners(coordinator_client, world):
    project = world["project"]
    source = Source.objects.create(key="s1", title="Luban Workshop report", locator="p. 4")
    ReportedResult.objects.create(project=project, indicator="trained", value=349, source=source)
    project.funding.create(kind="government", funder="Tianjin")
    page = coordinator_client.get(reverse("cooperationproject_detail", args=[project.pk])).content.decode()
    for text in ("Luban Workshop (ALT)", "ALT University", "Urumqi Vocational University", "JD", "349",
                 "Luban Workshop report", "p. 4", "Tianjin", "id=\"history-link\""):
        assert text in page, text


def test_detail_marks_synthetic_records(coordinator_client, world):
    Programme.objects.filter(pk=world["programme"].pk).update(is_synthetic=True)
    page = coordinator_client.get(reverse("programme_detail", args=[world["programme"].pk])).content.decode()
    assert "badge synthetic" in page


def _institution_post(**extra):
    data = {"name_en": "New College", "name_ru": "Новый колледж", "name_zh_hans": "新学院", "name_kk": "Жаңа колледж",
            "kind": "college", "country": "KZ"}
    data.update(extra)
    return data


def test_coordinator_creates_institution_in_four_languages(coordinator_client, world, users):
    response = coordinator_client.post(reverse("institution_create"), _institution_post())
    assert response.status_code == 302
    created = Institution.objects.get(name_en="New College")
    assert created.name_kk == "Жаңа колледж" and created.external_key.startswith("institution-")
    assert created.history.first().history_user == users["coordinator"]
    with translation.override("zh-hans"):
        assert Institution.objects.get(pk=created.pk).name == "新学院"


def test_form_errors_are_shown(coordinator_client, world):
    response = coordinator_client.post(reverse("institution_create"), _institution_post(name_en="", kind="bogus"))
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"name_en", "kind"}
    assert not Institution.objects.filter(name_ru="Новый колледж").exists()


def test_model_validation_from_service_maps_to_form_errors(client, world, users):
    client.force_login(users["institution"])
    programme = world["programme"]
    data = {"institution": world["alt"].pk, "name_en": "Smart logistics", "field": "104", "isced_level": 5,
            "duration_months": 24, "intake_capacity": 10, "expected_graduates": 50}
    response = client.post(reverse("programme_edit", args=[programme.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    programme.refresh_from_db()
    assert programme.intake_capacity == 60


def test_institution_staff_form_offers_only_own_institution(client, world, users):
    client.force_login(users["institution"])
    form = client.get(reverse("programme_create")).context["form"]
    assert list(form.fields["institution"].queryset) == [world["alt"]]
    data = {"institution": world["other_institution"].pk, "name_en": "Sneaky", "field": "104", "isced_level": 4,
            "duration_months": 12, "intake_capacity": 10, "expected_graduates": 5}
    response = client.post(reverse("programme_create"), data)
    assert response.status_code == 200 and "institution" in response.context["form"].errors
    assert not Programme.objects.filter(name_en="Sneaky").exists()


def test_institution_staff_edits_own_programme(client, world, users):
    client.force_login(users["institution"])
    programme = world["programme"]
    detail = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert 'id="edit-button"' in detail and 'id="history-link"' not in detail
    data = {"institution": world["alt"].pk, "name_en": "Smart logistics", "name_ru": "Умная логистика",
            "field": "104", "isced_level": 5, "duration_months": 24, "intake_capacity": 80, "expected_graduates": 50}
    response = client.post(reverse("programme_edit", args=[programme.pk]), data)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.intake_capacity == 80 and programme.name_ru == "Умная логистика"
    assert programme.history.first().history_user == users["institution"]


def test_staff_cannot_approve_or_set_approved_status(client, world, users):
    client.force_login(users["institution"])
    project = world["project"]
    form = client.get(reverse("cooperationproject_create")).context["form"]
    assert {c[0] for c in form.fields["status"].choices} <= {"", "draft", "proposed"}
    assert client.post(reverse("cooperationproject_transition", args=[project.pk]),
                       {"transition": "approve"}).status_code == 403


def test_coordinator_approves_proposed_project(coordinator_client, world, users):
    project = world["project"]
    CooperationProject.objects.filter(pk=project.pk).update(status="proposed")
    page = coordinator_client.get(reverse("cooperationproject_detail", args=[project.pk])).content.decode()
    assert 'id="approve-button"' in page
    response = coordinator_client.post(reverse("cooperationproject_transition", args=[project.pk]),
                                       {"comment": "ok", "transition": "approve"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "approved" and project.approved_by == users["coordinator"]


def test_admin_deletes_and_history_keeps_the_record(client, world, users):
    client.force_login(users["admin"])
    other = world["other_enterprise"]
    assert client.get(reverse("enterprise_delete", args=[other.pk])).status_code == 200
    response = client.post(reverse("enterprise_delete", args=[other.pk]))
    assert response.status_code == 302
    assert not type(other).objects.filter(pk=other.pk).exists()
    assert type(other).history.filter(id=other.pk, history_type="-", history_user=users["admin"]).exists()


def test_institution_detail_lists_programmes_without_n_plus_one(coordinator_client, world, django_assert_max_num_queries):
    Programme.objects.bulk_create([
        Programme(external_key=f"b-{i}", institution=world["alt"], name_en=f"P{i}", field=world["logistics"],
                  isced_level=4, duration_months=12, intake_capacity=10, expected_graduates=5) for i in range(30)])
    with django_assert_max_num_queries(20):
        page = coordinator_client.get(reverse("institution_detail", args=[world["alt"].pk])).content.decode()
    assert "Smart logistics" in page and "(31)" in page
