"""``/api/auth/token/``: an editor makes, reads and revokes their own API token, nobody else's.

The view only ever touches ``request.user``'s token, so no request can name another account.
Besides a session or a token, it accepts HTTP Basic credentials, so the first token can be
made from a terminal (``curl -u alice -X POST …/api/auth/token/``); serve over HTTPS.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authentication import (
    BasicAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.services.tokens import EDITOR_PERMISSION

TOKEN = inline_serializer(
    "OwnToken", {"key": serializers.CharField(), "created": serializers.DateTimeField()}
)


class IsEditor(permissions.IsAuthenticated):
    """A signed-in member of the Editors or Reviewers group."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not request.user.has_perm(EDITOR_PERMISSION):
            raise PermissionDenied("API tokens are for editors (the Editors or Reviewers group).")
        return True


def _payload(token: Token) -> dict:
    return {"key": token.key, "created": token.created}


class OwnTokenView(APIView):
    """GET your token, POST to make one (replacing any old one), DELETE to revoke it."""

    authentication_classes = [TokenAuthentication, SessionAuthentication, BasicAuthentication]
    permission_classes = [IsEditor]

    @extend_schema(
        responses={
            200: TOKEN,
            401: OpenApiResponse(description="Authentication needed."),
            403: OpenApiResponse(description="Not an editor."),
        }
    )
    def get(self, request):
        token = Token.objects.filter(user=request.user).first()
        if token is None:
            raise NotFound("You have no API token; POST here to make one.")
        return Response(_payload(token))

    @extend_schema(request=None, responses={201: TOKEN})
    def post(self, request):
        token = services.token_replace(user=request.user)
        return Response(_payload(token), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        if not services.token_revoke(user=request.user):
            raise NotFound("You have no API token to revoke.")
        return Response(status=status.HTTP_204_NO_CONTENT)
