"""A small hand-checkable world for gap, proposal and allocation tests (see each test's arithmetic).

Almaty (43.25, 76.95) and Astana (51.17, 71.43) are about 970 km apart. Programmes: ALT's logistics
(field 104 → broad 10; 50 graduates, 60 seats) and Other College's welding (field 0715 → broad 07;
6 graduates, 8 seats), both in Almaty. Open demand: 10 welders (ISCO 7212 → 07) and 8 locomotive
drivers (8311 → 10, 07) in Almaty, 5 welders in Astana, and 7 welders in Almaty due in 400 days.
"""

import datetime as dt

import pytest
from django.utils import timezone

from tvetbridge.taxonomy import services as taxonomy
from tvetbridge.taxonomy.models import Occupation

WELDER = "7212.3"


@pytest.fixture
def gap_world(world, users):
    from tvetbridge.core.models import FieldOfStudy, Language, Region
    from tvetbridge.demand import services as demand
    from tvetbridge.registry.models import Facility, FacultyLanguage, FacultyMember, Institution, Programme

    taxonomy.load_taxonomy(isco_prefixes=["7212", "8311"], csco=False)
    welder = Occupation.objects.get(code=WELDER)
    driver = Occupation.objects.filter(isco_group_id="8311").order_by("code").first()
    Region.objects.filter(pk=world["almaty"].pk).update(latitude=43.25, longitude=76.95)
    astana = Region.objects.create(code="KZ-71", country=world["kz"], name="Astana", latitude=51.17, longitude=71.43)
    eng = FieldOfStudy.objects.create(code="07", name="Engineering")
    mech = FieldOfStudy.objects.create(code="071", name="Engineering and engineering trades", parent=eng)
    weld = FieldOfStudy.objects.create(code="0715", name="Mechanics and metal trades", parent=mech)
    welding = Programme.objects.create(external_key="prog-weld", institution=world["other_institution"],
                                       name="Welding", field=weld, isced_level=4, duration_months=10,
                                       intake_capacity=8, expected_graduates=6)
    tianjin = Institution.objects.create(external_key="inst-tj", name="Tianjin Welding College", kind="college",
                                         country=world["cn"], region=world["xj"])
    tianjin.fields.add(weld)
    for i, langs in enumerate([("zh", "ru"), ("zh", "kk"), ("zh",)]):
        member = FacultyMember.objects.create(external_key=f"fm-{i}", institution=tianjin, full_name=f"Teacher {i}")
        for code in langs:
            FacultyLanguage.objects.create(faculty=member, language=Language.objects.get(code=code), level="B2")
    Facility.objects.create(external_key="fac-1", institution=tianjin, name="Welding hall", kind="workshop")
    Facility.objects.get(external_key="fac-1").fields.add(weld)
    today = timezone.localdate()

    def post(occupation, region, count, days=60, wage=350000):
        return demand.create_demand(None, {
            "enterprise": world["jd"], "kind": "vacancy", "title": f"{occupation.label} {count}",
            "country": world["kz"], "region": region, "occupation": occupation, "count": count,
            "deadline": today + dt.timedelta(days=days), "offered_wage": wage, "wage_currency": "KZT",
            "required_skills": list(occupation.skills.filter(occupation_links__essential=True)
                                    .order_by("pk")[:2])})

    rows = {"welders": post(welder, world["almaty"], 10), "drivers": post(driver, world["almaty"], 8),
            "astana": post(welder, astana, 5), "late": post(welder, world["almaty"], 7, days=400)}
    return {**world, "users": users, "welder": welder, "driver": driver, "astana": astana,
            "welding": welding, "tianjin": tianjin, "rows": rows, "today": today}
