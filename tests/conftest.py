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


# Risk and reports tests: every INFORM country in the country table, INFORM loaded, scores computed.
@pytest.fixture
def all_countries(world):
    """The conftest world plus every ISO 3166-1 country (INFORM covers 191 of them)."""
    import pycountry

    from tvetbridge.core.models import Country

    have = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create([
        Country(code=c.alpha_2, iso3=c.alpha_3, numeric=int(c.numeric), name=getattr(c, "common_name", c.name),
                is_focus=c.alpha_2 in {"UZ", "KG", "TM", "RU"})
        for c in pycountry.countries if c.alpha_2 not in have])
    from tvetbridge.core.reference import FOCUS_COUNTRIES

    # Country names in every language, as the reference loader gives them, so reports can be checked.
    for code, (en, zh, ru, kk, *_rest) in FOCUS_COUNTRIES.items():
        Country.objects.filter(code=code).update(name=en, name_en=en, name_zh_hans=zh, name_ru=ru, name_kk=kk,
                                                 is_focus=True)
    return world


@pytest.fixture
def risk_world(all_countries, settings):
    """INFORM loaded and the current quarter scored; a live project in Tajikistan."""
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.risk import services

    settings.RISK_MONTE_CARLO_DRAWS = 200
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tj_project = CooperationProject.objects.create(
        external_key="proj-tj", name="Dushanbe Luban Workshop", kind="luban_workshop", status="active",
        host_country=all_countries["tj"])
    services.load_inform()
    services.recompute_risk(services.current_period())
    return {**all_countries, "tj_project": tj_project}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Background jobs run in the test's own process when enqueued (tests of the worker itself turn
    this off and start real worker processes); passwords hash fast (the suite creates thousands of
    users, and PBKDF2 is slow on purpose)."""
    settings.JOBS_EAGER = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
