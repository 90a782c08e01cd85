"""The QwenKB benchmark, end to end: `make bench` runs it through bench/run.sh.

Steps, each timed: generate BENCH_CLAIMS (1,000,000) synthetic claims into PostgreSQL;
rescan them all (records created from none; then with nothing written since, which stands
whole; then after one claim's notes are written, one claim is added and one source's title
is written, which look only at the groups written; then after every 50th claim's notes are
written, which finds every group and skips those left unchanged; then judging every group
again); write the same claims
to a JSON Lines file and import it into a second database; serve the API with `make serve`
twice (read cache on, as deployed, and off, so every request runs its queries) and Datasette
on a SQLite export of the same claims, and load them with wrk (16 connections, thousands of
varied URLs per question), alternating system by system within each round; repeat the API
load (cache off) on a 10,000-claim database to show latency does not grow with size.
Every wrk run walks the same URL list from the same offsets, so a question asked in one
round is asked again in the next: that repetition is what the read cache serves. Before the
rounds, every URL is asked of the cache-on server once (``fill_read_cache``), so that its
rounds are answers to questions asked before, as the read cache is meant to give.
Every figure goes to bench/out/results.json; bench/report.py turns it into RESULTS.md.
Every server started here is stopped here, whatever happens.
"""

import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
CLAIMS = int(os.environ.get("BENCH_CLAIMS", "1000000"))
SMALL = int(os.environ.get("BENCH_SMALL_CLAIMS", "10000"))
DURATION = int(os.environ.get("BENCH_DURATION", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
RESCANS = int(os.environ.get("BENCH_RESCANS", "3"))
CONNECTIONS = 16
BENCH_CACHE_MB = "1024"  # the read cache of the cache-on server (serve_qwenkb)
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATASETTE = str(ROOT / "bench" / ".venv" / "bin" / "datasette")
SCENARIOS = ("group", "range", "facts", "disputes")
servers: list[subprocess.Popen] = []
results: dict = {"steps": {}, "load": [], "commands": []}


def free_port() -> int:
    """A port nothing listens on (other servers may run on this machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


QWENKB_PORT, NOCACHE_PORT, DATASETTE_PORT = free_port(), free_port(), free_port()


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def database(name: str) -> str:
    return f"{PG}/{name}"


def recreate(name: str) -> None:
    with psycopg.connect(database("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


# A copy of the first claim, as a new claim of its group (every column but the id and the
# value key the database computes).
COPY_FIRST_CLAIM = """
DO $$
DECLARE columns text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute WHERE attrelid = 'claims_claim'::regclass AND attnum > 0
    AND NOT attisdropped AND attname <> 'id' AND attgenerated = '';
    EXECUTE format(
        'INSERT INTO claims_claim (%s) SELECT %s FROM claims_claim '
        'WHERE id = (SELECT min(id) FROM claims_claim)', columns, columns);
END
$$
"""


# Each timed rescan after one of these writes (claims.detection.standing):
WRITES_BEFORE_RESCANS = (
    # A claim's notes, which the rules do not judge: the rescan cannot stand whole, but the
    # write names its group, so only that group is looked at.
    (
        "rescan_after_write",
        "UPDATE claims_claim SET notes = notes || '.' "
        "WHERE id = (SELECT min(id) FROM claims_claim)",
    ),
    # A claim added: found by its row's transaction id, reading every claim's once.
    ("rescan_after_insert", COPY_FIRST_CLAIM),
    # A source's title: the groups of the claims naming the source are looked at.
    (
        "rescan_after_source_write",
        "UPDATE sources_source SET title = title || '.' "
        "WHERE id = (SELECT min(id) FROM sources_source)",
    ),
    # Every 50th claim's notes: more groups than a rescan looks up one by one, so it finds
    # every group again and skips those the last one left unchanged (claims.detection.digests).
    (
        "rescan_after_wide_write",
        "UPDATE claims_claim SET notes = notes || '.' WHERE id % 50 = 0",
    ),
)


def sql(name: str, statement: str) -> None:
    with psycopg.connect(database(name), autocommit=True) as conn:
        conn.execute(statement)


# The batch commands run as a production install runs them: with DEBUG on, Django keeps the
# text of every query, each one's parameters written into it (~7% of an import's time).
BATCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-" + "k" * 50,
    "ALLOWED_HOSTS": "localhost",
}


def timed(step: str, args: list[str], *, db: str, record: bool = True) -> dict:
    """Run a command, with its wall time and its peak memory (GNU time's max RSS)."""
    stats = OUT / "time.txt"
    env = os.environ | BATCH_ENV | {"DATABASE_URL": database(db)}
    command = ["/usr/bin/time", "-f", "%e %M", "-o", str(stats), *args]
    shown = " ".join(args).replace(str(ROOT) + "/", "")
    log(f"{step}: {shown}")
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    seconds, kilobytes = stats.read_text().split()[-2:]
    figure = {"seconds": float(seconds), "peak_mb": int(kilobytes) / 1024}
    log(f"{step}: {figure['seconds']:.1f} s, peak {figure['peak_mb']:.0f} MB")
    if record:
        results["steps"].setdefault(step, []).append(figure)
        line = f"DEBUG=0 DATABASE_URL=…/{db} {shown}"
        if line not in results["commands"]:
            results["commands"].append(line)
    return figure


def manage(*args: str) -> list[str]:
    return [PYTHON, "manage.py", *args]


def start(args: list[str], env: dict, log_name: str) -> subprocess.Popen:
    """Start a server in its own process group, to stop it and its workers together."""
    handle = (OUT / log_name).open("w")
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env=os.environ | env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    servers.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process in servers:
        servers.remove(process)


def stop_all(*_args) -> None:
    for process in list(servers):
        stop(process)


def wait_for(url: str, process: subprocess.Popen, seconds: int = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def serve_qwenkb(db: str, port: int, *, cache: bool = True) -> subprocess.Popen:
    """`make serve` on ``db``; with ``cache`` off every request runs its queries.

    The read cache starts empty: every hit is a question asked earlier in this run.
    """
    # Each server's own directory: the cache-off server starting must not delete the files
    # under the running one's open store (its SQLite connections would then disagree).
    cache_dir = OUT / f"api-cache-{db}{'' if cache else '-nocache'}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    env = {
        "DATABASE_URL": database(db),
        "PORT": str(port),
        # Sized for the load's working set, as an operator sizes it for theirs: the four
        # questions' 8,000 answers take more than the default 256 MB (7,134 of them filled
        # 236 MB), so the first question's were stored out while the last one's came in, and
        # each round started cold.
        "API_CACHE_MB": os.environ.get("API_CACHE_MB", BENCH_CACHE_MB) if cache else "0",
        "API_CACHE_DIR": str(cache_dir),
        # The anonymous read limit (1000/minute per address) would throttle the load test,
        # which comes from one address; it is lifted here, nowhere else.
        "API_ANON_RATE": "100000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    log_name = f"serve-{db}{'' if cache else '-nocache'}.log"
    process = start(["make", "--no-print-directory", "serve"], env, log_name)
    wait_for(f"http://127.0.0.1:{port}/api/", process)
    server_groups[port] = process.pid
    return process


# The process group of the server listening on each port (load), for its CPU per request.
server_groups: dict[int, int] = {}


def _cpu_of_parts(port: int) -> dict[str, float]:
    """CPU seconds (user and system) used so far by the live processes of the server on
    ``port`` (its process group, ``start``) and of PostgreSQL, from one pass over /proc; and
    by this script's ended children (wrk, once it has ended)."""
    group, ticks = server_groups.get(port), {"app": 0, "postgres": 0}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = int(fields[11]) + int(fields[12])
        if int(fields[2]) == group:
            ticks["app"] += used
        elif name.startswith("postgres"):
            ticks["postgres"] += used
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    tick = os.sysconf("SC_CLK_TCK")
    return {part: count / tick for part, count in ticks.items()} | {
        "wrk": children.ru_utime + children.ru_stime
    }


def wrk(system: str, scenario: str, port: int, duration: int, label: str, urls: str) -> dict:
    # Both QwenKB servers get the same paths.
    paths = OUT / urls / f"{'qwenkb' if system == 'nocache' else system}_{scenario}.txt"
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "10s"]
    args += ["-s", str(ROOT / "bench" / "load.lua"), f"http://127.0.0.1:{port}", "--", str(paths)]
    before = _cpu_of_parts(port)
    output = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    after = _cpu_of_parts(port)
    found = re.search(r"WRK_JSON (\{.*\})", output)
    figure = json.loads(found.group(1))
    figure["rps"] = figure["requests"] / (figure["duration_us"] / 1e6)
    # Where each request's CPU went, in ms: the server's processes (Python, or Datasette),
    # PostgreSQL's, and the load generator's own (wrk: the same work for every system).
    figure["cpu_ms"] = {
        part: (after[part] - before[part]) * 1000 / max(figure["requests"], 1) for part in after
    }
    figure |= {"system": system, "scenario": scenario, "label": label}
    results["load"].append(figure)
    log(
        f"{label:>10} {system:>8} {scenario:>8}: {figure['rps']:7.1f} req/s, "
        f"p50 {figure['p50_us'] / 1000:.1f} ms, p99 {figure['p99_us'] / 1000:.1f} ms, "
        f"non-2xx {figure['non2xx']}, socket errors {figure['socket_errors']}; CPU ms a request: "
        + ", ".join(f"{part} {ms:.2f}" for part, ms in figure["cpu_ms"].items())
    )
    return figure


# Answers read once per question and base, outside the timed runs, for their size.
ANSWERS_READ = 100


def answers(port: int, urls: str, base: str, system: str = "qwenkb") -> None:
    """Rows and bytes of a system's answers to each question (the first ``ANSWERS_READ``
    paths): latency against size compares answers of the sizes the two bases give, and
    QwenKB's work against Datasette's compares answers of the sizes each gives."""
    for scenario in SCENARIOS:
        paths = (OUT / urls / f"{system}_{scenario}.txt").read_text().split()[:ANSWERS_READ]
        rows = sizes = 0
        for path in paths:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as answer:
                body = answer.read()
            sizes += len(body)
            # QwenKB's list pages hold "results"; Datasette's ?_shape=objects "rows".
            rows += len(json.loads(body)["results" if system == "qwenkb" else "rows"])
        figure = {"rows": rows / len(paths), "bytes": sizes / len(paths), "paths": len(paths)}
        results.setdefault("answers", {}).setdefault(base, {})[scenario] = figure


def fill_read_cache(port: int, urls: str) -> None:
    """Every path of every question asked once of the read-cache server, before the rounds.

    The rounds repeat the paths of the rounds before them, but each round, faster than the
    last, reached paths the last had not, and those ran their queries: in session 19's run
    PostgreSQL's CPU per cache-on request of the open contradictions (0.59 ms, against 0.06
    for a hit's one statement) says about a fifth of them did. Filled first, the cache-on
    rows measure what they are named for; the cache-off rows are unchanged. The answers'
    X-Cache headers are counted: a hit is a path the warm-up asked already."""

    def ask(path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as answer:
            answer.read()
            return answer.headers.get("X-Cache") or "none"

    filled = {}
    for scenario in SCENARIOS:
        paths = (OUT / urls / f"qwenkb_{scenario}.txt").read_text().split()
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answered = Counter(pool.map(ask, dict.fromkeys(paths)))
        filled[scenario] = dict(answered) | {"seconds": round(time.perf_counter() - began, 1)}
        log(f"read cache filled, {scenario}: {filled[scenario]}")
    results["read_cache_filled"] = filled


SEARCH_RUNS = 12  # past psycopg's fifth run, after which a prepared statement may be planned once


def _timed(url: str, answered) -> tuple[list[float], object]:
    """``SEARCH_RUNS`` requests of ``url`` one after another: their times in ms, and what
    ``answered`` reads from the last answer."""
    times, read = [], None
    for _ in range(SEARCH_RUNS):
        began = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as answer:
            read = answered(json.loads(answer.read()))
        times.append((time.perf_counter() - began) * 1000)
    return times, read


def searches(port: int, db: str) -> None:
    """Searches one request at a time, each question ``SEARCH_RUNS`` times: claims by a piece
    of their text (``/api/claims/?q=``), and everything at once as the search page does
    (``/api/search/?q=``: entities and aliases, metrics, publishers, sources, quotes). The
    questions: a word found nowhere, an entity's name (found in its few claims), a metric's
    name (found in many), and 200 characters found nowhere."""
    with psycopg.connect(database(db)) as conn:
        entity = conn.execute("SELECT name FROM claims_entity ORDER BY id LIMIT 1").fetchone()[0]
        metric = conn.execute("SELECT name FROM claims_metric ORDER BY id LIMIT 1").fetchone()[0]
    questions = {
        "a word found nowhere": "zqxjvw",
        "an entity's name": entity,
        "a metric's name": metric,
        "200 characters found nowhere": ("zqxjvw " * 29)[:200],
    }
    figures = {}
    base = f"http://127.0.0.1:{port}/api/"
    for label, q in questions.items():
        query = urllib.parse.urlencode({"q": q})
        times, count = _timed(f"{base}claims/?{query}", lambda body: body["count"])
        every, hits = _timed(
            f"{base}search/?{query}",
            lambda body: sum(len(group["results"]) for group in body["groups"]),
        )
        figures[label] = {
            "q_chars": len(q),
            "count": count,
            "median_ms": statistics.median(times),
            "worst_ms": max(times),
            "last_ms": times[-1],
            "everything": {
                "hits": hits,
                "median_ms": statistics.median(every),
                "worst_ms": max(every),
            },
        }
        log(
            f"search {label}: median {figures[label]['median_ms']:.1f} ms, worst "
            f"{figures[label]['worst_ms']:.1f} ms, {count} claims; everything: median "
            f"{statistics.median(every):.1f} ms, {hits} hits"
        )
    results["search"] = {"runs": SEARCH_RUNS, "questions": figures}


def machine() -> dict:
    cpu = re.search(
        r"Model name:\s*(.+)", subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    with psycopg.connect(database("postgres")) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        shared = conn.execute("SHOW shared_buffers").fetchone()[0]
    return {
        "cpu": cpu.group(1).strip() if cpu else "unknown",
        "cores": os.cpu_count(),
        "memory_gb": round(memory, 1),
        "postgres": f"{version} (shared_buffers {shared}, defaults otherwise)",
        "python": sys.version.split()[0],
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(
            "\n"
        )[0],
    }


def build() -> None:
    """The databases and the import file."""
    big, imported, small = "qwenkb_bench", "qwenkb_bench_import", "qwenkb_bench_small"
    for name in (big, imported, small):
        recreate(name)
        subprocess.run(
            manage("migrate", "--noinput", "-v0"),
            cwd=ROOT,
            check=True,
            env=os.environ | {"DATABASE_URL": database(name)},
        )
    timed(
        "generate", manage("generate_synthetic", "--claims", str(CLAIMS), "--no-progress"), db=big
    )
    sql(big, "VACUUM ANALYZE")
    for _run in range(RESCANS):
        sql(big, "TRUNCATE claims_contradiction, claims_historicalcontradiction")
        sql(big, "VACUUM ANALYZE claims_contradiction")
        timed("rescan_create", manage("detect_conflicts"), db=big)
    for _run in range(RESCANS):
        timed("rescan_idempotent", manage("detect_conflicts"), db=big)
    for step, write in WRITES_BEFORE_RESCANS:
        for _run in range(RESCANS):
            sql(big, write)
            timed(step, manage("detect_conflicts"), db=big)
    for _run in range(RESCANS):  # the same with every group judged again, none skipped
        timed("rescan_every_group", manage("detect_conflicts", "--every-group"), db=big)
    claims_file = OUT / "claims.jsonl"
    args = [
        "generate_synthetic",
        "--claims",
        str(CLAIMS),
        "--out",
        str(claims_file),
        "--no-progress",
    ]
    timed("write_import_file", manage(*args), db=imported)
    results["import_file_mb"] = claims_file.stat().st_size / 1e6
    timed("import", manage("import_claims", str(claims_file), "--no-progress"), db=imported)
    timed(
        "generate_small",
        manage("generate_synthetic", "--claims", str(SMALL), "--no-progress"),
        db=small,
    )
    sql(small, "VACUUM ANALYZE")
    sql(imported, "VACUUM ANALYZE")
    with psycopg.connect(database(big)) as conn:
        results["counts"] = {
            "claims": conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0],
            "groups": conn.execute(
                "SELECT count(*) FROM (SELECT DISTINCT subject_id, metric_id FROM claims_claim) g"
            ).fetchone()[0],
            "disputed_groups": conn.execute(
                "SELECT count(*) FROM (SELECT DISTINCT subject_id, metric_id "
                "FROM claims_contradiction WHERE status = 'open') g"
            ).fetchone()[0],
            "contradictions": conn.execute("SELECT count(*) FROM claims_contradiction").fetchone()[
                0
            ],
            "entities": conn.execute("SELECT count(*) FROM claims_entity").fetchone()[0],
            "sources": conn.execute("SELECT count(*) FROM sources_source").fetchone()[0],
        }
    with psycopg.connect(database(imported)) as conn:
        results["counts"]["imported_claims"] = conn.execute(
            "SELECT count(*) FROM claims_claim"
        ).fetchone()[0]


def proposals() -> None:
    """Proposals from the longest seed article (~30 KB) against a catalogue the size of the
    benchmark's (bench/extraction.py), timed apart from the database: extraction reads text
    and a catalogue built once per process."""
    entities = results.get("counts", {}).get("entities") or max(12, CLAIMS // 25)
    args = [PYTHON, "bench/extraction.py", "--json", "--entities", str(entities), "--runs", "7"]
    log(f"proposals: {' '.join(args)}")
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:  # e.g. no seed texts beside the checkout (SEED_TEXTS_DIR)
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
        results["proposals"] = {"not_timed": reason}
        log(f"proposals: not timed: {reason}")
        return
    results["proposals"] = figures = json.loads(done.stdout.strip().splitlines()[-1])
    log(
        f"proposals: median {figures['median_s']:.3f} s, worst {figures['worst_s']:.3f} s "
        f"for {figures['bytes']:,} bytes against {figures['entities']:,} entities"
    )


def load() -> None:
    """Alternate QwenKB and Datasette, question by question, round after round."""
    big, small = "qwenkb_bench", "qwenkb_bench_small"
    db_file = OUT / "kb.db"
    timed(
        "export_sqlite",
        [PYTHON, "bench/export_sqlite.py", str(db_file), str(OUT / "metadata.json")],
        db=big,
    )
    subprocess.run(
        [PYTHON, "bench/urls.py", str(OUT / "urls"), "kb"],
        cwd=ROOT,
        check=True,
        env=os.environ | {"DATABASE_URL": database(big)},
    )
    qwenkb = serve_qwenkb(big, QWENKB_PORT)
    nocache = serve_qwenkb(big, NOCACHE_PORT, cache=False)
    datasette = start(
        [
            DATASETTE,
            "serve",
            "-i",
            str(db_file),
            "--metadata",
            str(OUT / "metadata.json"),
            "--host",
            "127.0.0.1",
            "--port",
            str(DATASETTE_PORT),
            "--setting",
            "sql_time_limit_ms",
            "10000",
        ],
        {},
        "datasette.log",
    )
    wait_for(f"http://127.0.0.1:{DATASETTE_PORT}/kb.json", datasette)
    server_groups[DATASETTE_PORT] = datasette.pid
    ports = {
        "qwenkb": QWENKB_PORT,
        "nocache": NOCACHE_PORT,
        "canned": DATASETTE_PORT,
        "table": DATASETTE_PORT,
    }
    answers(NOCACHE_PORT, "urls", "large")
    searches(NOCACHE_PORT, big)
    answers(DATASETTE_PORT, "urls", "canned", system="canned")
    for scenario in SCENARIOS:  # warm caches: each system, each question, once
        for system, port in ports.items():
            wrk(system, scenario, port, 2, "warm-up", "urls")
    fill_read_cache(QWENKB_PORT, "urls")
    for round_ in range(1, ROUNDS + 1):
        for scenario in SCENARIOS:
            for system, port in ports.items():
                wrk(system, scenario, port, DURATION, f"round {round_}", "urls")
    stop(datasette)
    stop(qwenkb)
    stop(nocache)
    subprocess.run(
        [PYTHON, "bench/urls.py", str(OUT / "urls-small"), "kb"],
        cwd=ROOT,
        check=True,
        env=os.environ | {"DATABASE_URL": database(small)},
    )
    # Latency against size is a question about the queries: the read cache stays off.
    nocache = serve_qwenkb(small, NOCACHE_PORT, cache=False)
    answers(NOCACHE_PORT, "urls-small", "small")
    for scenario in SCENARIOS:
        wrk("nocache", scenario, NOCACHE_PORT, 2, "warm-up", "urls-small")
    for round_ in range(1, ROUNDS + 1):
        for scenario in SCENARIOS:
            wrk("nocache", scenario, NOCACHE_PORT, DURATION, f"small {round_}", "urls-small")
    stop(nocache)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results["machine"] = machine()
    results["settings"] = {
        "claims": CLAIMS,
        "small_claims": SMALL,
        "duration_s": DURATION,
        "rounds": ROUNDS,
        "connections": CONNECTIONS,
    }
    try:
        if os.environ.get("BENCH_ONLY") != "load":  # BENCH_ONLY=load: last run's databases
            build()
        proposals()
        load()
    finally:
        stop_all()
        results["total_minutes"] = (time.time() - started) / 60
        (OUT / "results.json").write_text(json.dumps(results, indent=2))
    subprocess.run(
        [PYTHON, "bench/report.py", str(OUT / "results.json"), "bench/RESULTS.md"],
        cwd=ROOT,
        check=True,
    )
    log(f"done in {results['total_minutes']:.1f} minutes; bench/RESULTS.md written")


if __name__ == "__main__":
    main()
