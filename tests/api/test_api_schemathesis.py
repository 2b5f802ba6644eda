"""Property-based run of the API against its own OpenAPI document (schemathesis).

Every operation gets schema-valid requests (positive: no 5xx, and the response must match the
document: status code, content type, body) and schema-breaking requests (negative: no 5xx). Operations
on one record run twice: with generated ids, which mostly miss, and with the id of a real record, so
that the success paths are exercised too. Examples are derandomized, so a failure reproduces.
"""

import importlib.util
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tvetbridge.core import tokens
from tvetbridge.registry.models import Alliance, Facility, FacultyMember
from tvetbridge.wsgi import application

# Enough to find the crashes that matter (bounds, odd text, missing ids) while staying well under 2 minutes.
EXAMPLES = {"positive": 8, "negative": 5}
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error]
# Routers by the first segment of their paths; one test each, so a failure names its router.
GROUPS = {
    "registry": None,  # everything not claimed below: account, reference, public, registry, taxonomy, demand
    "risk": {"risk"},
    "outcomes": {"outcomes"},
    "finance": {"finance"},
    "matching": {"matching"},
    "teachers": {"teachers"},
}


def _run(operation, mode, headers, checks, path_parameters=None) -> str | None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(max_examples=EXAMPLES[mode.value], derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, checks=checks)

    try:
        check()
    except Unsatisfiable:
        return None  # negative mode on an operation with no inputs: nothing can be made invalid
    except Exception as exc:  # collected so that one run reports every failing operation
        return f"{operation.label} [{mode.value}{' real id' if path_parameters else ''}]: {exc}"
    return None


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI application, whose request signals would close the database
    connection holding the test's transaction (Django's test client detaches them the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _group_of(path: str) -> str:
    first = path.removeprefix("/api/v1/").split("/")[0]
    return next((g for g, firsts in GROUPS.items() if firsts and first in firsts), "registry")


def _registry_records(world) -> dict[str, dict]:
    institution = world["alt"]
    facility = Facility.objects.create(external_key="fac-1", institution=institution, name="Logistics lab",
                                       kind="lab", capacity=20)
    faculty = FacultyMember.objects.create(external_key="fm-1", institution=institution, full_name="A. Teacher")
    alliance = Alliance.objects.create(external_key="all-1", name="Silk Road TVET alliance")
    alliance.institutions.add(institution)
    ids = {
        "institutions": world["other_institution"].pk, "programmes": world["programme"].pk,
        "faculty": faculty.pk, "facilities": facility.pk, "enterprises": world["other_enterprise"].pk,
        "alliances": alliance.pk, "projects": world["project"].pk,
    }
    return {f"/api/v1/{collection}/{{record_id}}": {"record_id": pk} for collection, pk in ids.items()}


def _real_path_parameters(group: str, world, users) -> dict[str, dict]:
    """Path template -> the path parameters of a real record, so that success paths run too. Each
    router's records come from ``records_<group>.py`` beside this file."""
    if group == "registry":
        return _registry_records(world)
    path = Path(__file__).with_name(f"records_{group}.py")
    spec = importlib.util.spec_from_file_location(f"schemathesis_records_{group}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.real_path_parameters(world, users)


@pytest.mark.slow
@pytest.mark.parametrize("group", list(GROUPS))
def test_api_has_no_server_errors_and_matches_its_schema(group, world, users, keep_test_connection):
    real = _real_path_parameters(group, world, users)
    _token, key = tokens.issue_token(users["admin"], "schemathesis")
    headers = {"Authorization": f"Bearer {key}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if _group_of(op.path) == group]
    # Deletes last, so that the records the other operations use stay in place as long as possible.
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    assert operations

    failures = []
    for operation in operations:
        for mode, checks in ((schemathesis.GenerationMode.POSITIVE, POSITIVE_CHECKS),
                             (schemathesis.GenerationMode.NEGATIVE, NEGATIVE_CHECKS)):
            failures.append(_run(operation, mode, headers, checks))
        if operation.path in real:
            failures.append(_run(operation, schemathesis.GenerationMode.POSITIVE, headers, POSITIVE_CHECKS,
                                 real[operation.path]))
    failures = [f for f in failures if f]
    assert not failures, "\n\n".join(failures)
