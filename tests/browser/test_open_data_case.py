"""Issue #15, done when: an anonymous visitor finds an institution in the directory in Russian,
downloads the institutions CSV and the IATI activity file, and opens an exemplary case in Chinese
whose figures equal the project's results page; then opens the country profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.opendata.conftest import published  # noqa: F401  (the fixture: a published project with outcomes)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _publish_case(published):  # noqa: F811
    from tvetbridge.opendata import services

    texts = {"title": ("Logistics graduates in Almaty", "阿拉木图的物流毕业生", "Выпускники-логисты в Алматы",
                       "Алматыдағы логистика түлектері"),
             "industry_gap": ("Warehouses lacked operators.", "仓库缺少合格的操作员。",
                              "Складам не хватало операторов.", "Қоймаларға операторлар жетіспеді."),
             "learning": ("Warehouse systems.", "仓储系统。", "Складские системы.", "Қойма жүйелері.")}
    data = {"project": published["project"], "slug": "alt-logistics"}
    for field, values in texts.items():
        data.update({f"{field}_{s}": v for s, v in zip(("en", "zh_hans", "ru", "kk"), values, strict=True)})
    case = services.create_case(published["coordinator"], data)
    return services.publish_case(published["coordinator"], case)


def test_anonymous_visitor_directory_downloads_and_case(published, live_server, browser):  # noqa: F811
    _publish_case(published)
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        # the directory, in Russian
        page.goto(f"{live_server.url}/ru/")
        page.click("#directory-link")
        page.fill("#dir-q", "ALT")
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_load_state()
        page.locator("#directory-list a", has_text="ALT University").click()
        page.wait_for_load_state()
        assert "ALT University" in page.locator("h1").inner_text()
        assert page.locator("html").get_attribute("lang") == "ru"
        # the institutions CSV and the IATI activity file
        page.screenshot(path=str(SHOTS / "opendata-institution-ru.png"), full_page=True)
        page.goto(f"{live_server.url}/ru/open-data/")
        page.screenshot(path=str(SHOTS / "opendata-downloads-ru.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#institutions >> text=CSV")
        csv_text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        assert "inst-alt" in csv_text and "KZ-BIN-990140000483" in csv_text
        page.click("text=Публикация в IATI")
        page.wait_for_load_state()
        page.screenshot(path=str(SHOTS / "opendata-iati-ru.png"), full_page=True)
        href = page.locator("a[type='application/xml']").first.get_attribute("href")
        xml = page.request.get(f"{live_server.url}{href}")
        assert xml.status == 200 and b"KZ-BIN-990140000483-LW-ALT-2023" in xml.body()
        # the case, in Chinese, from the directory's tab
        page.goto(f"{live_server.url}/zh-hans/open-data/directory/")
        page.click("#directory-cases")
        page.click("text=阿拉木图的物流毕业生")
        page.wait_for_load_state()
        assert page.locator("h1").inner_text().startswith("阿拉木图的物流毕业生")
        case_figures = {key: page.locator(f"[data-figure={key}]").inner_text().strip()
                        for key in ("enrolled", "completed", "certified", "employed", "cost-per-employed")}
        gain = page.locator("[data-figure=income-gain]")
        assert gain.get_attribute("data-state") in ("gain", "no_gain", "loss")
        og_image = page.locator("meta[property='og:image']").get_attribute("content")
        card = page.request.get(og_image)
        assert card.status == 200 and card.headers["content-type"] == "image/png"
        (SHOTS / "opendata-case-card-zh.png").write_bytes(card.body())
        page.screenshot(path=str(SHOTS / "opendata-case-zh.png"), full_page=True)
        page.click("#case-results-link")
        page.wait_for_load_state()

        def results_cell(step: str, column: int = 0) -> str:
            return page.locator(f"table.funnel-table tr[data-step={step}] td.num").nth(column).inner_text().strip()

        for step in ("enrolled", "completed", "certified", "employed"):
            assert case_figures[step] == results_cell(step), step
        assert case_figures["cost-per-employed"] == results_cell("employed", 1)
        assert case_figures["enrolled"] not in ("", "—")
        page.screenshot(path=str(SHOTS / "opendata-case-results-zh.png"), full_page=True)
        # the country profiles and their comparison, back in Russian
        page.goto(f"{live_server.url}/ru/open-data/countries/")
        page.screenshot(path=str(SHOTS / "opendata-countries-ru.png"), full_page=True)
        page.click("#country-comparison a >> text=Kazakhstan")
        page.wait_for_load_state()
        assert page.locator("section[data-series=trainees] svg polyline, section[data-series=trainees] svg circle").count()
        page.screenshot(path=str(SHOTS / "opendata-country-kz-ru.png"), full_page=True)
    finally:
        context.close()
