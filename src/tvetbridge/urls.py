from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("tvetbridge.api_urls")),
    path("", include("tvetbridge.credentials.vcapi_urls")),
    # The Learning Record Store speaks xAPI, whose paths take no language prefix.
    path("xapi/", include("tvetbridge.library.xapi.urls")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("taxonomy/", include("tvetbridge.taxonomy.urls")),
    path("demand/", include("tvetbridge.demand.urls")),
    path("outcomes/", include("tvetbridge.outcomes.urls")),
    path("risk/", include("tvetbridge.risk.urls")),
    path("reports/", include("tvetbridge.reports.urls")),
    path("finance/", include("tvetbridge.finance.urls")),
    path("matching/", include("tvetbridge.matching.urls")),
    path("teachers/", include("tvetbridge.teachers.urls")),
    path("", include("tvetbridge.credentials.urls")),
    path("library/", include("tvetbridge.library.urls")),
    path("open-data/", include("tvetbridge.opendata.urls")),
    path("governance/", include("tvetbridge.governance.urls")),
    path("portfolio/", include("tvetbridge.portfolio.urls")),
    path("account/notifications/", include("tvetbridge.notifications.urls")),
    path("", include("tvetbridge.web.urls")),
    prefix_default_language=False,
)
