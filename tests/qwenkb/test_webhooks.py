"""Webhooks: endpoints registered by editors get signed events after the write commits,
retried until accepted, logged with status; a receiver's failures never fail the write."""

import http.server
import threading
import time

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims import services
from claims.models import Claim, Contradiction
from qwenkb.webhooks import signing
from qwenkb.webhooks.models import Delivery, DeliveryStatus, Endpoint, Event
from qwenkb.webhooks.tasks import RETRY_DELAYS, deliver, retry_delay
from tests.api.test_writes import new_claim
from tests.qwenkb.worker import celery_worker, needs_a_worker, wait_for


class Receiver:
    """A webhook receiver on 127.0.0.1: answers each request with the next status it is given."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "at": time.time(),
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def local_receivers(settings):
    """The receivers these tests start listen on 127.0.0.1, which production refuses."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def register(client, url, events, secret="s" * 32):
    response = client.post(
        "/api/webhooks/endpoints/",
        {"url": url, "events": events, "secret": secret},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


SOURCE = {"key": "hook-report", "title": "Hook report", "published": "2026-05"}


def test_a_receiver_gets_signed_events_and_a_500_is_retried(
    editor_api, kb, django_capture_on_commit_callbacks, caplog
):
    with Receiver([500]) as receiver:
        endpoint = register(editor_api, receiver.url, ["source.added"])
        with django_capture_on_commit_callbacks(execute=True):
            created = editor_api.post(
                "/api/sources/", SOURCE | {"publisher": kb["publisher"].slug}, format="json"
            )
        assert created.status_code == 201
    assert len(receiver.received) == 2  # the 500, then the retry that was accepted
    first, second = receiver.received
    for request in receiver.received:
        headers = request["headers"]
        assert signing.verify(
            endpoint["secret"],
            headers[signing.TIMESTAMP_HEADER.lower()],
            request["body"],
            headers[signing.SIGNATURE_HEADER.lower()],
        )
        assert headers[signing.EVENT_HEADER.lower()] == "source.added"
    assert first["body"] == second["body"]  # the same delivery, same id
    payload = orjson.loads(first["body"])
    assert payload["event"] == "source.added"
    assert payload["data"] == {
        "source": created.json()["id"],
        "key": "hook-report",
        "title": "Hook report",
        "url": "",
    }
    delivery = Delivery.objects.get()
    assert payload["id"] == str(delivery.uuid)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)
    assert delivery.delivered_at is not None
    # The task's log lines carry the id of the request whose write caused them.
    task_lines = [r for r in caplog.records if r.name == "qwenkb.webhooks.tasks"]
    assert len(task_lines) == 2
    assert {r.request_id for r in task_lines} == {created["X-Request-ID"]}


def test_an_unreachable_endpoint_never_fails_the_write_and_ends_failed(
    editor_api, kb, django_capture_on_commit_callbacks
):
    with Receiver([]) as closed:
        url = closed.url  # the port is closed once the receiver stops
    register(editor_api, url, ["source.added"])
    with django_capture_on_commit_callbacks(execute=True):
        created = editor_api.post(
            "/api/sources/", SOURCE | {"publisher": kb["publisher"].slug}, format="json"
        )
    assert created.status_code == 201
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == len(RETRY_DELAYS) + 1
    assert delivery.response_code is None and "Connection refused" in delivery.error


def test_nothing_is_sent_for_a_rolled_back_write(
    editor_api, kb, django_capture_on_commit_callbacks
):
    register(editor_api, "http://127.0.0.1:9/hook", ["source.added"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bad = editor_api.post("/api/sources/", {"key": "x"}, format="json")
    assert bad.status_code == 400
    assert callbacks == [] and not Delivery.objects.exists()


def test_each_curation_event_reaches_only_its_subscribers(
    editor_api, reviewer, kb, django_capture_on_commit_callbacks
):
    every = Endpoint.objects.create(url="http://127.0.0.1:9/all", events=Event.values)
    Endpoint.objects.create(url="http://127.0.0.1:9/off", events=Event.values, active=False)
    Endpoint.objects.create(url="http://127.0.0.1:9/src", events=["source.added"])
    sent = []
    deliver_one = deliver.apply_async

    def record(args, kwargs, **options):
        sent.append(Delivery.objects.get(pk=args[0]))

    deliver.apply_async = record
    try:
        with django_capture_on_commit_callbacks(execute=True):
            written = editor_api.post("/api/claims/", new_claim(kb), format="json").json()
        opened = Contradiction.objects.get(pk=written["contradictions"][0]["id"])
        claim = Claim.objects.get(pk=written["id"])
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_accept(claim=claim, user=reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            services.contradiction_dismiss(contradiction=opened, note="units differ", user=reviewer)
        first = Contradiction.objects.exclude(pk=opened.pk).get()
        with django_capture_on_commit_callbacks(execute=True):
            services.contradiction_resolve(
                contradiction=first, preferred_claim=kb["b"], note="later", user=reviewer
            )
    finally:
        deliver.apply_async = deliver_one
    assert {d.endpoint_id for d in sent} == {every.pk}
    events = [(d.event, d.payload["data"].get("contradiction") or d.payload["data"].get("claim"))
              for d in sent]  # fmt: skip
    assert events[0] == ("contradiction.opened", opened.pk)
    assert ("claim.accepted", claim.pk) in events
    assert ("contradiction.dismissed", opened.pk) in events
    assert ("contradiction.resolved", first.pk) in events
    resolved = next(d for d in sent if d.event == "contradiction.resolved").payload["data"]
    assert resolved["preferred_claim"] == kb["b"].pk and resolved["status"] == "resolved"


def test_accepting_both_sides_confirms_the_contradiction(
    reviewer, kb, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(url="http://127.0.0.1:9/all", events=["contradiction.confirmed"])
    record = Contradiction.objects.get()
    deliver_one, sent = deliver.apply_async, []
    deliver.apply_async = lambda args, kwargs, **options: sent.append(args[0])
    try:
        for claim in (kb["a"], kb["b"]):
            with django_capture_on_commit_callbacks(execute=True):
                services.claim_update(claim=claim, user=reviewer, status="proposed")
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_accept(claim=kb["a"], user=reviewer)
        assert sent == []  # the other side is still only proposed
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_accept(claim=kb["b"], user=reviewer)
    finally:
        deliver.apply_async = deliver_one
    (delivery,) = Delivery.objects.filter(pk__in=sent)
    assert delivery.payload["data"]["contradiction"] == record.pk


def test_only_editors_manage_endpoints_and_events_are_checked(editor_api, client, kb):
    assert client.get("/api/webhooks/endpoints/").status_code in (401, 403)
    bad = editor_api.post(
        "/api/webhooks/endpoints/",
        {"url": "http://127.0.0.1:9/x", "events": ["claim.deleted"]},
        format="json",
    )
    assert bad.status_code == 400 and "events" in bad.json()
    made = register(editor_api, "http://127.0.0.1:9/x", ["claim.accepted", "source.added"])
    assert len(made["secret"]) == 32
    listed = editor_api.get("/api/webhooks/endpoints/").json()
    assert [e["id"] for e in listed["results"]] == [made["id"]]


def test_the_admin_lists_deliveries_with_their_status(editor_client, kb):
    endpoint = Endpoint.objects.create(url="http://127.0.0.1:9/x", events=["source.added"])
    Delivery.objects.create(endpoint=endpoint, event="source.added", payload={}, attempts=3,
                            status="failed", response_code=500)  # fmt: skip
    page = editor_client.get("/admin/webhooks/delivery/").content.decode()
    assert "failed after every retry" in page and "http://127.0.0.1:9/x" in page
    form = editor_client.get("/admin/webhooks/endpoint/add/").content.decode()
    assert "contradiction confirmed" in form


def test_backoff_grows_and_stays_bounded():
    delays = [retry_delay(n) for n in range(len(RETRY_DELAYS) + 3)]
    assert delays == sorted(delays) and delays[0] >= 5 and max(delays) <= 3600


@given(
    secret=st.text(min_size=1, max_size=40),
    body=st.binary(max_size=200),
    timestamp=st.integers(min_value=1_000_000_000, max_value=3_000_000_000),
    other=st.binary(max_size=200),
    skew=st.integers(min_value=-10_000, max_value=10_000),
)
def test_a_signature_verifies_only_its_own_recent_body(secret, body, timestamp, other, skew):
    signed = signing.signature(secret, timestamp, body)
    now = timestamp + skew
    recent = abs(skew) <= signing.TOLERANCE_SECONDS
    assert signing.verify(secret, str(timestamp), body, signed, now=now) is recent
    if other != body:
        assert not signing.verify(secret, str(timestamp), other, signed, now=timestamp)
    assert not signing.verify(secret + "x", str(timestamp), body, signed, now=timestamp)
    assert not signing.verify(secret, str(timestamp + 1), body, signed, now=timestamp)


# --- With a broker: a real Celery worker delivers (PostgreSQL + Redis) ----------------------


@needs_a_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_started_like_make_worker_delivers_from_the_broker(kb, tmp_path):
    from qwenkb.observability import request_id_var
    from sources.services import source_save

    log = tmp_path / "worker.log"
    with celery_worker(log) as worker, Receiver([]) as receiver:
        Endpoint.objects.create(url=receiver.url, events=["source.added"], secret="w" * 32)
        token = request_id_var.set("test-request-42")
        try:
            source_save(key="queued", title="Queued", publisher=kb["publisher"])
        finally:
            request_id_var.reset(token)
        wait_for(lambda: receiver.received, worker, log)
        delivery = Delivery.objects.get()
        # the worker saves the outcome just after the answer
        wait_for(lambda: Delivery.objects.get().status == "delivered", worker, log, 10)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert delivery.request_id == "test-request-42"
    task_lines = [line for line in log.read_text().splitlines() if "attempt 1, 200" in line]
    assert len(task_lines) == 1 and '"request_id":"test-request-42"' in task_lines[0]


def test_a_method_no_action_takes_is_405_not_an_error(editor_api, client, db):
    assert editor_api.generic("TRACE", "/api/webhooks/deliveries/").status_code == 405
    assert client.generic("TRACE", "/api/webhooks/endpoints/").status_code == 405


# --- Where deliveries may go (server-side request forgery) ---------------------------------


def resolving(monkeypatch, names: dict[str, list[str]]):
    """Make host names resolve to the given addresses (the tests have no DNS)."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port)) for a in names[host]]  # fmt: skip
        if host.replace(".", "").isdigit() or ":" in host:
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


REFUSED = {
    "http://127.0.0.1:8000/hook": "loopback",
    "http://[::1]/hook": "loopback",
    "http://10.1.2.3/hook": "private",
    "http://192.168.0.10/hook": "private",
    "http://169.254.169.254/latest/meta-data/": "link-local",
    "http://[fe80::1]/hook": "link-local",
    "http://224.0.0.1/hook": "multicast",
    "http://240.0.0.1/hook": "reserved",
    "http://0.0.0.0/hook": "unspecified",
    "http://[::ffff:127.0.0.1]/hook": "loopback",
    "http://100.64.0.1/hook": "not publicly routable",
    "http://metadata.internal/hook": "link-local",  # a name resolving to an internal address
    "http://split.example/hook": "private",  # one public, one private address: refused
    "ftp://hooks.example/x": "Only http:// and https://",
    "file:///etc/passwd": "Only http:// and https://",
    "gopher://hooks.example/x": "Only http:// and https://",
    "https://user:pass@hooks.example/x": "user name or password",
    "https://token@hooks.example/x": "user name or password",
    "https://nowhere.example/x": "does not resolve",
}
NAMES = {
    "hooks.example": ["93.184.215.14"],
    "metadata.internal": ["169.254.169.254"],
    "split.example": ["93.184.215.14", "10.0.0.5"],
    "xn--bcher-kva.example": ["93.184.215.14"],
}


@pytest.mark.parametrize("url, why", REFUSED.items())
def test_internal_and_odd_urls_are_refused_by_the_api_naming_url(
    editor_api, db, settings, monkeypatch, url, why
):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    resolving(monkeypatch, NAMES)
    response = editor_api.post(
        "/api/webhooks/endpoints/", {"url": url, "events": ["source.added"]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["url"] and why in " ".join(response.json()["url"]), (
        response.json()
    )
    assert not Endpoint.objects.exists()


def test_the_admin_refuses_internal_urls_too(editor_client, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    resolving(monkeypatch, NAMES)
    form = {"events": ["source.added"], "active": "on", "secret": "s" * 32, "description": "",
            "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"}  # fmt: skip
    refused = editor_client.post(
        "/admin/webhooks/endpoint/add/", form | {"url": "http://10.0.0.1/"}
    )
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert list(errors) == ["url"] and "private address" in errors["url"][0]
    made = editor_client.post(
        "/admin/webhooks/endpoint/add/", form | {"url": "https://hooks.example/in"}
    )
    assert made.status_code == 302
    assert Endpoint.objects.get().url == "https://hooks.example/in"


def test_a_public_url_is_kept_with_its_host_in_idna(editor_api, db, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    resolving(monkeypatch, NAMES)
    made = register(editor_api, "https://Bücher.example/hook/é?x=1", ["source.added"])
    assert made["url"] == "https://xn--bcher-kva.example/hook/%C3%A9?x=1"


@pytest.mark.parametrize(
    "url",
    [
        "http://%/",
        "http://a%41.example/",
        "http://hooks.example/a%zz",
        "http://hooks.example/\x00",
        "http://hooks\x00.example/",
        "http://hooks.example/" + "a" * 10_000,
        "http://" + "a" * 10_000 + ".example/",
        "http://xn--zz.example/",
        "http://\u2603\u0301-.example/",
        "http://a..b/",
        "http://[::1/",
        "http://hooks.example:99999/",
        "http://hooks.example:port/",
        "http://[fe80::1%25eth0]/",
        "http://-bad-.example/",
        "",
        "   ",
    ],
)
def test_hostile_urls_get_a_400_naming_url_never_a_500(editor_api, db, monkeypatch, url):
    resolving(monkeypatch, NAMES)
    response = editor_api.post(
        "/api/webhooks/endpoints/", {"url": url, "events": ["source.added"]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["url"]


def test_a_delivery_to_an_address_refused_since_registration_fails_without_retrying(
    db, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    resolving(monkeypatch, {"hooks.example": ["10.0.0.7"]})  # DNS changed since it was checked
    endpoint = Endpoint.objects.create(url="http://hooks.example/in", events=["source.added"])
    delivery = Delivery.objects.create(endpoint=endpoint, event="source.added", payload={})
    deliver.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "hooks.example resolves to 10.0.0.7: a private address" in delivery.error


def test_a_redirect_is_not_followed(db):
    with Receiver([302]) as receiver:
        endpoint = Endpoint.objects.create(url=receiver.url, events=["source.added"])
        delivery = Delivery.objects.create(endpoint=endpoint, event="source.added", payload={})
        deliver.apply(args=[delivery.pk])  # answered 302, then 200 on the retry
    assert len(receiver.received) == 2
    assert {r["path"] for r in receiver.received} == {"/hook"}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)


# --- The endpoints API versions its changes (If-Match) -------------------------------------


def test_changing_or_removing_an_endpoint_needs_the_version_read(editor_api, db):
    made = register(editor_api, "http://127.0.0.1:9/x", ["source.added"])
    url = f"/api/webhooks/endpoints/{made['id']}/"
    read = editor_api.get(url)
    etag = read["ETag"]
    assert editor_api.patch(url, {"active": False}, format="json").status_code == 428
    assert editor_api.delete(url).status_code == 428
    changed = editor_api.patch(url, {"active": False}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert changed["ETag"] != etag
    stale = editor_api.patch(url, {"description": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["current"]["active"] is False
    assert Endpoint.objects.get().description == ""
    refused = editor_api.put(
        url, {"url": "http://127.0.0.1:9/y", "events": ["nope"]}, format="json",
        HTTP_IF_MATCH=changed["ETag"],
    )  # fmt: skip
    assert refused.status_code == 400 and list(refused.json()) == ["events"]
    assert editor_api.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert editor_api.delete(url, HTTP_IF_MATCH=changed["ETag"]).status_code == 204
    assert not Endpoint.objects.exists()


def test_the_schema_documents_if_match_on_endpoint_changes(editor_api, db):
    schema = editor_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = schema["paths"]["/api/webhooks/endpoints/{id}/"]
    for method in ("put", "patch", "delete"):
        names = [p["name"] for p in operations[method].get("parameters", []) if p["in"] == "header"]
        assert names == ["If-Match"], (method, names)
        assert {"412", "428"} <= set(operations[method]["responses"])
    assert "If-Match" not in str(operations["get"].get("parameters", []))


# --- Events of rescans and imports, in bulk ------------------------------------------------


@pytest.fixture
def batches(monkeypatch):
    """Deliveries of bulk events, as the task messages that would carry them (not sent)."""
    from qwenkb.webhooks import services as webhook_services
    from qwenkb.webhooks.tasks import deliver_batch

    monkeypatch.setattr(webhook_services, "BATCH", 3)
    messages: list[list[Delivery]] = []
    monkeypatch.setattr(
        deliver_batch,
        "apply_async",
        lambda args, kwargs=None, **options: messages.append(
            list(Delivery.objects.filter(pk__in=args[0]).order_by("pk"))
        ),
    )
    monkeypatch.setattr(
        deliver, "apply_async", lambda *a, **k: pytest.fail("a bulk event sent one by one")
    )
    return messages


def test_a_rescan_announces_the_records_it_opens_in_batches(
    db, batches, django_capture_on_commit_callbacks
):
    from claims import detection
    from tests import factories

    wants = Endpoint.objects.create(url="http://127.0.0.1:9/a", events=["contradiction.opened"])
    Endpoint.objects.create(url="http://127.0.0.1:9/b", events=["claim.accepted"])
    metric, source = factories.metric(slug="size"), factories.source()
    for n in range(5):
        subject = factories.entity()
        for value in ("27B", "35B"):
            factories.claim(subject=subject, metric_=metric, src=source, value=value,
                            quote=f"{n} {value}")  # fmt: skip
    Contradiction.objects.all().delete()  # as if written around the services
    with django_capture_on_commit_callbacks(execute=True):
        summary = detection.rescan(batch_size=2)  # three transactions
    assert summary.created == 5
    opened = sorted(Contradiction.objects.values_list("pk", flat=True))
    sent = [d for message in batches for d in message]
    assert {d.endpoint_id for d in sent} == {wants.pk}
    assert [d.event for d in sent] == ["contradiction.opened"] * 5
    assert sorted(d.payload["data"]["contradiction"] for d in sent) == opened
    assert all(len(message) <= 3 for message in batches) and len(batches) == 3  # 2 + 2 + 1
    # A second run opens nothing and announces nothing; a dry run neither.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        detection.rescan()
        detection.rescan(dry_run=True)
    assert callbacks == [] and Delivery.objects.count() == 5


def test_an_import_announces_accepted_claims_and_what_they_open_in_batches(
    db, reviewer_client, bulk_kb, batches, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from claims.jobs.models import Job
    from claims.models import Claim
    from tests.claims.test_bulk import rows

    every = Endpoint.objects.create(url="http://127.0.0.1:9/all", events=Event.values)
    imported = [row | {"status": "accepted"} for row in rows(bulk_kb, 7)]
    content = b"".join(orjson.dumps(row) + b"\n" for row in imported)
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            "/admin/jobs/job/add/",
            {"kind": "import", "upload": SimpleUploadedFile("c.jsonl", content)},
        )
    assert Job.objects.get().status == "done"
    claims = sorted(Claim.objects.values_list("pk", flat=True))
    (record,) = Contradiction.objects.all()
    sent = [d for message in batches for d in message]
    assert {d.endpoint_id for d in sent} == {every.pk}
    by_event: dict[str, list] = {}
    for d in sent:
        by_event.setdefault(d.event, []).append(
            d.payload["data"].get("claim") or d.payload["data"].get("contradiction")
        )
    assert by_event == {
        "contradiction.opened": [record.pk],
        "claim.accepted": claims,  # 7 claims
        "contradiction.confirmed": [record.pk],  # both its claims came in accepted
    }
    # 7 claims in messages of 3 (3 + 3 + 1), one each for the two records' events.
    assert sorted(len(message) for message in batches) == [1, 1, 1, 3, 3]
    assert Delivery.objects.count() == 9


def test_an_import_nobody_listens_to_keeps_no_ids_and_sends_nothing(
    db, bulk_kb, batches, django_capture_on_commit_callbacks
):
    from claims import bulk
    from claims.bulk.importer import Importer
    from tests.claims.test_bulk import rows

    Endpoint.objects.create(url="http://127.0.0.1:9/src", events=["source.added"])
    assert Importer(reason="x", progress=None).announces is False
    lines = list(enumerate((row | {"status": "accepted"} for row in rows(bulk_kb, 4)), 1))
    with django_capture_on_commit_callbacks(execute=True):
        report = bulk.claims_import(lines, reason="test", workers=0)
    assert report.created == 4 and report.conflicts.created == 1
    assert batches == [] and not Delivery.objects.exists()


def test_a_batch_retries_only_what_is_pending_and_a_silent_endpoint_once_a_pass(db):
    from qwenkb.webhooks.tasks import deliver_batch

    with Receiver([]) as closed:
        pass  # its port is closed from here on
    with Receiver([500]) as receiver:
        up = Endpoint.objects.create(url=receiver.url, events=["source.added"])
        down = Endpoint.objects.create(url=closed.url, events=["source.added"])
        made = [Delivery.objects.create(endpoint=endpoint, event="source.added", payload={"n": n})
                for endpoint in (up, down) for n in range(3)]  # fmt: skip
        deliver_batch.apply(args=[[d.pk for d in made]])
    assert len(receiver.received) == 4  # the 500, then the two others, then the retry
    outcomes = {}
    for delivery in Delivery.objects.order_by("pk"):
        outcomes.setdefault(delivery.endpoint_id, []).append((delivery.status, delivery.attempts))
    assert outcomes[up.pk] == [("delivered", 2), ("delivered", 1), ("delivered", 1)]
    # The closed port is tried once a pass, then every delivery on the last pass.
    assert outcomes[down.pk] == [("failed", len(RETRY_DELAYS) + 1), ("failed", 1), ("failed", 1)]
