"""API test helpers: clients per role and a small knowledge base with one discrepancy."""

import pytest
from django.core.cache import caches
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Rate-limit counters live in the throttle cache; each test starts with none."""
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def editor_api(editor) -> APIClient:
    return token_client(editor)


@pytest.fixture
def reviewer_api(reviewer) -> APIClient:
    return token_client(reviewer)


@pytest.fixture
def kb(db):
    """Qwen with two disagreeing largest-model parameter counts, and a model below it."""
    publisher = factories.publisher(name="VentureBeat", reliability="B")
    text = "The flagship boasts over 1 trillion parameters; rivals say exceeding 1.8 trillion."
    src = factories.source(title="Weekly report", text=text, pub=publisher)
    qwen = factories.entity(name="Qwen", kind="model_family", aliases=["Tongyi Qianwen"])
    model = factories.entity(name="Qwen3.5-Max Preview", parent=qwen)
    largest = factories.metric(slug="largest-model-parameters")
    a = factories.claim(
        subject=qwen,
        metric_=largest,
        src=src,
        value="over 1 trillion",
        quote="over 1 trillion parameters",
    ).claim
    b = factories.claim(
        subject=qwen,
        metric_=largest,
        src=src,
        value="exceeding 1.8 trillion",
        quote="exceeding 1.8 trillion",
    ).claim
    total = factories.metric(slug="total-parameters")
    c = factories.claim(
        subject=model,
        metric_=total,
        src=src,
        value="over 1 trillion",
        quote="over 1 trillion parameters",
    ).claim
    return {
        "qwen": qwen,
        "model": model,
        "source": src,
        "publisher": publisher,
        "a": a,
        "b": b,
        "c": c,
        "largest": largest,
        "total": total,
    }
