"""One FilterSet per model of sources, shared by the REST API and the researcher pages."""

import django_filters as filters

from qwenkb.filters import SearchFilter, SlugFilter
from sources import search
from sources.choices import Reliability
from sources.models import Publisher, Source


class SourceFilterSet(filters.FilterSet):
    """Sources by publisher, reliability and title."""

    publisher = SlugFilter(field_name="publisher", model=Publisher, label="Publisher (slug)")
    reliability = filters.ChoiceFilter(choices=Reliability.choices)
    q = SearchFilter(method="filter_q", label="Title, author or publisher contains")
    ordering = filters.OrderingFilter(fields=(("published", "published"), ("title", "title")))

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return search.source_matches(queryset, value)


class PublisherFilterSet(filters.FilterSet):
    """Publishers by reliability and name."""

    reliability = filters.ChoiceFilter(choices=Reliability.choices)
    q = SearchFilter(method="filter_q", label="Name or slug contains")
    ordering = filters.OrderingFilter(fields=(("name", "name"), ("reliability", "reliability")))

    class Meta:
        model = Publisher
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return search.publisher_matches(queryset, value)
