"""Property-based conformance: every operation, fed generated input, never errors or breaks its schema.

Schemathesis reads /api/schema/ and calls the app in-process (WSGI), with a bounded number of
examples per operation, anonymously for reads and as a reviewer (token) for writes, on the
test database holding a small knowledge base (rolled back afterwards). A change of an
existing object is aimed at a real one and sends its current ETag in If-Match, so the
generated bodies reach validation and the services, not only the 404 or the 412.
"""

import re
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

# Server errors and schema violations. Not "positive data acceptance": a schema-valid slug may
# still name no entity, and refusing it with 400 is the contract.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Calls go straight to the WSGI handler, which closes the database connection at the end
    of each request; the test database lives in that connection's transaction, so keep it
    open, as Django's own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


TALLY = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_tally():
    yield
    print(f"\nschemathesis: {TALLY['requests']} requests, {dict(TALLY['statuses'] or {})}")


@pytest.fixture
def reviewer_token(db, reviewer, kb):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=reviewer).key


def aim_at_a_real_object(case, kb) -> dict:
    """Point a change at an object of the knowledge base; the If-Match header of its version."""
    from django.test import Client

    from claims.models import Contradiction

    real = {
        "claims": kb["a"].pk,
        "contradictions": Contradiction.objects.values_list("pk", flat=True).first(),
        "entities": kb["qwen"].slug,
        "metrics": kb["largest"].slug,
        "publishers": kb["publisher"].slug,
        "sources": kb["source"].pk,
    }
    resource = case.path.split("/")[2]
    name = "slug" if "{slug}" in case.path else "id"
    if real.get(resource) is None:
        return {}
    case.path_parameters = {**(case.path_parameters or {}), name: real[resource]}
    detail = re.sub(r"[a-z_]+/$", "", case.formatted_path) if case.method == "POST" else None
    response = Client().get(detail or case.formatted_path)
    # The test client connects close_old_connections again when it is done; on PostgreSQL
    # the next WSGI call would then close the connection that holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    return {"If-Match": response["ETag"]} if response.status_code == 200 else {}


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.django_db
def test_api_conforms_to_its_schema(case, reviewer_token, kb):
    caches["throttle"].clear()  # keep the rate limits out of the way of generated traffic
    headers = {"Authorization": f"Token {reviewer_token}"} if case.method != "GET" else {}
    if any(p.name == "If-Match" for p in case.operation.headers):
        headers |= aim_at_a_real_object(case, kb)
    response = case.call(headers=headers)
    TALLY["requests"] += 1
    TALLY["statuses"] = TALLY["statuses"] or Counter()
    TALLY["statuses"][response.status_code] += 1
    case.validate_response(response, checks=CHECKS)
