"""``/api/search/?q=``: the search page's JSON twin, grouped and ranked by ``claims.search``."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.search import search_everything
from qwenkb.filters import SEARCH_MAX_LENGTH, SearchField


class SearchView(APIView):
    """Entities, metrics, publishers, sources and quotes matching ``q``, exact matches first."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description=f"What to look for (at most {SEARCH_MAX_LENGTH} characters).",
            )
        ],
        responses=inline_serializer(
            "SearchResults",
            {"q": serializers.CharField(), "groups": serializers.ListField()},
        ),
    )
    def get(self, request):
        unknown = sorted(set(request.query_params) - {"q", "format"})
        if unknown:
            raise APIValidationError(
                {name: ["Unknown query parameter. This endpoint takes: q."] for name in unknown}
            )
        try:
            q = SearchField(required=False).clean(request.query_params.get("q", ""))
        except ValidationError as error:
            raise APIValidationError({"q": error.messages}) from error
        if not q:
            raise APIValidationError({"q": ["Give something to look for, e.g. ?q=KrASIA."]})
        groups = [
            {
                "kind": group.kind,
                "more": group.more,
                "results": [
                    {
                        "title": hit.title,
                        "url": request.build_absolute_uri(hit.url),
                        "meta": hit.meta,
                        "exact": hit.exact,
                        "snippet_html": str(hit.snippet),
                    }
                    for hit in group.hits
                ],
            }
            for group in search_everything(q)
        ]
        return Response({"q": q, "groups": groups})
