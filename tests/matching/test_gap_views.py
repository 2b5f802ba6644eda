"""Gap figures on the conftest world, checked by hand, and the pages: table, map, drill-down,
proposals and allocation, with who may see and do what."""


from tvetbridge.matching import queries
from tvetbridge.matching.models import Proposal


def cells(result):
    return {(r.region, r.code): (r.demand, r.supply, r.gap) for r in result.rows}


def test_occupation_gaps_hand_computed(gap_world):
    w = gap_world
    got = cells(queries.gaps(queries.GapParams(horizon=365, radius_km=300)))
    # welders Almaty: 10 due (the 400-day order is beyond the horizon) − 6 welding graduates = 4
    assert got[("Almaty", "7212.3")] == (10, 6, 4)
    # drivers (8311 → services and engineering): 50 logistics + 6 welding graduates
    assert got[("Almaty", w["driver"].code)] == (8, 56, 0)
    # Astana is 970 km away: nothing within 300 km …
    assert got[("Astana", "7212.3")] == (5, 0, 5)
    # … but within 1000 km the welding graduates count for Astana too (the figure says "could be served")
    wide = cells(queries.gaps(queries.GapParams(horizon=365, radius_km=1000)))
    assert wide[("Astana", "7212.3")] == (5, 6, 0)
    # a two-year horizon takes in the late order and two years of graduates: 17 − 12 = 5
    long = cells(queries.gaps(queries.GapParams(horizon=730, radius_km=300)))
    assert long[("Almaty", "7212.3")] == (17, 12, 5)


def test_skill_gaps_hand_computed(gap_world):
    w = gap_world
    driver_skills = set(w["driver"].skill_links.filter(essential=True).values_list("skill_id", flat=True))
    skill = next(s for s in w["rows"]["welders"].required_skills.all() if s.pk not in driver_skills)
    result = queries.gaps(queries.GapParams(view="skill"))
    row = next(r for r in result.rows if r.key == f"R{w['almaty'].pk}~S{skill.pk}")
    # the welders' skill: 10 demanded; only the welding programme is credited with welders' skills
    assert (row.demand, row.supply, row.gap) == (10, 6, 4)


def test_country_and_region_totals(gap_world):
    result = queries.gaps(queries.GapParams())
    assert result.by_country[0]["key"] == "KZ" and result.by_country[0]["gap"] == 9
    assert {c["name"]: c["gap"] for c in result.by_region} == {"Almaty": 4, "Astana": 5}


def test_gap_page_table_map_and_sorting(client, gap_world):
    w = gap_world
    client.force_login(w["users"]["institution"])
    page = client.get("/matching/gaps/?sort=-demand")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'id="gap-map"' in html
    keys = [r.key for r in page.context["rows"]]
    assert keys[0] == f"R{w['almaty'].pk}~O{w['welder'].pk}"  # 10 demanded, the most
    assert [r.demand for r in page.context["rows"]] == sorted([r.demand for r in page.context["rows"]], reverse=True)
    assert client.get("/matching/gaps/?view=skill&country=KZ&horizon=30&radius=50").status_code == 200
    assert client.get("/ru/matching/gaps/").status_code == 200


def test_drill_down_shows_the_orders_the_user_may_see(client, gap_world, make_user):
    w = gap_world
    key = f"R{w['almaty'].pk}~O{w['welder'].pk}"
    client.force_login(w["users"]["enterprise"])  # JD posted the orders
    page = client.get(f"/matching/gaps/{key}/")
    assert list(page.context["orders"]) == [w["rows"]["welders"]] and page.context["hidden"] == 0
    client.force_login(make_user("enterprise", enterprise=w["other_enterprise"], username="other-ent"))
    page = client.get(f"/matching/gaps/{key}/")
    assert list(page.context["orders"]) == [] and page.context["hidden"] == 1
    assert client.get("/matching/gaps/R999~O1/").status_code == 404
    assert client.get("/matching/gaps/nonsense/").status_code == 404


def test_public_and_roleless_users_are_kept_out(client, gap_world):
    response = client.get("/matching/gaps/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get("/matching/allocation/").status_code == 302
    from django.contrib.auth.models import User
    client.force_login(User.objects.create_user("nobody", password="x-Y-z-123!"))
    assert client.get("/matching/gaps/").status_code == 403


def test_accept_through_the_page(client, gap_world):
    w = gap_world
    key = f"R{w['almaty'].pk}~O{w['welder'].pk}"
    client.force_login(w["users"]["enterprise"])
    page = client.get(f"/matching/gaps/{key}/proposals/")
    assert page.status_code == 200 and not any(p.may_accept for p in page.context["ps"].proposals)
    assert b"Accept" not in page.content
    forged = client.post(f"/matching/gaps/{key}/proposals/", {"host": w["other_institution"].pk,
                                                             "partner": w["tianjin"].pk})
    assert forged.status_code == 403 and not Proposal.objects.exists()
    client.force_login(w["users"]["coordinator"])
    page = client.get(f"/matching/gaps/{key}/proposals/")
    assert page.context["ps"].proposals[0].may_accept
    done = client.post(f"/matching/gaps/{key}/proposals/", {"host": w["other_institution"].pk,
                                                           "partner": w["tianjin"].pk,
                                                           "horizon": 365, "radius": 300})
    proposal = Proposal.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/{proposal.project_id}/")
    stale = client.post(f"/matching/gaps/{key}/proposals/", {"host": w["alt"].pk, "partner": w["urumqi"].pk})
    assert stale.status_code == 302 and Proposal.objects.count() == 1


def test_allocation_page(client, gap_world):
    w = gap_world
    client.force_login(w["users"]["institution"])
    assert client.get("/matching/allocation/").status_code == 200
    assert client.post("/matching/allocation/", {"max_km": 1500}).status_code == 403
    client.force_login(w["users"]["coordinator"])
    assert client.post("/matching/allocation/", {"max_km": 1500}).status_code == 302
    page = client.get("/matching/allocation/")
    assert page.context["run"].unmet == 14 and b"alloc-flows" in page.content


def test_api_gaps_and_proposals(gap_world):
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    from tvetbridge.api import api as root
    from tvetbridge.matching.api import router

    test_api = NinjaAPI(urls_namespace="test-matching")
    test_api._exception_handlers.update(root._exception_handlers)
    test_api.add_router("/matching", router, url_name_prefix="test")
    client = TestClient(test_api)
    w = gap_world
    key = f"R{w['almaty'].pk}~O{w['welder'].pk}"
    rows = client.get("/matching/gaps?radius_km=300", user=w["users"]["institution"]).json()
    assert {r["key"]: (r["demand"], r["supply"], r["gap"]) for r in rows}[key] == (10, 6, 4)
    proposals = client.get(f"/matching/gaps/{key}/proposals", user=w["users"]["coordinator"]).json()
    assert proposals[0]["host"] == w["other_institution"].pk and proposals[0]["components"][0]["name"] == "proximity"
    assert client.get("/matching/gaps/R1~X/proposals", user=w["users"]["coordinator"]).status_code == 404
    from django.contrib.auth.models import User
    assert client.get("/matching/gaps", user=User.objects.create_user("x", password="p-Q-9-123!")).status_code == 403


def test_pages_work_with_no_demand(client, world, users):
    from tvetbridge.matching import services

    client.force_login(users["coordinator"])
    page = client.get("/matching/gaps/?view=skill")
    assert page.status_code == 200 and page.context["rows"] == []
    run = services.run_allocation(users["coordinator"])
    assert (run.total_demand, run.served, run.unmet) == (0, 0, 0)
    assert client.get("/matching/allocation/").status_code == 200
