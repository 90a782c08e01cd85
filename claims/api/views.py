"""REST endpoints for entities, metrics, claims and contradictions, and the value reader.

Views are thin: reads come from selectors and FilterSets, writes go through the same
services as the admin (one transaction each), errors are shaped in ``qwenkb.api``.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action, api_view, permission_classes, schema
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from claims import services
from claims.api import exports, rows
from claims.api import serializers as s
from claims.api.disputes import ClaimReviewMixin
from claims.facets import CLAIM_FACETS, CONTRADICTION_FACETS
from claims.filtersets import ClaimFilterSet, ContradictionFilterSet
from claims.models import Claim, Contradiction, Metric
from claims.selectors import (
    claim_queryset,
    entity_resolve,
    open_contradiction_exists,
    review_annotation,
)
from qwenkb.api import BaseViewSet, VersionedUpdateMixin, etag_of
from qwenkb.facets import FacetsMixin, facets_parameter
from qwenkb.pagination import KeysetPagination, Pagination
from sources.models import Publisher, Source


def claim_prefetch(prefix: str = "") -> list[Prefetch]:
    """A claim's contradiction records, each with its review (pending or confirmed)."""
    records = Contradiction.objects.annotate(review=review_annotation())
    return [
        Prefetch(f"{prefix}{name}", queryset=records)
        for name in ("contradictions_as_a", "contradictions_as_b")
    ]


EXPORT_FORMAT = OpenApiParameter(
    "format", str, enum=["json", "csv", "jsonl"], description="csv/jsonl: every matching row."
)
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes"}, {"0", "false", "no"}


class CSVRenderer(BaseRenderer):
    """Chosen by ?format=csv; the list view streams the rows itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class JSONLinesRenderer(CSVRenderer):
    """Chosen by ?format=jsonl; the list view streams the rows itself."""

    media_type = "application/x-ndjson"
    format = "jsonl"


class ExportMixin:
    """`?format=csv` / `?format=jsonl` on a list stream every matching row, not one page."""

    export_name = "rows"
    request: Any  # the DRF view's, which every viewset using this mixin is

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers += [CSVRenderer(), JSONLinesRenderer()]
        return renderers

    def export_format(self) -> str | None:
        renderer = getattr(self.request, "accepted_renderer", None)
        return (
            renderer.format
            if renderer is not None and renderer.format in {"csv", "jsonl"}
            else None
        )

    def handle_exception(self, exc):
        if self.export_format():  # errors are answered in JSON whatever was asked
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def export(self, queryset, shape, columns) -> StreamingHttpResponse:
        rows = exports.export_rows(queryset, shape)
        fmt = self.export_format()
        if fmt == "csv":
            body, content_type = exports.csv_stream(rows, columns), "text/csv; charset=utf-8"
        else:
            body, content_type = exports.jsonl_stream(rows), "application/x-ndjson"
        response = StreamingHttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}.{fmt}"'
        return response


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
@schema(None)
def not_found(request, *args, **kwargs):
    """Any other path under /api/ answers in JSON, like the rest of the API."""
    return Response(
        {"detail": f"No API endpoint at {request.path}."}, status=status.HTTP_404_NOT_FOUND
    )


def tie_broken(queryset):
    """The queryset in its order, ties broken by id, so that pages never overlap."""
    ordering = list(queryset.query.order_by)
    if not {"id", "-id", "pk", "-pk"} & set(ordering):
        queryset = queryset.order_by(*ordering, "id")
    return queryset


def _flag(request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise APIValidationError({name: [f"Must be true or false; got \u201c{raw}\u201d."]})


def _lookup(model, field: str, value, label: str):
    if value in (None, ""):
        return None
    found = model.objects.filter(**{field: value}).first()
    if found is None:
        raise ValidationError(
            {label: f"No {model._meta.verbose_name} has the {field} \u201c{value}\u201d."}
        )
    return found


@extend_schema_view(
    update=extend_schema(request=s.ClaimWriteSerializer, responses=s.ClaimSerializer),
    partial_update=extend_schema(request=s.ClaimWriteSerializer, responses=s.ClaimSerializer),
)
class ClaimViewSet(
    FacetsMixin,
    ExportMixin,
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    BaseViewSet,
):
    """Claims: what sources say, with the quote, the value as read and its conflicts."""

    filterset_class = ClaimFilterSet
    facet_specs = CLAIM_FACETS
    serializer_class = s.ClaimSerializer
    write_serializer_class = s.ClaimWriteSerializer
    export_name = "claims"
    extra_query_params = {"brief", "cursor", "pagination"}
    write_permissions = {
        "create": "claims.add_claim",
        "update": "claims.change_claim",
        "partial_update": "claims.change_claim",
        "destroy": "claims.review_claim",
        "accept": "claims.review_claim",
        # Editors may reject (withdraw) their own proposed claims; the service decides.
        "reject": "claims.change_claim",
        "prefer": "claims.review_claim",
    }
    versioned_actions = VersionedUpdateMixin.versioned_actions | {
        "destroy",
        "accept",
        "reject",
        "prefer",
    }

    def get_queryset(self):
        return claim_queryset().prefetch_related(*claim_prefetch()).order_by("id")

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            params = self.request.query_params
            cursor = "cursor" in params or params.get("pagination") == "cursor"
            if params.get("pagination") not in (None, "cursor", "page"):
                raise APIValidationError({"pagination": ["Must be “page” or “cursor”."]})
            if cursor and params.get("ordering"):
                raise APIValidationError(
                    {
                        "ordering": [
                            "Cursor pages run in id order; drop ordering or use page numbers."
                        ]
                    }
                )
            self._paginator = KeysetPagination() if cursor else Pagination()
        return self._paginator

    def get_serializer_class(self):
        if self.action == "list" and _flag(self.request, "brief"):
            return s.ClaimBriefSerializer
        return s.ClaimSerializer

    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="ClaimOrBrief",
            serializers=[s.ClaimSerializer, s.ClaimBriefSerializer],
            resource_type_field_name=None,
            many=True,
        ),
        parameters=[
            OpenApiParameter(
                "brief", bool, description="Only id, subject, metric, value, disputed."
            ),
            OpenApiParameter(
                "pagination", str, enum=["page", "cursor"], description="Cursor (keyset) pages."
            ),
            OpenApiParameter("cursor", str, description="The cursor of a keyset page."),
            EXPORT_FORMAT,
            facets_parameter(CLAIM_FACETS),
        ],
    )
    def list(self, request, *args, **kwargs):
        if self.export_format():
            queryset = self.filter_queryset(
                claim_queryset().annotate(disputed=open_contradiction_exists()).order_by("id")
            )
            return self.export(queryset, exports.CLAIMS, exports.CLAIM_COLUMNS)
        brief = _flag(request, "brief")
        queryset = self.filter_queryset(Claim.objects.order_by("id"))
        columns = rows.BRIEF_COLUMNS if brief else rows.CLAIM_COLUMNS
        page = self.paginator.paginate_rows(tie_broken(queryset), columns, request, self)
        return self.get_paginated_response(rows.claim_payloads(page, brief=brief))

    def retrieve(self, request, *args, **kwargs):
        return self.versioned(self.get_serializer(self.get_object()).data)

    def _claim_data(self, pk: int) -> dict:
        return s.ClaimSerializer(self.get_queryset().get(pk=pk)).data

    def _inputs(self, data: dict) -> dict:
        """Service inputs from validated request data: slugs and ids become objects."""
        inputs = {}
        if "subject" in data:
            inputs["subject"] = entity_resolve(data["subject"])
            if inputs["subject"] is None:
                raise ValidationError(
                    {
                        "subject": f"No entity has the slug, name or alias \u201c{data['subject']}\u201d."
                    }
                )
        if "metric" in data:
            inputs["metric"] = _lookup(Metric, "slug", data["metric"], "metric")
        if "source" in data:
            inputs["source"] = _lookup(Source, "pk", data["source"], "source")
        if "attributed_to" in data:
            inputs["attributed_to"] = _lookup(
                Publisher, "slug", data["attributed_to"], "attributed_to"
            )
        for name in ("value_text", "quote", "as_of", "as_of_text", "status", "rank", "notes"):
            if name in data:
                inputs[name] = data[name] if data[name] is not None else None
        return inputs

    def _written(self, result, status_code) -> Response:
        data = self._claim_data(result.claim.pk)
        opened = [
            {"id": r.pk, "kind": r.kind, "severity": r.severity, "explanation": r.explanation}
            for r in result.opened
        ]
        response = Response(data | {"contradictions_opened": opened}, status=status_code)
        response["ETag"] = etag_of(data)
        return response

    @extend_schema(request=s.ClaimWriteSerializer, responses={201: s.ClaimSerializer})
    def create(self, request):
        write = s.ClaimWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        inputs = self._inputs(write.validated_data)
        result = services.claim_create(
            user=request.user, reason=write.validated_data.get("reason", ""), **inputs
        )
        return self._written(result, status.HTTP_201_CREATED)

    def apply_update(self, claim, data: dict, *, partial: bool) -> Response:
        inputs = self._inputs(data)
        if not partial:
            inputs = {"attributed_to": None, "as_of": None, "notes": ""} | inputs
        result = services.claim_update(
            claim=claim, user=self.request.user, reason=data.get("reason", ""), **inputs
        )
        return self._written(result, status.HTTP_200_OK)

    def _review(self, request, service):
        def apply(claim) -> Response:
            body = s.ReasonSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            result = service(
                claim=claim, user=request.user, reason=body.validated_data.get("reason", "")
            )
            return self._written(result, status.HTTP_200_OK)

        return self.change(request, apply)

    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.ClaimSerializer},
        description=(
            "Deleting a claim rejects it and answers the rejected claim (200); claims are "
            "never erased through the API."
        ),
    )
    def destroy(self, request, *args, **kwargs):
        return self._review(request, services.claim_reject)

    @extend_schema(request=s.ReasonSerializer, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._review(request, services.claim_accept)

    @extend_schema(request=s.ReasonSerializer, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._review(request, services.claim_reject)

    @extend_schema(
        request=s.PreferSerializer,
        responses=s.ClaimSerializer,
        description="Prefer this claim: every open contradiction in its group between it and "
        "a claim that disagrees is resolved with the note, and those claims are deprecated.",
    )
    @action(detail=True, methods=["post"])
    def prefer(self, request, pk=None):
        def apply(claim) -> Response:
            body = s.PreferSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            result = services.claim_prefer(
                claim=claim, user=request.user, reason=body.validated_data["note"]
            )
            return self._written(result, status.HTTP_200_OK)

        return self.change(request, apply)


class ContradictionViewSet(
    ClaimReviewMixin,
    FacetsMixin,
    ExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    BaseViewSet,
):
    """Contradictions and discrepancies, with both claims; reviewers resolve or dismiss them."""

    filterset_class = ContradictionFilterSet
    facet_specs = CONTRADICTION_FACETS
    serializer_class = s.ContradictionSerializer
    pagination_class = Pagination
    export_name = "contradictions"
    write_permissions = {"resolve": "claims.review_claim", "dismiss": "claims.review_claim"}
    versioned_actions = frozenset({"resolve", "dismiss"})

    def get_queryset(self):
        claim_parts = ["subject", "metric", "source__publisher", "attributed_to", "entity_value"]
        related = [f"{side}__{part}" for side in ("claim_a", "claim_b") for part in claim_parts]
        prefetch = [p for side in ("claim_a", "claim_b") for p in claim_prefetch(f"{side}__")]
        return (
            Contradiction.objects.select_related("subject", "metric", "resolved_by", *related)
            .prefetch_related(*prefetch)
            .order_by("-severity", "id")
        )

    @extend_schema(
        parameters=[
            EXPORT_FORMAT,
            facets_parameter(CONTRADICTION_FACETS),
        ]
    )
    def list(self, request, *args, **kwargs):
        if self.export_format():
            queryset = self.filter_queryset(
                Contradiction.objects.select_related(
                    "subject", "metric", "claim_a", "claim_b"
                ).order_by("-severity", "id")
            )
            return self.export(queryset, exports.CONTRADICTIONS, exports.CONTRADICTION_COLUMNS)
        queryset = self.filter_queryset(Contradiction.objects.order_by("-severity", "id"))
        columns = rows.CONTRADICTION_COLUMNS
        page = self.paginator.paginate_rows(tie_broken(queryset), columns, request, self)
        return self.get_paginated_response(rows.contradiction_payloads(page))

    @extend_schema(
        responses={
            (200, "application/json"): s.ContradictionSerializer,
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
        },
        description="With Accept: application/ld+json, a resolved dispute's schema.org "
        "ClaimReview of the claim it rejected (406 when it rejected none).",
    )
    def retrieve(self, request, *args, **kwargs):
        if self.wants_claim_review(request):
            return self.claim_review_response(request)
        return self.versioned(self.get_serializer(self.get_object()).data)

    def _settle(self, request, body_class, settle):
        def apply(record) -> Response:
            body = body_class(data=request.data)
            body.is_valid(raise_exception=True)
            settle(record, body.validated_data)
            return self.versioned(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

        return self.change(request, apply)

    @extend_schema(request=s.ResolveSerializer, responses=s.ContradictionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        def settle(record, data):
            preferred = Claim.objects.filter(pk=data["preferred_claim"]).first()
            if preferred is None:
                raise ValidationError(
                    {"preferred_claim": f"No claim has the id {data['preferred_claim']}."}
                )
            services.contradiction_resolve(
                contradiction=record,
                preferred_claim=preferred,
                note=data["note"],
                user=request.user,
            )

        return self._settle(request, s.ResolveSerializer, settle)

    @extend_schema(request=s.DismissSerializer, responses=s.ContradictionSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        def settle(record, data):
            services.contradiction_dismiss(
                contradiction=record, note=data["note"], user=request.user
            )

        return self._settle(request, s.DismissSerializer, settle)
