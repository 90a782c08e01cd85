"""OpenAPI: the If-Match header of every versioned change and the error responses every
operation can give, documented once."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "The ETag of the version you are changing (from a GET or an earlier write). "
        "Without it: 428; when the object has changed since: 412 with its current version."
    ),
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus If-Match on the actions a viewset versions."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if getattr(self.view, "action", None) in getattr(self.view, "versioned_actions", ()):
            parameters = [*parameters, IF_MATCH]
        return parameters


ERROR_DETAIL = {
    "type": "object",
    "description": "An error that concerns the request as a whole.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Problems keyed by the field or query parameter at fault (`detail` or "
        "`non_field_errors` when none is); each a list of sentences."
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {"type": "object", "description": "Errors of a list's items, keyed by position."},
        ]
    },
}
STALE = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "current": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail", "current"],
}


def _response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def add_error_responses(result, generator, request, public):
    """Document 400/401/403/404/412/413/428/429/503 (and 304 on reads) on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(
        {"ErrorDetail": ERROR_DETAIL, "FieldErrors": FIELD_ERRORS, "StaleVersion": STALE}
    )
    detail = {"$ref": "#/components/schemas/ErrorDetail"}
    fields = {"$ref": "#/components/schemas/FieldErrors"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            responses.setdefault("400", _response("Invalid parameters or body.", fields))
            responses.setdefault("404", _response("Not found.", detail))
            responses.setdefault("429", _response("Too many requests; see Retry-After.", detail))
            responses.setdefault(
                "503", _response("The database is unavailable; see Retry-After.", detail)
            )
            if method == "get" and path.startswith("/api/webhooks/"):  # editors' reads only
                responses.setdefault("401", _response("Authentication needed.", detail))
                responses.setdefault("403", _response("Not allowed.", detail))
            if method == "get":
                responses.setdefault("304", {"description": "Not modified (If-None-Match)."})
                if path.startswith("/api/claims/") or path.startswith("/api/contradictions/"):
                    responses.setdefault("200", {}).setdefault("content", {}).update(
                        {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/x-ndjson": {"schema": {"type": "string"}},
                        }
                    )
                continue
            responses.setdefault("401", _response("Authentication needed.", detail))
            responses.setdefault(
                "403", _response("Not allowed for this account (or CSRF failed).", detail)
            )
            responses.setdefault("413", _response("Request body too large.", detail))
            if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
                responses.setdefault("412", _response("Stale If-Match: the object changed.", STALE))
                responses.setdefault("428", _response("If-Match is required.", detail))
    return result
