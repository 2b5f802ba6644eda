"""Notifications: each event reaches the people it concerns, in the app and by e-mail as each chose,
in the reader's language; delivery runs in a job; a user sees and marks only their own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tvetbridge.core.jobs import REGISTRY, enqueue, job_task
from tvetbridge.core.models import Job
from tvetbridge.notifications import queries, services
from tvetbridge.notifications.models import Notification, Preference


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def people(users, world):
    """Users with e-mail addresses; the institution user reads Russian."""
    for role, user in users.items():
        if role != "public":
            user.email = f"{role}@example.org"
            user.save()
    users["institution"].profile.language = "ru"
    users["institution"].profile.save()
    return users


def texts(user) -> list[str]:
    return [n.text for n in queries.rendered(queries.notifications_for(user))]


def test_risk_alert_reaches_coordinators_and_staff_of_exposed_projects(risk_world, people):
    from tvetbridge.risk import services as risk

    tj_project = risk_world["tj_project"]
    tj_project.partner_institutions.add(risk_world["alt"])
    tj_project.enterprises.add(risk_world["jd"])
    mail.outbox.clear()
    _event, raised = risk.record_event(people["coordinator"], country="TJ", date=risk.today(),
                                       kind="security_incident", severity=5, title="Border clashes",
                                       source="Reuters, 2026-11-20", affected_projects=[tj_project])
    assert raised
    for role in ("coordinator", "institution", "enterprise"):
        (n,) = Notification.objects.filter(user=people[role], kind="risk.alert")
        assert n.facts["country"] == {"ref": "core.country", "pk": "TJ"} and n.link_args == ["TJ"]
    assert not Notification.objects.filter(user=people["admin"]).exists()
    assert "Tajikistan" in texts(people["coordinator"])[0] and "Dushanbe Luban Workshop" in texts(people["coordinator"])[0]
    # One e-mail per recipient (one per country, whatever the number of rules that fired), each in the
    # recipient's language.
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"coordinator@example.org", "institution@example.org", "enterprise@example.org"}
    assert "Таджикистан" in by_to["institution@example.org"].body
    assert "Tajikistan" in by_to["coordinator@example.org"].subject
    assert "/risk/countries/TJ/" in by_to["coordinator@example.org"].body


def test_project_proposed_for_approval_reaches_coordinators(world, people):
    from tvetbridge.registry import services as registry
    from tvetbridge.registry.models import CooperationProject

    project = CooperationProject.objects.create(external_key="p-draft", name="Draft workshop", kind="luban_workshop",
                                                status="draft", host_country=world["kz"])
    project.partner_institutions.add(world["alt"])
    registry.transition_project(people["institution"], project, "propose")
    (n,) = Notification.objects.filter(kind="registry.project_proposed")
    assert n.user == people["coordinator"]
    assert texts(people["coordinator"]) == ["“Draft workshop” was proposed for approval by institution-user."]
    assert queries.link_of(n) == reverse("cooperationproject_detail", args=[project.pk])
    assert [m.to for m in mail.outbox] == [["coordinator@example.org"]]
    # Approving is no proposal: nobody is told again.
    registry.transition_project(people["coordinator"], project, "approve")
    assert Notification.objects.filter(kind="registry.project_proposed").count() == 1


def test_quality_flag_reaches_staff_of_the_project_only(world, people, make_user):
    from tvetbridge.outcomes import flags
    from tvetbridge.outcomes.models import Enrolment, Trainee

    bystander = make_user("institution", institution=world["other_institution"], username="bystander")
    project = world["project"]
    for i in range(6):
        t = Trainee.objects.create(external_key=f"N-{i}")
        Enrolment.objects.create(external_key=f"NE-{i}", trainee=t, project=project, status="completed",
                                 start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 10, 31))
    flags.evaluate_project(project, today=dt.date(2025, 11, 1))
    got = Notification.objects.filter(kind="outcomes.flag_raised")
    assert {n.user for n in got} == {people["institution"], people["enterprise"]}
    assert not got.filter(user=bystander).exists()
    with translation.override("ru"):
        (text,) = texts(people["institution"])
    assert "Luban Workshop (ALT)" in text and "замечание о качестве" in text
    # Checking again on the same data raises nothing new, so tells nobody again.
    flags.evaluate_project(project, today=dt.date(2025, 11, 1))
    assert Notification.objects.filter(kind="outcomes.flag_raised").count() == got.count()


@job_task("tests.announced_work", title="Announced test work", announce=True)
def announced_work(job, *, fail: bool = False) -> dict:
    if fail:
        raise RuntimeError("broken file")
    return {"rows": 3}


def test_finished_import_or_report_is_told_to_whoever_started_it(world, people):
    assert REGISTRY["registry.import_file"].announce and REGISTRY["reports.generate"].announce
    assert not REGISTRY["matching.update_candidates"].announce
    done = enqueue(announced_work, user=people["institution"])
    failed = enqueue(announced_work, user=people["institution"], fail=True)
    assert {done.status, failed.status} == {Job.Status.SUCCEEDED, Job.Status.FAILED}
    got = {n.link_args[0]: n for n in Notification.objects.filter(kind="core.job_finished")}
    assert set(got) == {done.pk, failed.pk} and {n.user for n in got.values()} == {people["institution"]}
    with translation.override("en"):
        assert sorted(texts(people["institution"])) == [
            "Your background job “Announced test work” has ended: completed successfully.",
            "Your background job “Announced test work” has ended: stopped with an error."]
    # By default this kind is not mailed (the person is usually watching the job's page).
    assert not mail.outbox
    # The platform's own work and jobs nobody started are not announced.
    from tvetbridge.core.services import system_user

    enqueue(announced_work, user=system_user())
    assert Notification.objects.filter(kind="core.job_finished").count() == 2


def test_trainee_interest_reaches_only_the_vacancys_enterprise(world, people, make_user):
    from tvetbridge.core.models import Source
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.matching import services as matching
    from tvetbridge.outcomes.models import Trainee
    from tvetbridge.taxonomy.models import IscoGroup, Occupation

    src = Source.objects.create(key="esco-n", title="ESCO")
    occ = Occupation.objects.create(esco_id="w-1", code="7212.1", label="welder", isco_group=IscoGroup.objects.create(
        code="7212", label="Welders", source=src), source=src)
    vacancy = SkillDemand.objects.create(external_key="VN", enterprise=world["jd"], kind="vacancy", title="Welder",
                                         country=world["kz"], occupation=occ, count=1,
                                         deadline=dt.date.today() + dt.timedelta(days=30))
    other_staff = make_user("enterprise", enterprise=world["other_enterprise"], username="other-ent")
    account = make_user("trainee", username="trainee-n")
    trainee = Trainee.objects.create(external_key="TN", user=account, consent_matching=True,
                                     consent_date=dt.date.today())
    matching.express_interest(account, trainee, vacancy)
    matching.express_interest(account, trainee, vacancy)  # idempotent: told once
    (n,) = Notification.objects.filter(kind="matching.interest")
    assert n.user == people["enterprise"] and not Notification.objects.filter(user=other_staff).exists()
    assert texts(people["enterprise"]) == ["A trainee is interested in your vacancy “Welder”."]
    assert queries.link_of(n) == reverse("matching_vacancy_candidates", args=[vacancy.pk])
    assert [m.to for m in mail.outbox] == [["enterprise@example.org"]]
    assert "trainee-n" not in mail.outbox[0].body and "TN" not in mail.outbox[0].body


def test_preferences_choose_channels_per_kind(world, people, client):
    coordinator = people["coordinator"]
    services.set_preferences(coordinator, {"registry.project_proposed": (True, False)})
    services.announce("registry.project_proposed", [coordinator.pk],
                      {"project": {"ref": "registry.cooperationproject", "pk": world["project"].pk}, "user": "x"})
    assert Notification.objects.get(user=coordinator).in_app and not mail.outbox
    services.set_preferences(coordinator, {"registry.project_proposed": (False, True)})
    services.announce("registry.project_proposed", [coordinator.pk], {"project": "p", "user": "x"})
    assert len(mail.outbox) == 1 and queries.unread_count(coordinator) == 1  # the mailed one is not in the app
    services.set_preferences(coordinator, {"registry.project_proposed": (False, False)})
    services.announce("registry.project_proposed", [coordinator.pk], {"project": "p", "user": "x"})
    assert Notification.objects.filter(user=coordinator).count() == 2 and len(mail.outbox) == 1
    # A kind the role cannot receive is neither offered nor accepted, nor delivered.
    with pytest.raises(Exception, match="cannot receive"):
        services.set_preferences(people["institution"], {"registry.project_proposed": (True, True)})
    services.announce("registry.project_proposed", [people["institution"].pk], {"project": "p", "user": "x"})
    assert not Notification.objects.filter(user=people["institution"]).exists()

    client.force_login(people["institution"])
    page = client.get(reverse("notification_preferences")).content.decode()
    assert "Quality flag raised on your project" in page and "Project awaiting approval" not in page
    # The form sends every kind it shows: boxes left unticked are choices too.
    resp = client.post(reverse("notification_preferences"), {"outcomes.flag_raised:in_app": "on"})
    assert resp.status_code == 302
    pref = Preference.objects.get(user=people["institution"], kind="outcomes.flag_raised")
    assert (pref.in_app, pref.email) == (True, False)
    assert pref.history.count() == 1  # audited
    rows = {r["kind"].code: (r["in_app"], r["email"]) for r in queries.preferences(people["institution"])}
    assert rows["outcomes.flag_raised"] == (True, False) and rows["risk.alert"] == (False, False)


def test_list_badge_and_marking_are_each_users_own(world, people, client):
    coordinator, admin = people["coordinator"], people["admin"]
    fact = {"project": {"ref": "registry.cooperationproject", "pk": world["project"].pk}, "user": "alt"}
    for _ in range(3):
        services.announce("registry.project_proposed", [coordinator.pk, admin.pk], fact,
                          link="cooperationproject_detail", link_args=[world["project"].pk])
    client.force_login(coordinator)
    home = client.get(reverse("notifications")).content.decode()
    assert 'id="unread-count">3<' in home and home.count('class="notification unread"') == 3
    assert reverse("cooperationproject_detail", args=[world["project"].pk]) in home
    mine = list(Notification.objects.filter(user=coordinator))
    theirs = Notification.objects.filter(user=admin).first()
    client.post(reverse("notifications_mark"), {"id": [mine[0].pk, theirs.pk], "read": "1"})
    theirs.refresh_from_db()
    assert theirs.read_at is None and queries.unread_count(coordinator) == 2
    client.post(reverse("notifications_mark"), {"id": [mine[0].pk], "read": "0"})
    assert queries.unread_count(coordinator) == 3
    client.post(reverse("notifications_mark"), {"all": "1"})
    assert queries.unread_count(coordinator) == 0 and queries.unread_count(admin) == 3
    page = client.get(reverse("notifications") + "?show=unread").content.decode()
    assert "No unread notifications." in page and 'id="unread-count"' not in page
    # The same notification reads in the reader's language, from the same stored facts.
    ru = client.get("/ru" + reverse("notifications")).content.decode()
    assert "Luban Workshop (ALT)" in ru and "предложен" in ru
    client.logout()
    assert client.get(reverse("notifications")).status_code == 302


def test_delivery_job_retried_after_a_mail_failure_sends_only_what_is_missing(world, people, monkeypatch):
    from tvetbridge.notifications.services import DeliveryIncomplete, deliver

    sent_to = []
    real_send = mail.EmailMessage.send

    def flaky(self, *a, **k):
        if self.to == ["admin@example.org"] and not sent_to.count("fail-once"):
            sent_to.append("fail-once")
            raise OSError("mail server down")
        sent_to.append(self.to[0])
        return real_send(self, *a, **k)

    monkeypatch.setattr(mail.EmailMessage, "send", flaky)
    args = (4242, "registry.project_proposed", [people["coordinator"].pk, people["admin"].pk],
            {"project": "p", "user": "x"}, "", [])
    with pytest.raises(DeliveryIncomplete):
        deliver(*args)
    assert deliver(*args)["emailed"] == 1
    assert sent_to == ["coordinator@example.org", "fail-once", "admin@example.org"] or \
        sent_to == ["fail-once", "coordinator@example.org", "admin@example.org"]
    assert Notification.objects.filter(delivery=4242).count() == 2
