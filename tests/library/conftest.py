import base64

import pytest


@pytest.fixture
def lrs_client(db):
    from tvetbridge.library import services

    client, secret = services.provision_client(name="test", key="test-key", secret="test-secret")
    return client


@pytest.fixture
def xapi(client, lrs_client):
    """A Django test client speaking xAPI 2.0 with the LRS client's basic auth."""
    auth = "Basic " + base64.b64encode(b"test-key:test-secret").decode()

    def call(method, path, *, version="2.0.0", headers=None, **kwargs):
        extra = {"HTTP_AUTHORIZATION": auth}
        if version:
            extra["HTTP_X_EXPERIENCE_API_VERSION"] = version
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        return getattr(client, method)("/xapi/" + path, **kwargs, **extra)

    return call


def statement(**extra):
    st = {"actor": {"mbox": "mailto:learner@example.org", "name": "Learner"},
          "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
          "object": {"id": "http://example.org/activities/welding-1",
                     "definition": {"name": {"en": "Welding 1", "kk": "Дәнекерлеу 1"}}}}
    st.update(extra)
    return st


@pytest.fixture
def library_world(world, users, make_user):
    """A welding skill with labels in four languages, a trainee of ALT's programme with an account,
    and a resource of ALT's in draft."""
    import datetime as dt

    from tvetbridge.core.models import Language, Source
    from tvetbridge.library import services
    from tvetbridge.outcomes.models import Enrolment, Trainee
    from tvetbridge.taxonomy.models import IscoGroup, Occupation, Skill

    Language.objects.get_or_create(code="en", defaults={"name": "English"})
    src = Source.objects.create(key="esco-test", title="ESCO")
    skill = Skill.objects.create(esco_id="weld-1", label="welding techniques", label_en="welding techniques",
                                 label_zh_hans="焊接技术", label_ru="техники сварки", label_kk="дәнекерлеу әдістері",
                                 source=src)
    isco = IscoGroup.objects.create(code="7212", label="Welders and flame cutters", source=src)
    occupation = Occupation.objects.create(esco_id="welder-1", code="7212.1", label="welder", label_en="welder",
                                           label_zh_hans="焊工", label_ru="сварщик", label_kk="дәнекерлеуші",
                                           isco_group=isco, source=src)
    trainee_user = make_user("trainee", username="trainee-1")
    trainee = Trainee.objects.create(external_key="tr-1", institution=world["alt"], user=trainee_user)
    enrolment = Enrolment.objects.create(external_key="en-1", trainee=trainee, programme=world["programme"],
                                         start_date=dt.date(2024, 1, 1))
    staff = users["institution"]
    resource = services.save_resource(staff, {
        "kind": "module", "title_en": "", "title_zh_hans": "焊接基础（双语）",
        "title_ru": "Основы сварки (двуязычный модуль)", "description_zh_hans": "中俄双语焊接模块",
        "url": "https://example.org/welding", "licence": "CC-BY-4.0"},
        m2m={"content_languages": ["zh", "ru"], "programmes": [world["programme"]]})
    return {**world, "users": {**users, "trainee": trainee_user}, "skill": skill, "occupation": occupation,
            "trainee": trainee, "enrolment": enrolment, "resource": resource}
