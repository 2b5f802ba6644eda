"""Shared fixtures: a minimal world (countries, languages, fields) and one user per role."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a test that activates another language must not leak it into
    the next one's reverse() and rendering."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def world(db):
    """Two countries with a region each, three languages, two fields, and one record of each kind."""
    from tvetbridge.core.models import Country, FieldOfStudy, Language, Region
    from tvetbridge.registry.models import CooperationProject, Enterprise, Institution, Programme

    cn = Country.objects.create(code="CN", iso3="CHN", numeric=156, name="China", currency="CNY", is_focus=True)
    kz = Country.objects.create(code="KZ", iso3="KAZ", numeric=398, name="Kazakhstan", currency="KZT",
                                is_focus=True)
    tj = Country.objects.create(code="TJ", iso3="TJK", numeric=762, name="Tajikistan", currency="TJS",
                                is_focus=True)
    xj = Region.objects.create(code="CN-XJ", country=cn, name="Xinjiang")
    ala = Region.objects.create(code="KZ-75", country=kz, name="Almaty")
    for code, name in [("zh", "Chinese"), ("ru", "Russian"), ("kk", "Kazakh")]:
        Language.objects.create(code=code, name=name)
    transport = FieldOfStudy.objects.create(code="10", name="Services")
    logistics = FieldOfStudy.objects.create(code="104", name="Transport services", parent=transport)
    urumqi = Institution.objects.create(external_key="inst-urumqi", name="Urumqi Vocational University",
                                        kind="vocational_university", country=cn, region=xj)
    alt = Institution.objects.create(external_key="inst-alt", name="ALT University", kind="university",
                                     country=kz, region=ala)
    other = Institution.objects.create(external_key="inst-other", name="Other College", kind="college",
                                       country=kz, region=ala)
    urumqi.fields.add(logistics)
    programme = Programme.objects.create(external_key="prog-1", institution=alt, name="Smart logistics",
                                         field=logistics, isced_level=5, duration_months=24,
                                         intake_capacity=60, expected_graduates=50)
    jd = Enterprise.objects.create(external_key="ent-jd", name="JD", country=cn, sector="H", chinese_funded=True)
    other_ent = Enterprise.objects.create(external_key="ent-other", name="Other LLP", country=kz, sector="C")
    project = CooperationProject.objects.create(external_key="proj-1", name="Luban Workshop (ALT)",
                                                kind="luban_workshop", status="active", host_country=kz,
                                                host_region=ala)
    project.chinese_institutions.add(urumqi)
    project.partner_institutions.add(alt)
    project.enterprises.add(jd)
    return {"cn": cn, "kz": kz, "tj": tj, "xj": xj, "almaty": ala, "logistics": logistics, "urumqi": urumqi,
            "alt": alt, "other_institution": other, "programme": programme, "jd": jd,
            "other_enterprise": other_ent, "project": project}


ROLES = ("admin", "coordinator", "institution", "enterprise", "public")


@pytest.fixture
def make_user(db):
    from django.contrib.auth.models import AnonymousUser, User

    from tvetbridge.core.models import Profile

    def make(role: str, *, institution=None, enterprise=None, username: str | None = None):
        if role == "public":
            return AnonymousUser()
        user = User.objects.create_user(username or f"{role}-user", password="pw-" + role + "-123!")
        Profile.objects.create(user=user, role=role, institution=institution, enterprise=enterprise)
        return user

    return make


@pytest.fixture
def users(world, make_user):
    """One user per role; institution staff act for ALT University, enterprise staff for JD."""
    return {
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator"),
        "institution": make_user("institution", institution=world["alt"]),
        "enterprise": make_user("enterprise", enterprise=world["jd"]),
        "public": make_user("public"),
    }
