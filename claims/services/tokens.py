"""An editor's own API token: made (replacing any old one) and revoked only for its owner."""

from django.db import transaction
from rest_framework.authtoken.models import Token

# Who may hold an API token: the Editors and Reviewers groups (both may add claims).
EDITOR_PERMISSION = "claims.add_claim"


@transaction.atomic
def token_replace(*, user) -> Token:
    """A new API token for ``user``; any token they had stops working."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def token_revoke(*, user) -> bool:
    """Revoke ``user``'s API token; False when they had none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
