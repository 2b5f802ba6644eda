"""The kinds of notification: what each says (gettext templates with named placeholders filled from a
notification's facts), who may receive it and which channels are on until the user chooses."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tvetbridge.core.models import Role

STAFF = (Role.ADMIN, Role.COORDINATOR, Role.INSTITUTION_STAFF, Role.ENTERPRISE_STAFF)


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # shown on the preferences page
    subject: str  # message id of the e-mail subject
    text: str  # message id of the sentence
    # Sentences added when a fact is present and not empty: {fact: message id}.
    extra: dict[str, str] = field(default_factory=dict)
    roles: tuple[str, ...] = STAFF
    in_app: bool = True
    email: bool = True


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("risk.alert", _("Risk alert on a country where you have projects"),
         gettext_noop("Risk alert: %(country)s"),
         gettext_noop("Risk alert for %(country)s (%(period)s): %(rule)s."),
         extra={"projects": gettext_noop("Projects exposed: %(projects)s.")}),
    Kind("registry.project_proposed", _("Project awaiting approval"),
         gettext_noop("A project awaits approval: %(project)s"),
         gettext_noop("“%(project)s” was proposed for approval by %(user)s."),
         roles=(Role.ADMIN, Role.COORDINATOR)),
    Kind("outcomes.flag_raised", _("Quality flag raised on your project"),
         gettext_noop("Quality flag on %(project)s"),
         gettext_noop("A quality flag was raised on “%(project)s”: %(rule)s."),
         roles=(Role.ADMIN, Role.COORDINATOR, Role.INSTITUTION_STAFF, Role.ENTERPRISE_STAFF)),
    Kind("core.job_finished", _("Import or report finished"),
         gettext_noop("%(job)s: %(status)s"),
         gettext_noop("Your background job “%(job)s” has ended: %(status)s."),
         email=False),
    Kind("matching.interest", _("Trainee interested in your vacancy"),
         gettext_noop("A trainee is interested in %(vacancy)s"),
         gettext_noop("A trainee is interested in your vacancy “%(vacancy)s”."),
         roles=(Role.ADMIN, Role.ENTERPRISE_STAFF)),
)}


def kinds_for(role: str | None) -> list[Kind]:
    return [k for k in KINDS.values() if role in k.roles]
