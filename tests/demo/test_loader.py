"""The real demo dataset: every record cites its seed document; figures match the documents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tvetbridge.core.models import Source
from tvetbridge.demo import loader
from tvetbridge.demo.loader import load_demo, seed_data
from tvetbridge.registry.models import (
    Alliance,
    CooperationProject,
    CountryStatistic,
    Enterprise,
    Facility,
    Institution,
    PolicyMilestone,
    ReportedResult,
    SectorCommittee,
)

pytestmark = pytest.mark.django_db
REGISTRY = (Institution, Enterprise, Alliance, CooperationProject, Facility)
S001, S002, S003, S004 = ("001_b3f90b98a7ca4ae3.txt", "002_8e780d6cbebb9204.txt", "003_528cbbcf031c152d.txt",
                          "004_fb915a460cf487e2.txt")
LANGS = ("en", "zh_hans", "ru", "kk")


@pytest.fixture
def demo(db):
    return load_demo()


def stat(country, indicator, period, note="", scope=""):
    return CountryStatistic.objects.get(country_id=country, scope=scope, indicator=indicator, period=period,
                                        note=note)


@pytest.mark.parametrize(("country", "indicator", "period", "note", "value", "qualifier", "document"), [
    ("KZ", "institutions", "2025-2026", "", 706, "", S001),
    ("KZ", "branches", "2025-2026", "", 35, "", S001),
    ("KZ", "students", "2025-2026", "", 562000, "", S001),
    ("KZ", "employment_rate", "2025-2026", "", Decimal("60.4"), "", S001),
    ("KZ", "programmes", "2025", "approximately; developed on occupational, national and WorldSkills standards",
     8000, "approx", S001),
    ("KZ", "dual_colleges", "2025", "more than 400 colleges (German partnership)", 400, "more", S001),
    ("UZ", "institutions", "2024-2025", "secondary specialized and vocational education institutions", 845, "",
     S001),
    ("UZ", "students", "2024-2025", "", 428600, "", S001),
    ("TJ", "institutions", "2025", "", 188, "", S001),
    ("TJ", "students", "2025", "vocational colleges", 89570, "", S001),
    ("KG", "students", "2025", "approximately; vocational secondary schools", 27900, "approx", S001),
    ("KG", "graduates", "2025", "more than 12,000 specialised technical personnel a year", 12000, "more", S001),
    ("TM", "planned_enrolment", "2025-2026", "", 27661, "", S001),
    ("CN", "institutions", "2022", "vocational schools", 11200, "", S003),
    ("CN", "graduates", "2022", "more than 10 million a year", 10000000, "more", S003),
])
def test_country_figures_with_their_source(demo, country, indicator, period, note, value, qualifier, document):
    row = stat(country, indicator, period, note)
    assert row.value == value
    assert row.qualifier == qualifier
    assert row.source.document == document


# Every figure that used to sit in ``unplaced`` (seed_data.json before PolicyMilestone and the new
# indicators), now a statistic: (country or None, scope, indicator, period, note, value, qualifier, document).
FORMERLY_UNPLACED_STATISTICS = [
    ("KZ", "", "institutions_change_pct", "2021-2026", "over the five years to 2025-2026", Decimal("-2.5"), "",
     S001),
    ("KZ", "", "students_change_pct", "2021-2026", "over the five years to 2025-2026", Decimal("13.7"), "", S001),
    ("UZ", "", "entrants", "2021", "339 vocational colleges or technical schools", 79000, "approx", S001),
    ("UZ", "", "entrants", "2021", "555 vocational schools and 73 academic lyceums", 160000, "", S001),
    ("UZ", "", "institutions_change_pct", "2021-2025", "technical schools, compared to 2021", Decimal("26.5"), "",
     S001),
    ("UZ", "", "institutions_change_pct", "2021-2025", "colleges, compared to 2021", Decimal("-20.1"), "", S001),
    ("UZ", "", "curriculum_autonomy_pct", "2025-2026", "technical schools may adjust up to 30% of curriculum "
     "content within allocated hours (decree of October 2024)", 30, "", S001),
    ("TJ", "", "trained", "2024", "adult learning centres", 55361, "", S001),
    ("TJ", "", "teachers_trained", "2025", "competency-based teaching and learning (Asian Development Bank "
     "support)", 960, "", S001),
    ("TJ", "", "institutions_reformed", "2025", "modular curriculum reform", 21, "", S001),
    ("TJ", "", "occupational_standards", "2025", "competency standards and assessment tools developed (CBT)", 17,
     "", S001),
    ("KG", "", "assessment_tools", "2025", "over 400 assessment tools", 400, "more", S001),
    ("KG", "", "certified_occupations", "2025", "skills certification conducted", 28, "", S001),
    ("TM", "", "planned_places_change", "2025-2026", "higher education institutions, on previous academic year",
     856, "", S001),
    ("TM", "", "planned_places_change", "2025-2026", "secondary vocational education schools, on previous "
     "academic year", 389, "", S001),
    ("KZ", "", "programmes_planned", "2025", "additional programmes to be developed jointly by colleges and "
     "employers", 2000, "more", S001),
    ("KZ", "", "teacher_internships", "2025", "teacher internships in production enterprises planned", 1500, "",
     S001),
    ("KZ", "", "dual_specialties", "2025", "dual model (German partnership)", 80, "", S001),
    ("KZ", "", "dual_qualifications", "2025", "vocational qualifications in the dual model (German partnership)",
     160, "", S001),
    ("KZ", "", "dual_degree_programmes", "2025", "offered by Kazakh universities to international students", 254,
     "", S001),
    ("CN", "", "specialties", "2022", "academic disciplines in vocational education", 1300, "more", S003),
    ("CN", "", "cooperation_partners", "2022", "countries and international organisations with stable vocational "
     "education ties", 70, "more", S003),
    (None, "Central Asia", "confucius", "2017", "by the end of 2017", 13, "", S001),
    (None, "Central Asia", "confucius_classrooms", "2017", "by the end of 2017", 22, "", S001),
]


@pytest.mark.parametrize(("country", "scope", "indicator", "period", "note", "value", "qualifier", "document"),
                         FORMERLY_UNPLACED_STATISTICS)
def test_formerly_unplaced_statistics_with_their_source(demo, country, scope, indicator, period, note, value,
                                                        qualifier, document):
    row = stat(country, indicator, period, note, scope=scope)
    assert (row.value, row.qualifier) == (value, qualifier)
    assert row.source.document == document and row.source.locator


def test_confucius_figures_are_for_central_asia_as_a_group(demo):
    rows = CountryStatistic.objects.filter(scope="Central Asia")
    assert {(r.indicator, int(r.value)) for r in rows} == {("confucius", 13), ("confucius_classrooms", 22)}
    assert all(r.country_id is None and "ref. [7]" in r.source.locator for r in rows)


def test_kazakhstan_statistics_cite_the_national_statistics_reference(demo):
    source = stat("KZ", "students", "2025-2026").source
    assert "ref. [1]" in source.locator and source.url.startswith("https://stat.gov.kz/")


@pytest.mark.parametrize(("project", "indicator", "value", "qualifier", "document"), [
    ("real-proj-lw-kazakhstan-1", "enrolled", 400, "", S001),
    ("real-proj-lw-kazakhstan-1", "trained", 349, "", S001),
    ("real-proj-lw-kazakhstan-1", "course_modules", 135, "", S001),
    ("real-proj-lw-kazakhstan-alt", "area_m2", 950, "", S002),
    ("real-proj-lw-kazakhstan-alt", "target_graduates", 130, "more", S002),
    ("real-proj-hsk-centre-uz", "language_tested", 67, "", S002),
    ("real-proj-atyrau-visit-2025", "participants", 14, "", S002),
    ("real-proj-tucm-bilingual-textbooks", "digital_resources", 122, "", S001),
    ("real-proj-jingshi-school", "learning_hours", 1500, "more", S002),
    ("real-proj-jingshi-school", "visits", 1000, "more", S002),
])
def test_project_results_with_their_source(demo, project, indicator, value, qualifier, document):
    results = ReportedResult.objects.filter(project__external_key=project, indicator=indicator)
    assert any(r.value == value and r.qualifier == qualifier and r.source.document == document for r in results)


@pytest.mark.parametrize(("owner", "key", "indicator", "value", "qualifier", "document"), [
    ("alliance", "real-all-cca-iei", "members", 70, "more", S002),
    ("alliance", "real-all-cca-iei", "members", 40, "more", S001),
    ("alliance", "real-all-jiangsu-ca", "members", 16, "", S001),
    ("alliance", "real-all-jiangsu-ca", "members", 9, "", S001),
    ("institution", "real-inst-xinjiang-agri-vtu", "standards", 3, "", S002),
    ("institution", "real-inst-xinjiang-agri-vtu", "digital_resources", 16, "", S002),
])
def test_alliance_and_institution_results_with_their_source(demo, owner, key, indicator, value, qualifier,
                                                            document):
    results = ReportedResult.objects.filter(**{f"{owner}__external_key": key, "indicator": indicator})
    match = [r for r in results if r.value == value]
    assert len(match) == 1
    assert match[0].qualifier == qualifier and match[0].source.document == document
    assert match[0].project_id is None


def test_luban_workshops_in_all_five_central_asian_countries_with_fields(demo):
    workshops = CooperationProject.objects.filter(kind="luban_workshop", is_synthetic=False)
    assert {"KZ", "UZ", "TJ", "KG", "TM"} <= set(workshops.values_list("host_country_id", flat=True))
    tajik = workshops.get(host_country_id="TJ")
    assert set(tajik.fields.values_list("code", flat=True)) == {"0731", "0713"}
    assert tajik.start_date.isoformat() == "2022-11-01" and tajik.date_precision == "month"
    assert stat("KZ", "luban_workshops", "2026-04", "as of April 2026").value == 3


def test_project_date_precision_is_stored_not_written_into_the_description(demo):
    nanjing = CooperationProject.objects.get(external_key="real-proj-nanjing-ca-training-2025")
    assert nanjing.date_precision == "year" and "Date known" not in nanjing.description
    atyrau = CooperationProject.objects.get(external_key="real-proj-atyrau-visit-2025")
    assert atyrau.date_precision == "month"
    assert CooperationProject.objects.get(external_key="real-proj-lw-uzbekistan").date_precision == "day"


def test_institution_aliases(demo):
    alt = Institution.objects.get(external_key="real-inst-alt-university")
    assert alt.aliases == ("Almaty Logistics and Transportation University; "
                           "Kazakhstan Logistics and Transportation University")
    assert "Also named" not in alt.description
    tianjin = Institution.objects.get(external_key="real-inst-tianjin-vocational")
    assert tianjin.aliases == "Tianjin Vocational University"
    assert Institution.objects.get(external_key="real-inst-atyrau-oil-gas").aliases == (
        "Atyrau University of Petroleum and Natural Gas")


def test_facilities_without_capacity_load(demo):
    facilities = Facility.objects.filter(is_synthetic=False)
    assert facilities.count() == len(seed_data()["facilities"]) == 4
    assert all(f.capacity is None and f.source.document.endswith(".txt") for f in facilities)
    assert set(Facility.objects.get(external_key="real-fac-alt-jd-campus").fields.values_list("code", flat=True)) == {
        "0416", "1041"}


def test_alt_workshop_links_both_sides_and_jd(demo):
    project = CooperationProject.objects.get(external_key="real-proj-lw-kazakhstan-alt")
    assert list(project.chinese_institutions.values_list("name_en", flat=True)) == ["Urumqi Vocational University"]
    assert project.partner_institutions.get().short_name == "ALT"
    assert project.enterprises.get().external_key == "real-ent-jd"


def test_alliance_members_and_six_committees(demo):
    alliance = Alliance.objects.get(external_key="real-all-cca-iei")
    assert alliance.reported_members == 70 and alliance.source.document == S002
    assert alliance.committees.count() == 6
    assert alliance.lead_institutions.count() == 2
    assert sorted(int(r.value) for r in alliance.reported_results.filter(indicator="members")) == [40, 70]


@pytest.mark.parametrize(("title", "date", "precision", "kind", "countries", "document"), [
    ("Belt and Road Initiative launched", "2013-01-01", "year", "strategy", {"CN", "KZ"}, S001),
    ("Education Action Plan for Jointly Building the Belt and Road", "2016-01-01", "year", "strategy", {"CN"}, S001),
    ("China–Russia Action Plan for Humanistic Cooperation", "2018-01-01", "year", "agreement", {"CN", "RU"}, S004),
    ("Joint Communiqué of the 25th Regular Meeting of the Prime Ministers of China and Russia", "2020-01-01", "year",
     "summit", {"CN", "RU"}, S004),
    ("China–Central Asia Summit and the Xi'an Declaration", "2023-01-01", "year", "summit",
     {"CN", "KZ", "KG", "TJ", "TM", "UZ"}, S001),
    ("Kyrgyzstan establishes an Independent Center for Certification and Validation", "2023-01-01", "year",
     "institution", {"KG"}, S001),
    ("Uzbekistan: presidential decree establishing a unified network of technical schools", "2024-10-01", "month",
     "decree", {"UZ"}, S001),
    ("Kazakhstan declares 2025 the Year of Vocational Professions", "2025-01-01", "year", "strategy", {"KZ"}, S001),
    ("Kazakhstan and Germany announce an International Dual Education Center", "2025-01-01", "year", "institution",
     {"KZ", "DE"}, S001),
    ("Turkmenistan–Turkey agreements on scholarships, civil-servant training and summer schools", "2025-01-01",
     "year", "agreement", {"TM", "TR"}, S001),
    ("Uzbekistan: Decree “On Measures to Improve the Efficiency of Vocational Education System Management”",
     "2025-10-01", "month", "decree", {"UZ"}, S001),
    ("Turkmenistan approves the Strategy for the Development of Higher Vocational Education for 2026–2052",
     "2025-10-01", "month", "strategy", {"TM"}, S001),
    ("Russia–Tajikistan agreement on vocational training of labour migrants", "2025-10-01", "month", "agreement",
     {"RU", "TJ"}, S001),
    ("Fourth Senior Officials' Meeting of the EU DARYA project on skills for Central Asian youth (Turin)",
     "2025-10-01", "month", "summit", {"KZ", "KG", "TM", "UZ"}, S001),
])
def test_policy_milestones(demo, title, date, precision, kind, countries, document):
    milestone = PolicyMilestone.objects.get(title_en=title)
    assert (milestone.date.isoformat(), milestone.date_precision, milestone.kind) == (date, precision, kind)
    assert set(milestone.countries.values_list("code", flat=True)) == countries
    assert milestone.source.document == document


def test_milestone_titles_in_four_languages(demo):
    milestones = PolicyMilestone.objects.all()
    assert milestones.count() == len(seed_data()["policy_milestones"]) == 14
    for milestone in milestones:
        titles = [getattr(milestone, f"title_{lang}") for lang in LANGS]
        assert all(titles), milestone
        assert len(set(titles)) == 4, milestone  # really translated, not copied
        assert milestone.title == milestone.title_en and milestone.description_en
    xian = PolicyMilestone.objects.get(title_en="China–Central Asia Summit and the Xi'an Declaration")
    assert xian.title_zh_hans == "中国—中亚峰会与《西安宣言》"
    assert xian.title_ru == "Саммит «Китай — Центральная Азия» и Сианьская декларация"
    assert xian.title_kk == "«Қытай — Орталық Азия» саммиті және Сиань декларациясы"


def test_darya_is_a_milestone_with_its_eu_funding_in_the_description(demo):
    darya = PolicyMilestone.objects.get(title_en__contains="DARYA")
    assert "EUR 10 million" in darya.description_en
    assert not CooperationProject.objects.filter(name_en__contains="DARYA").exists()


def test_russia_china_document_is_fully_represented(demo):
    """Seed 004: every named entity and dated policy is in the dataset and cites 004."""
    for key in ("real-inst-changchun-automobile", "real-inst-harbin-vtc", "real-inst-beijing-electronic"):
        assert Institution.objects.get(external_key=key).source.document == S004
    assert Alliance.objects.get(external_key="real-all-bri-ve").source.document == S004
    russian = CooperationProject.objects.filter(host_country_id="RU", is_synthetic=False)
    assert {p.external_key for p in russian} == {"real-proj-harbin-russia", "real-proj-beijing-electronic-russia"}
    assert all(p.source.document == S004 for p in russian)
    communique = PolicyMilestone.objects.get(title_en__startswith="Joint Communiqué of the 25th")
    assert communique.source.url == "http://www.government.ru/en/events/45672/"
    # The one fact still without a home is explained, with its reason, in the file.
    (framework,) = seed_data()["unplaced"]
    assert framework["source"] == "s004-3-1" and "date" in framework["needs"]
    assert "until 2030" in seed_data()["about"]


def test_every_real_record_has_a_source_and_four_names(demo):
    for model in REGISTRY:
        rows = model.objects.filter(is_synthetic=False)
        assert rows.exists(), model
        for row in rows:
            assert row.source_id is not None and not row.source.is_synthetic, row
            assert row.source.document.endswith(".txt"), row
            for lang in LANGS:
                assert getattr(row, f"name_{lang}"), (row, lang)
    assert not ReportedResult.objects.filter(source__isnull=True).exists()


def test_seed_file_is_consistent():
    data = seed_data()
    keys = {s["key"] for s in data["sources"]}
    documents = {s["document"] for s in data["sources"]}
    assert documents == {"000_562fef949a1995ab.txt", S001, S002, S003, S004}
    cited = [item["source"] for group in ("institutions", "enterprises", "alliances", "projects",
                                          "country_statistics", "unplaced", "facilities", "policy_milestones")
             for item in data[group]]
    cited += [r["source"] for group in ("projects", "alliances", "institutions") for item in data[group]
              for r in item.get("results", [])]
    assert set(cited) <= keys
    all_keys = [i["key"] for group in ("institutions", "enterprises", "alliances", "projects", "facilities")
                for i in data[group]]
    assert len(all_keys) == len(set(all_keys))
    assert all(k.startswith("real-") for k in all_keys)
    titles = [m["title"]["en"] for m in data["policy_milestones"]]
    assert len(titles) == len(set(titles))  # the English title is the milestone's natural key
    assert all(set(m["title"]) == set(LANGS) for m in data["policy_milestones"])
    qualifiers = [s["qualifier"] for s in data["country_statistics"]]
    qualifiers += [r["qualifier"] for group in ("projects", "alliances", "institutions") for item in data[group]
                   for r in item.get("results", [])]
    assert set(qualifiers) <= {"", "approx", "more", "less"}
    assert all(u.get("needs") for u in data["unplaced"])


def _snapshot():
    counts = {model: model.objects.count() for model in (*REGISTRY, Source, CountryStatistic, ReportedResult,
                                                         PolicyMilestone, SectorCommittee)}
    counts |= {f"{model.__name__} history": model.history.count() for model in REGISTRY}
    counts["milestone countries"] = PolicyMilestone.countries.through.objects.count()
    counts["project links"] = CooperationProject.chinese_institutions.through.objects.count()
    return counts


def test_load_demo_twice_changes_nothing(demo):
    before = _snapshot()
    updated = {model: dict(model.objects.values_list("pk", "updated")) for model in REGISTRY}
    report = load_demo()
    for name, result in report.counts.items():
        assert result.created == 0 and result.updated == 0, name
    assert _snapshot() == before
    assert {model: dict(model.objects.values_list("pk", "updated")) for model in REGISTRY} == updated
    assert report.unplaced == 1
    seed_keys = {source["key"] for source in seed_data()["sources"]}
    assert Source.objects.filter(key__in=seed_keys).count() == len(seed_keys)


def test_load_demo_is_one_transaction(db, monkeypatch):
    def fail(item):
        raise RuntimeError("boom")

    monkeypatch.setattr(loader, "_milestone_description", fail)
    with pytest.raises(RuntimeError):
        load_demo()
    assert not Institution.objects.filter(is_synthetic=False).exists()
    assert not CountryStatistic.objects.exists() and not ReportedResult.objects.exists()


def test_every_note_of_a_figure_is_in_four_languages(demo):
    """Notes are read on country dashboards and in reports in every language (a Russian region report
    once carried English notes)."""
    from django.utils import translation

    table = loader.note_translations()
    data = seed_data()
    notes = {s["note"] for s in data["country_statistics"] if s.get("note")} | {
        r["note"] for group in ("projects", "alliances", "institutions") for item in data[group]
        for r in item.get("results", []) if r.get("note")}
    assert notes - set(table) == set(), "add the new notes to demo/data/note_translations.json"
    figure = CountryStatistic.objects.get(country_id="KZ", indicator="dual_colleges", note_en__startswith="more than 400")
    for lang, expected in (("ru", "более 400 колледжей"), ("kk", "400-ден астам колледж"), ("zh-hans", "400多所学院")):
        with translation.override(lang):
            assert CountryStatistic.objects.get(pk=figure.pk).note.startswith(expected)
    for model in (CountryStatistic, ReportedResult):
        for row in model.objects.exclude(note_en=""):
            assert row.note_ru and row.note_kk and row.note_zh_hans, (model.__name__, row.note_en)
