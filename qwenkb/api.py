"""Shared REST API machinery: errors, pagination, permissions, versions (ETags) and throttles.

Every viewset builds on ``BaseViewSet``: unknown query parameters are refused by name, page
sizes above the limit are refused rather than clamped, domain errors (Django's
``ValidationError``, raised by the services) become 400 responses keyed by field in one
place, and writes that change an object must name the version they saw (``If-Match``).
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from qwenkb import readcache

COMMON_PARAMS = {"format", "page", "page_size"}


class PreconditionRequired(exceptions.APIException):
    """An update without If-Match: it could overwrite a change its sender never saw."""

    status_code = 428
    default_detail = (
        "Send the ETag of the version you are changing in an If-Match header "
        "(GET the object first); this keeps one client from overwriting another's change."
    )
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    """A request body over the size limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def exception_handler(exc, context):
    """Map domain errors to API errors, then let DRF shape the response."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    return drf_exception_handler(exc, context)


class ModelPermissions(permissions.BasePermission):
    """Reads are public; each write needs the permission its action names.

    A view lists them in ``write_permissions``: action name -> permission codename.
    Editors hold add/change permissions; reviewers also hold ``claims.review_claim``.
    """

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not user or not user.is_authenticated:
            return False
        needed = getattr(view, "write_permissions", {}).get(view.action)
        if needed is None:
            return False
        if not user.has_perm(needed):
            group = "Reviewers" if needed.endswith(".review_claim") else "Editors or Reviewers"
            raise exceptions.PermissionDenied(
                f"This needs the {needed} permission (the {group} group)."
            )
        return True


def etag_of(data) -> str:
    """The version tag of a representation."""
    payload = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(payload.encode()).hexdigest()[:32] + '"'


class StrictSerializer(serializers.Serializer):
    """A request body serializer that refuses fields it does not know, by name."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                known = ", ".join(self.fields)
                raise exceptions.ValidationError(
                    {name: [f"Unknown field. Known fields: {known}."] for name in unknown}
                )
        return super().to_internal_value(data)


class BaseViewSet(viewsets.GenericViewSet):
    """Strict query parameters, versioned details and the shared permissions."""

    permission_classes = [ModelPermissions]
    write_permissions: dict[str, str] = {}
    extra_query_params: set[str] = set()
    # Actions that change an existing object: they need If-Match (428 without it), are
    # documented with it (qwenkb.schema) and run through ``change``.
    versioned_actions: frozenset[str] = frozenset()
    # Anonymous reads are kept in the read cache and answered from it (qwenkb.readcache).
    answers_from_read_cache = True

    def allowed_query_params(self) -> set[str]:
        """Parameters this view understands."""
        allowed = set(COMMON_PARAMS) | set(self.extra_query_params)
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and self.action == "list":
            allowed |= set(filterset_class.base_filters)
        return allowed

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.allowed_query_params())
        if unknown:
            known = ", ".join(sorted(self.allowed_query_params()))
            raise exceptions.ValidationError(
                {
                    name: [f"Unknown query parameter. This endpoint takes: {known}."]
                    for name in unknown
                }
            )
        if self.action in self.versioned_actions and "If-Match" not in request.headers:
            raise PreconditionRequired()
        # Authenticated, permitted, throttled and checked: an unchanged database may answer
        # from the read cache (qwenkb.readcache) instead of running the action.
        self.read_key, cached = readcache.read_for(request)
        if cached is not None:
            self.get = lambda *args, **kwargs: cached

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "read_key", None)
        if key is not None and isinstance(response, Response):
            response.add_post_render_callback(lambda rendered: readcache.store(key, rendered))
        return response

    def versioned(self, data, status_code=status.HTTP_200_OK, **kwargs) -> Response:
        """A response carrying the ETag of ``data``."""
        response = Response(data, status=status_code, **kwargs)
        response["ETag"] = etag_of(data)
        return response

    def check_version(self, request, current_data) -> Response | None:
        """A 412 response when If-Match names another version than ``current_data``'s."""
        tags = [tag.strip() for tag in request.headers.get("If-Match", "").split(",")]
        if etag_of(current_data) in tags:
            return None
        return self._stale(current_data)

    def change(self, request, apply: Callable[[Any], Response]) -> Response:
        """Run ``apply(instance)`` on the object the URL names, if If-Match names its version.

        One transaction holds the object's row lock from before its version is read until
        the change is committed, so of two clients sending the same ETag only the first
        changes it; the second waits, then reads the new version and gets a 412. (Read
        outside the lock, both versions would match and the later write would silently
        undo the earlier one.)
        """
        with transaction.atomic():
            lock_row(self.get_object())
            # Read again under the lock: on PostgreSQL each statement sees what was
            # committed before it began, so this read sees the last committed version.
            instance = self.get_object()
            stale = self.check_version(request, self.get_serializer(instance).data)
            if stale is not None:
                return stale
            return apply(instance)

    def _stale(self, current_data) -> Response:
        response = Response(
            {
                "detail": "The object changed since you read it; its current version is below.",
                "current": current_data,
            },
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["ETag"] = etag_of(current_data)
        return response


def lock_row(instance) -> None:
    """Lock ``instance``'s row until the transaction ends (SQLite: the write lock is already held,
    its transactions begin IMMEDIATE)."""
    manager = type(instance)._base_manager
    list(manager.select_for_update().filter(pk=instance.pk).values_list("pk", flat=True))


def with_defaults(model, fields, data: dict) -> dict:
    """A PUT's values: what it sent, and the model's default for each field it left out."""
    return {name: model._meta.get_field(name).get_default() for name in fields} | data


class VersionedUpdateMixin:
    """PUT and PATCH: check If-Match against the current version, validate, then apply.

    A viewset names its ``write_serializer_class`` and implements ``apply_update``, which
    calls the service and returns the response.
    """

    write_serializer_class: type[serializers.Serializer]
    # Given by BaseViewSet, which every versioned viewset also derives from.
    change: Callable[[Request, Callable[[Any], Response]], Response]
    versioned_actions = frozenset({"update", "partial_update"})

    def apply_update(self, instance, data: dict, *, partial: bool) -> Response:
        raise NotImplementedError

    def _versioned_update(self, request, *, partial: bool) -> Response:
        def apply(instance) -> Response:
            write = self.write_serializer_class(data=request.data, partial=partial)
            write.is_valid(raise_exception=True)
            return self.apply_update(instance, write.validated_data, partial=partial)

        return self.change(request, apply)

    def update(self, request, *args, **kwargs):
        return self._versioned_update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._versioned_update(request, partial=True)


class ServiceWriteMixin(VersionedUpdateMixin):
    """POST, PUT and PATCH of a catalogue record through its one service function.

    A viewset implements ``call_service(instance, user=…, reason=…, **fields)`` (``instance`` None
    to create) and names ``write_fields``, the fields a PUT resets to their defaults when it
    leaves them out; ``saved`` gives what the response shows of the saved record.
    """

    write_fields: tuple[str, ...]
    versioned: Callable[..., Response]  # given by BaseViewSet
    get_serializer: Callable[..., serializers.Serializer]
    queryset: Any
    request: Any

    def call_service(self, instance, *, user, reason: str, **fields):
        raise NotImplementedError

    def saved(self, instance):
        return instance

    def create(self, request, *args, **kwargs):
        write = self.write_serializer_class(data=request.data)
        write.is_valid(raise_exception=True)
        return self.versioned(self._write(None, write.validated_data), status.HTTP_201_CREATED)

    def apply_update(self, instance, data: dict, *, partial: bool) -> Response:
        return self.versioned(self._write(instance, data, partial=partial))

    def _write(self, instance, data: dict, *, partial: bool = True) -> dict:
        fields = dict(data)
        reason = fields.pop("reason", "")
        if not partial:
            fields = with_defaults(self.queryset.model, self.write_fields, fields)
        saved = self.call_service(instance, user=self.request.user, reason=reason, **fields)
        return self.get_serializer(self.saved(saved)).data
