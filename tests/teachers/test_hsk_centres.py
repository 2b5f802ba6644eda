"""HSK test centres: a centre's sittings and results by level with pass rates (1–4 people withheld in
public), pages open to everyone, and the sitting import that checks levels and counts with the
models' validators, naming row and column and writing nothing on any bad row."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tvetbridge.teachers import io
from tvetbridge.teachers.models import HskCentre, HskSitting


def test_counts_are_checked_against_each_other_and_the_level_against_its_scale(centre):
    bad = HskSitting(external_key="s3", centre=centre, date=dt.date(2024, 1, 1), scale="hsk2", level="7",
                     registered=5, sat=6, passed=7)
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert {"level", "sat", "passed"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        HskCentre(external_key="x", name="x", institution=centre.institution, country=centre.country, city="x",
                  tests=["toefl"]).full_clean()


@pytest.mark.parametrize("who", ["coordinator", "own_staff", "other_staff", "enterprise", "trainee", "public"])
def test_every_role_sees_the_pages_small_cells_withheld_in_public(centre, users, make_user, world, client, who):
    user = {"own_staff": users["institution"], "public": None,
            "other_staff": lambda: make_user("institution", institution=world["other_institution"], username="o"),
            "trainee": lambda: make_user("trainee", username="t")}.get(who, users.get(who))
    user = user() if callable(user) else user
    if user is not None:
        client.force_login(user)
    listing = client.get(reverse("teachers_centres")).content.decode()
    assert reverse("teachers_centre", args=[centre.pk]) in listing
    page = client.get(reverse("teachers_centre", args=[centre.pk]))
    assert page.status_code == 200
    level5 = page.content.decode().split('id="by-level"')[1].split("HSK 5")[1].split("</tr>")[0]
    if who in ("public", "trainee"):
        assert "fewer than 5" in level5 and ">4<" not in level5 and ">3<" not in level5
    else:
        assert ">4<" in level5 and ">75%<" in level5
    # Totals: 26 sat, 20 passed, 77% in every view.
    assert ">26<" in listing and ">77%<" in listing


HEADER = "external_key,centre,date,test,scale,level,registered,sat,passed"


def test_sitting_import_writes_all_or_nothing(centre, users):
    good = f"{HEADER}\nn1,hskc-alt,2024-12-08,hsk,hsk3,HSK 2,10,9,7\nn2,hskc-alt,2024-12-08,,,4,8,8,5".encode()
    result = io.import_sittings(users["institution"], good, "sittings.csv")
    assert result.ok and result.committed and result.counts["create"] == 2
    assert HskSitting.objects.get(external_key="n1").level == "2"
    bad = (f"{HEADER}\nb1,hskc-alt,2024-12-08,hsk,hsk3,3,10,9,7\n"
           "b2,hskc-alt,2024-12-08,hsk,hsk2,7,10,9,7\n"       # the older HSK stops at 6
           "b3,hskc-alt,2024-12-08,hsk,hsk3,3,10,11,7\n"      # more sat than registered
           "b4,hskc-nowhere,2024-12-08,hsk,hsk3,3,10,9,7\n"   # no such centre
           "b5,hskc-alt,2099-01-01,hsk,hsk3,3,10,9,7\n"       # a sitting in the future
           "b6,hskc-alt,2024-12-08,hsk,hsk3,3,10,9,x").encode()
    result = io.import_sittings(users["coordinator"], bad, "sittings.csv")
    assert not result.ok and not result.committed
    assert {(e.row, e.column) for e in result.errors} == {(3, "level"), (4, "sat"), (5, "centre"), (6, "date"),
                                                          (7, "passed")}
    assert not HskSitting.objects.filter(external_key__startswith="b").exists()


def test_sitting_import_permissions(centre, users, make_user, world):
    row = f"{HEADER}\nn1,hskc-alt,2024-12-08,hsk,hsk3,2,10,9,7".encode()
    other = make_user("institution", institution=world["other_institution"], username="o")
    result = io.import_sittings(other, row, "s.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "centre")]
    for refused in (users["enterprise"], make_user("trainee", username="t")):
        result = io.import_sittings(refused, row, "s.csv")
        assert not result.ok and result.errors[0].row is None
    assert not HskSitting.objects.filter(external_key="n1").exists()


def test_demo_centre_has_the_seeds_67_candidates(world):
    from tvetbridge.demo import teachers as demo
    from tvetbridge.registry.models import Institution

    Institution.objects.create(external_key="real-inst-uz-renaissance", name="Renaissance Education University",
                               kind="university", country=world["kz"])
    demo.hsk_centre()
    centre = HskCentre.objects.get(external_key=demo.CENTRE)
    assert sum(centre.sittings.values_list("sat", flat=True)) == 67
    names = {}
    for language in ("en", "zh-hans", "ru", "kk"):
        with translation.override(language):
            names[language] = (centre.name, centre.city)
    assert names["zh-hans"] == ("乌兹别克斯坦复兴教育大学HSK考点", "塔什干") and names["ru"][1] == "Ташкент"
    assert len({name for name, _city in names.values()}) == 4
    for s in centre.sittings.all():
        s.full_clean()


CENTRES = ("external_key,name_en,name_zh_hans,name_ru,name_kk,institution,country,city_en,city_zh_hans,city_ru,"
           "city_kk,tests,accredited_on")


def test_centre_import_takes_names_in_each_language_all_or_nothing(world, users, make_user):
    good = (f"{CENTRES}\nhskc-1,ALT HSK centre,阿拉木图ALT大学HSK考点,Центр HSK университета ALT,ALT университетінің "
            "HSK орталығы,inst-alt,KZ,Almaty,阿拉木图,Алматы,Алматы,hsk; HSKK,2023-09-01").encode()
    result = io.import_centres(users["institution"], good, "centres.csv")
    assert result.ok and result.committed, result.errors
    centre = HskCentre.objects.get(external_key="hskc-1")
    assert centre.tests == ["hsk", "hskk"]
    with translation.override("zh-hans"):
        assert (centre.name, centre.city) == ("阿拉木图ALT大学HSK考点", "阿拉木图")
    with translation.override("kk"):
        assert centre.name == "ALT университетінің HSK орталығы"
    bad = (f"{CENTRES}\nhskc-2,Second,,,,inst-alt,KZ,Almaty,,,,hsk,\n"
           "hskc-3,Third,,,,inst-alt,KZ,Almaty,,,,toefl,\n"            # not a Chinese test
           "hskc-4,Fourth,,,,inst-nowhere,KZ,Almaty,,,,hsk,\n"         # no such institution
           "hskc-5,Fifth,,,,inst-alt,KZ,Almaty,,,,hsk,2099-01-01").encode()  # accredited in the future
    result = io.import_centres(users["coordinator"], bad, "centres.csv")
    assert not result.committed
    assert {(e.row, e.column) for e in result.errors} == {(3, "tests"), (4, "institution"), (5, "accredited_on")}
    assert not HskCentre.objects.filter(external_key__in=["hskc-2", "hskc-3"]).exists()
    # Staff of another institution may not add a centre of ALT University; enterprises may import none.
    other = make_user("institution", institution=world["other_institution"], username="o")
    row = f"{CENTRES}\nhskc-6,Sixth,,,,inst-alt,KZ,Almaty,,,,hsk,".encode()
    assert [(e.row, e.column) for e in io.import_centres(other, row, "c.csv").errors] == [(2, "institution")]
    refused = io.import_centres(users["enterprise"], row, "c.csv")
    assert refused.errors[0].row is None and "test centres" in refused.errors[0].message
    assert not HskCentre.objects.filter(external_key="hskc-6").exists()
