"""One validation path: the trainee form, the API and the importers reject the same values with the
same messages, naming the row and the column in files, and a bad file writes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tvetbridge.core import tokens
from tvetbridge.core.validators import MAX_AMOUNT, birth_year_bounds, normalize_language_code
from tvetbridge.demand.models import parse_languages
from tvetbridge.outcomes.forms import TraineeForm
from tvetbridge.outcomes.models import IncomeObservation, Trainee
from tvetbridge.outcomes.services import import_file

TODAY = timezone.localdate()
LATER = TODAY + dt.timedelta(days=30)

# The file of the issue: every value here is one the trainee form rejects.
BAD_TRAINEES = (
    "external_key,birth_year,prior_education,baseline_income,baseline_currency,consent_matching,consent_date,"
    "languages\n"
    "T-1,1850,3,,,no,,ru\n"
    "T-2,2035,3,,,no,,ru\n"
    "T-3,2000,12,,,no,,ru\n"
    "T-4,2000,3,-500,KZT,no,,ru\n"
    f"T-5,2000,3,,,yes,{LATER.isoformat()},ru\n"
    "T-6,2000,3,999999999999,KZT,no,,ru\n"
    "T-7,2000,3,100000,,yes,,xx-yy-zz;klingon\n"
    "T-8,2000,3,100000,KZT,yes,2024-09-01,zh-hans;ru\n"
)


def test_the_bad_trainee_file_reports_every_row_and_field_and_writes_nothing(world):
    result = import_file(None, "trainees", BAD_TRAINEES.encode(), "bad.csv")
    assert not result.committed and Trainee.objects.count() == 0
    found = sorted((e.row, e.column) for e in result.errors)
    assert found == [(2, "birth_year"), (3, "birth_year"), (4, "prior_education"), (5, "baseline_income"),
                     (6, "consent_date"), (7, "baseline_income"), (8, "baseline_currency"), (8, "consent_date"),
                     (8, "languages"), (8, "languages")]
    by_cell = {(e.row, e.column): e.message for e in result.errors}
    low, high = birth_year_bounds()
    assert by_cell[(2, "birth_year")] == (f"A year of birth must be between {low} and {high}; 1850 is not.")
    assert "ISCED" in by_cell[(4, "prior_education")]
    assert by_cell[(5, "baseline_income")] == "An amount of money cannot be negative."
    assert "after today" in by_cell[(6, "consent_date")]
    assert "beyond the largest one accepted" in by_cell[(7, "baseline_income")]


def test_a_file_using_the_ui_language_code_imports(world):
    text = ("external_key,birth_year,languages,consent_matching,consent_date\n"
            "T-1,2001,zh-hans;RU,yes,2024-09-01\nT-2,1999,zh_Hans;kaz;kk,no,\n")
    result = import_file(None, "trainees", text.encode(), "t.csv")
    assert result.committed, result.errors
    assert sorted(Trainee.objects.get(external_key="T-1").languages.values_list("code", flat=True)) == ["ru", "zh"]
    assert sorted(Trainee.objects.get(external_key="T-2").languages.values_list("code", flat=True)) == ["kk", "zh"]


@pytest.mark.parametrize("tag, code", [("zh-hans", "zh"), ("zh-Hant", "zh"), ("ru-RU", "ru"), ("kk_KZ", "kk"),
                                       ("KAZ", "kk"), ("en", "en")])
def test_language_tags_fold_to_iso_639_1(tag, code):
    assert normalize_language_code(tag) == code


def test_demand_languages_accept_the_ui_code():
    assert parse_languages("zh-hans HSK4; ru-RU B2") == [{"language": "zh", "level": "HSK4"},
                                                         {"language": "ru", "level": "B2"}]


def test_income_file_rejects_what_the_income_form_rejects(world):
    assert import_file(None, "trainees", b"external_key\nT-1\n", "t.csv").committed
    next_month = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    text = ("trainee,period,amount,currency,source\n"
            "T-1,2025-01,999999999999,KZT,payroll\n"
            f"T-1,{next_month:%Y-%m},1000,KZT,payroll\n"
            "T-1,2025-02,-1,KZT,payroll\n"
            "T-1,2025-03,250000,KZT,payroll\n")
    result = import_file(None, "incomes", text.encode(), "i.csv")
    assert not result.committed and IncomeObservation.objects.count() == 0
    assert sorted((e.row, e.column) for e in result.errors) == [(2, "amount"), (3, "period"), (4, "amount")]
    model = IncomeObservation(trainee=Trainee.objects.get(), period=next_month, amount=Decimal("999999999999"),
                              currency="KZT", source="payroll")
    with pytest.raises(Exception) as exc:
        model.full_clean()
    expected = exc.value.message_dict
    by_cell = {(e.row, e.column): e.message for e in result.errors}
    assert [by_cell[(2, "amount")]] == expected["amount"]
    assert [by_cell[(3, "period")]] == expected["period"]


# --- property: form, API and import agree on random records ---------------------------------------

FIELDS = ("birth_year", "prior_education", "baseline_income", "baseline_currency", "consent_date", "languages")
_keys = itertools.count()

records = st.fixed_dictionaries({
    "birth_year": st.none() | st.integers(1800, 2100),
    "prior_education": st.none() | st.integers(0, 15),
    "baseline_income": st.none() | st.decimals(min_value=-10**6, max_value=10**12 - 1, places=2,
                                               allow_nan=False, allow_infinity=False),
    "baseline_currency": st.sampled_from(["", "KZT", "CNY"]),
    "consent_matching": st.booleans(),
    "consent_date": st.none() | st.dates(TODAY - dt.timedelta(days=3000), TODAY + dt.timedelta(days=400)),
    "languages": st.lists(st.sampled_from(["ru", "kk", "zh", "zh-hans", "ZH-Hans", "kaz", "xx", "r1"]),
                          max_size=3),
})


def _as_import(record: dict, key: str) -> dict[str, list[str]]:
    cells = {"external_key": key, **{k: "" if v is None else str(v) for k, v in record.items() if k != "languages"}}
    cells["consent_matching"] = "yes" if record["consent_matching"] else "no"
    cells["languages"] = ";".join(record["languages"])
    text = ",".join(cells) + "\n" + ",".join(cells.values()) + "\n"
    result = import_file(None, "trainees", text.encode(), "p.csv", dry_run=True)
    out: dict[str, list[str]] = {}
    for e in result.errors:
        assert e.row == 2
        out.setdefault(e.column, []).append(e.message)
    return out


def _as_api(client: Client, auth: dict, record: dict, key: str) -> dict[str, list[str]]:
    body = {"external_key": key, **{k: (str(v) if isinstance(v, Decimal | dt.date) else v)
                                    for k, v in record.items()}}
    response = client.post("/api/v1/outcomes/trainees", json.dumps(body), content_type="application/json",
                           headers=auth)
    if response.status_code == 201:
        return {}
    assert response.status_code == 422, response.content
    return response.json()["errors"]


def _as_form(record: dict, key: str) -> dict[str, list[str]]:
    data = {"external_key": key, "gender": "unknown"}
    for name in ("birth_year", "prior_education", "baseline_income", "baseline_currency", "consent_date"):
        if record[name] is not None:
            data[name] = str(record[name])
    if record["consent_matching"]:
        data["consent_matching"] = "on"
    form = TraineeForm(data=data)
    form.is_valid()
    return {k: list(v) for k, v in form.errors.items()}


@pytest.mark.django_db(transaction=False)
def test_form_api_and_import_agree_on_random_records(world, users):
    _token, secret = tokens.issue_token(users["coordinator"], "property test")
    auth, client = {"Authorization": f"Bearer {secret}"}, Client()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(records)
    def agree(record):
        key = f"P-{next(_keys)}"
        imported = _as_import(record, key)
        api = {k: v for k, v in _as_api(client, auth, record, key).items() if k in FIELDS}
        assert set(imported) <= set(FIELDS), imported
        assert api == imported, (record, api, imported)
        form = _as_form(record, key)
        form = {k: v for k, v in form.items() if k in FIELDS}
        # The form has no free-text language field (it offers a list), and its ISCED picker words
        # an impossible choice its own way; every other field must agree word for word.
        assert set(form) == set(imported) - {"languages"}, (record, form, imported)
        assert {k: v for k, v in form.items() if k != "prior_education"} == \
            {k: v for k, v in imported.items() if k not in ("prior_education", "languages")}

    agree()


def test_bounds_are_the_ones_the_models_use():
    from tvetbridge.core.validators import validate_monthly_amount

    for model, name in ((Trainee, "baseline_income"), (IncomeObservation, "amount")):
        assert validate_monthly_amount in model._meta.get_field(name).validators
    assert MAX_AMOUNT == Decimal("1000000000")
