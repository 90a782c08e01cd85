"""An editor's own API token: made, read and revoked by its owner only."""

import base64

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
URL = "/api/auth/token/"


def basic(user, password="pw") -> APIClient:
    client = APIClient()
    user.set_password(password)
    user.save()
    raw = base64.b64encode(f"{user.username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return client


def test_an_editor_makes_reads_uses_and_revokes_their_own_token(editor):
    client = basic(editor)
    assert client.get(URL).status_code == 404
    made = client.post(URL)
    assert made.status_code == 201
    key = made.json()["key"]
    assert Token.objects.get(user=editor).key == key
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert by_token.get(URL).json()["key"] == key
    again = client.post(URL).json()["key"]  # a new one replaces the old
    assert again != key and Token.objects.filter(user=editor).count() == 1
    assert client.delete(URL).status_code == 204
    assert not Token.objects.filter(user=editor).exists()
    assert client.delete(URL).status_code == 404


def test_no_one_touches_another_accounts_token(editor, reviewer):
    mine = Token.objects.create(user=editor)
    other = basic(reviewer)
    assert other.get(URL).status_code == 404  # the reviewer sees only their own (none)
    assert other.delete(URL).status_code == 404
    other.post(URL)
    assert Token.objects.get(user=editor).key == mine.key


def test_anonymous_and_non_editors_get_no_token(django_user_model):
    assert APIClient().post(URL).status_code in (401, 403)
    reader = django_user_model.objects.create_user("reader", password="pw")
    refused = basic(reader).post(URL)
    assert refused.status_code == 403 and "editors" in refused.json()["detail"]
    assert not Token.objects.exists()
