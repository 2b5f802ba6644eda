"""IATI publication end to end: the registry as files that validate, at stable public addresses,
regenerated on publication, refusing bad activities unless a coordinator chooses otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from lxml import etree

from tvetbridge.core.jobs import SCHEDULES
from tvetbridge.opendata import services
from tvetbridge.opendata.engine import iati as engine
from tvetbridge.opendata.io import iati as xml
from tvetbridge.opendata.models import IatiFile
from tvetbridge.registry.models import CooperationProject

from .conftest import TODAY

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _file(kind="activity") -> bytes:
    return bytes(IatiFile.objects.get(kind=kind).content)


def test_publishing_writes_an_activity_file_that_validates_and_passes_the_ruleset(published):
    content = _file()
    assert xml.schema_errors(content, "activity") == []
    assert xml.code_errors(content) == []
    doc = etree.fromstring(content)
    [act] = doc.findall("iati-activity")
    assert act.findtext("iati-identifier") == "KZ-BIN-990140000483-LW-ALT-2023"
    assert act.find("reporting-org").get("ref") == "KZ-BIN-990140000483"
    titles = {n.get(XML_LANG, "en"): n.text for n in act.find("title")}
    assert titles == {"en": "Luban Workshop (ALT)", "zh": "鲁班工坊（阿拉木图）", "ru": "Мастерская Лу Баня (ALT)",
                      "kk": "Лу Бань шеберханасы (ALT)"}
    assert act.find("activity-status").get("code") == "2"
    assert {d.get("type"): d.get("iso-date") for d in act.findall("activity-date")} == {
        "2": "2023-09-01", "3": "2027-06-30"}
    assert act.find("recipient-country").get("code") == "KZ"
    assert [(s.get("vocabulary"), s.get("code")) for s in act.findall("sector")] == [("1", "11330")]
    refs = {(p.get("role"), p.get("ref")) for p in act.findall("participating-org")}
    assert ("2", "KZ-BIN-990140000483") in refs and ("4", "CN-USC-12650000458600789X") in refs
    # budget: the project's funding; transactions: the ledger postings, at their amounts
    assert act.find("budget/value").text == "2500000.00"
    txns = {t.findtext("transaction-type") or t.find("transaction-type").get("code"): t.findtext("value")
            for t in act.findall("transaction")}
    assert txns == {"1": "300000.00", "4": "120000.50"}
    # results: targets with baseline, target and actual from the outcomes data
    from tvetbridge.outcomes.queries import target_progress
    expected = [r for r in target_progress(published["project"], public=True) if r["region_id"] is None]
    indicators = act.findall("result/indicator")
    assert len(indicators) == len(expected) >= 3
    trainees = next(i for i in indicators if i.find("title/narrative").text == "trainees enrolled")
    row = next(r for r in expected if r["indicator"] == "trainees")
    assert trainees.find("baseline").get("value") == "0"
    assert Decimal(trainees.find("period/target").get("value")) == Decimal(str(row["target"]))
    assert Decimal(trainees.find("period/actual").get("value")) == Decimal(str(round(row["actual"], 2)))
    # and the organisation file lists the publisher with a total budget
    org = _file("organisation")
    assert xml.schema_errors(org, "organisation") == [] and xml.code_errors(org) == []
    orgs = etree.fromstring(org).findall("iati-organisation")
    assert [o.findtext("organisation-identifier") for o in orgs] == ["KZ-BIN-990140000483"]


def test_the_ruleset_finds_nothing_in_the_published_data(published):
    from tvetbridge.opendata import queries

    activities, findings = queries.activities(today=TODAY)
    assert findings == [] and engine.check_activities(activities, TODAY, xml.codelists()) == []


def test_the_files_are_public_with_etags(published, client):
    url = reverse("opendata_iati_file", args=["activity"])
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/xml")
    assert resp.content == _file()
    again = client.get(url, HTTP_IF_NONE_MATCH=resp["ETag"])
    assert again.status_code == 304
    page = client.get(reverse("opendata_iati"))
    assert page.status_code == 200 and url.encode() in page.content
    # what is wrong with projects is for members, not the public
    assert b"last check" not in page.content


def test_a_project_without_start_date_is_reported_by_name_and_field_and_the_file_is_kept(published, client, users):
    before = _file()
    CooperationProject.objects.filter(pk=published["project"].pk).update(start_date=None)
    result = services.generate_files(today=TODAY)
    assert result["refused"] and result["activities"] == 0
    row = IatiFile.objects.get(kind="activity")
    assert bytes(row.content) == before
    assert {(p["key"], p["field"], p["code"]) for p in row.problems} >= {
        (str(published["project"].pk), "start_date", "start_missing")}
    client.force_login(users["coordinator"])
    page = client.get(reverse("opendata_iati")).content.decode()
    assert "Luban Workshop (ALT)" in page and "start date" in page and "The project has no start date." in page


def test_the_valid_rest_is_written_only_when_a_coordinator_chooses_so(published, world, users, client):
    other = CooperationProject.objects.create(external_key="proj-2", name="Bad sector project", kind="order_class",
                                              status="approved", host_country=world["kz"],
                                              start_date=dt.date(2025, 1, 1))
    other.partner_institutions.add(world["alt"])
    services.publish_project(users["coordinator"], project=other, publisher=published["alt"], sectors="99999")
    row = IatiFile.objects.get(kind="activity")
    assert row.refused and any(p["code"] == "sector_unknown" and p["key"] == str(other.pk) for p in row.problems)
    assert etree.fromstring(bytes(row.content)).findtext("iati-activity/iati-identifier").endswith("LW-ALT-2023")
    with pytest.raises(PermissionDenied):
        services.regenerate_now(users["institution"], skip_invalid=True)
    client.force_login(users["coordinator"])
    resp = client.post(reverse("opendata_iati_regenerate"), {"skip_invalid": "1"})
    assert resp.status_code == 302, resp.content.decode()[:3000]
    row.refresh_from_db()
    assert not row.refused and row.left_out == 1 and row.n_records == 1
    assert xml.schema_errors(bytes(row.content), "activity") == []


def test_unreadable_sectors_name_the_part(published, world, users):
    other = CooperationProject.objects.create(external_key="proj-3", name="Typo project", kind="order_class",
                                              status="approved", host_country=world["kz"],
                                              start_date=dt.date(2025, 1, 1))
    other.partner_institutions.add(world["alt"])
    services.publish_project(users["coordinator"], project=other, publisher=published["alt"], sectors="1133O")
    row = IatiFile.objects.get(kind="activity")
    assert {"key": str(other.pk), "field": "sector", "code": "sector_syntax"}.items() <= next(
        p for p in row.problems if p["key"] == str(other.pk)).items()


def test_only_published_approved_projects_appear(published, world, users):
    draft = CooperationProject.objects.create(external_key="proj-d", name="Draft idea", kind="order_class",
                                              status="draft", host_country=world["kz"])
    draft.partner_institutions.add(world["alt"])
    with pytest.raises(Exception, match="approved"):
        services.publish_project(users["coordinator"], project=draft, publisher=published["alt"])
    services.generate_files(today=TODAY)
    assert b"Draft idea" not in _file()
    assert b"proj-d" not in _file()


def test_institution_staff_publish_only_their_own_projects_as_their_own_publisher(published, world, make_user, users):
    other_staff = make_user("institution", institution=world["other_institution"], username="other-staff")
    project = CooperationProject.objects.create(external_key="proj-4", name="ALT order class", kind="order_class",
                                                status="active", host_country=world["kz"],
                                                start_date=dt.date(2024, 1, 1))
    project.partner_institutions.add(world["alt"])
    with pytest.raises(PermissionDenied):
        services.publish_project(other_staff, project=project, publisher=published["alt"])
    with pytest.raises(PermissionDenied):
        services.publish_project(users["institution"], project=project, publisher=published["urumqi"])
    pub = services.publish_project(users["institution"], project=project, publisher=published["alt"])
    assert pub.identifier == "KZ-BIN-990140000483-proj-4"
    with pytest.raises(PermissionDenied):
        services.register_publisher(other_staff, institution=world["alt"], identifier="KZ-BIN-1")


def test_small_counts_are_withheld_in_results(world, users):
    from tvetbridge.demo import outcomes as demo_outcomes
    from tvetbridge.outcomes import services as outcomes
    from tvetbridge.outcomes.models import Enrolment

    project = world["project"]
    CooperationProject.objects.filter(pk=project.pk).update(start_date=dt.date(2023, 9, 1))
    outcomes.set_target(users["coordinator"], {"project": project, "indicator": "trainees", "value": Decimal(10)})
    demo_outcomes.generate([project], seed=5, per_project=150, today=TODAY)
    keep = list(Enrolment.objects.filter(project=project).exclude(status="applied")
                .values_list("trainee_id", flat=True).distinct()[:3])
    Enrolment.objects.filter(project=project).exclude(trainee_id__in=keep).delete()
    pub = services.register_publisher(users["coordinator"], institution=world["alt"], identifier="KZ-BIN-990140000483")
    services.publish_project(users["coordinator"], project=project, publisher=pub)
    indicators = etree.fromstring(_file()).findall("iati-activity/result/indicator")
    assert indicators
    for indicator in indicators:  # every figure of the project is about 3 people: none is published
        assert indicator.find("period/actual").get("value") is None


def test_files_regenerate_every_day():
    schedule = SCHEDULES["daily-iati-files"]
    assert schedule.kind == "opendata.regenerate_iati" and schedule.cadence == "daily"


def test_a_malformed_organisation_identifier_is_refused(world, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.register_publisher(users["coordinator"], institution=world["alt"], identifier="ALT University")
    assert "identifier" in exc.value.message_dict


def test_reading_the_activities_takes_the_same_queries_for_one_project_or_many(published, world, users):
    """The export reads set-based: more published projects (with institutions, enterprises, funders)
    add rows, not queries; only a project with targets adds its own progress reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tvetbridge.opendata import queries
    from tvetbridge.registry.models import ProjectFunding

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            queries.activities(today=TODAY)
        return len(ctx)

    before = count()
    for n in range(3):
        p = CooperationProject.objects.create(external_key=f"proj-many-{n}", name=f"Order class {n}",
                                              kind="order_class", status="active", host_country=world["kz"],
                                              start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 6, 30))
        p.partner_institutions.add(world["alt"])
        p.chinese_institutions.add(world["urumqi"])
        p.enterprises.add(world["jd"], world["other_enterprise"])
        ProjectFunding.objects.create(project=p, kind="enterprise", funder="JD", amount=Decimal(1000), currency="CNY")
        services.publish_project(users["coordinator"], project=p, publisher=published["alt"])
    activities, _findings = queries.activities(today=TODAY)
    assert len(activities) == 4
    assert count() == before
