"""Read path of the site-wide search box: institutions, programmes, enterprises, projects, occupations
and skills found by their names in any of the four languages, as the searching user may see them.

Who sees what is the models' own rule, not a second one written here: staff roles (``is_member``) read
the whole registry and open its record pages; the public and trainees see what the public directory
publishes (``opendata.queries``) and open its profiles; the taxonomy is public reference data. A kind
the user has no page for (enterprises, for the public) is not searched at all, so a result is never a
link to a 403 or a login wall and never reveals that an unpublished record exists.

Each kind costs one query with a LIMIT: the names are matched with ``icontains`` on the four
per-language columns (taxonomy concepts on their pre-folded ``search_*`` columns), at most
``CANDIDATES`` rows come back, and they are ranked in Python (exact, then prefix, then word prefix,
then anywhere; shorter names first) so that a short, common query still costs a bounded read.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tvetbridge.core.roles import is_member
from tvetbridge.opendata import queries as directory
from tvetbridge.registry.models import CooperationProject, Enterprise, Institution, Programme
from tvetbridge.taxonomy import queries as taxonomy
from tvetbridge.taxonomy.models import Occupation, Skill

PER_KIND = 8
# Rows read per kind before ranking: enough that the best names of a common word are among them.
CANDIDATES = 60
MAX_QUERY = 100
LANGUAGES = [(code, code.replace("-", "_"), name) for code, name in settings.LANGUAGES]
KIND_LABELS = {
    "institutions": _("Institutions"),
    "programmes": _("Programmes"),
    "enterprises": _("Enterprises"),
    "projects": _("Projects"),
    "occupations": _("Occupations"),
    "skills": _("Skills"),
}


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str
    language: str  # the language code of the name that matched
    matched: str  # that name, when it is not the title the reader sees

    @property
    def language_name(self) -> str:
        return str(dict(settings.LANGUAGES).get(self.language, ""))


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    more_url: str = ""  # the kind's own list, filtered by the same words, when there were more hits


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")


def usable(text: str) -> bool:
    """Two characters at least, or one Chinese character (a whole word in Chinese)."""
    text = text.strip()
    return len(text) >= 2 or any(unicodedata.east_asian_width(ch) == "W" for ch in text)


def _variants(text: str) -> set[str]:
    # SQLite folds ASCII case only; the usual casings find "Алматы" from "алматы" there too.
    # PostgreSQL's UPPER() folds every script, so one pattern per column is enough there.
    if connection.vendor == "postgresql":
        return {text}
    return {text, text.lower(), text.upper(), text.title(), text[:1].upper() + text[1:]}


def _name_q(text: str, columns: list[str]) -> Q:
    condition = Q()
    for variant in _variants(text):
        for column in columns:
            condition |= Q(**{f"{column}__icontains": variant})
    return condition


def _name_columns(extra: tuple[str, ...] = ()) -> list[str]:
    return [f"name_{sfx}" for _code, sfx, _name in LANGUAGES] + list(extra)


def _rank(name: str, needle: str) -> int:
    name = fold(name)
    if name == needle:
        return 0
    if name.startswith(needle):
        return 1
    if any(word.startswith(needle) for word in name.split()):
        return 2
    return 3


def _languages_first() -> list[tuple[str, str]]:
    """(code, column suffix) with the reader's language first: a name in their language is shown as
    the match when several languages match."""
    current = (get_language() or settings.LANGUAGE_CODE).lower()
    ordered = sorted(LANGUAGES, key=lambda lang: lang[0] != current)
    return [(code, sfx) for code, sfx, _name in ordered]


def _best_name(obj, needle: str, prefix: str = "name", extra: tuple[str, ...] = ()) -> tuple[int, str, str]:
    """(rank, language code, name) of the best-matching name of ``obj``; "" as language for a match on
    a language-neutral column such as a short name."""
    best = (4, "", "")
    for code, sfx in _languages_first():
        value = getattr(obj, f"{prefix}_{sfx}", "") or ""
        if needle in fold(value):
            best = min(best, (_rank(value, needle), code, value), key=lambda b: b[0])
    for column in extra:
        value = getattr(obj, column, "") or ""
        if needle in fold(value):
            best = min(best, (_rank(value, needle), "", value), key=lambda b: b[0])
    return best


def _hits(qs: QuerySet, text: str, url, detail, extra: tuple[str, ...] = ()) -> tuple[list[Hit], bool]:
    needle = fold(text)
    rows = list(qs.filter(_name_q(text, _name_columns(extra))).order_by()[:CANDIDATES + 1])
    more = len(rows) > PER_KIND
    ranked = []
    for obj in rows[:CANDIDATES]:
        rank, language, name = _best_name(obj, needle, extra=extra)
        title = str(obj)
        ranked.append(((rank, len(name or title), title), obj, language, name))
    ranked.sort(key=lambda item: item[0])
    hits = [Hit(title=str(obj), url=url(obj), detail=detail(obj), language=language,
                matched=name if name and name != str(obj) else "")
            for _key, obj, language, name in ranked[:PER_KIND]]
    return hits, more


def _more(url_name: str, **params) -> str:
    return f"{reverse(url_name)}?{urlencode(params)}"


def _registry_groups(text: str) -> list[Group]:
    """Staff roles: the whole registry, each hit opening its record page."""
    groups = []
    specs = [
        ("institutions", Institution.objects.select_related("country"), "institution", ("short_name",),
         lambda o: str(o.country)),
        ("programmes", Programme.objects.select_related("institution"), "programme", (),
         lambda o: str(o.institution)),
        ("enterprises", Enterprise.objects.select_related("country"), "enterprise", (),
         lambda o: str(o.country)),
        ("projects", CooperationProject.objects.select_related("host_country"), "cooperationproject", (),
         lambda o: str(o.host_country)),
    ]
    for kind, qs, name, extra, detail in specs:
        hits, more = _hits(qs, text, lambda o, n=name: reverse(f"{n}_detail", args=[o.pk]), detail, extra)
        groups.append(Group(kind, str(KIND_LABELS[kind]), hits, _more(f"{name}_list", q=text) if more else ""))
    return groups


def _directory_groups(text: str) -> list[Group]:
    """The public and trainees: what the directory publishes, each hit opening its public profile.
    A programme opens its institution's profile, which lists it; an enterprise appears only while it
    agrees to be listed."""
    institutions = Institution.objects.filter(pk__in=directory.public_institutions().values("pk"),
                                              external_key__isnull=False).select_related("country")
    projects = directory.public_projects().filter(external_key__isnull=False).select_related("host_country")
    programmes = Programme.objects.filter(institution__in=institutions).select_related("institution")

    def profile(inst) -> str:
        return reverse("opendata_institution", args=[inst.external_key])

    inst_hits, inst_more = _hits(institutions, text, profile, lambda o: str(o.country), ("short_name",))
    prog_hits, prog_more = _hits(programmes, text, lambda o: profile(o.institution) + "#programmes",
                                 lambda o: str(o.institution))
    proj_hits, proj_more = _hits(projects, text, lambda o: reverse("opendata_project", args=[o.external_key]),
                                 lambda o: str(o.host_country))
    enterprises = directory.public_enterprises().select_related("country")
    ent_hits, ent_more = _hits(enterprises, text, lambda o: reverse("opendata_enterprise", args=[o.external_key]),
                               lambda o: str(o.country))
    return [
        Group("institutions", str(KIND_LABELS["institutions"]), inst_hits,
              _more("opendata_directory", q=text) if inst_more else ""),
        Group("programmes", str(KIND_LABELS["programmes"]), prog_hits),
        Group("enterprises", str(KIND_LABELS["enterprises"]), ent_hits,
              _more("opendata_directory_enterprises", q=text) if ent_more else ""),
        Group("projects", str(KIND_LABELS["projects"]), proj_hits,
              _more("opendata_directory_projects", q=text) if proj_more else ""),
    ]


def _concept_groups(text: str) -> list[Group]:
    groups = []
    needle_words = fold(text).split()
    for kind, model, url_name in (("occupations", Occupation, "taxonomy_occupation"),
                                  ("skills", Skill, "taxonomy_skill")):
        qs = taxonomy.search_queryset(model, text, scope="any").order_by()
        if model is Occupation:
            qs = qs.select_related("isco_group")
        rows = list(qs[:CANDIDATES + 1])
        needle = " ".join(needle_words)
        ranked = []
        for obj in rows[:CANDIDATES]:
            rank, language, name = _best_name(obj, needle, prefix="label")
            if not language:  # matched on an alternative label only: name the language it is in
                language = next((code for code, sfx in _languages_first()
                                 if all(w in (getattr(obj, f"search_{sfx}") or "") for w in needle_words)), "")
                name = ""
            ranked.append(((rank, len(obj.label or "")), obj, language, name))
        ranked.sort(key=lambda item: item[0])
        hits = [Hit(title=str(obj), url=reverse(url_name, args=[obj.esco_id]),
                    detail=obj.isco_group_id if model is Occupation else "",
                    language=language, matched=name if name and name != str(obj) else "")
                for _key, obj, language, name in ranked[:PER_KIND]]
        more = _more("taxonomy_search", q=text, kind=kind, scope="any") if len(rows) > PER_KIND else ""
        groups.append(Group(kind, str(KIND_LABELS[kind]), hits, more))
    return groups


def search(user, text: str) -> list[Group]:
    """The groups of hits for ``text`` as ``user`` may see them, in a fixed order of kinds; a kind the
    user may not search is absent, a kind without hits is present and empty."""
    text = " ".join((text or "").split())[:MAX_QUERY]
    if not usable(text):
        return []
    groups = _registry_groups(text) if is_member(user) else _directory_groups(text)
    return groups + _concept_groups(text)
