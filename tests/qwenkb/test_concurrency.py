"""Under real concurrency (`make serve`'s worker processes, one database connection each): no
lost update, and rate limits that every worker enforces together."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest

from tests.qwenkb.served import (
    app_server,
    manage,
    request_lines,
    served_database,
    server_errors,
)

pytestmark = pytest.mark.django_db  # the database settings name the kind of database to make


def call(method: str, url: str, *, token: str = "", body=None, headers=None):
    """(status, headers, parsed body) of one request on a new connection."""
    request = urllib.request.Request(url, method=method, headers=dict(headers or {}))
    if token:
        request.add_header("Authorization", f"Token {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


# (resource, detail path, field changed, history model)
RESOURCES = [
    ("claims", "/api/claims/{claim}/", "notes", "claims.Claim"),
    ("entities", "/api/entities/{entity}/", "description", "claims.Entity"),
    ("sources", "/api/sources/{source}/", "published_note", "sources.Source"),
    ("metrics", "/api/metrics/{metric}/", "description", "claims.Metric"),
    ("publishers", "/api/publishers/{publisher}/", "description", "sources.Publisher"),
]
BY_SLUG = {"entities", "metrics", "publishers"}
THREADS, ATTEMPTS = 20, 5


def history_count(env, model: str, lookup: str) -> int:
    script = (
        "from django.apps import apps; "
        f"m = apps.get_model('{model}'); o = m.objects.get({lookup}); "
        "print(m.history.filter(id=o.pk).count())"
    )
    return int(manage(env, "shell", "-c", script).strip().splitlines()[-1])


@pytest.mark.parametrize(("resource", "path", "field", "model"), RESOURCES)
def test_concurrent_patches_from_one_etag_lose_no_update(tmp_path, resource, path, field, model):
    with served_database(tmp_path) as (env, facts):
        url_path = path.format(**facts)
        key = facts[path.split("{")[1].split("}")[0]]  # the fact the path names
        lookup = f"slug='{key}'" if resource in BY_SLUG else f"pk={key}"
        history_before = history_count(env, model, lookup)
        log = tmp_path / "server.log"
        with app_server(env, workers=4, threads=4, log=log) as base:
            url, token = base + url_path, facts["token"]
            first_status, first_headers, _ = call("GET", url, token=token)
            assert first_status == 200
            results, lock = [], threading.Lock()
            start = threading.Barrier(THREADS)

            def client(number: int) -> None:
                start.wait()
                for attempt in range(ATTEMPTS):
                    _, headers, _ = call("GET", url, token=token)
                    seen, value = headers["ETag"], f"client {number}, attempt {attempt}"
                    status, answer_headers, body = call(
                        "PATCH", url, token=token, body={field: value}, headers={"If-Match": seen}
                    )
                    with lock:
                        results.append((status, seen, answer_headers.get("ETag"), value, body))

            threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            _, final_headers, final = call("GET", url, token=token)
        statuses = Counter(status for status, *_ in results)
        unexpected = [(status, body) for status, *_, body in results if status not in {200, 412}]
        assert not unexpected, f"{statuses}: {unexpected[:3]}\n{server_errors(log)}"
        successes = [r for r in results if r[0] == 200]
        from_etags = Counter(seen for _, seen, *_ in successes)
        lost = len(successes) - len(from_etags)
        print(
            f"\n{resource}: {len(results)} PATCHes from {THREADS} threads: "
            f"{len(successes)} succeeded from {len(from_etags)} distinct ETags, "
            f"{lost} lost updates, {statuses[412]} answered 412"
        )
        assert successes and lost == 0
        # The successes form one chain of versions, from the first ETag to the last.
        after = {seen: (new, value) for _, seen, new, value, _ in successes}
        etag, value = first_headers["ETag"], None
        for _ in successes:
            etag, value = after[etag]
        assert etag == final_headers["ETag"] and final[field] == value
        assert history_count(env, model, lookup) - history_before == len(successes)


def test_two_workers_enforce_one_rate_limit_together(tmp_path):
    limit, sent = 25, 80
    with served_database(tmp_path) as (env, _):
        env = env | {"API_ANON_RATE": f"{limit}/hour"}
        log = tmp_path / "server.log"
        with app_server(env, workers=2, threads=1, log=log) as base:
            statuses, lock = [], threading.Lock()

            def client(number: int) -> None:
                for attempt in range(sent // 8):
                    # A new address in X-Forwarded-For each time: it must not matter.
                    forged = {"X-Forwarded-For": f"10.0.{number}.{attempt}"}
                    status, _, _ = call("GET", base + "/api/metrics/", headers=forged)
                    with lock:
                        statuses.append(status)

            threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        counts = Counter(statuses)
        answered = [line for line in request_lines(log) if line["path"] == "/api/metrics/"]
        workers = Counter(line["worker_pid"] for line in answered)
        print(
            f"\nrate limit {limit}/hour, {sent} anonymous reads with rotating X-Forwarded-For "
            f"over {len(workers)} workers: {counts[200]} passed, {counts[429]} refused (429)"
        )
        assert len(workers) == 2, workers  # both workers answered
        assert counts == {200: limit, 429: sent - limit}
        assert Counter(line["status"] for line in answered) == counts  # as the workers logged
