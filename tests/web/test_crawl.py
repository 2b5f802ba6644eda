"""No dead ends: from each role's home page, every link the role is shown (followed breadth-first,
a few of each kind of page) answers without a server error, a 403, a 404 or a login wall, and no page
tells the user to run a command."""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve

# Links to these are forms or files, not pages to crawl (they are tested on their own).
SKIP_PREFIXES = ("/admin/", "/static/", "/api/", "/i18n/", "/logout/")
PER_PAGE_KIND = 3
MAX_PAGES = 300
COMMAND_HINT = re.compile(r"tvetbridge [a-z_]+(?![-\w]*\.)")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    out = []
    for href in parser.hrefs:
        href = urldefrag(href)[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(SKIP_PREFIXES):
            continue
        out.append(href)
    return out


def _kind(url: str) -> str:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return url
    return f"{match.url_name}:{match.kwargs.get('key', '')}"


def crawl(client, start: str) -> tuple[dict[str, str], int]:
    seen, per_kind, problems, queue, visited = {start}, {}, {}, [(start, "(start)")], 0
    while queue and visited < MAX_PAGES:
        url, source = queue.pop(0)
        response = client.get(url)
        visited += 1
        if response.status_code in (301, 302):
            target = response["Location"]
            if "/login/" in target:
                problems[url] = f"login wall (linked from {source})"
            continue
        if response.status_code >= 400:
            problems[url] = f"{response.status_code} (linked from {source})"
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        if COMMAND_HINT.search(re.sub(r"<[^>]+>", " ", html)):
            problems[url] = f"tells the user to run a command: {COMMAND_HINT.search(html)}"
        for link in _links(html):
            kind = _kind(link)
            if link in seen or per_kind.get(kind, 0) >= PER_PAGE_KIND:
                continue
            seen.add(link)
            per_kind[kind] = per_kind.get(kind, 0) + 1
            queue.append((link, url))
    assert not queue, f"crawl stopped at {MAX_PAGES} pages with {len(queue)} links left"
    return problems, visited


@pytest.mark.parametrize("role", ["public", "trainee", "institution", "enterprise", "coordinator", "admin"])
def test_every_link_a_role_is_shown_leads_somewhere(journey_world, client, role):
    user = journey_world["users"][role]
    if role != "public":
        client.force_login(user)
    problems, visited = crawl(client, "/" if role == "public" else "/my/")
    assert visited > 10  # the crawl really walked the site
    assert problems == {}
