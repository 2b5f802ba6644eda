"""Every role × registry model × action, through user.has_perm and through the real pages.

The expected matrix is written out here by hand from the issue's role descriptions, not computed
from the rules, so a change in the rules that leaks (or locks out) shows up as a failure."""

import pytest
from django.urls import reverse

from tvetbridge.registry.models import (
    Alliance,
    CooperationProject,
    Facility,
    FacultyMember,
)

ROLES = ["admin", "coordinator", "institution", "enterprise", "public"]
ACTIONS = ["view", "create", "edit", "delete", "export"]
MODELS = ["institution", "programme", "facultymember", "facility", "enterprise", "alliance", "cooperationproject"]
MEMBERS = {"admin", "coordinator", "institution", "enterprise"}
MANAGERS = {"admin", "coordinator"}

# Objects: "own" belongs to the staff user's organisation (ALT University / JD), "other" does not.
# Institution staff act for ALT University; enterprise staff for JD.
EXPECTED = {
    # model: {action: {scope: allowed roles}}
    "institution": {"view": MEMBERS, "create": MANAGERS, "export": MEMBERS,
                    "edit": {"own": MANAGERS | {"institution"}, "other": MANAGERS},
                    "delete": {"own": {"admin"}, "other": {"admin"}}},
    "enterprise": {"view": MEMBERS, "create": MANAGERS, "export": MEMBERS,
                   "edit": {"own": MANAGERS | {"enterprise"}, "other": MANAGERS},
                   "delete": {"own": {"admin"}, "other": {"admin"}}},
    "alliance": {"view": MEMBERS, "create": MANAGERS, "export": MEMBERS,
                 "edit": {"own": MANAGERS, "other": MANAGERS},
                 "delete": {"own": {"admin"}, "other": {"admin"}}},
    "cooperationproject": {"view": MEMBERS, "create": MANAGERS | {"institution"}, "export": MEMBERS,
                           "edit": {"own": MANAGERS | {"institution"}, "other": MANAGERS},
                           "delete": {"own": {"admin"}, "other": {"admin"}}},
}
for child in ("programme", "facultymember", "facility"):
    EXPECTED[child] = {"view": MEMBERS, "create": MANAGERS | {"institution"}, "export": MEMBERS,
                       "edit": {"own": MANAGERS | {"institution"}, "other": MANAGERS},
                       "delete": {"own": {"admin", "institution"}, "other": {"admin"}}}
# Faculty members are personal data: institution staff read their own institution's teachers only,
# enterprise staff (and trainees, and the public) none.
EXPECTED["facultymember"].update({"view": {"own": MANAGERS | {"institution"}, "other": MANAGERS},
                                  "export": MANAGERS | {"institution"}})

PERM_ACTION = {"view": "view", "create": "add", "edit": "change", "delete": "delete", "export": "export"}


def allowed(model: str, action: str, role: str, scope: str) -> bool:
    rule = EXPECTED[model][action]
    roles = rule[scope] if isinstance(rule, dict) else rule
    return role in roles


@pytest.fixture
def objects(world):
    """An 'own' and an 'other' object of every model, from the staff users' point of view."""
    alt, other = world["alt"], world["other_institution"]
    own_project = world["project"]
    other_project = CooperationProject.objects.create(external_key="proj-2", name="Other project", kind="exchange",
                                                      host_country=world["kz"])
    other_project.partner_institutions.add(other)
    from tvetbridge.registry.models import Programme
    other_programme = Programme.objects.create(external_key="prog-2", institution=other, name="Welding",
                                               field=world["logistics"], isced_level=4, duration_months=10,
                                               intake_capacity=20, expected_graduates=15)
    alliance = Alliance.objects.create(external_key="all-1", name="Alliance A")
    alliance.institutions.add(alt)
    return {
        "institution": {"own": alt, "other": other},
        "programme": {"own": world["programme"], "other": other_programme},
        "facultymember": {"own": FacultyMember.objects.create(external_key="f-1", institution=alt, full_name="A B"),
                          "other": FacultyMember.objects.create(external_key="f-2", institution=other,
                                                                full_name="C D")},
        "facility": {"own": Facility.objects.create(external_key="fa-1", institution=alt, name="Lab A", kind="lab",
                                                    capacity=10),
                     "other": Facility.objects.create(external_key="fa-2", institution=other, name="Lab B",
                                                      kind="lab", capacity=10)},
        "enterprise": {"own": world["jd"], "other": world["other_enterprise"]},
        "alliance": {"own": alliance, "other": Alliance.objects.create(external_key="all-2", name="Alliance B")},
        "cooperationproject": {"own": own_project, "other": other_project},
    }


def test_the_expectation_covers_every_cell():
    assert set(EXPECTED) == set(MODELS)
    assert all(set(EXPECTED[m]) == set(ACTIONS) for m in MODELS)


@pytest.mark.parametrize("model", MODELS)
def test_has_perm_matrix(users, objects, model):
    leaks, lockouts = [], []
    for role in ROLES:
        user = users[role]
        for action in ACTIONS:
            perm = f"registry.{PERM_ACTION[action]}_{model}"
            for scope in ("own", "other"):
                obj = objects[model][scope] if action in {"view", "edit", "delete"} else None
                got = user.has_perm(perm, obj)
                want = allowed(model, action, role, scope)
                if got and not want:
                    leaks.append((role, action, scope))
                if want and not got:
                    lockouts.append((role, action, scope))
    assert not leaks, f"leaks: {leaks}"
    assert not lockouts, f"lock-outs: {lockouts}"


def _page_status(client, model, action, obj):
    if action == "view":
        return [client.get(reverse(f"{model}_list")).status_code,
                client.get(reverse(f"{model}_detail", args=[obj.pk])).status_code]
    if action == "create":
        return [client.get(reverse(f"{model}_create")).status_code]
    if action == "edit":
        return [client.get(reverse(f"{model}_edit", args=[obj.pk])).status_code]
    if action == "delete":
        return [client.get(reverse(f"{model}_delete", args=[obj.pk])).status_code]
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS)
def test_pages_matrix(client, users, objects, model, role):
    if role != "public":
        client.force_login(users[role])
    problems = []
    for action in ("view", "create", "edit", "delete"):
        for scope in ("own", "other"):
            want = allowed(model, action, role, scope)
            # A list opens to whoever may read some record of it (their own), listing only those.
            wants = [allowed(model, action, role, "own"), want] if action == "view" else [want]
            for status, want in zip(_page_status(client, model, action, objects[model][scope]), wants, strict=True):
                expected = 200 if want else (302 if role == "public" else 403)
                if status != expected:
                    problems.append((action, scope, status, expected))
    assert not problems


@pytest.mark.parametrize("role", ROLES)
def test_denied_writes_change_nothing(client, users, objects, role):
    """A POST that the matrix forbids neither edits nor deletes."""
    if role != "public":
        client.force_login(users[role])
    target = objects["institution"]["other"]
    client.post(reverse("institution_edit", args=[target.pk]), {"name_en": "Hijacked", "kind": "college",
                                                                 "country": "KZ"})
    target.refresh_from_db()
    assert (target.name_en == "Hijacked") == allowed("institution", "edit", role, "other")
    response = client.post(reverse("alliance_delete", args=[objects["alliance"]["other"].pk]))
    deleted = not Alliance.objects.filter(pk=objects["alliance"]["other"].pk).exists()
    assert deleted == allowed("alliance", "delete", role, "other"), response.status_code


EXPORT_KINDS = {"institution": "institutions", "programme": "programmes", "enterprise": "enterprises",
                "cooperationproject": "projects"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", sorted(EXPORT_KINDS))
def test_export_page_matrix(client, users, objects, model, role):
    url = reverse("io_export", kwargs={"kind": EXPORT_KINDS[model]})
    if role != "public":
        client.force_login(users[role])
    status = client.get(url).status_code
    if allowed(model, "export", role, "own"):
        assert status == 200
    else:
        assert status in (302, 403)
