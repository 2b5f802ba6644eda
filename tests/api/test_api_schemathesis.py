"""Property-based run of the API against its own OpenAPI document (schemathesis).

Every operation gets schema-valid requests (positive: no 5xx, and the response must match the
document: status code, content type, body) and schema-breaking requests (negative: no 5xx). Operations
on one record run twice: with generated ids, which mostly miss, and with the id of a real record, so
that the success paths are exercised too. Examples are derandomized, so a failure reproduces.
"""

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
EXAMPLES = {"positive": 12, "negative": 8}
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error]


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


@pytest.mark.slow
def test_api_has_no_server_errors_and_matches_its_schema(world, users):
    institution = world["alt"]
    facility = Facility.objects.create(external_key="fac-1", institution=institution, name="Logistics lab",
                                       kind="lab", capacity=20)
    faculty = FacultyMember.objects.create(external_key="fm-1", institution=institution, full_name="A. Teacher")
    alliance = Alliance.objects.create(external_key="all-1", name="Silk Road TVET alliance")
    alliance.institutions.add(institution)
    real_ids = {
        "institutions": world["other_institution"].pk, "programmes": world["programme"].pk,
        "faculty": faculty.pk, "facilities": facility.pk, "enterprises": world["other_enterprise"].pk,
        "alliances": alliance.pk, "projects": world["project"].pk,
    }
    _token, key = tokens.issue_token(users["admin"], "schemathesis")
    headers = {"Authorization": f"Bearer {key}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletes last, so that the records the other operations use stay in place as long as possible.
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    assert len(operations) >= 50

    failures = []
    for operation in operations:
        for mode, checks in ((schemathesis.GenerationMode.POSITIVE, POSITIVE_CHECKS),
                             (schemathesis.GenerationMode.NEGATIVE, NEGATIVE_CHECKS)):
            failures.append(_run(operation, mode, headers, checks))
        collection = operation.path.removeprefix("/api/v1/").split("/")[0]
        if "{record_id}" in operation.path and collection in real_ids:
            failures.append(_run(operation, schemathesis.GenerationMode.POSITIVE, headers, POSITIVE_CHECKS,
                                 {"record_id": real_ids[collection]}))
    failures = [f for f in failures if f]
    assert not failures, "\n\n".join(failures)
