"""Enterprises in public only while they agree: a consent given by their own staff (or recorded by a
coordinator on their behalf, with a reason), withdrawable, versioned and audited; a listed
enterprise's profile shows what it offers and needs and never anything about a person; an unlisted
one is named by no public page, API, download, search or IATI file."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tvetbridge.core.services import Conflict
from tvetbridge.opendata import queries, services
from tvetbridge.opendata.models import EnterpriseListing, IatiFile

ROLES = ("admin", "coordinator", "institution", "enterprise", "public")


@pytest.fixture
def vacancy(world, users):
    import datetime as dt

    from tvetbridge.core.models import Source
    from tvetbridge.demand.models import SkillDemand
    from tvetbridge.taxonomy.models import IscoGroup, Occupation

    source = Source.objects.create(key="esco-test", title="ESCO")
    group = IscoGroup.objects.create(code="4321", label="Stock clerks", source=source)
    occupation = Occupation.objects.create(esco_id="occ-test-1", label="warehouse operator", code="4321.1",
                                           isco_group=group, source=source)
    return SkillDemand.objects.create(external_key="dem-jd-1", enterprise=world["jd"], kind="vacancy",
                                      title="Warehouse operator", country=world["kz"], occupation=occupation,
                                      count=3, deadline=dt.date(2030, 1, 1), status="open")


def _public_text(client) -> str:
    """Everything an anonymous visitor can read about enterprises."""
    parts = [client.get(reverse(name)).content.decode() for name in (
        "opendata_directory_enterprises", "opendata_directory", "opendata_downloads")]
    parts += [client.get(reverse("opendata_download", args=["enterprises", fmt])).content.decode("utf-8-sig")
              for fmt in ("csv", "json")]
    parts.append(client.get(reverse("opendata_catalogue")).content.decode())
    parts.append(client.get("/api/v1/open/enterprises").content.decode())
    parts.append(client.get(reverse("site_search"), {"q": "JD"}).content.decode())
    return "\n".join(parts)


def test_enterprise_staff_give_and_withdraw_consent_audited_and_versioned(published, world, users, client):
    jd = world["jd"]
    assert "ent-jd" not in _public_text(client)
    assert client.get(reverse("opendata_enterprise", args=["ent-jd"])).status_code == 404

    listing = services.set_enterprise_listing(users["enterprise"], jd, listed=True)
    assert listing.listed and listing.decided_by == users["enterprise"] and not listing.on_behalf
    text = _public_text(client)
    assert "ent-jd" in text and "Other LLP" not in text
    assert client.get(reverse("opendata_enterprise", args=["ent-jd"])).status_code == 200
    assert client.get("/api/v1/open/enterprises/ent-jd").json()["projects"] == ["proj-1"]

    stale = listing.version
    services.set_enterprise_listing(users["enterprise"], jd, listed=False, reason="board decision",
                                    expected_version=stale)
    with pytest.raises(Conflict):
        services.set_enterprise_listing(users["enterprise"], jd, listed=True, expected_version=stale)
    assert "ent-jd" not in _public_text(client)
    assert client.get(reverse("opendata_enterprise", args=["ent-jd"])).status_code == 404
    assert client.get("/api/v1/open/enterprises/ent-jd").status_code == 404
    history = list(EnterpriseListing.objects.get(enterprise=jd).history.order_by("history_date"))
    assert [h.listed for h in history] == [True, False]
    assert [h.history_change_reason for h in history] == ["consent to be listed given", "consent to be listed withdrawn"]
    assert history[0].history_user == users["enterprise"]


def test_coordinator_records_on_behalf_only_with_a_reason(world, users, make_user):
    jd = world["jd"]
    with pytest.raises(ValidationError) as err:
        services.set_enterprise_listing(users["coordinator"], jd, listed=True)
    assert "reason" in err.value.message_dict
    listing = services.set_enterprise_listing(users["coordinator"], jd, listed=True, reason="letter of 3 March")
    assert listing.on_behalf and listing.reason == "letter of 3 March"
    other = make_user("enterprise", enterprise=world["other_enterprise"], username="other-ent")
    for user in (users["institution"], other):
        with pytest.raises(PermissionDenied):
            services.set_enterprise_listing(user, jd, listed=False, reason="not ours")
    assert EnterpriseListing.objects.get(enterprise=jd).listed


@pytest.mark.parametrize("role", ROLES)
def test_listing_page_and_links_per_role(world, users, client, role):
    user = users[role]
    if role != "public":
        client.force_login(user)
    url = reverse("opendata_enterprise_listing", args=[world["jd"].pk])
    resp = client.get(url)
    may = role in ("admin", "coordinator", "enterprise")
    assert resp.status_code == (200 if may else (302 if role == "public" else 403))
    if role == "enterprise":
        home = client.get(reverse("my_work")).content.decode()
        assert url in home
        assert client.post(url, {"listed": "1", "reason": ""}).status_code == 302
        assert EnterpriseListing.objects.get(enterprise=world["jd"]).listed
        page = client.get(url).content.decode()
        assert "consent given" in page and reverse("opendata_enterprise", args=["ent-jd"]) in page
    if role in ("admin", "coordinator"):
        detail = client.get(reverse("enterprise_detail", args=[world["jd"].pk])).content.decode()
        assert url in detail
        refused = client.post(url, {"listed": "1", "reason": ""})
        assert refused.status_code == 200 and not EnterpriseListing.objects.exists()
        assert client.post(url, {"listed": "1", "reason": "signed letter"}).status_code == 302
        assert EnterpriseListing.objects.get(enterprise=world["jd"]).on_behalf
    if role == "institution":
        detail = client.get(reverse("enterprise_detail", args=[world["jd"].pk])).content.decode()
        assert url not in detail  # never a link to a 403


def test_profile_shows_offer_and_needs_never_personal_data(published, world, users, client, vacancy):
    from tvetbridge.registry.models import Enterprise

    Enterprise.objects.filter(pk=world["jd"].pk).update(description="Logistics group")
    services.set_enterprise_listing(users["enterprise"], world["jd"], listed=True)
    html = client.get(reverse("opendata_enterprise", args=["ent-jd"])).content.decode()
    assert "Logistics group" in html and "Luban Workshop (ALT)" in html
    assert '<dd id="open-vacancies">1</dd>' in html
    assert users["enterprise"].username not in html and "consent" not in html  # who decided stays private
    rows = queries.dataset_rows("enterprises")
    assert rows[0]["id"] == "ent-jd" and rows[0]["open_vacancies"] == 1 and rows[0]["projects"] == "proj-1"
    catalogue = client.get(reverse("opendata_catalogue")).json()
    assert "/open-data/data/enterprises.csv" in str(catalogue)


def test_iati_names_only_listed_enterprises(published, users, world):
    services.generate_files()
    assert b"<narrative xml:lang=\"en\">JD</narrative>" not in bytes(IatiFile.objects.get(kind="activity").content)
    services.set_enterprise_listing(users["enterprise"], world["jd"], listed=True)  # regenerates (eager jobs)
    assert b"JD</narrative>" in bytes(IatiFile.objects.get(kind="activity").content)


def test_demo_lists_some_synthetic_enterprises_only(world):
    from tvetbridge.demo import listings
    from tvetbridge.registry.models import Enterprise

    Enterprise.objects.create(external_key="syn-ent-1", name="Synthetic Freight LLP", country=world["kz"],
                              sector="H", is_synthetic=True)
    assert listings.build() == ["enterprises listed in public: 1"]
    assert list(queries.public_enterprises().values_list("external_key", flat=True)) == ["syn-ent-1"]
    assert listings.build() == ["enterprise listings already present"]
