"""Turn bench/out/results.json into bench/RESULTS.md: medians with min–max, ratios, targets.

    python bench/report.py bench/out/results.json bench/RESULTS.md

The section "Where the time goes" is kept from bench/notes.md, written from profiles
(py-spy, cProfile) of the same steps; everything else is generated from the run's figures.
"""

import json
import statistics
import sys
from pathlib import Path

QUESTIONS = {
    "group": "claims of one subject+metric",
    "range": "page of 50 claims of a metric in a value range, by value",
    "facts": "entity fact sheet",
    "disputes": "open contradictions of a metric by severity",
}
# Issue 16's targets: seconds for the batch jobs (peak memory <= 500 MB for every one of
# them), ratios to Datasette's canned query with the read cache on and off, p99, and how much
# the p50 may grow from the small knowledge base to the large one and still count as flat.
# A rescan after a write that changes no record is one "when nothing changes" too.
TARGETS = {
    "rescan_create": 3.0,
    "rescan_idempotent": 1.5,
    "rescan_after_write": 1.5,
    "rescan_after_insert": 1.5,
    "rescan_after_source_write": 1.5,
    "import": 60.0,
}
MEMORY_TARGET_MB = 500
RATIO_TARGETS = {"qwenkb": 2.0, "nocache": 1.0}
P99_TARGET_MS = 100
FLAT = 1.25


# Each system the load runs, as the tables name it.
SYSTEMS = {
    "qwenkb": "QwenKB API, read cache on",
    "nocache": "QwenKB API, read cache off",
    "canned": "Datasette canned",
    "table": "Datasette table",
}
# The systems whose CPU per request the CPU table compares, and where their answers' sizes are.
CPU_SYSTEMS = {"qwenkb": "large", "nocache": "large", "canned": "canned"}


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    """Median with min–max (or the single value)."""
    median = fmt.format(statistics.median(values))
    if len(values) == 1:
        return f"{median} (1 run)"
    return f"{median} ({fmt.format(min(values))}–{fmt.format(max(values))}, {len(values)} runs)"


def _filled(results: dict) -> str:
    """How the cache-on rows came to be answered from the read cache."""
    filled = results.get("read_cache_filled")
    if not filled:  # runs before session 19
        return (
            "Every round asks the same questions in the same order, so from the second round "
            "on the cache answers repeats (the read cache was not filled first: a round "
            "reaching paths the rounds before it had not ran their queries)."
        )
    parts = []
    for scenario, answered in filled.items():
        counts = ", ".join(
            f"{n:,} {kind}{'' if n == 1 else 'es' if kind.endswith('s') else 's'}"
            for kind, n in answered.items()
            if kind != "seconds"
        )
        parts.append(f"{scenario}: {counts} in {answered['seconds']} s")
    return (
        "Before the rounds every path of every question was asked of the cache-on server "
        f"once ({'; '.join(parts)}), and every round asks the same paths again, so its rows "
        "are the read cache answering questions asked before."
    )


def load_rows(results: dict, label_prefix: str) -> dict:
    rows: dict[tuple[str, str], list[dict]] = {}
    for figure in results["load"]:
        if figure["label"].startswith(label_prefix):
            rows.setdefault((figure["system"], figure["scenario"]), []).append(figure)
    return rows


def _batch_rows(steps: dict, settings: dict) -> list[str]:
    """The batch jobs' table rows: time and memory per step, against its target."""
    lines: list[str] = []
    names = {
        "generate": f"generate {settings['claims']:,} claims (read, store, detect)",
        "rescan_create": "full rescan, creating every record",
        "rescan_idempotent": "full rescan, nothing written since the last",
        "rescan_after_write": "full rescan, one claim's notes written since the last",
        "rescan_after_insert": "full rescan, one claim added since the last",
        "rescan_after_source_write": "full rescan, one source's title written since the last",
        "rescan_after_wide_write": "full rescan, every 50th claim's notes written since the last",
        "rescan_every_group": "full rescan, nothing to change, every group judged (--every-group)",
        "write_import_file": "write the import file (catalogue + JSONL)",
        "import": f"import {settings['claims']:,} rows (read, store, detect)",
        "generate_small": f"generate {settings['small_claims']:,} claims",
        "export_sqlite": "export to SQLite for Datasette",
    }
    for step, label in names.items():
        if step not in steps:
            continue
        seconds = [f["seconds"] for f in steps[step]]
        memory = [f["peak_mb"] for f in steps[step]]
        target = TARGETS.get(step)
        verdict = ""
        if target is not None:
            median = statistics.median(seconds)
            verdict = (
                f"≤ {target:g} s: met"
                if median <= target
                else f"≤ {target:g} s: missed by {median - target:.1f} s ({median / target:.1f}×)"
            )
            peak = max(memory)
            verdict += (
                f"; ≤ {MEMORY_TARGET_MB} MB: {'met' if peak <= MEMORY_TARGET_MB else 'missed'}"
            )
        lines.append(f"| {label} | {spread(seconds)} | {spread(memory, '{:.0f}')} | {verdict} |")
    return lines


def _load_rows(big: dict) -> tuple[list[str], list[str]]:
    """The load table's rows per question and system, and the verdicts on the targets."""
    lines: list[str] = []
    verdicts = []
    for scenario, question in QUESTIONS.items():
        ours = {system: big.get((system, scenario), []) for system in ("qwenkb", "nocache")}
        if not ours["qwenkb"]:
            continue
        ours_rps = {
            system: statistics.median(f["rps"] for f in runs) if runs else None
            for system, runs in ours.items()
        }
        for system, name in SYSTEMS.items():
            runs = big.get((system, scenario), [])
            if not runs:
                continue
            rps = statistics.median(f["rps"] for f in runs)
            ratios = ["", ""]
            if system in ("canned", "table"):
                ratios = [
                    (f"{ours_rps[own] / rps:.2f}" if rps else "∞") if ours_rps[own] else ""
                    for own in ("qwenkb", "nocache")
                ]
            lines.append(
                f"| {question} | {name} | {spread([f['rps'] for f in runs])} | "
                f"{spread([f['p50_us'] / 1000 for f in runs])} | "
                f"{spread([f['p99_us'] / 1000 for f in runs])} | "
                f"{sum(f['non2xx'] + f['socket_errors'] for f in runs)} | {' | '.join(ratios)} |"
            )
            if system == "canned":
                for own, label in (("qwenkb", "read cache on"), ("nocache", "read cache off")):
                    if not ours[own]:
                        continue
                    p99 = statistics.median(f["p99_us"] / 1000 for f in ours[own])
                    ratio, wanted = ours_rps[own] / rps, RATIO_TARGETS[own]
                    verdicts.append(
                        f"- {question}, {label}: ratio {ratio:.2f} (target ≥ {wanted:.1f}: "
                        f"{'met' if ratio >= wanted else 'missed'}), p99 {p99:.0f} ms "
                        f"(target ≤ {P99_TARGET_MS} ms: "
                        f"{'met' if p99 <= P99_TARGET_MS else 'missed'})"
                    )
    return lines, verdicts


def _cpu_rows(big: dict, answers: dict) -> list[str]:
    """Where each request's CPU went, per question and system: the server's processes,
    PostgreSQL's, and the load generator's; the server and its database against Datasette's
    canned query (which reads SQLite inside its own process); and the answers' sizes."""
    lines = [
        "",
        "## CPU per request",
        "",
        "CPU milliseconds per answered request (user + system, from /proc, over each timed run; "
        "median over the rounds): the server's processes (for QwenKB, its Python workers), "
        "PostgreSQL's, and wrk's. On two cores, requests a second are at most 2,000 over the "
        "sum. The next column is the server and its database over Datasette's; the last, the "
        "mean answer in rows and KB (read once outside the timed runs, as in the table below; "
        "both caches answer what the cache-off server answers).",
        "",
        "| question | system | server | PostgreSQL | wrk | server + database | × Datasette canned "
        "| answer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scenario, question in QUESTIONS.items():
        medians: dict[str, dict[str, float]] = {}
        for system in CPU_SYSTEMS:
            runs = [f["cpu_ms"] for f in big.get((system, scenario), []) if "cpu_ms" in f]
            if runs:
                medians[system] = {
                    part: statistics.median(run[part] for run in runs) for part in runs[0]
                }
        theirs = medians.get("canned")
        for system, parts in medians.items():
            own = parts["app"] + parts["postgres"]
            versus = ""
            if theirs and system != "canned":
                versus = f"{own / (theirs['app'] + theirs['postgres']):.2f}"
            size = answers.get(CPU_SYSTEMS[system], {}).get(scenario)
            answer = f"{size['rows']:.1f} rows, {size['bytes'] / 1000:.1f} KB" if size else ""
            lines.append(
                f"| {question} | {SYSTEMS[system]} | {parts['app']:.2f} | "
                f"{parts['postgres']:.2f} | {parts['wrk']:.2f} | {own:.2f} | {versus} | {answer} |"
            )
    return lines if len(lines) > 7 else []


def _answer_size(answers: dict, base: str, scenario: str) -> str:
    """Mean rows and KB of the base's answers to the question, as measured (or blank)."""
    figure = answers.get(base, {}).get(scenario)
    if not figure:
        return " | "
    return f"{figure['rows']:.1f} | {figure['bytes'] / 1000:.1f}"


def _scaling_rows(small: dict, big: dict, settings: dict, answers: dict) -> list[str]:
    """How latency grows from the small knowledge base to the large one, beside how large
    the answers are in each (a question whose pages are fuller in the large base answers
    with more rows there: its growth is partly the answer's)."""
    lines = [
        "",
        f"## Latency from {settings['small_claims']:,} to {settings['claims']:,} claims "
        "(QwenKB, read cache off)",
        "",
        f"Flat (the target): the large base's p50 at most {FLAT:g}× the small one's. Rows and KB:"
        " the mean size of an answer, read once outside the timed runs from the first "
        "paths of each list.",
        "",
        "| question | p50 ms small | p50 ms large | req/s small | req/s large | flat "
        "| rows small | KB small | rows large | KB large |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, question in QUESTIONS.items():
        a, b = small.get(("nocache", scenario), []), big.get(("nocache", scenario), [])
        if a and b:
            p50_small = statistics.median(f["p50_us"] for f in a) / 1000
            p50_large = statistics.median(f["p50_us"] for f in b) / 1000
            growth = p50_large / p50_small
            lines.append(
                f"| {question} | {p50_small:.1f} | {p50_large:.1f} | "
                f"{statistics.median(f['rps'] for f in a):.0f} | "
                f"{statistics.median(f['rps'] for f in b):.0f} | "
                f"{'met' if growth <= FLAT else 'missed'} ({growth:.2f}×) | "
                f"{_answer_size(answers, 'small', scenario)} | "
                f"{_answer_size(answers, 'large', scenario)} |"
            )
    return lines


PROPOSAL_TARGET_S = 1.0  # per article (bench/extraction.py)


def _proposal_rows(figures: dict | None) -> list[str]:
    """Proposals from one article (bench/extraction.py, run by bench/run.py)."""
    heading = ["", "## Proposals from an article", ""]
    if not figures:
        return [*heading, "Not run (a run from before bench/run.py timed proposals)."]
    if "not_timed" in figures:
        return [*heading, f"Not timed: {figures['not_timed']}"]
    verdict = "met" if figures["worst_s"] <= PROPOSAL_TARGET_S else "missed"
    return [
        *heading,
        f"The longest seed article ({figures['article']}, {figures['bytes']:,} bytes) against "
        f"a catalogue of {figures['entities']:,} entities and {figures['metrics']} metrics, "
        f"built once in {figures['catalogue_s']:.2f} s; {figures['runs']} runs of the "
        "extraction alone (no database): "
        f"{figures['proposals']} proposals, {figures['candidates']} new-entity candidates, "
        f"{figures['skipped']} figures skipped.",
        "",
        "| median s | worst s | target |",
        "|---|---|---|",
        f"| {figures['median_s']:.3f} | {figures['worst_s']:.3f} | "
        f"≤ {PROPOSAL_TARGET_S:g} s per article: {verdict} |",
    ]


def _search_rows(figures: dict | None) -> list[str]:
    """Searches one request at a time (bench/run.py): claims by their text, and everything."""
    heading = ["", "## Searching", ""]
    if not figures:
        return [*heading, "Not run (a run from before bench/run.py timed searches)."]

    def everything(row: dict) -> str:
        found = row.get("everything")
        if not found:  # a run from before the search page was timed
            return "— | — | —"
        return f"{found['hits']:,} | {found['median_ms']:.1f} | {found['worst_ms']:.1f}"

    return [
        *heading,
        f"On the large base, read cache off, one request at a time, each question "
        f"{figures['runs']} times (a statement is prepared on its fifth run): claims by a piece "
        "of their text (`/api/claims/?q=…`), and everything at once as the search page looks "
        "(`/api/search/?q=…`: entities and aliases, metrics, publishers, sources, quotes; up "
        "to 50 hits of each). No target in the issue; a researcher waits for them.",
        "",
        "| question | characters | claims found | median ms | worst ms | last ms "
        "| everything: hits | median ms | worst ms |",
        "|---|---|---|---|---|---|---|---|---|",
        *[
            f"| {label} | {row['q_chars']} | {row['count']:,} | {row['median_ms']:.1f} | "
            f"{row['worst_ms']:.1f} | {row['last_ms']:.1f} | {everything(row)} |"
            for label, row in figures["questions"].items()
        ],
    ]


def report(results: dict, notes: str) -> str:
    steps, settings, machine = results["steps"], results["settings"], results["machine"]
    counts = results.get("counts", {})
    lines = [
        "# QwenKB benchmark results",
        "",
        "Written by `make bench` (bench/run.py, then bench/report.py) from bench/out/results.json.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine.items()],
        f"- whole run: {results.get('total_minutes', 0):.1f} minutes",
        "",
        "## Data",
        "",
        f"- {counts.get('claims', 0):,} claims in {counts.get('groups', 0):,} subject+metric groups, "
        f"{counts.get('entities', 0):,} entities, {counts.get('sources', 0):,} sources "
        "(`generate_synthetic --seed 1`)",
        f"- {counts.get('contradictions', 0):,} contradiction records; "
        f"{counts.get('disputed_groups', 0):,} groups disputed "
        f"({100 * counts.get('disputed_groups', 0) / max(counts.get('groups', 1), 1):.1f}%)",
        f"- import file: {results.get('import_file_mb', 0):.0f} MB of JSON Lines, "
        f"{counts.get('imported_claims', 0):,} claims after the import",
        "",
        "## Commands",
        "",
        "```sh",
        "make bench    # all of the below, then this file",
        *dict.fromkeys(results["commands"]),  # each command once, in the order first run
        "make serve    # on a free port, API_ANON_RATE lifted, API_CACHE_MB=1024 (cache on) or 0 (off); granian, DEBUG=0",
        "datasette serve -i bench/out/kb.db --metadata bench/out/metadata.json",
        f"wrk -t2 -c{settings['connections']} -d{settings['duration_s']}s -s bench/load.lua URL -- PATHS",
        "```",
        "",
        "## Batch jobs",
        "",
        "Wall time in seconds and peak memory (max RSS of the command's Python process) in MB, "
        "median with min–max.",
        "",
        "| step | seconds | peak MB | target |",
        "|---|---|---|---|",
    ]
    lines += _batch_rows(steps, settings)
    lines += _proposal_rows(results.get("proposals"))
    lines += _search_rows(results.get("search"))
    big, small = load_rows(results, "round"), load_rows(results, "small")
    lines += [
        "",
        f"## API under load ({settings['connections']} connections, {settings['duration_s']} s a run, "
        f"{settings['rounds']} rounds alternating QwenKB with its read cache, QwenKB without it, "
        "Datasette canned query, Datasette table API)",
        "",
        "Requests per second and latency in ms, median over the rounds with min–max. "
        "Ratios on Datasette's rows: QwenKB's median requests/s over that row's, with the read "
        "cache on and off. " + _filled(results) + " The cache-off rows are every request "
        "running its queries.",
        "",
        "| question | system | req/s | p50 ms | p99 ms | non-2xx | ratio, cache on | ratio, cache off |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows, verdicts = _load_rows(big)
    lines += rows
    lines += ["", "### Targets", "", *verdicts]
    lines += _cpu_rows(big, results.get("answers", {}))
    if small:
        lines += _scaling_rows(small, big, settings, results.get("answers", {}))
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    notes_file = Path(__file__).with_name("notes.md")
    notes = notes_file.read_text() if notes_file.exists() else ""
    target.write_text(report(json.loads(source.read_text()), notes))
