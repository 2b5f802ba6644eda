"""Synthetic governance examples for the demo: agreements with and without continuity clauses, and
operations abroad at two stages of approval, on the real projects of the seed data. Everything is
marked synthetic; nothing here is a real agreement's text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from tvetbridge.core.services import system_user
from tvetbridge.governance import services
from tvetbridge.governance.models import Agreement
from tvetbridge.registry.models import CooperationProject, Institution

ALT_PROJECT = "real-proj-lw-kazakhstan-alt"
UZ_PROJECT = "real-proj-silk-road-workshop-uz"


@transaction.atomic
def build(today: dt.date | None = None) -> list[str]:
    if Agreement.objects.filter(is_synthetic=True).exists():
        return ["governance examples already present"]
    projects = {p.external_key: p for p in CooperationProject.objects.filter(external_key__in=[ALT_PROJECT,
                                                                                               UZ_PROJECT])}
    institutions = {i.external_key: i for i in Institution.objects.filter(external_key__in=[
        "real-inst-urumqi-vocational", "real-inst-alt-university", "real-inst-uz-natural-social"])}
    if len(projects) < 2 or len(institutions) < 3:
        return ["governance examples skipped: seed projects missing"]
    today = today or dt.date.today()
    user = system_user()
    urumqi, alt = institutions["real-inst-urumqi-vocational"], institutions["real-inst-alt-university"]
    uz = institutions["real-inst-uz-natural-social"]
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731
    common = {"is_synthetic": True, "status": "signed"}

    memo = services.create_agreement(user, {
        **common, "title": "China–Kazakhstan memorandum on vocational education cooperation (example)",
        "level": "intergovernmental", "kind": "memorandum", "signed_on": ago(1700), "effective_from": ago(1700),
        "expires_on": today + dt.timedelta(days=120), "renewal": "automatic", "renewal_notice_days": 180,
        "other_parties": "Ministry of Education of the PRC; Ministry of Science and Higher Education of Kazakhstan",
        "countries": ["CN", "KZ"], "projects": [projects[ALT_PROJECT]]})
    services.add_clause(user, memo, {"kind": "notice_period", "reference": "Art. 11", "notice_days": 180,
                                     "text": "Neither party ends cooperation projects without 180 days' written "
                                             "notice, whatever changes in government or policy."})
    services.add_clause(user, memo, {"kind": "student_transfer", "reference": "Art. 12",
                                     "text": "Students enrolled when a project ends complete their programme at the "
                                             "partner institution or are transferred with their credits."})
    services.create_agreement(user, {
        **common, "title": "Urumqi Vocational University – ALT University framework agreement (example)",
        "level": "institutional", "kind": "framework", "signed_on": ago(800), "effective_from": ago(800),
        "expires_on": today + dt.timedelta(days=1025), "renewal": "by_agreement",
        "institutions": [urumqi, alt], "projects": [projects[ALT_PROJECT]]})
    uz_agreement = services.create_agreement(user, {
        **common, "title": "Silk Road Workshop in Uzbekistan: cooperation agreement (example)",
        "level": "institutional", "kind": "order_training", "signed_on": ago(400), "effective_from": ago(400),
        "expires_on": today + dt.timedelta(days=60), "institutions": [urumqi, uz], "projects": [projects[UZ_PROJECT]]})
    services.add_clause(user, uz_agreement, {"kind": "guarantee", "guarantor": "Urumqi Vocational University",
                                             "text": "The Chinese party guarantees the completion of training "
                                                     "for enrolled students."})
    services.create_agreement(user, {
        "is_synthetic": True, "title": "Credit-transfer agreement for logistics programmes (example draft)",
        "level": "alliance", "kind": "credit_transfer", "institutions": [urumqi, alt]})

    plan = {"students": "Enrolled students finish the current year on site; the rest transfer with their credits.",
            "teachers": "Dispatched teachers return within 60 days of the exit decision.",
            "assets": "Training equipment is donated to the host institution; remaining funds are returned.",
            "notice_days": 120}
    alt_op = services.create_operation(user, {
        "is_synthetic": True, "project": projects[ALT_PROJECT], "operator": urumqi, "kind": "luban_workshop",
        "site": "ALT University, Almaty", "qualifications": "Example: accredited higher vocational institution; "
        "runs the Silk Road Workshop in Kazakhstan since 2019.", "teachers_dispatched": 4, "students_planned": 130})
    services.save_exit_plan(user, alt_op, {**plan, "receiving_institution": alt})
    services.transition_operation(user, alt_op, "submit")
    services.transition_operation(user, alt_op, "approve", note="Example approval.")
    services.add_asset(user, alt_op, {"kind": "equipment", "description": "Smart logistics training line",
                                      "value": Decimal("850000"), "currency": "CNY", "custodian": "ALT workshop lead",
                                      "location": "Almaty", "ledger_reference": "example-0001", "acquired_on": ago(700)})
    services.add_report(user, alt_op, {"period_start": ago(365), "period_end": ago(185), "students_enrolled": 118,
                                       "teachers_on_site": 4, "rating": "satisfactory",
                                       "findings": "Example: teaching on plan; equipment in use."})
    uz_op = services.create_operation(user, {
        "is_synthetic": True, "project": projects[UZ_PROJECT], "operator": urumqi, "kind": "teaching_base",
        "site": "Uzbekistan", "qualifications": "Example application.", "teachers_dispatched": 2,
        "students_planned": 40})
    services.save_exit_plan(user, uz_op, plan)
    services.transition_operation(user, uz_op, "submit")
    return ["governance examples: 4 agreements, 2 operations abroad (synthetic)"]
