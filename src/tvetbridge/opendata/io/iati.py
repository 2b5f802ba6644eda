"""IATI 2.03 XML: writing activity and organisation files, and checking them offline.

Writing takes the engine's plain objects (``engine/iati.py``) and builds the tree with lxml in the
element order the 2.03 schema fixes. Checking validates a file against the 2.03 XSDs shipped in
``data/iati-2.03`` (with a local ``xml.xsd``, so no network) and every coded value against the
codelists, using the standard's own ``mapping.xml`` (which path takes codes from which list).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from lxml import etree

from ..engine.iati import Activity, Budget, Codelists, Org, OrganisationRecord

IATI_VERSION = "2.03"
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "iati-2.03"
CODELIST_DIR = DATA_DIR / "codelists"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The file's default language; narratives in other languages carry xml:lang.
DEFAULT_LANG = "en"
SCHEMAS = {"activity": "iati-activities-schema.xsd", "organisation": "iati-organisations-schema.xsd"}


def _sub(parent, tag: str, attrib: Mapping[str, str] | None = None, text: str | None = None):
    el = etree.SubElement(parent, tag, attrib or {})
    if text is not None:
        el.text = text
    return el


def _narratives(parent, texts: Mapping[str, str]) -> None:
    """One narrative per language; the default language first and without xml:lang."""
    langs = sorted((lang for lang, text in texts.items() if text and text.strip()),
                   key=lambda lang: (lang != DEFAULT_LANG, lang))
    for lang in langs:
        el = _sub(parent, "narrative", None, texts[lang].strip())
        if lang != DEFAULT_LANG:
            el.set(XML_LANG, lang)


def _money(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


def _number(value: Decimal) -> str:
    # xsd:decimal: no exponent, trailing zeros dropped for readability
    text = format(Decimal(value).normalize(), "f")
    return text if text != "-0" else "0"


def _org(parent, tag: str, org: Org, **attrs: str):
    el = _sub(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items() if v})
    if org.ref:
        el.set("ref", org.ref)
    if org.type:
        el.set("type", org.type)
    _narratives(el, org.names)
    return el


def _period(parent, tag: str, b: Budget, **attrs: str):
    el = _sub(parent, tag, attrs)
    _sub(el, "period-start", {"iso-date": b.start.isoformat()})
    _sub(el, "period-end", {"iso-date": b.end.isoformat()})
    _sub(el, "value", {"currency": b.currency, "value-date": b.value_date.isoformat()}, _money(b.value))
    return el


def _stamp(when: dt.datetime | None) -> str:
    when = when or dt.datetime.now(dt.UTC)
    return when.replace(microsecond=0).isoformat()


def activity_element(a: Activity):
    """One <iati-activity>, children in schema order."""
    el = etree.Element("iati-activity", {"default-currency": a.default_currency, "last-updated-datetime":
                                         _stamp(a.last_updated), XML_LANG: DEFAULT_LANG})
    _sub(el, "iati-identifier", None, a.identifier)
    _org(el, "reporting-org", a.reporting_org)
    _narratives(_sub(el, "title"), a.titles)
    _narratives(_sub(el, "description", {"type": "1"}), a.descriptions or a.titles)
    for p in a.participants:
        _org(el, "participating-org", p.org, role=p.role)
    _sub(el, "activity-status", {"code": a.status})
    for kind in sorted(a.dates):
        _sub(el, "activity-date", {"type": kind, "iso-date": a.dates[kind].isoformat()})
    for code, pct in a.recipient_countries:
        _sub(el, "recipient-country", {"code": code, "percentage": _number(pct)})
    for code, pct in a.recipient_regions:
        _sub(el, "recipient-region", {"code": code, "vocabulary": "1", "percentage": _number(pct)})
    for vocabulary, code, pct in a.sectors:
        _sub(el, "sector", {"vocabulary": vocabulary, "code": code, "percentage": _number(pct)})
    for b in a.budgets:
        _period(el, "budget", b, type=b.type, status=b.status)
    for t in a.transactions:
        tx = _sub(el, "transaction", {"ref": t.ref} if t.ref else None)
        _sub(tx, "transaction-type", {"code": t.type})
        _sub(tx, "transaction-date", {"iso-date": t.date.isoformat()})
        _sub(tx, "value", {"currency": t.currency, "value-date": t.date.isoformat()}, _money(t.value))
        if t.description:
            _narratives(_sub(tx, "description"), t.description)
    for r in a.results:
        res = _sub(el, "result", {"type": r.type})
        _narratives(_sub(res, "title"), r.title)
        for ind in r.indicators:
            ie = _sub(res, "indicator", {"measure": ind.measure, "ascending": "1" if ind.ascending else "0"})
            _narratives(_sub(ie, "title"), ind.title)
            if ind.baseline is not None and ind.baseline_date is not None:
                _sub(ie, "baseline", {"year": str(ind.baseline_date.year), "iso-date": ind.baseline_date.isoformat(),
                                      "value": _number(ind.baseline)})
            period = _sub(ie, "period")
            _sub(period, "period-start", {"iso-date": ind.period_start.isoformat()})
            _sub(period, "period-end", {"iso-date": ind.period_end.isoformat()})
            _sub(period, "target", {"value": _number(ind.target)})
            actual = _sub(period, "actual", {"value": _number(ind.actual)} if ind.actual is not None else None)
            if ind.actual_comment:
                _narratives(_sub(actual, "comment"), ind.actual_comment)
    return el


def activities_tree(activities: Iterable[Activity], generated: dt.datetime | None = None):
    root = etree.Element("iati-activities", {"version": IATI_VERSION, "generated-datetime": _stamp(generated)})
    for a in activities:
        root.append(activity_element(a))
    return root


def organisations_tree(records: Iterable[OrganisationRecord], generated: dt.datetime | None = None):
    root = etree.Element("iati-organisations", {"version": IATI_VERSION, "generated-datetime": _stamp(generated)})
    for r in records:
        el = _sub(root, "iati-organisation", {"last-updated-datetime": _stamp(r.last_updated), XML_LANG: DEFAULT_LANG})
        _sub(el, "organisation-identifier", None, r.identifier)
        _narratives(_sub(el, "name"), r.org.names)
        _org(el, "reporting-org", r.reporting_org)
        for b in r.total_budgets:
            _period(el, "total-budget", b, status=b.status)
        for b in r.total_expenditure:
            _period(el, "total-expenditure", b)
    return root


def serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_activities(activities: Sequence[Activity], generated: dt.datetime | None = None) -> bytes:
    return serialise(activities_tree(activities, generated))


def write_organisations(records: Sequence[OrganisationRecord], generated: dt.datetime | None = None) -> bytes:
    return serialise(organisations_tree(records, generated))


# --- checking ------------------------------------------------------------------------------------

@functools.cache
def schema(kind: str) -> etree.XMLSchema:
    # The schemas import xml.xsd by a relative path; parsing from the file keeps resolution local.
    return etree.XMLSchema(etree.parse(str(DATA_DIR / SCHEMAS[kind])))


def schema_errors(content: bytes, kind: str) -> list[str]:
    """XSD errors of a file (``kind`` is "activity" or "organisation"), each with its line."""
    doc = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    s = schema(kind)
    if s.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in s.error_log]


@functools.cache
def codelist(name: str) -> frozenset[str]:
    path = CODELIST_DIR / f"{name}.xml"
    if not path.exists():
        return frozenset()
    tree = etree.parse(str(path))
    return frozenset(c.strip() for c in tree.xpath("//codelist-item/code/text()"))


@functools.cache
def codelists() -> Codelists:
    return Codelists(sector=codelist("Sector"), country=codelist("Country"), currency=codelist("Currency"),
                     organisation_type=codelist("OrganisationType"), language=codelist("Language"),
                     by_name={name: codelist(name) for name in shipped_codelists()})


@functools.cache
def _mappings() -> list[tuple[str, str, str | None]]:
    tree = etree.parse(str(CODELIST_DIR / "mapping.xml"))
    out = []
    for m in tree.xpath("//mapping"):
        condition = m.findtext("condition")
        out.append((m.findtext("path"), m.find("codelist").get("ref"), condition.strip() if condition else None))
    return out


def code_errors(content: bytes) -> list[str]:
    """Coded values not in their codelist, for every mapping whose codelist is shipped here.

    Returns ``"<path> = <value> (<codelist>)"`` lines."""
    doc = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    out = []
    for path, name, condition in _mappings():
        codes = codelist(name)
        if not codes:
            continue
        # "//iati-activity/..." anchored at the root: a direct walk instead of a search of every node
        query = path.replace(f"//{doc[0].tag}/", f"/{doc.tag}/{doc[0].tag}/", 1) if len(doc) else path
        if condition and "/@" in query:
            element, attr = query.rsplit("/@", 1)
            query = f"{element}[{condition}]/@{attr}"
        for value in doc.xpath(query):
            if str(value).strip() not in codes:
                out.append(f"{path} = {value} ({name})")
    return out


def shipped_codelists() -> set[str]:
    """Names of the codelists present (so callers can say which mappings were checked)."""
    return {p.stem for p in CODELIST_DIR.glob("*.xml") if p.stem != "mapping"}
