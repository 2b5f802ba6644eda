"""Forms that help (issue 12, part 10): every long form page of each role, posted empty, answers with one
error summary at the top: each error with its field's label, linked to a field on the page.

The pages are named here rather than crawled (a crawl per role costs minutes); a form page added
later belongs in ``FORM_PAGES``."""

from __future__ import annotations

import lxml.html
import pytest

LONG = 5  # a form with more visible fields than this is a long form
FIELDS = (".//input[not(@type='hidden') and not(@type='submit') and not(@type='button')] | .//select"
          " | .//textarea")

FORM_PAGES = {
    "coordinator": ["/institutions/new/", "/programmes/new/", "/enterprises/new/", "/projects/new/",
                    "/alliances/new/", "/facilities/new/", "/faculty/new/", "/demand/new/", "/library/new/",
                    "/governance/agreements/new/", "/governance/operations/new/", "/outcomes/trainees/new/",
                    "/projects/{project}/edit/", "/outcomes/projects/{project}/targets/new/",
                    "/outcomes/trainees/{grad}/enrolment/new/", "/outcomes/trainees/{grad}/employment/new/"],
    "institution": ["/programmes/new/", "/outcomes/trainees/new/", "/outcomes/trainees/{grad}/enrolment/new/",
                    "/outcomes/trainees/{grad}/employment/new/"],
    "enterprise": ["/demand/new/", "/enterprises/{jd}/edit/"],
}


@pytest.mark.parametrize("role", sorted(FORM_PAGES))
def test_every_long_form_posted_empty_shows_the_error_summary(journey_world, client, role):
    w = journey_world
    client.force_login(w["users"][role])
    problems, checked = {}, 0
    for pattern in FORM_PAGES[role]:
        url = pattern.format(project=w["project"].pk, grad=w["grad"].pk, jd=w["jd"].pk)
        page = client.get(url)
        if page.status_code == 404:
            continue  # a kind this installation does not have under this address
        assert page.status_code == 200, (url, page.status_code)
        forms = [f for f in lxml.html.document_fromstring(page.content.decode()).xpath("//form[@method='post']")
                 if len(f.xpath(FIELDS)) > LONG]
        if not forms:
            continue
        # A browser always sends the CSRF token: the form is bound, with every field empty.
        response = client.post(url, {"csrfmiddlewaretoken": "x"})
        # The form comes back with its errors (some pages answer 400 Bad Request with it).
        assert response.status_code in (200, 400), (url, response.status_code)
        root = lxml.html.document_fromstring(response.content.decode())
        summary = root.xpath("//*[@class='error-summary' and @role='alert']")
        checked += 1
        if not summary:
            problems[url] = "no error summary"
            continue
        links = summary[0].xpath(".//a[starts-with(@href, '#')]")
        if not links:
            problems[url] = "the summary links to no field"
        for link in links:
            if not root.xpath(f"//*[@id='{link.get('href')[1:]}']"):
                problems[url] = f"summary links to a missing field {link.get('href')}"
    assert checked >= 2
    assert problems == {}
