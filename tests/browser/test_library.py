"""In headless chromium: ALT University's staff upload a Chinese–Russian welding module, code its skills
with the platform's coder and publish it; a Kazakh-speaking trainee finds it with a Kazakh query,
opens it and completes it; their learning hours appear in their own record and in ALT's usage
statistics."""

import datetime as dt
from pathlib import Path

import pytest

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A one-page PDF: the upload check reads the file's first bytes, so it must really be one.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def setting(world, users, make_user):
    from tvetbridge.core.models import Language
    from tvetbridge.outcomes.models import Enrolment, Trainee
    from tvetbridge.taxonomy import services as taxonomy

    taxonomy.load_taxonomy(isco_prefixes=["7212"], csco=False)
    Language.objects.get_or_create(code="en", defaults={"name": "English"})
    trainee_user = make_user("trainee", username="aigerim")
    trainee_user.profile.language = "kk"
    trainee_user.profile.save()
    trainee = Trainee.objects.create(external_key="tr-aigerim", institution=world["alt"], user=trainee_user)
    enrolment = Enrolment.objects.create(external_key="en-aigerim", trainee=trainee, programme=world["programme"],
                                         start_date=dt.date.today() - dt.timedelta(days=30))
    return {**world, "users": users, "trainee": trainee, "enrolment": enrolment}


def test_upload_code_publish_find_in_kazakh_learn_and_count(browser, live_server, setting, tmp_path):
    from tvetbridge.library.models import Resource, Statement

    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = tmp_path / "welding-module-1.pdf"
    pdf.write_bytes(PDF)

    # institution staff upload a bilingual module
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120000)  # the coder builds its index on first use
    login(page, base, "institution-user", "pw-institution-123!")
    page.goto(f"{base}/library/")
    page.click("text=Add a resource")
    page.select_option("#id_kind", "module")
    page.fill("#id_title_zh_hans", "焊接基础：管道焊接（中俄双语模块）")
    page.fill("#id_title_ru", "Основы сварки: сварка трубопроводов (китайско-русский модуль)")
    page.fill("#id_description_ru", "Ручная дуговая сварка труб, техника безопасности, контроль качества швов.")
    page.fill("#id_description_zh_hans", "管道手工电弧焊、安全操作与焊缝质量检验。")
    page.select_option("#id_content_languages", ["zh", "ru"])
    page.select_option("#id_programmes", [str(setting["programme"].pk)])
    page.set_input_files("#id_file", str(pdf))
    page.click("main form button.primary")
    page.wait_for_url("**/skills/")
    # the coder proposed occupations and skills; keep the occupations and the ticked skills
    for box in page.locator("#occupation-choices input[type=checkbox]").all():
        box.check()
    page.screenshot(path=str(ARTIFACTS / "library-code-skills.png"), full_page=True)
    page.click("#confirm-skills")
    page.wait_for_load_state()
    assert page.locator("#skills").inner_text().strip() != "—"
    page.click("#publish")
    page.wait_for_load_state()
    resource = Resource.objects.get(title_ru__startswith="Основы сварки")
    assert resource.status == "published" and resource.file

    # a Kazakh-speaking trainee searches in Kazakh
    trainee_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    trainee_page.set_default_timeout(30000)
    login(trainee_page, base, "aigerim", "pw-trainee-123!")
    trainee_page.goto(f"{base}/kk/library/?q=" + "дәнекерлеушіге арналған модуль")
    results = trainee_page.locator("#results li a")
    assert results.count() >= 1
    assert "Основы сварки" in results.first.inner_text() or "焊接" in results.first.inner_text()
    trainee_page.screenshot(path=str(ARTIFACTS / "library-kazakh-search.png"), full_page=True)
    results.first.click()
    trainee_page.wait_for_load_state()
    response = trainee_page.request.get(f"{base}/kk/library/r/{resource.pk}/open/")
    assert response.ok and response.body().startswith(b"%PDF")
    # the module takes half an hour: move the recorded opening back accordingly
    opened = Statement.objects.get(verb="http://adlnet.gov/expapi/verbs/launched")
    Statement.objects.filter(pk=opened.pk).update(timestamp=opened.timestamp - dt.timedelta(minutes=30))
    trainee_page.click("#mark-complete")
    trainee_page.wait_for_load_state()
    trainee_page.goto(f"{base}/kk/library/my-learning/")
    hours = trainee_page.locator("#my-progress tbody tr td.num").first.inner_text()
    assert hours == "0.5" or hours == "0,5", hours
    assert "1" in trainee_page.locator("#my-progress tbody tr td.num").nth(1).inner_text()
    trainee_page.screenshot(path=str(ARTIFACTS / "library-my-learning-kk.png"), full_page=True)

    # the institution's usage statistics count the learner and the hours
    page.goto(f"{base}/library/usage/?by=resource&scope=mine")
    row = page.locator("#usage tbody tr").first
    cells = row.locator("td").all_inner_texts()
    assert "Основы сварки" in cells[0] or "焊接" in cells[0] or "Welding" in cells[0]
    assert cells[1:] == ["1", "1", "0.5"], cells
    page.screenshot(path=str(ARTIFACTS / "library-usage.png"), full_page=True)
    context.close()
