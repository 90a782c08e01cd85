"""Researcher pages: public, read-only HTML, each with a JSON twin under /api/."""

from django.urls import path

from claims import views
from claims.feeds import DisputeFeed
from qwenkb.readcache import cached_page


def page(route: str, view, name: str):
    """A public, read-only page: an anonymous visitor's is answered from the read cache
    while the database is unchanged (qwenkb/readcache.py)."""
    return path(route, cached_page(view), name=name)


app_name = "web"
urlpatterns = [
    page("", views.home, "home"),
    page("search/", views.search, "search"),
    page("entities/", views.entity_list, "entity-list"),
    # str, not slug: an alias such as "Qwen 3.5" or "阿里巴巴" redirects to the entity's slug.
    page("entities/<str:slug>/", views.entity_detail, "entity"),
    page("metrics/", views.metric_list, "metric-list"),
    page("metrics/<slug:slug>/", views.metric_detail, "metric"),
    page("claims/", views.claim_list, "claim-list"),
    page("disputes/", views.dispute_list, "dispute-list"),
    page("disputes/<int:pk>/", views.dispute_detail, "dispute"),
    page("disputes/<slug:subject>/<slug:metric>/", views.dispute_fact, "dispute-fact"),
    page("sources/", views.source_list, "source-list"),
    page("sources/<int:pk>/", views.source_detail, "source"),
    page("publishers/", views.publisher_list, "publisher-list"),
    page("publishers/<slug:slug>/", views.publisher_detail, "publisher"),
    page("feeds/disputes/<slug:which>/", DisputeFeed(), "feed"),
    page(
        "feeds/disputes/<slug:which>/<slug:scope>/<slug:slug>/", DisputeFeed(), name="feed-scoped"
    ),
]
