"""REST endpoints for entities (with fact sheets), metrics (with values) and the value reader."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.api import rows
from claims.api import serializers as s
from claims.choices import Dimension, ValueType
from claims.facets import ENTITY_FACETS
from claims.filtersets import EntityFilterSet, MetricFilterSet, MetricValuesFilterSet
from claims.models import Claim, Entity, Metric
from claims.reading import read_value
from claims.selectors import entity_resolve, metric_values
from claims.values import CURRENCIES, ClaimValue, UnreadableValue, read_date, read_quantity
from claims.values.kinds import MULTIPLIER, PERCENT
from qwenkb.api import BaseViewSet, ServiceWriteMixin, VersionedUpdateMixin
from qwenkb.facets import FacetsMixin, facets_parameter
from qwenkb.pagination import Pagination

ENTITY_QUERYSET = Entity.objects.select_related("parent").prefetch_related("aliases", "children")


@extend_schema_view(
    update=extend_schema(request=s.EntityWriteSerializer, responses=s.EntitySerializer),
    partial_update=extend_schema(request=s.EntityWriteSerializer, responses=s.EntitySerializer),
)
@extend_schema_view(list=extend_schema(parameters=[facets_parameter(ENTITY_FACETS)]))
class EntityViewSet(
    FacetsMixin,
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    BaseViewSet,
):
    """Entities; look one up by its slug or by any alias."""

    queryset = ENTITY_QUERYSET.order_by("name")
    serializer_class = s.EntitySerializer
    write_serializer_class = s.EntityWriteSerializer
    filterset_class = EntityFilterSet
    facet_specs = ENTITY_FACETS
    pagination_class = Pagination
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    write_permissions = {
        "create": "claims.add_entity",
        "update": "claims.change_entity",
        "partial_update": "claims.change_entity",
    }

    def resolved(self) -> Entity:
        """The entity the URL names by slug, name or alias (one or two queries), or 404."""
        entity = entity_resolve(self.kwargs["slug"])
        if entity is None:
            raise Http404(
                f"No entity has the slug, name or alias \u201c{self.kwargs['slug']}\u201d."
            )
        self.check_object_permissions(self.request, entity)
        return entity

    def get_object(self):
        return ENTITY_QUERYSET.get(pk=self.resolved().pk)

    def retrieve(self, request, *args, **kwargs):
        return self.versioned(self.get_serializer(self.get_object()).data)

    def _inputs(self, data: dict) -> dict:
        inputs = {k: data[k] for k in ("name", "slug", "kind", "description") if k in data}
        if data.get("parent"):
            inputs["parent"] = entity_resolve(data["parent"])
            if inputs["parent"] is None:
                raise ValidationError(
                    {"parent": f"No entity is named \u201c{data['parent']}\u201d."}
                )
        elif "parent" in data:
            inputs["parent"] = None
        return inputs

    @extend_schema(request=s.EntityWriteSerializer, responses={201: s.EntitySerializer})
    def create(self, request):
        write = s.EntityWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        entity = services.entity_create(
            user=request.user,
            reason=write.validated_data.get("reason", ""),
            aliases=write.validated_data.get("aliases", []),
            **self._inputs(write.validated_data),
        )
        data = self.get_serializer(ENTITY_QUERYSET.get(pk=entity.pk)).data
        return self.versioned(data, status.HTTP_201_CREATED)

    def apply_update(self, entity, data: dict, *, partial: bool) -> Response:
        if "aliases" in data:
            raise ValidationError(
                {"aliases": "Aliases are set when an entity is created; change them in the admin."}
            )
        entity = services.entity_update(
            entity=entity,
            user=self.request.user,
            reason=data.get("reason", ""),
            **self._inputs(data),
        )
        return self.versioned(self.get_serializer(ENTITY_QUERYSET.get(pk=entity.pk)).data)

    @extend_schema(responses=s.FactSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=Pagination)
    def facts(self, request, slug=None):
        """The fact sheet: each metric's current value, claim count, disputed flag, open conflicts."""
        facts = rows.entity_fact_rows(self.resolved().pk)  # FactSerializer's rows
        page = self.paginate_queryset(facts)
        return self.get_paginated_response([rows.FACT(fact) for fact in page])


@extend_schema_view(
    create=extend_schema(request=s.MetricWriteSerializer, responses={201: s.MetricSerializer}),
    update=extend_schema(request=s.MetricWriteSerializer, responses=s.MetricSerializer),
    partial_update=extend_schema(request=s.MetricWriteSerializer, responses=s.MetricSerializer),
)
class MetricViewSet(
    ServiceWriteMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, BaseViewSet
):
    """Metrics, and each one's current value for every entity that has one; editors create
    and change them (PUT, PATCH with If-Match), each change with its history entry."""

    queryset = Metric.objects.order_by("name")
    serializer_class = s.MetricSerializer
    write_serializer_class = s.MetricWriteSerializer
    write_permissions = {
        "create": "claims.add_metric",
        "update": "claims.change_metric",
        "partial_update": "claims.change_metric",
    }
    filterset_class = MetricFilterSet
    pagination_class = Pagination
    lookup_field = "slug"

    def allowed_query_params(self):
        allowed = super().allowed_query_params()
        if self.action == "values":
            allowed |= set(MetricValuesFilterSet.base_filters)
        return allowed

    def retrieve(self, request, *args, **kwargs):
        return self.versioned(self.get_serializer(self.get_object()).data)

    write_fields = services.METRIC_FIELDS

    def call_service(self, instance, *, user, reason: str, **fields) -> Metric:
        return services.metric_save(metric=instance, user=user, reason=reason, **fields)

    def saved(self, metric: Metric) -> Metric:
        return Metric.objects.get(pk=metric.pk)  # as read back, its values normalised

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, description="Only entities of this kind."),
            OpenApiParameter(
                "parent", str, description="Only children of this entity (slug or alias)."
            ),
            OpenApiParameter(
                "descendants",
                bool,
                description="With parent: its whole subtree, not only children.",
            ),
            OpenApiParameter("ordering", str, enum=["value", "-value", "name"]),
        ],
        responses=s.MetricValueSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def values(self, request, slug=None):
        """The current value of this metric for every entity that has one."""
        metric = self.get_object()
        entities = MetricValuesFilterSet(request.query_params, queryset=Entity.objects.all())
        if not entities.is_valid():
            raise APIValidationError(entities.errors)
        subject_ids = None
        if any(request.query_params.get(name) for name in ("kind", "parent")):
            subject_ids = list(entities.qs.values_list("pk", flat=True))
        ordering = entities.form.cleaned_data.get("ordering") or "name"
        facts = metric_values(metric, subject_ids=subject_ids, ordering=ordering, current_only=True)
        page = self.paginate_queryset(facts)  # only the page's facts are built
        return self.get_paginated_response(s.MetricValueSerializer(page, many=True).data)


class ParseView(APIView):
    """Read a value as written: `?text=over%201%20trillion[&metric=slug][&context=2026-03-28]`."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("text", str, required=True, description="The value as written."),
            OpenApiParameter("metric", str, description="Read it as this metric's values (slug)."),
            OpenApiParameter(
                "context", str, description="YYYY-MM-DD: the year for month-day dates."
            ),
        ],
        responses=s.ParsedSerializer,
    )
    def get(self, request):
        params = request.query_params
        unknown = sorted(set(params) - {"text", "metric", "context", "format"})
        if unknown:
            raise APIValidationError(
                {
                    name: ["Unknown query parameter. This endpoint takes: text, metric, context."]
                    for name in unknown
                }
            )
        text = params.get("text", "").strip()
        if not text:
            raise APIValidationError(
                {"text": ["Give the value as written, e.g. ?text=over 1 trillion."]}
            )
        context = None
        if params.get("context"):
            try:
                context = read_date(params["context"]).start
            except UnreadableValue as exc:
                raise APIValidationError({"context": [str(exc)]}) from exc
        metric = None
        if params.get("metric"):
            metric = Metric.objects.filter(slug=params["metric"]).first()
            if metric is None:
                raise APIValidationError(
                    {"metric": [f"No metric has the slug \u201c{params['metric']}\u201d."]}
                )
            fields = read_value(
                metric=metric, value_text=text, context=context, resolve_entity=entity_resolve
            )
        else:
            fields = self._read_without_metric(text, context)
            metric = fields.pop("metric")
        claim = Claim(metric=metric, value_text=text, **fields)
        return Response(
            {"text": text, "metric": params.get("metric") or None, "value": s.value_payload(claim)}
        )

    @staticmethod
    def _read_without_metric(text: str, context) -> dict:
        """A quantity if the text reads as one, else a date; else the quantity reader's error.

        Without a metric, the reader's unit says what the figure is: a currency is money.
        """
        try:
            quantity = read_quantity(text)
        except UnreadableValue as quantity_error:
            try:
                date = read_date(text, context=context)
            except UnreadableValue:
                raise APIValidationError({"text": [str(quantity_error)]}) from quantity_error
            return {
                "metric": Metric(value_type=ValueType.DATE),
                **ClaimValue.of_date(date).to_fields(),
            }
        value = ClaimValue.of_quantity(quantity, money=quantity.unit in CURRENCIES)
        dimension = {PERCENT: Dimension.PERCENT, MULTIPLIER: Dimension.MULTIPLIER}.get(
            quantity.unit or "", Dimension.MONEY if value.currency else Dimension.NUMBER
        )
        unit = quantity.unit if dimension == Dimension.NUMBER and quantity.unit else ""
        metric = Metric(value_type=ValueType.QUANTITY, dimension=dimension, unit=unit)
        return {"metric": metric, **value.to_fields()}
