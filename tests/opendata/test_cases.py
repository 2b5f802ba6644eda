"""Exemplary cases: publish rules (every language written, an impact estimate to stand on), figures
read live and equal to the project's results page, an interval including zero never shown as a gain,
small counts withheld, and who sees and uploads what."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db

NARRATIVE = {
    "title_en": "Logistics graduates in Almaty", "title_zh_hans": "阿拉木图的物流毕业生",
    "title_ru": "Выпускники-логисты в Алматы", "title_kk": "Алматыдағы логистика түлектері",
    "industry_gap_en": "Warehouses lacked trained operators.", "industry_gap_zh_hans": "仓库缺少合格的操作员。",
    "industry_gap_ru": "Складам не хватало обученных операторов.",
    "industry_gap_kk": "Қоймаларға оқытылған операторлар жетіспеді.",
    "learning_en": "Warehouse systems and Chinese.", "learning_zh_hans": "仓储系统和汉语。",
    "learning_ru": "Складские системы и китайский язык.", "learning_kk": "Қойма жүйелері және қытай тілі.",
}


@pytest.fixture
def case(published):
    from tvetbridge.opendata import services

    return services.create_case(published["coordinator"], {"project": published["project"],
                                                           "slug": "alt-logistics", **NARRATIVE})


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_publish_needs_every_language_and_is_audited(published, case):
    from tvetbridge.opendata import services

    coordinator = published["coordinator"]
    services.update_case(coordinator, case, {"title_kk": ""})
    with pytest.raises(ValidationError) as err:
        services.publish_case(coordinator, case)
    assert any("kk" in m.lower() or "қаз" in m.lower() or "kazakh" in m.lower() for m in err.value.messages)
    services.update_case(coordinator, case, {"title_kk": NARRATIVE["title_kk"]})
    case = services.publish_case(coordinator, case)
    assert case.is_published and case.published_by == coordinator
    reasons = list(case.history.values_list("history_change_reason", flat=True))
    assert "exemplary case published" in reasons and "exemplary case drafted" in reasons


def test_only_coordinators_publish(published, case, users):
    from tvetbridge.opendata import services

    for role in ("institution", "enterprise", "public"):
        with pytest.raises(PermissionDenied):
            services.publish_case(users[role], case)
    with pytest.raises(PermissionDenied):
        services.create_case(users["institution"], {"project": published["project"], "slug": "x", **NARRATIVE})


def test_no_impact_estimate_no_case(published, world):
    from tvetbridge.opendata import services
    from tvetbridge.registry.models import CooperationProject

    bare = CooperationProject.objects.create(external_key="proj-bare", name="No trainees yet", kind="luban_workshop",
                                             status="active", host_country=world["kz"])
    case = services.create_case(published["coordinator"], {"project": bare, "slug": "bare", **NARRATIVE})
    with pytest.raises(ValidationError) as err:
        services.publish_case(published["coordinator"], case)
    assert any("no impact estimate" in m for m in err.value.messages)
    case.refresh_from_db()
    assert not case.is_published


def _payload(low, high, estimate, n=60):
    head = {"method": "aipw", "estimate": estimate, "ci_low": low, "ci_high": high, "level": 0.95,
            "n_treated": n, "n_control": n}
    return {"headline": head, "error": "", "reliability": {"verdict": "reliable"}}


@pytest.mark.parametrize(("low", "high", "estimate", "state"), [
    (20.0, 140.0, 80.0, "gain"), (-15.0, 95.0, 40.0, "no_gain"), (-90.0, -10.0, -50.0, "loss")])
def test_impact_figure_follows_the_interval(low, high, estimate, state):
    from tvetbridge.opendata.queries import impact_figure

    assert impact_figure(_payload(low, high, estimate))["state"] == state
    assert impact_figure(_payload(low, high, estimate, n=4))["state"] == "withheld"
    assert impact_figure({"error": "Too few people", "estimates": []})["state"] == "none"


def test_interval_including_zero_is_shown_as_no_gain(published, case, client, monkeypatch):
    from tvetbridge.opendata import services

    monkeypatch.setattr(services, "case_impact", lambda case: _payload(-15.0, 95.0, 40.0))
    services.publish_case(published["coordinator"], case)
    body = client.get("/open-data/cases/alt-logistics/").content.decode()
    assert 'data-state="no_gain"' in body and "No measurable income gain" in body
    assert "+40" not in body
    assert 'data-verdict="reliable"' in body and "Reliability of this estimate: Reliable" in body


def test_figures_equal_the_results_page(published, case, client, users):
    from tvetbridge.opendata import services

    services.publish_case(published["coordinator"], case)
    page = client.get("/open-data/cases/alt-logistics/")
    assert page.status_code == 200
    results = client.get(f"/outcomes/projects/{published['project'].pk}/")
    chain = results.context["chain"]
    assert page.context["figures"]["chain"]["steps"] == chain["steps"]
    assert page.context["figures"]["chain"]["spending"] == chain["spending"]
    employed = next(s for s in chain["steps"] if s["key"] == "employed")
    assert page.context["figures"]["cost_per_employed"] == employed["cost_per"]
    # the causal estimate equals the one a coordinator sees on the results page
    client.force_login(published["coordinator"])
    head = client.get(f"/outcomes/projects/{published['project'].pk}/").context["impact"]["headline"]
    fig = page.context["impact"]
    assert (fig["estimate"], fig["low"], fig["high"]) == (head["estimate"], head["ci_low"], head["ci_high"])
    assert fig["state"] == ("no_gain" if head["covers_zero"] else "gain" if head["estimate"] > 0 else "loss")
    body = page.content.decode()
    assert 'property="og:image"' in body and "/open-data/cases/alt-logistics/card.png" in body


def test_small_counts_withheld(published, world):
    from tvetbridge.demo import outcomes as demo_outcomes
    from tvetbridge.opendata import queries, services
    from tvetbridge.registry.models import CooperationProject

    small = CooperationProject.objects.create(external_key="proj-small", name="Small pilot", kind="luban_workshop",
                                              status="active", host_country=world["kz"])
    small.partner_institutions.add(world["alt"])
    from tvetbridge.outcomes.models import Enrolment

    demo_outcomes.generate([small], seed=5, per_project=2)  # a pool of four people
    Enrolment.objects.filter(project=small).update(status="completed")
    assert Enrolment.objects.filter(project=small).count() == 4
    case = services.create_case(published["coordinator"], {"project": small, "slug": "small", **NARRATIVE})
    figures = queries.case_figures(case, services.case_impact(case))
    enrolled = figures["steps"]["enrolled"]
    assert enrolled["suppressed"] and enrolled["count"] is None
    assert figures["impact"]["state"] in ("none", "withheld")
    for _programme, cell in figures["learning"]["programmes"]:
        assert cell.value is None or cell.value >= 5


def test_anonymous_sees_only_published_cases(published, case, client, users):
    from tvetbridge.opendata import services

    coordinator = published["coordinator"]
    quote = services.add_material(users["institution"], case, {
        "kind": "quote", "text": "I now run the night shift.", "language": "en", "attribution": "graduate",
        "consent_recorded": True, "consent_date": "2025-05-02", "consent_note": "signed form 2025/14"})
    photo = services.add_material(users["institution"], case, {
        "kind": "photo", "text": "The training warehouse", "language": "en", "consent_recorded": True,
        "consent_date": "2025-05-02", "consent_note": "signed form 2025/15"},
        upload=SimpleUploadedFile("w.png", _png(), content_type="image/png"))
    urls = ["/open-data/cases/alt-logistics/", "/open-data/cases/alt-logistics/card.png",
            f"/open-data/cases/alt-logistics/photos/{photo.pk}/"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert "alt-logistics" not in client.get("/open-data/cases/").content.decode()
    client.force_login(users["institution"])  # the project's own institution sees its draft
    assert client.get(urls[0]).status_code == 200
    client.logout()
    services.publish_case(coordinator, case)
    listing = client.get("/open-data/cases/").content.decode()
    assert "/open-data/cases/alt-logistics/" in listing
    page = client.get(urls[0])
    assert page.status_code == 200 and quote.text in page.content.decode()
    card = client.get(urls[1])
    assert card["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(card.content)).size == (1200, 630)
    shot = client.get(urls[2])
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png"
    assert b"".join(shot.streaming_content) == _png()
    # the management pages lead anonymous visitors to the login, never to content
    assert client.get("/open-data/cases/alt-logistics/edit/").status_code == 302
    assert client.post("/open-data/cases/alt-logistics/publish/", {"action": "unpublish"}).status_code == 302
    case.refresh_from_db()
    assert case.is_published


def test_uploads_are_checked(published, case, users, make_user, world):
    from tvetbridge.opendata import services

    base = {"kind": "photo", "text": "x", "language": "en", "consent_recorded": True, "consent_date": "2025-05-02",
            "consent_note": "form"}
    outsider = make_user("institution", institution=world["other_institution"], username="outsider")

    class Unreadable:
        size = 10

        def seek(self, *_a):
            raise AssertionError("read before the permission check")

    with pytest.raises(PermissionDenied):
        services.add_material(outsider, case, base, upload=Unreadable())
    with pytest.raises(ValidationError) as err:
        services.add_material(users["institution"], case, {**base, "consent_recorded": False},
                              upload=SimpleUploadedFile("a.png", _png()))
    assert "consent_recorded" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.add_material(users["institution"], case, base,
                              upload=SimpleUploadedFile("a.png", b"<svg onload=alert(1)>", content_type="image/png"))
    assert "image" in err.value.message_dict
    big = SimpleUploadedFile("a.png", _png())
    big.size = services.PHOTO_MAX_BYTES + 1
    with pytest.raises(ValidationError):
        services.add_material(users["institution"], case, base, upload=big)
    assert not case.materials.exists()


def test_demo_publishes_a_case_its_evidence_supports(published):
    from tvetbridge.demo import cases as demo_cases
    from tvetbridge.opendata import queries, services
    from tvetbridge.opendata.models import ExemplaryCase

    assert demo_cases.build()[0].startswith("exemplary case published")
    case = ExemplaryCase.objects.get(slug=demo_cases.SLUG)
    assert case.is_published and case.title_zh_hans and case.learning_kk
    assert queries.impact_figure(services.case_impact(case))["state"] == "gain"
    assert demo_cases.build() == ["exemplary case already present"]


def test_pages_write_publish_and_add_material(published, client, users):
    from tvetbridge.opendata.models import ExemplaryCase

    client.force_login(published["coordinator"])
    data = {"project": published["project"].pk, "slug": "from-form", "comparison": "applicants", **NARRATIVE}
    assert client.post("/open-data/cases/new/", {**data, "slug": "new"}).status_code == 400  # reserved address
    resp = client.post("/open-data/cases/new/", data)
    assert resp.status_code == 302 and resp["Location"].endswith("/open-data/cases/from-form/")
    case = ExemplaryCase.objects.get(slug="from-form")
    assert case.title_zh_hans == NARRATIVE["title_zh_hans"] and not case.is_published
    stale = client.post("/open-data/cases/from-form/edit/", {**data, "title_en": "Changed", "version": case.version})
    assert stale.status_code == 302
    conflict = client.post("/open-data/cases/from-form/edit/", {**data, "title_en": "Again", "version": case.version})
    assert conflict.status_code == 409
    client.post("/open-data/cases/from-form/publish/", {})
    case.refresh_from_db()
    assert case.is_published and case.title_en == "Changed"
    client.force_login(users["institution"])
    assert client.get("/open-data/cases/from-form/edit/").status_code == 403
    resp = client.post("/open-data/cases/from-form/materials/new/", {
        "kind": "photo", "text": "Workshop", "language": "ru", "consent_recorded": "on", "consent_date": "2025-05-02",
        "consent_note": "signed form", "image": SimpleUploadedFile("p.png", _png(), content_type="image/png")})
    assert resp.status_code == 302
    photo = case.materials.get()
    assert photo.content_type == "image/png" and photo.image.name.endswith(".png")
    assert "p.png" not in photo.image.name  # stored under a name the uploader did not choose
    client.logout()
    assert client.get(f"/open-data/cases/from-form/photos/{photo.pk}/").status_code == 200
