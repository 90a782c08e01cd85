"""API tokens in the admin: each editor makes, sees and revokes their own, never another's."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from claims import services

pytestmark = pytest.mark.django_db

LIST = "/admin/authtoken/tokenproxy/"
ADD = LIST + "add/"


def delete_url(user) -> str:
    return f"{LIST}{user.pk}/delete/"


@pytest.fixture
def other_editor(db):
    from django.contrib.auth.models import Group

    user = User.objects.create_user("olive", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_an_editor_makes_a_token_and_sees_its_key_once(editor_client, editor):
    page = editor_client.get(ADD)
    assert page.status_code == 200 and "shown once" in page.content.decode()
    made = editor_client.post(ADD, {}, follow=True)
    assert made.status_code == 200
    token = Token.objects.get(user=editor)
    html = made.content.decode()
    assert f"Your new API token is <code>{token.key}</code>" in html
    listing = editor_client.get(LIST).content.decode()
    assert f"<code>{token.key[:4]}\u2026</code>" in listing and token.key not in listing
    assert f'<a href="{delete_url(editor)}">Revoke</a>' in listing
    # The key is in no page and in no log line after the one message.
    assert not LogEntry.objects.filter(object_repr__contains=token.key).exists()
    assert LogEntry.objects.get().object_repr == f"API token of edith ({token.key[:4]}\u2026)"
    history = editor_client.get(f"{LIST}{editor.pk}/history/")
    assert history.status_code == 200 and token.key not in history.content.decode()
    # The token works in the API.
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/auth/token/").json()["key"] == token.key


def test_a_new_token_replaces_the_old_one(editor_client, editor):
    old = services.token_replace(user=editor).key
    editor_client.post(ADD, {})
    assert Token.objects.filter(user=editor).count() == 1
    assert Token.objects.get(user=editor).key != old


def test_an_editor_revokes_their_token(editor_client, editor):
    token = services.token_replace(user=editor)
    confirm = editor_client.get(delete_url(editor))
    assert confirm.status_code == 200
    assert "Revoke this token?" in confirm.content.decode()
    assert token.key not in confirm.content.decode()
    done = editor_client.post(delete_url(editor), {"post": "yes"}, follow=True)
    assert "The API token is revoked" in done.content.decode()
    assert not Token.objects.filter(user=editor).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/auth/token/").status_code == 401


def test_an_editor_neither_sees_nor_revokes_anothers_token(editor_client, editor, other_editor):
    theirs = services.token_replace(user=other_editor)
    mine = services.token_replace(user=editor)
    listing = editor_client.get(LIST)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert mine.key[:4] in html and theirs.key[:4] not in html and "olive" not in html
    assert editor_client.get(delete_url(other_editor)).status_code == 404
    assert editor_client.post(delete_url(other_editor), {"post": "yes"}).status_code == 404
    assert editor_client.get(f"{LIST}{other_editor.pk}/history/").status_code == 404
    assert editor_client.get(f"{LIST}{other_editor.pk}/change/").status_code == 404
    assert Token.objects.get(user=other_editor).key == theirs.key


def test_a_superuser_sees_and_revokes_every_token(editor, other_editor):
    boss = User.objects.create_superuser("root", password=None)
    client = Client()
    client.force_login(boss)
    theirs = services.token_replace(user=other_editor)
    services.token_replace(user=editor)
    html = client.get(LIST).content.decode()
    assert "olive" in html and "edith" in html and theirs.key not in html
    client.post(delete_url(other_editor), {"post": "yes"})
    assert list(Token.objects.values_list("user__username", flat=True)) == ["edith"]


def test_accounts_outside_the_editors_get_no_token_page(db):
    clerk = User.objects.create_user("clerk", password=None, is_staff=True)
    client = Client()
    client.force_login(clerk)
    assert client.get(LIST).status_code == 403
    assert client.post(ADD, {}).status_code == 403
    assert not Token.objects.exists()
    assert "authtoken" not in client.get("/admin/").content.decode()


def test_the_admin_index_lists_tokens_for_editors(editor_client):
    assert "/admin/authtoken/tokenproxy/" in editor_client.get("/admin/").content.decode()


def test_the_token_admin_passes_djangos_checks():
    from django.contrib import admin
    from rest_framework.authtoken.models import TokenProxy

    from claims.admin import OwnTokenAdmin

    token_admin = admin.site._registry[TokenProxy]
    assert isinstance(token_admin, OwnTokenAdmin)
    assert token_admin.check() == []
