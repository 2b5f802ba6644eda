"""Shared fixtures: a minimal world (countries, languages, fields) and one user per role."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest


# Migrating an empty database costs a minute or more of CPU (Django re-renders the migration state of
# some 230 models at each step), and CI starts five pytest runs, two of them with two workers. The
# migrated database is therefore built once per set of migrations and copied into each test database:
# a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL. The migrations still run, once.
def _migrations_key(engine: str) -> str:
    from django.apps import apps

    digest = hashlib.sha256(engine.encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _exclusive(lock: Path):
    """One process builds a template while the other workers wait for it."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _migrate_into(connection, name: str) -> None:
    """Create and migrate the database ``name``; the connection's settings are left as they were
    (``create_test_db`` rewrites NAME in place)."""
    from django.conf import settings

    saved = copy.deepcopy(connection.settings_dict)
    connection.settings_dict["TEST"]["NAME"] = name
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        settings.DATABASES[connection.alias]["NAME"] = saved["NAME"]


def _prepare_from_template(connection) -> bool:
    """Put a migrated copy where the test database will be; True when the test run may keep it."""
    from django.conf import settings

    engine = connection.vendor
    key = _migrations_key(connection.settings_dict["ENGINE"])
    var = Path(settings.VAR_DIR)
    if engine == "sqlite":
        target = connection.creation._get_test_db_name()
        if connection.creation.is_in_memory_db(target):
            return False
        template = var / f"test-template-{key}.sqlite3"
        with _exclusive(var / "test-template.lock"):
            if not template.exists():
                for old in var.glob("test-template-*.sqlite3"):
                    old.unlink()
                building = f"{template}.building"
                _migrate_into(connection, building)
                os.replace(building, template)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, target)
        return True
    if engine == "postgresql":
        template = f"tvetbridge_tpl_{key}"
        port = connection.settings_dict.get("PORT") or "5432"
        with _exclusive(var / f"test-template-pg-{port}.lock"):
            with connection._nodb_cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
                exists = cursor.fetchone() is not None
            if not exists:
                _migrate_into(connection, template)
        connection.settings_dict["TEST"]["TEMPLATE"] = template
    return False


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        keep = _prepare_from_template(connection)
        config = setup_databases(verbosity=0, interactive=False, keepdb=keep, aliases=aliases,
                                 serialized_aliases=serialized_aliases)
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


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


# Issue 12 (journeys): a world in which every role has work to see — a graduate trainee with a full
# record and an account, a vacancy with candidates, a quality flag, a project awaiting approval, risk.
@pytest.fixture
def journey_world(risk_world, users, make_user):
    from tvetbridge.core.models import Language
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.matching import services as matching
    from tvetbridge.outcomes.models import (
        Assessment,
        Credential,
        Employment,
        Enrolment,
        IncomeObservation,
        LearningProgress,
        QualityFlag,
        Trainee,
        TraineeSkill,
    )
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.taxonomy import services as taxonomy
    from tvetbridge.taxonomy.models import Occupation, Skill

    w = risk_world
    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    s1, s2, s3 = Skill.objects.order_by("pk")[:3]
    from django.utils import timezone

    today = timezone.localdate()
    vacancy = SkillDemand.objects.create(
        external_key="V1", enterprise=w["jd"], kind="vacancy", title="Welder in Almaty", country=w["kz"],
        region=w["almaty"], occupation=Occupation.objects.order_by("pk").first(), count=2,
        languages=[{"language": "ru", "level": "B1"}], deadline=today + dt.timedelta(days=30),
        offered_wage=350000, wage_currency="KZT")
    vacancy.required_skills.set([s1, s2])
    other_vacancy = SkillDemand.objects.create(
        external_key="V2", enterprise=w["other_enterprise"], kind="vacancy", title="Other welder",
        country=w["kz"], region=w["almaty"], occupation=Occupation.objects.order_by("pk").first(), count=1,
        languages=[], deadline=today + dt.timedelta(days=30))
    other_vacancy.required_skills.set([s1, s3])

    trainee_user = make_user("trainee", username="graduate")
    start, end = today - dt.timedelta(days=700), today - dt.timedelta(days=300)
    grad = Trainee.objects.create(external_key="syn-grad-1", identity_hash="a" * 64, institution=w["alt"],
                                  home_region=w["almaty"], consent_matching=True, consent_follow_up=True,
                                  consent_date=start, baseline_income=90000, baseline_currency="KZT",
                                  user=trainee_user)
    grad.languages.set(Language.objects.filter(code__in=["ru", "kk"]))
    enrolment = Enrolment.objects.create(external_key="enr-grad-1", trainee=grad, project=w["project"],
                                         programme=w["programme"], status="completed", start_date=start,
                                         end_date=end)
    LearningProgress.objects.create(enrolment=enrolment, as_of=end, hours=960, modules_completed=12,
                                    modules_total=12)
    Assessment.objects.create(enrolment=enrolment, name="Final practical", date=end, score=86, max_score=100,
                              passed=True)
    Credential.objects.create(trainee=grad, enrolment=enrolment, kind="skill", name="Welder level 3",
                              awarded=end)
    for skill in (s1, s2):
        TraineeSkill.objects.create(trainee=grad, skill=skill, weight=1.0)
    Employment.objects.create(external_key="job-grad-1", trainee=grad, enrolment=enrolment, employer=w["jd"],
                              country=w["kz"], region=w["almaty"], start_date=end + dt.timedelta(days=30))
    for months, amount in ((-3, 90000), (2, 240000), (5, 250000)):
        period = (end + dt.timedelta(days=31 * months)).replace(day=1)
        IncomeObservation.objects.create(trainee=grad, period=period, amount=amount, currency="KZT",
                                         source="payroll")
    # Another consenting trainee: never visible to the graduate.
    peer = Trainee.objects.create(external_key="syn-peer-1", identity_hash="b" * 64, home_region=w["almaty"],
                                  consent_matching=True, consent_date=start)
    TraineeSkill.objects.create(trainee=peer, skill=s1, weight=1.0)
    IncomeObservation.objects.create(trainee=peer, period=today.replace(day=1), amount=777777, currency="KZT",
                                     source="payroll")
    flag = QualityFlag.objects.create(project=w["project"], rule="employment_short",
                                      evidence={"employed_within_6_months_pct": 40.0, "target_pct": 70.0})
    proposed = CooperationProject.objects.create(external_key="proj-proposed", name="Proposed workshop",
                                                 kind="luban_workshop", status="proposed", host_country=w["kz"])
    matching.rebuild_candidates()
    other_enterprise = make_user("enterprise", enterprise=w["other_enterprise"], username="other-enterprise")
    return {**w, "users": {**users, "trainee": trainee_user, "other_enterprise": other_enterprise},
            "vacancy": vacancy, "other_vacancy": other_vacancy, "grad": grad, "peer": peer, "flag": flag,
            "proposed": proposed, "enrolment": enrolment}


# --- headless chromium, one per session: two sync Playwright sessions cannot share a process ----------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
    # itself (fixtures) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


# The journey world's content as the demo writes it: every name people read in the four languages.
CONTENT = {
    "Urumqi Vocational University": ("乌鲁木齐职业大学", "Урумчийский профессиональный университет",
                                     "Үрімжі кәсіптік университеті"),
    "ALT University": ("ALT 大学", "Университет ALT", "ALT университеті"),
    "Other College": ("另一所学院", "Другой колледж", "Басқа колледж"),
    "Smart logistics": ("智慧物流", "Умная логистика", "Зияткерлік логистика"),
    "Other LLP": ("另一家有限责任合伙企业", "Другое ТОО", "Басқа ЖШС"),
    "Luban Workshop (ALT)": ("鲁班工坊（ALT）", "Мастерская Лубань (ALT)", "Лубань шеберханасы (ALT)"),
    "Dushanbe Luban Workshop": ("杜尚别鲁班工坊", "Мастерская Лубань в Душанбе", "Душанбе Лубань шеберханасы"),
    "Proposed workshop": ("拟建工坊", "Предлагаемая мастерская", "Ұсынылған шеберхана"),
    "Welder in Almaty": ("阿拉木图焊工", "Сварщик в Алматы", "Алматыдағы дәнекерлеуші"),
    "Other welder": ("另一焊工岗位", "Другой сварщик", "Басқа дәнекерлеуші"),
}
# Records of a trainee's own learning are written once, in the language of the institution (not
# translated fields); the journey's Kazakh college writes Russian.
RECORDED = {"Final practical": "Итоговый практический экзамен", "Welder level 3": "Сварщик 3-го разряда"}


@pytest.fixture
def in_four_languages(db):
    """Call after building a world: names its content in the four languages as the demo does, and
    returns the proper names a reader sees in their original script."""
    from django.contrib.auth.models import User

    from tvetbridge.core.models import Source
    from tvetbridge.core.reference import load_reference
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.outcomes.models import Assessment, Credential
    from tvetbridge.registry.models import CooperationProject, Enterprise, Institution, Programme

    def translate() -> list[str]:
        load_reference()  # countries, regions and fields of study named in the four languages
        for model, field in [(Institution, "name"), (Enterprise, "name"), (Programme, "name"),
                             (CooperationProject, "name"), (SkillDemand, "title")]:
            for english, (zh, ru, kk) in CONTENT.items():
                model.objects.filter(**{f"{field}_en": english}).update(
                    **{f"{field}_zh_hans": zh, f"{field}_ru": ru, f"{field}_kk": kk})
        for model in (Assessment, Credential):
            for english, recorded in RECORDED.items():
                model.objects.filter(name=english).update(name=recorded)
        # Proper names: the accounts' user names; the sources' citations, which stay in the language of the
        # document they cite; the map boundaries' data set; a standard's name; JD, an enterprise's brand.
        names = [*User.objects.values_list("username", flat=True), "Natural Earth", "ISO 3166-1 alpha-2", "JD"]
        for source in Source.objects.all():
            names += [str(source), source.title, source.publisher, source.document, source.locator]
        return names

    return translate


# --- issue 13: English left in a page or a report read in Chinese, Russian or Kazakh ----------------

# Words of the project's English messages that are names or codes in every language, so they may stand
# in Chinese, Russian and Kazakh text as they are. Keep this short: each entry is a decision that the
# word is not translated, and why is said beside it.
ENGLISH_ALLOWED = {
    "luban",  # Luban Workshop (鲁班工坊), the programme's proper name, also in Latin script
    "tvet", "bridge",  # the platform's name, "TVET Bridge"
    "esco", "isco", "csco", "isced", "inform",  # classifications and the INFORM index, by name
    "xapi", "vega", "lite",  # standards and libraries named as such
    "true",  # the literal value of a yes/no column in open-data files, quoted in their dictionaries
    "min", "max",  # mathematical functions in formulas ("min(10, …)", "min–max normalisation")
    "dirichlet",  # a distribution named after a person
}
ENGLISH_WORD = re.compile(r"(?<![\w.@/\\-])[A-Za-z]{3,}(?:'[a-z]+)?(?![\w@/\\])")
NOT_RUNNING_TEXT = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S+"  # URLs
    r"|\S+@\S+\.\w+"  # e-mail addresses
    r"|\S+\.(?:csv|xlsx|pdf|json|jsonld|xml|zip|png|svg)\b"  # file names
    r"|[“\"«„][a-z0-9]+(?:_[a-z0-9]+)+[”\"»“]",  # an export's table named in quotes, as in a PDF (no <code>)
    re.IGNORECASE)


class EnglishWords:
    """English words in text meant to be read in another language.

    The vocabulary is every word of three or more Latin letters in the project's English messages
    (the msgids of its catalogue): exactly the words a forgotten ``{% trans %}``, an English composed
    sentence or an untranslated label leaks. Words in capitals are codes (ISCO, PDF, KZT); proper names
    the caller knows (user names, brand names) are removed before the words are looked up."""

    def __init__(self, catalogue: Path):
        import polib

        words: set[str] = set()
        for entry in polib.pofile(str(catalogue)):
            for msgid in (entry.msgid, entry.msgid_plural):
                words.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"%\(\w+\)\w|\{\w*\}", " ", msgid)))
        self.vocabulary = frozenset(words - ENGLISH_ALLOWED)

    def __call__(self, text: str, names: Iterable[str] = ()) -> list[str]:
        """The English words of ``text`` in order of first appearance, proper ``names`` excepted."""
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, " ")
        text = NOT_RUNNING_TEXT.sub(" ", text).replace("_", " ")
        found: dict[str, None] = {}
        for match in ENGLISH_WORD.finditer(text):
            word = match.group()
            if not word.isupper() and word.lower() in self.vocabulary:
                found.setdefault(word, None)
        return list(found)

    @staticmethod
    def quote(text: str, word: str, width: int = 50) -> str:
        """Where ``word`` first stands in ``text``, with some words either side."""
        at = re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text)
        start = at.start() if at else 0
        return "…" + text[max(0, start - width):start + len(word) + width].strip() + "…"


@pytest.fixture(scope="session")
def english_words():
    from django.conf import settings

    return EnglishWords(Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po")
