"""CPU time per API request through Django's whole stack, this tree against another commit.

The load test (`make bench`) needs a quiet machine; this needs none. It sends the benchmark's
four questions (bench/urls.py) to the WSGI handler in-process (every middleware, DRF, the
views, PostgreSQL over its socket; no HTTP server), with the read cache off and the anonymous
rate lifted as in `make bench`, and counts the process's own CPU time (time.process_time):
other work on the machine slows the wall clock, much less a process's CPU count.
PostgreSQL's CPU is not in it (the SQL of these questions costs ~0.1-0.5 ms).

    DATABASE_URL=postgres://…/qwenkb_x .venv/bin/python bench/percall.py [--against main]

With --against REF the same requests go to REF's code too (a `git archive` of it in a
temporary directory, sharing the venv), alternating rounds between the two, and the table
gives each question's median CPU per request for both and their ratio; every response body
is compared, and a question whose answers differ is named. --claims N fills an empty
database first (`generate_synthetic`). --profile SCENARIO writes a cProfile of this tree's
requests for one question to bench/out/percall-SCENARIO.prof (CPU time; read it with
`python -m pstats`). --read-cache serves with the read cache on instead: the warm-up pass
stores every answer, and what is timed is its hits.
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("group", "range", "facts", "disputes")
LABELS = {
    "group": "claims of one subject+metric",
    "range": "page of 50 claims of a metric in a value range",
    "facts": "entity fact sheet",
    "disputes": "open contradictions of a metric by severity",
}


def serving_env(cache_dir: str, read_cache: bool = False) -> dict[str, str]:
    """The environment `make bench` serves the API with (bench/run.py): the read cache off,
    or with ``read_cache`` on, in a directory of its own that starts empty."""
    return {
        "DJANGO_SETTINGS_MODULE": "qwenkb.settings",
        "DEBUG": "0",
        "SECRET_KEY": "percall-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "600",
        "API_CACHE_MB": "256" if read_cache else "0",
        "API_CACHE_DIR": str(Path(cache_dir) / "responses"),
        "API_ANON_RATE": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        "CACHE_DIR": cache_dir,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def worker(paths_file: str, rounds_out: str, profile: str | None) -> None:
    """In the tree's own directory: every path once to warm up, then each question timed."""
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    paths = json.loads(Path(paths_file).read_text())

    def call(path: str) -> bytes:
        route, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []
        result = app(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]} {body[:300]!r}")
        return body

    digests = {}
    for scenario in SCENARIOS:
        digests[scenario] = [hashlib.sha256(call(p)).hexdigest() for p in paths[scenario]]
    cpu = {}
    for scenario in SCENARIOS:
        if profile == scenario:
            import cProfile

            profiler = cProfile.Profile(time.process_time)  # CPU, as the figures
            profiler.enable()
        started = time.process_time()
        for path in paths[scenario]:
            call(path)
        cpu[scenario] = (time.process_time() - started) / len(paths[scenario]) * 1e6
        if profile == scenario:
            profiler.disable()
            out = ROOT / "bench" / "out"
            out.mkdir(exist_ok=True)
            profiler.dump_stats(str(out / f"percall-{scenario}.prof"))
    Path(rounds_out).write_text(json.dumps({"cpu_us": cpu, "digests": digests}))


def fill(claims: int) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        exists = conn.execute("SELECT to_regclass('claims_claim') IS NOT NULL").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0] if exists else 0
    if count:
        return
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    command = ["manage.py", "generate_synthetic", "--claims", str(claims), "--no-progress"]
    subprocess.run([python, *command], cwd=ROOT, check=True)


def checkout(ref: str, into: Path) -> Path:
    """REF's files (git archive) with this script and the shared venv."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    shutil.copy(__file__, into / "bench" / "percall.py")
    (into / ".venv").symlink_to(ROOT / ".venv")
    return into


def run_tree(tree: Path, paths_file: Path, tmp: Path, profile: str | None, args) -> dict:
    out = tmp / "round.json"
    command = [str(ROOT / ".venv" / "bin" / "python"), "bench/percall.py", "--worker"]
    command += [str(paths_file), str(out), *(["--profile", profile] if profile else [])]
    cache_dir = tmp / f"cache-{tree.name}"
    shutil.rmtree(cache_dir, ignore_errors=True)  # every round's read cache starts empty
    env = os.environ | serving_env(str(cache_dir), args.read_cache)
    subprocess.run(command, cwd=tree, env=env, check=True)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", help="a git ref to compare with (its code, this database)")
    parser.add_argument("--requests", type=int, default=100, help="requests per question")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tree, alternated")
    parser.add_argument("--claims", type=int, default=20000, help="claims for an empty database")
    parser.add_argument("--profile", choices=SCENARIOS, help="cProfile one question (this tree)")
    parser.add_argument(
        "--read-cache",
        action="store_true",
        help="serve with the read cache on: the warm-up stores every answer, the timed requests "
        "are its hits",
    )
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.profile)
        return
    sys.path.insert(0, str(ROOT / "bench"))
    import urls

    fill(args.claims)
    params = urls.sample(os.environ["DATABASE_URL"], args.requests)
    paths = {s: [urls.qwenkb(s, p) for p in params[s]] for s in SCENARIOS}
    with tempfile.TemporaryDirectory(prefix="percall-") as name:
        tmp = Path(name)
        paths_file = tmp / "paths.json"
        paths_file.write_text(json.dumps(paths))
        trees = {"this tree": ROOT}
        if args.against:
            (tmp / "old").mkdir()
            trees[args.against] = checkout(args.against, tmp / "old")
        runs: dict[str, list[dict]] = {label: [] for label in trees}
        for number in range(args.rounds):
            for label, tree in trees.items():
                profile = args.profile if label == "this tree" and number == 0 else None
                runs[label].append(run_tree(tree, paths_file, tmp, profile, args))
    report(runs, args)


def report(runs: dict[str, list[dict]], args) -> None:
    labels = list(runs)
    median = {
        label: {s: statistics.median(r["cpu_us"][s] for r in runs[label]) for s in SCENARIOS}
        for label in labels
    }
    what = "read-cache hits" if args.read_cache else "requests, read cache off"
    print(f"CPU per request, µs (median of {args.rounds} rounds of {args.requests} {what})")
    header = "| question | " + " | ".join(labels)
    header += " | ratio (old / this) |" if len(labels) == 2 else " |"
    print(header)
    print("|---" * (len(labels) + 1 + (len(labels) == 2)) + "|")
    for s in SCENARIOS:
        cells = [f"{median[label][s]:,.0f}" for label in labels]
        if len(labels) == 2:
            cells.append(f"{median[labels[1]][s] / median[labels[0]][s]:.2f}x")
        print(f"| {LABELS[s]} | " + " | ".join(cells) + " |")
    if len(labels) == 2:
        mine, theirs = runs[labels[0]][0]["digests"], runs[labels[1]][0]["digests"]
        for s in SCENARIOS:
            differ = sum(a != b for a, b in zip(mine[s], theirs[s], strict=True))
            verdict = "identical" if not differ else f"{differ} of {len(mine[s])} DIFFER"
            print(f"responses, {LABELS[s]}: {verdict}")


if __name__ == "__main__":
    main()
