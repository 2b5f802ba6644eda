"""What a user reads when a database rule refuses their data: the field it concerns and a sentence in
their language, never the rule's name ("uniq_…", "…_check", "UNIQUE constraint failed").

Django's own message for a check constraint is «Constraint "name" is violated.». Giving every
constraint a ``violation_error_message`` would change its deconstruction and so write a migration in
every app; the sentences are kept here instead, by constraint name, and ``install()`` (called once
from ``CoreConfig.ready``) makes the constraints' ``validate`` raise them on the named field. A
constraint missing from ``MESSAGES`` still never shows its name (``GENERIC``), and a test lists every
check constraint of the project so a new one gets its sentence.

``from_integrity_error`` does the same for a write the database itself refused (two requests racing
past validation, a bulk path that does not validate row by row)."""

from __future__ import annotations

import re

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError
from django.db.models import CheckConstraint, UniqueConstraint
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

GENERIC = _("These values cannot be saved together; check the marked fields.")

# constraint name → (field the error belongs to, or None for the form as a whole; the sentence)
MESSAGES: dict[str, tuple[str | None, object]] = {
    "institution_staff_has_institution": ("institution", _("Institution staff must belong to an institution.")),
    "enterprise_staff_has_enterprise": ("enterprise", _("Enterprise staff must belong to an enterprise.")),
    "level_link_not_self": ("target", _("A level cannot be linked to itself.")),
    "outcome_has_one_owner": (None, _("A learning outcome belongs to either a module or a credential type, "
                                      "not both and not neither.")),
    "transfer_not_self": ("target", _("Credit cannot be transferred from a programme to itself.")),
    "demand_count_positive": ("count", _("The number of people must be at least 1.")),
    "demand_commitment_has_amount": ("commitment_amount", _("A training order needs the amount the enterprise "
                                                            "commits.")),
    "entry_amount_nonzero": ("amount", _("An entry cannot be zero.")),
    "agreement_term_ordered": ("expires_on", _("The agreement must expire after it takes effect.")),
    "asset_disposed_after_acquired": ("disposed_on", _("An asset cannot be disposed of before it was acquired.")),
    "supervision_period_ordered": ("period_end", _("The period cannot end before it starts.")),
    "committee_dates_ordered": ("dissolved", _("A committee cannot be dissolved before it was established.")),
    "event_dates_ordered": ("ends_on", _("The event cannot end before it starts.")),
    "participant_one_person": (None, _("A participant is either a faculty member or a trainee, not both.")),
    "enrolment_has_project_or_programme": ("project", _("An enrolment needs a project or a programme.")),
    "enrolment_dates_ordered": ("end_date", _("The end date cannot be before the start date.")),
    "trainee_skill_weight_0_1": ("weight", _("The weight must be between 0 and 1.")),
    "income_not_negative": ("amount", _("An income cannot be negative.")),
    "graduates_within_capacity": ("expected_graduates", _("Expected graduates cannot exceed the intake "
                                                          "capacity.")),
    "project_dates_ordered": ("end_date", _("The end date cannot be before the start date.")),
    "reported_result_has_one_owner": (None, _("A reported result belongs to exactly one project, alliance or "
                                          "institution.")),
    "statistic_has_country_or_scope": ("country", _("Give a country or a scope.")),
    "indicator_range_ordered": ("max_value", _("The maximum must be greater than the minimum.")),
    "event_severity_1_5": ("severity", _("The severity must be between 1 and 5.")),
    "proficiency_has_one_holder": (None, _("A language proficiency belongs to a faculty member or a trainee, "
                                           "not both.")),
    "session_dates_ordered": ("end_date", _("The end date cannot be before the start date.")),
    "assignment_dates_ordered": ("end_date", _("The end date cannot be before the start date.")),
    "assignment_has_destination": ("project", _("An assignment needs a project or a partner institution.")),
    "label_proposal_one_concept": (None, _("A label proposal names exactly one occupation, skill or ISCO group, "
                                           "of the kind it says.")),
    "sitting_counts_ordered": ("passed", _("No more candidates can sit than registered, and no more can pass "
                                           "than sat.")),
}


def _unique_message(model, fields) -> ValidationError:
    names = [str(model._meta.get_field(f).verbose_name) for f in fields]
    message = _("A %(record)s with the same %(fields)s already exists.") % {
        "record": model._meta.verbose_name, "fields": get_text_list(names, _("and"))}
    return ValidationError({fields[-1] if fields else NON_FIELD_ERRORS: [message]}, code="unique")


def explain(constraint, model, instance=None) -> ValidationError:
    """The error a user reads for ``constraint`` of ``model``, on the field it concerns."""
    if isinstance(constraint, UniqueConstraint) and constraint.fields:
        return _unique_message(model, list(constraint.fields))
    field, message = MESSAGES.get(constraint.name, (None, GENERIC))
    if field is not None and field not in {f.name for f in model._meta.get_fields()}:
        field = None
    return ValidationError({field or NON_FIELD_ERRORS: [message]}, code="constraint")


def _names_itself(constraint, error: ValidationError) -> bool:
    return any(constraint.name in str(message) for message in error.messages)


def _with_explanation(validate):
    def checked(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        try:
            validate(self, model, instance, exclude=exclude, using=using)
        except ValidationError as error:
            # A field-based unique rule already speaks of fields ("… with this code already exists");
            # only a message that would show the constraint's name is replaced.
            if not _names_itself(self, error):
                raise
            raise explain(self, model, instance) from None
    checked.__wrapped__ = validate
    return checked


def install() -> None:
    for cls in (CheckConstraint, UniqueConstraint):
        if not hasattr(cls.validate, "__wrapped__"):
            cls.validate = _with_explanation(cls.validate)


_SQLITE = re.compile(r"(CHECK|UNIQUE) constraint failed: (.+)$")


def _constraint_named(name: str):
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return model, constraint
    return None, None


def from_integrity_error(error: IntegrityError, model=None) -> ValidationError:
    """A database refusal as the error a user reads, without the database's own words."""
    cause = error.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)  # PostgreSQL
    if name is None and (match := _SQLITE.search(str(error))):
        kind, detail = match.groups()
        if kind == "CHECK":
            name = detail.strip()
        else:
            # "table.col1, table.col2": the unique rule of that table over those columns.
            columns = [c.strip().split(".")[-1] for c in detail.split(",")]
            table = detail.split(",")[0].strip().rsplit(".", 1)[0]
            for candidate in apps.get_models():
                if candidate._meta.db_table != table:
                    continue
                fields = [f.name for f in candidate._meta.concrete_fields if f.column in columns]
                if len(fields) == len(columns):
                    return _unique_message(candidate, fields)
    if name:
        found_model, constraint = _constraint_named(name)
        if constraint is not None:
            return explain(constraint, found_model)
        if model is not None:
            # A unique column (unique=True) is named by the database, not by the project.
            for field in model._meta.concrete_fields:
                if field.unique and not field.primary_key and field.column in name:
                    return _unique_message(model, [field.name])
    return ValidationError({NON_FIELD_ERRORS: [GENERIC]}, code="constraint")
