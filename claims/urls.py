"""Researcher pages: public, read-only HTML, each with a JSON twin under /api/."""

from django.urls import path

from claims import views
from claims.feeds import DisputeFeed

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("entities/", views.entity_list, name="entity-list"),
    # str, not slug: an alias such as "Qwen 3.5" or "阿里巴巴" redirects to the entity's slug.
    path("entities/<str:slug>/", views.entity_detail, name="entity"),
    path("metrics/", views.metric_list, name="metric-list"),
    path("metrics/<slug:slug>/", views.metric_detail, name="metric"),
    path("claims/", views.claim_list, name="claim-list"),
    path("disputes/", views.dispute_list, name="dispute-list"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path("disputes/<slug:subject>/<slug:metric>/", views.dispute_fact, name="dispute-fact"),
    path("sources/", views.source_list, name="source-list"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path("publishers/", views.publisher_list, name="publisher-list"),
    path("publishers/<slug:slug>/", views.publisher_detail, name="publisher"),
    path("feeds/disputes/<slug:which>/", DisputeFeed(), name="feed"),
    path(
        "feeds/disputes/<slug:which>/<slug:scope>/<slug:slug>/", DisputeFeed(), name="feed-scoped"
    ),
]
