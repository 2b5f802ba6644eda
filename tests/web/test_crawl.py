"""No dead ends, no English: from each role's home page, every link the role is shown (followed
breadth-first, a few of each kind of page) answers without a server error, a 403, a 404 or a login
wall, no page tells the user to run a command, and a page read in Chinese, Russian or Kazakh has no
English word in its running text (issue 13).

A page named by the English check is fixed where the words come from: a template string without
``{% translate %}``; a sentence composed in Python without gettext; a multilingual field printed as
``{{ obj.label }}`` instead of ``{{ obj|translated }}`` (``{% load labels %}``), which shows a missing
translation as English in ``lang="en"`` with a visible "untranslated" mark; a code or identifier not in
``<code>``; fixture content without its translations (``in_four_languages`` in tests/conftest.py). Only
a word that is a name or code in every language goes into ``ENGLISH_ALLOWED`` there."""

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import lxml.html
import pytest
from django.urls import Resolver404, resolve
from django.utils import translation

# Links to these are forms or files, not pages to crawl (they are tested on their own).
SKIP_PREFIXES = ("/admin/", "/static/", "/api/", "/i18n/", "/logout/")
PER_PAGE_KIND = 3
MAX_PAGES = 300
COMMAND_HINT = re.compile(r"tvetbridge [a-z_]+(?![-\w]*\.)")
LANGUAGES = ("zh-hans", "ru", "kk")
LANGUAGE_PREFIX = re.compile(r"^/(?:zh-hans|ru|kk)(?=/)")


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
        if (parts.scheme or parts.netloc or not href.startswith("/")
                or LANGUAGE_PREFIX.sub("", href).startswith(SKIP_PREFIXES)):
            continue
        out.append(href)
    return out


def _kind(url: str) -> str:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return url
    return f"{match.url_name}:{match.kwargs.get('key', '')}"


def crawl(client, start: str, inspect: Callable[[str, str], str | None] | None = None,
          per_page_kind: int = PER_PAGE_KIND) -> tuple[dict[str, str], int]:
    """Walk from ``start``, following at most ``per_page_kind`` links to each kind of page;
    ``inspect(url, html)`` may name a further problem of each HTML page."""
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
        elif inspect and (problem := inspect(url, html)):
            problems[url] = problem
        for link in _links(html):
            kind = _kind(link)
            if link in seen or per_kind.get(kind, 0) >= per_page_kind:
                continue
            seen.add(link)
            per_kind[kind] = per_kind.get(kind, 0) + 1
            queue.append((link, url))
    assert not queue, f"crawl stopped at {MAX_PAGES} pages with {len(queue)} links left"
    return problems, visited


# What a reader does not read as running text: scripts and styles, and code the user types or copies.
NOT_READ = ("script", "style", "template", "code", "kbd", "samp", "pre")


def running_text(html: str, language: str) -> str:
    """The text a reader of ``language`` reads on the page: the title, the body's text and the labels
    of buttons, without attributes, scripts, styles or code, and without passages the page itself
    declares to be in another language (``lang="en"``: the language chooser's "English", a label
    shown in English with its "untranslated" mark)."""
    root = lxml.html.document_fromstring(html)
    for element in root.iter(*NOT_READ):
        element.drop_tree()
    title = root.findtext(".//title") or ""
    for element in root.xpath("//body//*[@lang]"):
        if element.get("lang").lower() != language:
            # The title repeats the heading as plain text, where it cannot carry the mark.
            title = title.replace(element.text_content().strip(), " ")
            element.drop_tree()
    parts = [title]
    for element in root.xpath("//input[@type='submit' or @type='button']"):
        parts.append(element.get("value", ""))
    body = root.find("body")
    parts.extend(body.itertext() if body is not None else ())
    return re.sub(r"\s+", " ", " ".join(parts))


ROLES = ["public", "trainee", "institution", "enterprise", "coordinator", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_link_a_role_is_shown_leads_somewhere(journey_world, client, role):
    user = journey_world["users"][role]
    if role != "public":
        client.force_login(user)
    problems, visited = crawl(client, "/" if role == "public" else "/my/")
    assert visited > 10  # the crawl really walked the site
    assert problems == {}


@pytest.mark.parametrize("role", ROLES)
def test_no_english_in_what_a_role_reads_in_chinese_russian_kazakh(translated_world, client, english_words, role):
    """One crawl per language, one page of each kind (and every link still leads somewhere); each
    page with English running text is named with its words and a quote."""
    user = translated_world["users"][role]
    if role != "public":
        client.force_login(user)
    names = translated_world["proper_names"]
    problems = {}
    for language in LANGUAGES:

        def english(url, html, language=language):
            text = running_text(html, language)
            words = english_words(text, names)
            if words:
                return f"English words {words}, e.g. {english_words.quote(text, words[0])}"
            return None

        with translation.override(language):
            found, visited = crawl(client, f"/{language}/" if role == "public" else f"/{language}/my/", english,
                                   per_page_kind=1)
        assert visited > 10
        problems.update(found)
    assert problems == {}, f"{role}, {len(problems)} pages:\n" + "\n".join(
        f"  {url}: {problem}" for url, problem in sorted(problems.items()))



@pytest.fixture
def translated_world(journey_world, in_four_languages):
    return {**journey_world, "proper_names": in_four_languages()}


def test_only_english_running_text_counts(english_words):
    """The detector reads what a reader reads: not attributes, scripts, code, declared English or names."""
    html = """<html><head><title>Сохранить</title><script>var save = "Save changes";</script></head><body>
      <p title="Save changes">Сохранить changes</p><code>save</code><pre>country,indicator</pre>
      <span lang="en">Save</span> <small>не переведено</small> <a href="/save/">graduate</a> KZT PDF</body></html>"""
    text = running_text(html, "ru")
    assert "Сохранить changes" in text and "var save" not in text and "country" not in text
    assert english_words(text, names=["graduate"]) == ["changes"]
