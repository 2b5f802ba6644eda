"""Shared set-up of the open-data benchmarks: a registry at the chosen scale with its approved-or-later
projects published to IATI (``iati_export.py``, ``opendata_pages.py``)."""

from __future__ import annotations


def build_registry(scale: str) -> None:
    """Migrate, load the reference data, generate the synthetic registry (seed 42) and publish every
    approved-or-later project with a start date under its first partner institution."""
    from django.core.management import call_command

    from tvetbridge.core.reference import load_reference
    from tvetbridge.demo.generator import generate

    call_command("migrate", interactive=False, verbosity=0)
    load_reference()
    generate(scale=scale, seed=42)
    publish_all()


def publish_all() -> tuple[int, int]:
    """(activities, publishers) created."""
    from tvetbridge.opendata import queries
    from tvetbridge.opendata.models import ActivityPublication, Publisher
    from tvetbridge.registry.models import CooperationProject

    projects = list(CooperationProject.objects.filter(status__in=queries.PUBLISHABLE)
                    .prefetch_related("partner_institutions", "chinese_institutions"))
    publishers: dict[int, Publisher] = {}
    pubs = []
    for p in projects:
        inst = next(iter([*p.partner_institutions.all(), *p.chinese_institutions.all()]), None)
        if inst is None or p.start_date is None:
            continue
        if inst.pk not in publishers:
            publishers[inst.pk] = Publisher(institution=inst, identifier=f"XM-TVB-{inst.pk}",
                                            default_currency="USD")
        pubs.append((p, inst.pk))
    Publisher.objects.bulk_create(publishers.values())
    ActivityPublication.objects.bulk_create([ActivityPublication(project=p, publisher=publishers[i],
                                                                 activity_id=f"P{p.pk}") for p, i in pubs])
    return len(pubs), len(publishers)
