"""Reference data: complete, in four languages, and loading it twice changes nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from tvetbridge.core.models import Country, FieldOfStudy, Language, Region
from tvetbridge.core.reference import load_reference

pytestmark = pytest.mark.django_db


def test_reference_load_is_idempotent():
    first = load_reference()
    assert first["countries"].created >= 249
    second = load_reference()
    for name, result in second.items():
        assert result.created == 0 and result.updated == 0, name


def test_focus_countries_flagged_with_currency_centroid_and_four_names():
    load_reference()
    focus = Country.objects.filter(is_focus=True)
    assert set(focus.values_list("code", flat=True)) == {"CN", "KZ", "UZ", "TJ", "KG", "TM", "RU"}
    kz = Country.objects.get(code="KZ")
    assert (kz.currency, kz.name_en, kz.name_zh_hans, kz.name_ru, kz.name_kk) == (
        "KZT", "Kazakhstan", "哈萨克斯坦", "Казахстан", "Қазақстан")
    assert all(c.latitude is not None for c in focus)
    # Every other country also gets translated names from the ISO catalogues.
    assert Country.objects.get(code="DE").name_ru == "Германия"


def test_isced_f_hierarchy_and_translations():
    load_reference()
    assert FieldOfStudy.objects.filter(code__regex=r"^\d{2}$").count() == 11
    mining = FieldOfStudy.objects.get(code="0724")
    assert mining.parent.code == "072" and mining.parent.parent.code == "07"
    assert not FieldOfStudy.objects.filter(name_kk__isnull=True).exists()
    with translation.override("zh-hans"):
        assert FieldOfStudy.objects.get(code="1041").name == "运输服务"


def test_regions_cover_iso_3166_2_and_demo_places():
    load_reference()
    assert Region.objects.filter(country_id="KZ", level=1).count() == 20
    assert Region.objects.filter(country_id="RU").count() >= 80
    urumqi = Region.objects.get(code="CN-XJ-URUMQI")
    assert urumqi.parent.code == "CN-XJ" and urumqi.level == Region.Level.CITY
    almaty = Region.objects.get(code="KZ-75")
    assert (almaty.name_zh_hans, almaty.name_ru, almaty.name_kk) == ("阿拉木图", "Алматы", "Алматы")
    # The Central Asian regions all have curated names and centroids.
    central_asia = Region.objects.filter(country_id__in=["KZ", "UZ", "TJ", "KG", "TM"])
    assert not central_asia.filter(latitude__isnull=True).exists()


def test_languages_in_four_languages():
    load_reference()
    assert set(Language.objects.values_list("code", flat=True)) >= {"zh", "ru", "kk", "uz", "tg", "ky", "tk", "en"}
    assert Language.objects.get(code="kk").name_zh_hans == "哈萨克语"


def test_every_region_is_named_in_four_languages_with_a_source():
    """No ISO transliteration ("Altay, Respublika") is shown: every subdivision of the cooperation
    countries has curated names in each language's own script, and each row names its source."""
    import csv
    import re
    from importlib import resources

    import pycountry

    from tvetbridge.core.reference import REGION_COUNTRIES

    text = resources.files("tvetbridge.core.data").joinpath("regions.csv").read_text(encoding="utf-8")
    rows = {r["code"]: r for r in csv.DictReader(text.splitlines())}
    documented = resources.files("tvetbridge.core.data").joinpath("REGION_SOURCES.md").read_text(encoding="utf-8")
    iso = {s.code for c in REGION_COUNTRIES for s in pycountry.subdivisions.get(country_code=c)}
    assert iso - set(rows) == set()
    for code, r in rows.items():
        assert f"`{r['source']}`" in documented, code
        assert re.fullmatch(r"[\u3400-\u9fff（）·\-]+", r["zh_hans"]), (code, r["zh_hans"])
        for lang in ("ru", "kk"):
            assert not re.search(r"[A-Za-z]", r[lang]), (code, lang, r[lang])
        assert not re.search(r"(skaya|skiy|skij) |oblast'|, Respublika", r["en"]), (code, r["en"])
    load_reference()
    altai = Region.objects.get(code="RU-AL")
    shown = {}
    for lang in ("en", "zh-hans", "ru", "kk"):
        with translation.override(lang):
            shown[lang] = str(Region.objects.get(pk=altai.pk))
    assert shown == {"en": "Altai Republic", "zh-hans": "阿尔泰共和国", "ru": "Республика Алтай",
                     "kk": "Алтай Республикасы"}
