"""Demo content for mutual recognition, on top of the demo registry and outcomes: the shipped
frameworks, two placed programmes (one Chinese, one Kazakh; synthetic) with modules coded to ESCO
skills, a credential type each, issued credentials (the trainee account's among them), a proposed
credit-transfer agreement and a recognition application waiting for the coordinator.

Idempotent: running it again adds nothing that is already there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from tvetbridge.core.models import FieldOfStudy, Language
from tvetbridge.outcomes.models import Credential as Award
from tvetbridge.outcomes.models import Enrolment, Trainee
from tvetbridge.registry.models import Institution, Programme
from tvetbridge.taxonomy.models import Skill

from . import issuing, services
from .models import CredentialType, CreditTransferAgreement, RecognitionApplication
from .reference import load_frameworks

SKILL_WORDS = ("logistics", "warehouse", "transport", "inventory", "customs", "supply chain", "freight", "stock")


def _skills(n: int) -> list[Skill]:
    found: list[Skill] = []
    for word in SKILL_WORDS:
        found.extend(Skill.objects.filter(label__icontains=word).order_by("esco_id")[:4])
        if len(found) >= n:
            break
    unique = list(dict.fromkeys(found))
    if len(unique) < n:
        unique.extend(Skill.objects.exclude(pk__in=[s.pk for s in unique]).order_by("esco_id")[: n - len(unique)])
    return unique[:n]


def _programme(institution: Institution, key: str, name: dict, isced: int) -> Programme:
    field = FieldOfStudy.objects.filter(code="1041").first() or FieldOfStudy.objects.order_by("code").first()
    programme, _created = Programme.objects.get_or_create(external_key=key, defaults={
        "institution": institution, "name": name["en"], "name_en": name["en"], "name_zh_hans": name["zh_hans"],
        "name_ru": name["ru"], "name_kk": name["kk"], "field": field, "isced_level": isced, "duration_months": 36,
        "intake_capacity": 60, "expected_graduates": 50, "is_synthetic": True})
    return programme


def _place(user, programme: Programme, level_key: str, language: str, modules: list[tuple], skills: list[Skill]):
    for code, names, credits, skill_slice in modules:
        if programme.modules.filter(code=code).exists():
            continue
        services.save_module(user, programme, {"code": code, "name": names, "hours": int(credits * 30),
                                               "credits": Decimal(str(credits)),
                                               "level": services.level_by_key(level_key)},
                             outcomes=[{"text": {"en": s.label}, "skill": s} for s in skills[skill_slice]])
    # Placed after its modules: a programme is placed on a level only with learning outcomes.
    services.save_programme_profile(user, programme, levels=[services.level_by_key(level_key)], hours=3600,
                                    credits=Decimal("120"), language=Language.objects.get(code=language))


def _ctype(user, programme: Programme, level_key: str, language: str, name: dict, skills: list[Skill]):
    existing = CredentialType.objects.filter(programme=programme).first()
    if existing is not None:
        return existing
    return services.save_credential_type(user, {
        "institution": programme.institution, "programme": programme, "kind": CredentialType.Kind.DIPLOMA,
        "hours": 3600, "credits": Decimal("120"), "language": Language.objects.get(code=language), "name": name,
        "description": {"en": f"Completed the programme {programme.name_en} (synthetic demo programme)."},
        "criteria": {"en": "Passed every module and the final qualification examination."}},
        levels=[services.level_by_key(level_key)],
        outcomes=[{"text": {"en": s.label}, "skill": s} for s in skills])


def _award(trainee: Trainee, programme: Programme, name: str, key: str) -> Award:
    enrolment, _created = Enrolment.objects.get_or_create(external_key=key, defaults={
        "trainee": trainee, "programme": programme, "status": Enrolment.Status.COMPLETED,
        "start_date": dt.date(2022, 9, 1), "end_date": dt.date(2025, 6, 30), "is_synthetic": True})
    award, _created = Award.objects.get_or_create(trainee=trainee, enrolment=enrolment, name=name, defaults={
        "kind": Award.Kind.DIPLOMA, "level": "", "issuer": programme.institution.name, "awarded": dt.date(2025, 6, 30)})
    return award


@transaction.atomic
def build() -> list[str]:
    lines = [f"frameworks: {load_frameworks()}"]
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    alt = Institution.objects.filter(external_key="real-inst-alt-university").first()
    chinese = (Institution.objects.filter(country_id="CN", kind__in=["vocational_university", "college"])
               .order_by("is_synthetic", "external_key").first())
    if admin is None or alt is None or chinese is None:
        return [*lines, "credentials demo skipped: the demo registry or accounts are missing"]
    skills = _skills(9)
    cn_prog = _programme(chinese, "demo-cred-cn-logistics", {
        "en": "Modern logistics management (associate)", "zh_hans": "现代物流管理（专科）",
        "ru": "Современное управление логистикой (чжуанькэ)", "kk": "Заманауи логистиканы басқару (чжуанькэ)"}, 5)
    kz_prog = _programme(alt, "demo-cred-kz-logistics", {
        "en": "Logistics (by industry)", "zh_hans": "物流（按行业）", "ru": "Логистика (по отраслям)",
        "kk": "Логистика (салалар бойынша)"}, 5)
    _place(admin, cn_prog, "cn-vet:associate", "zh", [
        ("CN-LOG-101", {"en": "Warehouse operations", "zh_hans": "仓储作业", "ru": "Складские операции",
                        "kk": "Қойма операциялары"}, 6, slice(0, 3)),
        ("CN-LOG-102", {"en": "Transport and freight", "zh_hans": "运输与货运", "ru": "Транспорт и грузоперевозки",
                        "kk": "Көлік және жүк тасымалы"}, 6, slice(3, 6)),
        ("CN-LOG-103", {"en": "Supply chain planning", "zh_hans": "供应链计划", "ru": "Планирование цепей поставок",
                        "kk": "Жеткізу тізбегін жоспарлау"}, 8, slice(6, 9))], skills)
    _place(admin, kz_prog, "kz-nqf:5", "ru", [
        ("KZ-LOG-01", {"en": "Warehouse logistics", "zh_hans": "仓储物流", "ru": "Складская логистика",
                       "kk": "Қойма логистикасы"}, 5, slice(0, 3)),
        ("KZ-LOG-02", {"en": "Freight transport", "zh_hans": "货物运输", "ru": "Грузовые перевозки",
                       "kk": "Жүк тасымалы"}, 5, slice(3, 5)),
        ("KZ-LOG-03", {"en": "Customs and border logistics", "zh_hans": "海关与口岸物流",
                       "ru": "Таможенная и приграничная логистика", "kk": "Кеден және шекара логистикасы"}, 5,
         slice(7, 9))], skills)
    cn_type = _ctype(admin, cn_prog, "cn-vet:associate", "zh", {
        "en": "Diploma of higher vocational education: modern logistics management",
        "zh_hans": "高等职业教育毕业证书：现代物流管理", "ru": "Диплом высшего профессионального образования: "
        "современное управление логистикой", "kk": "Жоғары кәсіптік білім дипломы: заманауи логистиканы басқару"},
        skills[:9])
    kz_type = _ctype(admin, kz_prog, "kz-nqf:5", "ru", {
        "en": "Diploma of technical and vocational education: logistics", "zh_hans": "技术与职业教育毕业证书：物流",
        "ru": "Диплом о техническом и профессиональном образовании: логистика",
        "kk": "Техникалық және кәсіптік білім туралы диплом: логистика"}, skills[:5])
    trainees = list(Trainee.objects.filter(is_synthetic=True).order_by("pk")[:24])
    account_trainee = Trainee.objects.filter(user__username="trainee").first()
    if account_trainee is not None and account_trainee not in trainees:
        trainees.insert(0, account_trainee)
    cn_awards = [_award(t, cn_prog, cn_type.name_en, f"demo-cred-cn-{t.pk}") for t in trainees[:13]]
    kz_awards = [_award(t, kz_prog, kz_type.name_en, f"demo-cred-kz-{t.pk}") for t in trainees[13:]]
    issued = len(issuing.issue_many(admin, cn_awards, cn_type)) + len(issuing.issue_many(admin, kz_awards, kz_type))
    lines.append(f"credentials issued: {issued}")
    if not CreditTransferAgreement.objects.filter(source=cn_prog, target=kz_prog).exists():
        agreement = services.propose_agreement(admin, cn_prog, kz_prog)
        lines.append(f"credit transfer proposed: {agreement.items.count()} modules")
    if account_trainee is not None and not RecognitionApplication.objects.filter(trainee=account_trainee).exists():
        from tvetbridge.core.models import Country

        app = services.apply_for_recognition(admin, cn_awards[0], host_country=Country.objects.get(code="KZ"),
                                             purpose="study", target_programme=kz_prog)
        lines.append(f"recognition application: proposal {app.proposal.get('outcome')}")
    return lines
