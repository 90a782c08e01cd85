"""One FilterSet per model of sources, shared by the REST API and the researcher pages."""

import django_filters as filters

from qwenkb.filters import SlugFilter
from sources.choices import Reliability
from sources.models import Publisher, Source


class SourceFilterSet(filters.FilterSet):
    """Sources by publisher, reliability and title."""

    publisher = SlugFilter(field_name="publisher", model=Publisher, label="Publisher (slug)")
    reliability = filters.ChoiceFilter(choices=Reliability.choices)
    q = filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title contains")
    ordering = filters.OrderingFilter(fields=(("published", "published"), ("title", "title")))

    class Meta:
        model = Source
        fields: list[str] = []


class PublisherFilterSet(filters.FilterSet):
    """Publishers by reliability."""

    reliability = filters.ChoiceFilter(choices=Reliability.choices)

    class Meta:
        model = Publisher
        fields: list[str] = []
