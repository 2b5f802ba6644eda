"""Audit on every change (issue 11, part 4): incomes, exchange rates, prices, roles, accounts and API
tokens keep history rows with who, when and why; the admin cannot change them behind it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from tvetbridge.core import services as core_services
from tvetbridge.core import tokens
from tvetbridge.core.models import ApiToken, ExchangeRate, Profile
from tvetbridge.outcomes import services
from tvetbridge.outcomes.models import CpiIndex, IncomeObservation, Trainee
from tvetbridge.outcomes.services import import_file


@pytest.fixture
def trainee(world):
    return Trainee.objects.create(external_key="T-1", institution=world["alt"], gender="female", birth_year=2001)


def income(trainee, amount, **extra):
    return {"trainee": trainee, "period": dt.date(2025, 3, 1), "amount": Decimal(amount), "currency": "KZT",
            "source": "payroll", **extra}


def test_income_correction_keeps_old_value_who_when_why(trainee, users):
    coordinator = users["coordinator"]
    services.record_income(coordinator, income(trainee, "100"))
    services.record_income(coordinator, income(trainee, "150", reason="employer re-sent March"))
    history = list(IncomeObservation.history.order_by("history_date", "history_id"))
    assert [(h.amount, h.history_type) for h in history] == [(Decimal("100"), "+"), (Decimal("150"), "~")]
    assert history[1].history_user == coordinator
    assert history[1].history_change_reason == "employer re-sent March"
    # the same values again: nothing to correct, no reason needed, no history row
    services.record_income(coordinator, income(trainee, "150"))
    assert IncomeObservation.history.count() == 2


def test_income_file_correction_keeps_old_values_and_names_the_file(trainee, users):
    header = b"trainee,period,amount,currency,source\n"
    first = import_file(users["coordinator"], "incomes", header + b"T-1,2025-03,100,KZT,payroll\n", "march.csv")
    assert first.committed and IncomeObservation.history.count() == 0  # a new month: the batch is its audit
    again = import_file(users["coordinator"], "incomes", header + b"T-1,2025-03,120.50,KZT,payroll\n", "fix.csv")
    assert again.committed and again.updated == 1
    rows = list(IncomeObservation.history.order_by("history_date", "history_id"))
    assert [(r.amount, r.history_change_reason) for r in rows] == [
        (Decimal("100"), "income.before_import"), (Decimal("120.50"), "import")]
    assert rows[1].history_user == users["coordinator"] and rows[1].batch_id is not None
    # a later single correction adds to that history instead of starting a new one
    services.record_income(users["coordinator"], income(trainee, "125", reason="typo"))
    assert IncomeObservation.history.count() == 3


def test_bulk_loaded_income_keeps_its_value_when_corrected_by_hand(trainee, users):
    IncomeObservation.objects.bulk_create([IncomeObservation(**income(trainee, "90"))])  # no history, like COPY
    services.record_income(users["coordinator"], income(trainee, "95", reason="checked payslip"))
    assert [(h.amount, h.history_change_reason) for h in IncomeObservation.history.order_by("history_id")] == [
        (Decimal("90"), "income.before_correction"), (Decimal("95"), "checked payslip")]


def test_exchange_rates_and_prices_keep_history_and_need_a_manager(world, users):
    day = dt.date(2025, 7, 1)
    core_services.set_exchange_rate(users["coordinator"], "KZT", day, Decimal("470.5"))
    core_services.set_exchange_rate(users["admin"], "KZT", day, Decimal("480.25"), reason="central bank revision")
    rate = ExchangeRate.objects.get(currency="KZT", date=day)
    assert [(h.per_usd, h.history_user) for h in rate.history.order_by("history_id")] == [
        (Decimal("470.5"), users["coordinator"]), (Decimal("480.25"), users["admin"])]
    assert rate.history.latest().history_change_reason == "central bank revision"
    with pytest.raises(PermissionDenied):
        core_services.set_exchange_rate(users["institution"], "KZT", day, Decimal("1"))
    services.set_cpi(users["coordinator"], "KZ", 2024, Decimal("8.7"))
    services.set_cpi(users["coordinator"], "KZ", 2024, Decimal("8.6"), reason="revised series")
    assert CpiIndex.history.count() == 2
    with pytest.raises(PermissionDenied):
        services.set_cpi(users["enterprise"], "KZ", 2024, Decimal("1"))


def test_roles_change_only_by_admins_with_history(world, users, make_user):
    person = make_user("enterprise", enterprise=world["jd"], username="moving")
    with pytest.raises(PermissionDenied):
        core_services.set_role(users["coordinator"], person, "coordinator")
    with pytest.raises(ValidationError):
        core_services.set_role(users["admin"], person, "institution")  # which institution?
    core_services.set_role(users["admin"], person, "institution", institution=world["alt"], reason="moved to ALT")
    profile = Profile.objects.get(user=person)
    assert profile.role == "institution" and profile.enterprise_id is None
    last = profile.history.latest()
    assert last.history_user == users["admin"] and last.history_change_reason == "moved to ALT"
    assert profile.history.earliest().role == "enterprise"


def test_accounts_are_audited_without_their_password(users):
    from django.contrib.auth.models import User

    user = users["coordinator"]
    user.is_superuser = True
    user.save()
    last = User.history.filter(id=user.pk).latest()
    assert last.is_superuser and not hasattr(last, "password")


def test_tokens_issue_and_revoke_are_history_rows(users):
    user = users["coordinator"]
    token, _key = tokens.issue_token(user, "sync", expires_in_days=30, read_only=True)
    tokens.revoke_token(user, token)
    rows = list(ApiToken.history.filter(id=token.pk).order_by("history_id"))
    assert [(r.history_type, r.revoked, r.history_change_reason) for r in rows] == [
        ("+", False, "token.issued"), ("~", True, "token.revoked")]
    assert all(r.history_user == user for r in rows) and rows[0].read_only
    assert not hasattr(rows[0], "digest")


def test_audit_log_shows_the_new_models_with_reasons_in_the_readers_language(client, trainee, users):
    services.record_income(users["coordinator"], income(trainee, "100"))
    tokens.issue_token(users["coordinator"], "sync")
    client.force_login(users["coordinator"])
    with translation.override("ru"):
        page = client.get(reverse("audit_log")).content.decode()
    assert "API-токен выдан" in page and "доход записан" in page
    entries = client.get(reverse("audit_log"), {"model": "incomeobservation"}).context["entries"]
    assert [e["reason"] for e in entries] == ["income recorded"]


def test_admin_cannot_edit_audited_incomes_tokens_or_targets(client, trainee, users):
    obs = services.record_income(users["coordinator"], income(trainee, "100"))
    users["admin"].is_staff = True
    users["admin"].save()
    client.force_login(users["admin"])
    url = reverse("admin:outcomes_incomeobservation_change", args=[obs.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="amount"' not in page.content.decode()
    client.post(url, {"amount": "1", "period": "2025-03-01", "currency": "KZT", "source": "payroll",
                      "trainee": trainee.pk})
    assert IncomeObservation.objects.get().amount == Decimal("100")
    assert client.get(reverse("admin:outcomes_incomeobservation_add")).status_code == 403


def test_admin_role_edit_goes_through_the_service(client, world, users, make_user):
    person = make_user("enterprise", enterprise=world["jd"], username="moving")
    users["admin"].is_staff = True
    users["admin"].save()
    client.force_login(users["admin"])
    profile = Profile.objects.get(user=person)
    response = client.post(reverse("admin:core_profile_change", args=[profile.pk]),
                           {"user": person.pk, "role": "coordinator", "institution": "", "enterprise": "",
                            "language": "en"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.role == "coordinator" and profile.enterprise_id is None
    assert profile.history.latest().history_user == users["admin"]
    assert profile.history.latest().history_change_reason == "role.set"


def test_every_audited_model_is_read_only_in_the_admin_or_saved_by_its_service(rf, users):
    from django.contrib import admin

    from tvetbridge.core.admin import AuditedReadOnlyAdmin, ServiceSavedAdmin
    from tvetbridge.core.audit import audited_models

    superuser = users["admin"]
    superuser.is_staff = superuser.is_superuser = True
    request = rf.get("/admin/")
    request.user = superuser
    checked = set()
    for name, model in audited_models().items():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        if isinstance(model_admin, ServiceSavedAdmin):
            assert type(model_admin).save_through_service is not ServiceSavedAdmin.save_through_service, name
            assert not model_admin.has_delete_permission(request), name
        else:
            assert isinstance(model_admin, AuditedReadOnlyAdmin), f"{name}: {type(model_admin).__name__}"
            assert not any(allowed(request) for allowed in (
                model_admin.has_add_permission, model_admin.has_change_permission,
                model_admin.has_delete_permission)), name
        checked.add(name)
    assert {"institution", "programme", "cooperationproject", "enterprise", "incomeobservation", "cpiindex",
            "projecttarget", "exchangerate", "profile", "apitoken", "user"} <= checked


def test_admin_cannot_move_a_project_past_its_approval(client, world, users):
    project = world["project"]
    project.status = "draft"
    project.save()
    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    client.force_login(users["admin"])
    url = reverse("admin:registry_cooperationproject_change", args=[project.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    client.post(url, {"status": "active", "name": project.name, "kind": project.kind})
    project.refresh_from_db()
    assert project.status == "draft" and project.approved_by is None


def test_admin_account_change_goes_through_the_write_path(rf, users):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    person = users["enterprise"]
    person.is_active = False
    request = rf.post("/admin/")
    request.user = users["admin"]
    admin.site._registry[get_user_model()].save_model(request, person, None, True)
    last = person.history.latest()
    assert not last.is_active and last.history_user == users["admin"]
    assert last.history_change_reason == "account.changed"
