"""A governance world: a Chinese operator running the conftest's Luban Workshop in Kazakhstan."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture
def gov(world, users, make_user):
    from tvetbridge.core.services import system_user
    from tvetbridge.governance import services

    system = system_user()
    urumqi_staff = make_user("institution", institution=world["urumqi"], username="urumqi-staff")
    other_staff = make_user("institution", institution=world["other_institution"], username="other-staff")
    today = dt.date.today()
    protecting = services.create_agreement(system, {
        "title": "Kazakhstan–China framework on vocational cooperation", "level": "intergovernmental",
        "kind": "framework", "status": "signed", "signed_on": today - dt.timedelta(days=400),
        "effective_from": today - dt.timedelta(days=400), "expires_on": today + dt.timedelta(days=60),
        "renewal": "by_agreement", "renewal_notice_days": 90, "other_parties": "Ministry of Education of the PRC",
        "institutions": [world["urumqi"], world["alt"]], "projects": [world["project"]]})
    services.add_clause(system, protecting, {"kind": "student_transfer", "reference": "Art. 9",
                                             "text": "Enrolled students finish at the partner college."})
    bare = services.create_agreement(system, {
        "title": "Memorandum on teacher exchange", "level": "institutional", "kind": "memorandum",
        "status": "signed", "signed_on": today - dt.timedelta(days=30), "institutions": [world["alt"]]})
    confidential = services.create_agreement(system, {
        "title": "Confidential order contract", "level": "institutional", "kind": "order_training",
        "status": "signed", "signed_on": today, "confidential": True, "institutions": [world["alt"]]})
    draft = services.create_agreement(system, {"title": "Draft recognition agreement", "level": "ministerial",
                                               "kind": "recognition"})
    return {**world, **users, "urumqi_staff": urumqi_staff, "other_staff": other_staff, "protecting": protecting,
            "bare": bare, "confidential": confidential, "draft": draft, "today": today}


EXIT_PLAN = {"students": "Finish the current year; transfer the rest to ALT University.",
             "teachers": "Return to Urumqi within 60 days.", "assets": "Equipment donated to the host college.",
             "notice_days": 90}


@pytest.fixture
def operation(gov):
    from tvetbridge.governance import services

    return services.create_operation(gov["urumqi_staff"], {
        "project": gov["project"], "kind": "luban_workshop", "site": "ALT University, Almaty",
        "qualifications": "Accredited by the Xinjiang education department; three workshops run since 2019.",
        "teachers_dispatched": 4, "students_planned": 60})


@pytest.fixture
def network(gov):
    """A bilateral committee that met, a skills competition with a faculty judge and trainee competitors,
    and an unpublished study tour."""
    from tvetbridge.core.services import system_user
    from tvetbridge.governance import services
    from tvetbridge.outcomes.models import Trainee
    from tvetbridge.registry.models import FacultyMember

    system = system_user()
    today = gov["today"]
    committee = services.create_committee(gov["coordinator"], {
        "name": "China–Kazakhstan vocational education coordination committee", "kind": "bilateral",
        "countries": [gov["cn"], gov["kz"]], "mandate": "Steers the Luban Workshop programme."})
    services.add_member(gov["coordinator"], committee, {"name": "Li Wei", "role": "chair",
                                                        "institution": gov["urumqi"]})
    meeting = services.create_event(gov["coordinator"], {
        "title": "Third meeting of the coordination committee", "kind": "committee_meeting", "status": "held",
        "committee": committee, "starts_on": today - dt.timedelta(days=20), "ends_on": today - dt.timedelta(days=20),
        "country": gov["kz"], "city": "Almaty", "projects": [gov["project"]], "agreements": [gov["protecting"]]})
    competition = services.create_event(gov["coordinator"], {
        "title": "Central Asia logistics skills competition", "kind": "skills_competition", "status": "held",
        "starts_on": today - dt.timedelta(days=40), "ends_on": today - dt.timedelta(days=38), "country": gov["kz"],
        "city": "Almaty", "organiser": gov["alt"], "projects": [gov["project"]]})
    tour = services.create_event(system, {
        "title": "Study tour of Tianjin workshops", "kind": "study_tour", "status": "planned", "published": False,
        "starts_on": today + dt.timedelta(days=30), "ends_on": today + dt.timedelta(days=35), "country": gov["cn"],
        "organiser": gov["urumqi"]})
    teacher = FacultyMember.objects.create(external_key="fac-1", institution=gov["urumqi"], full_name="Wang Fang")
    trainees = [Trainee.objects.create(external_key=f"tr-{i}", institution=gov["alt"]) for i in range(3)]
    return {**gov, "committee": committee, "meeting": meeting, "competition": competition, "tour": tour,
            "teacher": teacher, "trainees": trainees}
