"""Report sections. A report is a list of sections; each section collects a JSON snapshot of its data
(what the content hash covers), draws its charts from that snapshot, and renders with its template.

To add a section: subclass ``Section``, set ``key``, ``title``, ``template``, implement ``collect``
(and ``charts`` if it has any), and register it in ``SECTIONS`` under the report kinds it belongs
to. Tables put in ``data["tables"]`` are exported as CSV/XLSX automatically. ``for_print`` may give
the PDF a more compact view of the same data (top rows, folded columns, a pivot) as long as the PDF
names the export holding whatever it leaves out: WeasyPrint's time grows with every table cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import Country, Source
from tvetbridge.registry.models import Alliance, CooperationProject
from tvetbridge.risk.engine.periods import Period

# ---------------------------------------------------------------------------------------------------
# Scope


@dataclass
class Scope:
    key: str  # "region", "country:KZ", "alliance:<external key>"
    label: str
    countries: list[str]
    alliance_id: int | None = None

    def projects(self):
        qs = CooperationProject.objects.all()
        if self.alliance_id is not None:
            return qs.filter(alliance_id=self.alliance_id)
        return qs.filter(host_country_id__in=self.countries)


def resolve_scope(key: str) -> Scope:
    """Parse a scope key; raise ValueError with a clear message when it names nothing."""
    key = (key or "region").strip()
    if key == "region":
        codes = list(Country.objects.filter(is_focus=True).order_by("name").values_list("code", flat=True))
        return Scope(key, _("China, Central Asia and Russia"), codes)
    kind, _sep, value = key.partition(":")
    if kind == "country":
        country = Country.objects.filter(code=value.upper()).first()
        if country is None:
            raise ValueError(_("Unknown country “%(value)s”.") % {"value": value})
        return Scope(f"country:{country.code}", country.name, [country.code])
    if kind == "alliance":
        alliance = Alliance.objects.filter(external_key=value).first()
        if alliance is None:
            raise ValueError(_("Unknown alliance “%(value)s”.") % {"value": value})
        codes = set(alliance.projects.values_list("host_country_id", flat=True))
        codes |= set(alliance.institutions.values_list("country_id", flat=True))
        return Scope(f"alliance:{alliance.external_key}", alliance.name, sorted(codes), alliance_id=alliance.pk)
    raise ValueError(_("Unknown scope “%(value)s”: use region, country:<ISO code> or alliance:<key>.")
                     % {"value": key})


@dataclass
class Context:
    scope: Scope
    period: Period
    language: str
    sources: list[dict] = field(default_factory=list)

    def cite(self, source: Source | None) -> int | None:
        """Footnote number of a source in this report (1-based), adding it on first use."""
        if source is None:
            return None
        entry = {"key": source.key, "title": source.title, "publisher": source.publisher,
                 "document": source.document, "locator": source.locator, "url": source.url,
                 "published": source.published.isoformat() if source.published else "",
                 "synthetic": source.is_synthetic}
        if entry not in self.sources:
            self.sources.append(entry)
        return self.sources.index(entry) + 1


def num(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return round(value, 4) if isinstance(value, float) else value


def table(key: str, title: str, columns: list[str], rows: list[list[Any]]) -> dict:
    return {"key": key, "title": title, "columns": columns, "rows": rows}


# Typesetting a table row costs WeasyPrint several milliseconds whatever its content, so long tables
# are cut in print; the PDF names the export that has every row (see ``_table.html``).
PRINT_TOP_ROWS = 10


def print_top(t: dict, n: int = PRINT_TOP_ROWS) -> dict:
    """The first ``n`` rows of a table already sorted by importance, and how many were left out."""
    if len(t["rows"]) <= n:
        return t
    return {**t, "rows": t["rows"][:n], "omitted": len(t["rows"]) - n}


def fold_columns(t: dict, *, value: int, date: int, text: int, source: int, value_title: str) -> dict:
    """A print table with a date column folded into its value ("1 150 (2025-06-30)") and the source
    column into a text column as a footnote mark: every figure and reference stays, in a third fewer
    cells (see ``report_tags.cell``)."""
    drop = {date, source}
    columns = [value_title if j == value else c for j, c in enumerate(t["columns"]) if j not in drop]
    rows = []
    for row in t["rows"]:
        out = []
        for j, v in enumerate(row):
            if j == value:
                out.append({"num": v, "date": row[date]})
            elif j == text:
                out.append({"text": v, "cite": row[source]})
            elif j not in drop:
                out.append(v)
        rows.append(out)
    return {**t, "columns": columns, "rows": rows}


def replace_tables(data: dict, **tables: dict) -> dict:
    return {**data, "tables": [tables.get(t["key"], t) for t in data["tables"]]}


# ---------------------------------------------------------------------------------------------------
# Sections


class Section:
    key = ""
    title = gettext_lazy("Section")
    template = ""

    def available(self) -> bool:
        return True

    def collect(self, ctx: Context) -> dict:
        raise NotImplementedError

    def charts(self, data: dict, language: str) -> dict[str, str]:
        return {}

    def for_print(self, data: dict) -> dict:
        """The data as the PDF shows it: the same figures, in fewer rows where a table runs long.
        The HTML and the CSV/XLSX exports always have every row."""
        return data


def country_names() -> dict[str, str]:
    # values("host_country__name") would bypass the translated column; names come from the objects.
    return {c.code: c.name for c in Country.objects.all()}
