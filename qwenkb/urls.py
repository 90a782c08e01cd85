"""Root URLs: researcher pages at /, the REST API at /api/, curation at /admin/."""

from django.contrib import admin
from django.urls import include, path

from qwenkb import health

admin.site.site_header = "QwenKB curation"
# The lists need the width (the claim list has nine columns and its filters beside them); the
# admin's home page and breadcrumbs lead everywhere the sidebar would.
admin.site.enable_nav_sidebar = False
admin.site.site_title = "QwenKB admin"
admin.site.index_title = "Sources, claims and contradictions"

# A database outage met outside a view is a 503 too (qwenkb/middleware.py).
handler500 = "qwenkb.middleware.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/webhooks/", include("qwenkb.webhooks.urls")),
    path("api/", include("claims.api.urls")),
    path("", include("claims.urls")),
]
