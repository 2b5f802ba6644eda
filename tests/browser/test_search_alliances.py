"""The header search box and the public alliance page in a real browser, in Chinese and Kazakh."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots/search")


def test_visitor_searches_from_the_header_and_opens_the_alliance(page, live_server, world):
    from tvetbridge.core.models import Source
    from tvetbridge.registry.models import Alliance, CooperationProject, SectorCommittee

    SHOTS.mkdir(parents=True, exist_ok=True)
    source = Source.objects.create(key="s002", title="Seed 002")
    CooperationProject.objects.filter(pk=world["project"].pk).update(
        source=source, name_zh_hans="鲁班工坊（阿拉木图）", name_kk="Лубан шеберханасы (Алматы)")
    alliance = Alliance.objects.create(external_key="all-cca", name="China–Central Asia Alliance",
                                       name_zh_hans="中国—中亚产教融合联盟", name_kk="«Қытай — Орталық Азия» одағы",
                                       source=source)
    alliance.institutions.set([world["alt"], world["urumqi"]])
    CooperationProject.objects.filter(pk=world["project"].pk).update(alliance=alliance)
    world["project"].fields.set([world["logistics"]])
    SectorCommittee.objects.create(alliance=alliance, name="Transportation", name_zh_hans="交通运输",
                                   name_kk="Көлік", field=world["logistics"])

    for lang, word in (("zh-hans", "鲁班"), ("kk", "шеберхана")):
        page.goto(f"{live_server.url}/{lang}/")
        page.fill("#site-search-q", word)
        page.press("#site-search-q", "Enter")
        page.wait_for_load_state()
        assert page.locator("#results-projects li a").count() == 1
        # the public sees an enterprise only once it agrees to be listed, and none has here
        assert page.locator("#results-enterprises li a").count() == 0
        page.screenshot(path=str(SHOTS / f"search-{lang}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/kk/search/?q=шеберхана")  # a phone: the results fit the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "search-kk-390.png"), full_page=True)
    for lang in ("kk", "ru"):  # and the home page, whose long Kazakh and Russian table headings must wrap
        page.goto(f"{live_server.url}/{lang}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, lang
    page.goto(f"{live_server.url}/kk/search/?q=шеберхана")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("#results-projects li a")
    page.goto(f"{live_server.url}/zh-hans/open-data/directory/")
    page.click("#directory-alliances")
    page.click("#directory-list a")
    page.wait_for_load_state()
    assert page.locator("#alliance-committees").inner_text().count("交通运输") == 1
    page.screenshot(path=str(SHOTS / "alliance-zh-hans.png"), full_page=True)
