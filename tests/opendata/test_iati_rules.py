"""The IATI ruleset as the engine applies it, on hand-made activities (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tvetbridge.opendata.engine import iati as e
from tvetbridge.opendata.io import iati as xml

pytestmark = pytest.mark.engine

TODAY = dt.date(2025, 11, 1)
ORG = e.Org("KZ-BIN-990140000483", "80", {"en": "ALT University", "ru": "Университет ALT"})


def activity(**over) -> e.Activity:
    base = dict(key="1", identifier="KZ-BIN-990140000483-P1", reporting_org=ORG,
                titles={"en": "Workshop", "zh": "工坊"}, descriptions={"en": "Training"}, status="2",
                dates={e.ACTUAL_START: dt.date(2024, 1, 1), e.PLANNED_END: dt.date(2026, 12, 31)},
                recipient_countries=[("KZ", Decimal(100))], sectors=[("1", "11330", Decimal(100))],
                participants=[e.Participant("2", ORG)],
                transactions=[e.Txn("t1", "1", dt.date(2024, 2, 1), Decimal("10.00"), "CNY")])
    base.update(over)
    return e.Activity(**base)


def codes(findings):
    return {(f.field, f.code) for f in findings}


def test_a_clean_activity_passes_and_its_file_validates():
    a = activity()
    assert e.check_activities([a], TODAY, xml.codelists()) == []
    content = xml.write_activities([a])
    assert xml.schema_errors(content, "activity") == []
    assert xml.code_errors(content) == []


def test_identifiers_must_be_unique_in_a_file():
    found = e.check_activities([activity(), activity(key="2")], TODAY)
    assert [f.key for f in found if f.code == "identifier_duplicate"] == ["1", "2"]


def test_identifier_prefix_is_the_reporting_organisation():
    found = e.check_activity(activity(identifier="CN-USC-1-P1"), TODAY)
    assert ("identifier", "identifier_prefix") in codes(found)
    # the organisation id alone, with nothing after the hyphen, is not an activity identifier
    assert ("identifier", "identifier_prefix") in codes(e.check_activity(
        activity(identifier="KZ-BIN-990140000483-"), TODAY))


def test_start_date_must_be_present():
    found = e.check_activity(activity(dates={e.PLANNED_END: dt.date(2026, 1, 1)}), TODAY)
    assert ("start_date", "start_missing") in codes(found)


def test_actual_dates_may_not_lie_in_the_future_but_planned_ones_may():
    found = e.check_activity(activity(dates={e.ACTUAL_START: dt.date(2026, 1, 1)}), TODAY)
    assert ("start_date", "actual_date_future") in codes(found)
    assert e.check_activity(activity(dates={e.PLANNED_START: dt.date(2026, 1, 1)},
                                     transactions=[]), TODAY) == []


@pytest.mark.parametrize("field,name,rows", [
    ("sector", "sectors", [("1", "11330"), ("1", "11130")]),
    ("recipient_country", "recipient_countries", [("KZ",), ("UZ",)]),
])
def test_percentages_must_sum_to_100(field, name, rows):
    wrong = {name: [(*rows[0], Decimal(70)), (*rows[1], Decimal(20))]}
    assert (field, "percentages_not_100") in codes(e.check_activity(activity(**wrong), TODAY))
    right = {name: [(*rows[0], Decimal("70.5")), (*rows[1], Decimal("29.5"))]}
    assert e.check_activity(activity(**right), TODAY) == []


def test_transactions_must_fall_within_the_activity():
    before = e.Txn("t0", "1", dt.date(2023, 12, 31), Decimal(1), "CNY")
    future = e.Txn("t9", "4", dt.date(2026, 1, 1), Decimal(1), "CNY")
    found = e.check_activity(activity(transactions=[before, future]), TODAY)
    assert ("transaction", "transaction_before_start") in codes(found)
    assert ("transaction", "transaction_future") in codes(found)
    closed = activity(dates={e.ACTUAL_START: dt.date(2024, 1, 1), e.ACTUAL_END: dt.date(2024, 1, 31)})
    assert ("transaction", "transaction_after_end") in codes(e.check_activity(closed, TODAY))


def test_codes_are_checked_against_the_codelists():
    found = e.check_activity(activity(sectors=[("1", "99999", Decimal(100))],
                                      recipient_countries=[("XX", Decimal(100))]), TODAY, xml.codelists())
    assert {("sector", "sector_unknown"), ("recipient_country", "country_unknown")} <= codes(found)


def test_code_errors_catch_a_value_outside_its_codelist_in_the_xml():
    content = xml.write_activities([activity(status="9")])
    assert any("activity-status/@code = 9" in line for line in xml.code_errors(content))


def test_the_schema_rejects_a_file_missing_a_required_element():
    content = xml.write_activities([activity(participants=[])])
    assert any("participating-org" in line for line in xml.schema_errors(content, "activity"))


def test_sector_text_is_parsed_or_refused_by_part():
    assert e.parse_sectors("11330") == [("11330", Decimal(100))]
    assert e.parse_sectors("11330:70; 11130:30") == [("11330", Decimal(70)), ("11130", Decimal(30))]
    for bad in ("1133", "11330:abc", "11330:0", "11330, 11130"):
        with pytest.raises(ValueError):
            e.parse_sectors(bad)


def test_organisation_file_validates():
    rec = e.OrganisationRecord("KZ-BIN-990140000483", ORG, ORG, total_budgets=[
        e.Budget(dt.date(2024, 1, 1), dt.date(2024, 12, 31), Decimal(5), "CNY", dt.date(2024, 1, 1))])
    assert e.check_organisations([rec], xml.codelists()) == []
    content = xml.write_organisations([rec])
    assert xml.schema_errors(content, "organisation") == []
    assert xml.code_errors(content) == []


def rich_activity(**over) -> e.Activity:
    """An activity with every kind of element the writer emits."""
    start, end = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    ind = e.Indicator("1", {"en": "trainees", "ru": "слушатели"}, start, end, Decimal(100), Decimal(40),
                      baseline=Decimal(0), baseline_date=start, actual_comment={"en": "note", "kk": "ескерту"})
    base = dict(
        participants=[e.Participant("2", ORG), e.Participant("4", e.Org("", "70", {"en": "JD", "zh": "京东"})),
                      e.Participant("1", e.Org("", "10", {"en": "Ministry"}))],
        recipient_regions=[("789", Decimal(50))], recipient_countries=[("KZ", Decimal(50))],
        budgets=[e.Budget(start, end, Decimal(1000), "CNY", start)],
        transactions=[e.Txn("t1", "1", dt.date(2024, 2, 1), Decimal("10.00"), "CNY", {"en": "contribution"})],
        results=[e.Result("1", {"en": "Trainees trained", "zh": "培训学员"}, [ind])])
    base.update(over)
    return activity(**base)


def _walked(content: bytes) -> set[tuple[str, str]]:
    """(codelist, value) of every coded value the file check (``code_errors``) walks in a file."""
    from lxml import etree

    doc = etree.fromstring(content)
    out = set()
    for path, name, condition in xml._mappings():
        if not xml.codelist(name):
            continue
        query = path
        if condition and "/@" in query:
            element, attr = query.rsplit("/@", 1)
            query = f"{element}[{condition}]/@{attr}"
        out |= {(name, str(v).strip()) for v in doc.xpath(query)}
    return out


def test_the_data_check_covers_every_code_the_file_check_walks():
    """Codes are checked on the data before writing instead of walking the written tree; this holds
    only while every coded path of the file is among the values the engine checks."""
    a = rich_activity()
    checked = {(name, code) for _f, name, code in e.coded_values(a)}
    checked |= {("Sector", code) for _v, code, _p in a.sectors} | {("Country", c) for c, _p in a.recipient_countries}
    checked |= {("Currency", c) for c in [a.default_currency, *(b.currency for b in a.budgets),
                                          *(t.currency for t in a.transactions)]}
    checked |= {("Language", lang) for lang in [*a.titles, *a.descriptions, xml.DEFAULT_LANG]}
    content = xml.write_activities([a])
    assert xml.schema_errors(content, "activity") == [] and xml.code_errors(content) == []
    assert e.check_activities([a], TODAY, xml.codelists()) == []
    assert _walked(content) <= checked


@pytest.mark.parametrize(("fld", "codelist", "change"), [
    ("status", "ActivityStatus", lambda a: {"status": "9"}),
    ("dates", "ActivityDateType", lambda a: {"dates": {"9": dt.date(2024, 1, 1), e.ACTUAL_START: dt.date(2024, 1, 1)}}),
    ("participants", "OrganisationRole", lambda a: {"participants": [*a.participants, e.Participant("9", ORG)]}),
    ("participants", "OrganisationType", lambda a: {"participants": [
        *a.participants, e.Participant("4", e.Org("", "999", {"en": "X"}))]}),
    ("reporting_org", "OrganisationType", lambda a: {"reporting_org": e.Org(ORG.ref, "999", ORG.names)}),
    ("recipient_country", "Region", lambda a: {"recipient_regions": [("99999", Decimal(50))]}),
    ("sector", "SectorVocabulary", lambda a: {"sectors": [("1", "11330", Decimal(50)), ("999", "X", Decimal(100))]}),
    ("budget", "BudgetType", lambda a: {"budgets": [e.Budget(**{**a.budgets[0].__dict__, "type": "9"})]}),
    ("budget", "BudgetStatus", lambda a: {"budgets": [e.Budget(**{**a.budgets[0].__dict__, "status": "9"})]}),
    ("transaction", "TransactionType", lambda a: {"transactions": [e.Txn(**{**a.transactions[0].__dict__,
                                                                           "type": "99"})]}),
    ("result", "Language", lambda a: {"results": [e.Result("1", {"xx": "?"}, a.results[0].indicators)]}),
    ("participants", "Language", lambda a: {"participants": [e.Participant("2", e.Org("", "70", {"xx": "?"}))]}),
])
def test_a_code_outside_its_list_is_found_on_the_data_naming_the_field_as_the_file_check_would(fld, codelist, change):
    a = rich_activity()
    bad = rich_activity(**change(a))
    found = [f for f in e.check_activity(bad, TODAY, xml.codelists()) if f.code == "code_unknown"]
    assert [(f.key, f.field, f.params["codelist"]) for f in found] == [("1", fld, codelist)]
    assert any(f"({codelist})" in line for line in xml.code_errors(xml.write_activities([bad])))


def test_the_organisation_data_check_covers_every_code_of_the_organisation_file():
    start, end = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    record = e.OrganisationRecord(ORG.ref, ORG, ORG, total_budgets=[e.Budget(start, end, Decimal(5), "CNY", start)],
                                  total_expenditure=[e.Budget(start, end, Decimal(2), "USD", start)])
    content = xml.write_organisations([record])
    assert xml.schema_errors(content, "organisation") == [] and xml.code_errors(content) == []
    assert e.check_organisations([record], xml.codelists()) == []
    checked = {(name, code) for _f, name, code in e.organisation_coded_values(record)}
    checked |= {("OrganisationType", record.org.type), ("Language", xml.DEFAULT_LANG)}
    assert _walked(content) <= checked
    bad = e.OrganisationRecord(ORG.ref, ORG, ORG, total_budgets=[e.Budget(start, end, Decimal(5), "XXX", start,
                                                                           status="9")])
    found = {(f.field, f.params["codelist"]) for f in e.check_organisations([bad], xml.codelists())}
    assert found == {("currency", "Currency"), ("budget", "BudgetStatus")}
    assert {"(Currency)", "(BudgetStatus)"} <= {line[line.rindex("("):] for line in
                                                xml.code_errors(xml.write_organisations([bad]))}
