"""REST endpoints for publishers and sources."""

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from qwenkb.api import BaseViewSet, ServiceWriteMixin, VersionedUpdateMixin
from qwenkb.facets import FacetsMixin, facets_parameter
from qwenkb.pagination import Pagination
from sources import services
from sources.api import serializers as s
from sources.facets import PUBLISHER_FACETS, SOURCE_FACETS
from sources.filtersets import PublisherFilterSet, SourceFilterSet
from sources.models import Publisher, Source
from sources.periods import read_published


@extend_schema_view(
    list=extend_schema(parameters=[facets_parameter(PUBLISHER_FACETS)]),
    create=extend_schema(
        request=s.PublisherWriteSerializer, responses={201: s.PublisherSerializer}
    ),
    update=extend_schema(request=s.PublisherWriteSerializer, responses=s.PublisherSerializer),
    partial_update=extend_schema(
        request=s.PublisherWriteSerializer, responses=s.PublisherSerializer
    ),
)
class PublisherViewSet(
    FacetsMixin, ServiceWriteMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseViewSet
):
    """Publishers and their default reliability grades; editors create and change them."""

    queryset = Publisher.objects.order_by("name")
    serializer_class = s.PublisherSerializer
    write_serializer_class = s.PublisherWriteSerializer
    filterset_class = PublisherFilterSet
    facet_specs = PUBLISHER_FACETS
    pagination_class = Pagination
    lookup_field = "slug"
    write_permissions = {
        "create": "sources.add_publisher",
        "update": "sources.change_publisher",
        "partial_update": "sources.change_publisher",
    }

    def retrieve(self, request, *args, **kwargs):
        return self.versioned(self.get_serializer(self.get_object()).data)

    write_fields = services.PUBLISHER_FIELDS

    def call_service(self, instance, *, user, reason: str, **fields) -> Publisher:
        return services.publisher_save(publisher=instance, user=user, reason=reason, **fields)


@extend_schema_view(
    list=extend_schema(parameters=[facets_parameter(SOURCE_FACETS)]),
    update=extend_schema(request=s.SourceWriteSerializer, responses=s.SourceSerializer),
    partial_update=extend_schema(request=s.SourceWriteSerializer, responses=s.SourceSerializer),
)
class SourceViewSet(
    FacetsMixin, VersionedUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseViewSet
):
    """Sources: documents with their metadata and reliability."""

    queryset = Source.objects.select_related("publisher").order_by("id")
    serializer_class = s.SourceSerializer
    write_serializer_class = s.SourceWriteSerializer
    filterset_class = SourceFilterSet
    facet_specs = SOURCE_FACETS
    pagination_class = Pagination
    write_permissions = {
        "create": "sources.add_source",
        "update": "sources.change_source",
        "partial_update": "sources.change_source",
    }

    def retrieve(self, request, *args, **kwargs):
        return self.versioned(self.get_serializer(self.get_object()).data)

    def _values(self, data: dict) -> dict:
        values = {k: v for k, v in data.items() if k not in {"publisher", "published", "reason"}}
        if "publisher" in data:
            values["publisher"] = Publisher.objects.filter(slug=data["publisher"]).first()
            if values["publisher"] is None:
                raise ValidationError(
                    {"publisher": f"No publisher has the slug \u201c{data['publisher']}\u201d."}
                )
        if "published" in data:
            values["published"], values["published_precision"] = read_published(data["published"])
        return values

    @extend_schema(request=s.SourceWriteSerializer, responses={201: s.SourceSerializer})
    def create(self, request):
        write = s.SourceWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        with transaction.atomic():
            source = services.source_save(
                user=request.user,
                reason=write.validated_data.get("reason", ""),
                **self._values(write.validated_data),
            )
            extra = self.source_added(source)
        response = self.versioned(self.get_serializer(source).data, status.HTTP_201_CREATED)
        response.data.update(extra)  # not part of the source's version (its ETag)
        return response

    def source_added(self, source: Source) -> dict:
        """What else to do in the transaction that adds ``source`` (an app extending this
        viewset queues work here); returns what to add to the answer."""
        return {}

    def apply_update(self, source, data: dict, *, partial: bool) -> Response:
        source = services.source_save(
            source=source,
            user=self.request.user,
            reason=data.get("reason", ""),
            **self._values(data),
        )
        return self.versioned(self.get_serializer(source).data)
