"""Some synthetic enterprises agree to be listed in the public directory, so the demo shows enterprise
profiles. Real enterprises (named in source documents) are never listed for them: only their own staff,
or a coordinator holding their agreement, can do that."""

from __future__ import annotations

from django.db.models import Count, Q

from tvetbridge.core.services import system_user
from tvetbridge.opendata import queries, services
from tvetbridge.opendata.models import EnterpriseListing
from tvetbridge.registry.models import Enterprise

N_LISTED = 12
REASON = "demo: synthetic enterprise listed to show the directory"


def build() -> list[str]:
    if EnterpriseListing.objects.exists():
        return ["enterprise listings already present"]
    user = system_user()
    in_public = Q(projects__in=queries.public_projects())
    candidates = (Enterprise.objects.filter(is_synthetic=True)
                  .annotate(n_public=Count("projects", filter=in_public, distinct=True),
                            n_demand=Count("demands", distinct=True))
                  .order_by("-n_public", "-n_demand", "pk")[:N_LISTED])
    for enterprise in candidates:
        services.set_enterprise_listing(user, enterprise, listed=True, reason=REASON)
    return [f"enterprises listed in public: {len(candidates)}"]
