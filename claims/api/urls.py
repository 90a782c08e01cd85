"""REST API routes (under /api/), the OpenAPI schema and the interactive docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.api.catalogue import EntityViewSet, MetricViewSet, ParseView
from claims.api.disputes import DisputeViewSet
from claims.api.extraction import SourceWithProposalsViewSet
from claims.api.search import SearchView
from claims.api.tokens import OwnTokenView
from claims.api.views import ClaimViewSet, ContradictionViewSet, not_found
from sources.api.views import PublisherViewSet

app_name = "api"

router = DefaultRouter()
router.register("entities", EntityViewSet, basename="entity")
router.register("metrics", MetricViewSet, basename="metric")
router.register("publishers", PublisherViewSet, basename="publisher")
router.register("sources", SourceWithProposalsViewSet, basename="source")
router.register("claims", ClaimViewSet, basename="claim")
router.register("contradictions", ContradictionViewSet, basename="contradiction")
router.register("disputes", DisputeViewSet, basename="dispute")

urlpatterns = [
    path("parse/", ParseView.as_view(), name="parse"),
    path("search/", SearchView.as_view(), name="search"),
    path("auth/token/", OwnTokenView.as_view(), name="own-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    re_path(r"^.*$", not_found, name="not-found"),
]
