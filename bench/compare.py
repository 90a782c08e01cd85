"""Time one batch command in two source trees side by side, alternating, on one database.

For a loaded machine where `make bench` is out of the question: each round runs the command
once per tree (the order alternating from round to round), with the same setup SQL before
each run, and records wall time, CPU time (user + system of the command and its children)
and peak RSS from GNU time, and the CPU time of the PostgreSQL backends serving the command
(found by their application name, read from /proc: the server must run on this machine).
On a loaded machine CPU seconds are steadier than wall time. Prints medians, min–max and the ratios of the second tree's
medians over the first's.

    DATABASE_URL=postgres://…/qwenkb_x python bench/compare.py --old /tmp/main --new . \\
        --rounds 5 --setup "TRUNCATE claims_contradiction, claims_historicalcontradiction" \\
        -- detect_conflicts

`--setup` may be repeated; each statement runs in autocommit before every run of either tree.
The command's arguments after `--` are given to `manage.py`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

KEYS = ("wall", "cpu", "pg", "mb")
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def run(tree: Path, args: list[str], setup: list[str], url: str) -> dict[str, float]:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in setup:
            conn.execute(statement)
        name = f"compare-{os.getpid()}-{time.monotonic_ns()}"
        seen: dict[int, float] = {}
        with tempfile.NamedTemporaryFile("r", suffix=".txt") as stats:
            command = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", stats.name]
            command += [str(tree / ".venv" / "bin" / "python"), "manage.py", *args]
            env = os.environ | {"PGAPPNAME": name}  # libpq names the command's connections
            process = subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.DEVNULL)
            while process.poll() is None:
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [name]
                ).fetchall()
                for (pid,) in pids:
                    cpu = backend_cpu(pid)
                    if cpu is not None:
                        seen[pid] = max(cpu, seen.get(pid, 0.0))
                for pid in list(seen):
                    cpu = backend_cpu(pid)
                    if cpu is not None:
                        seen[pid] = max(cpu, seen[pid])
                time.sleep(0.02)
            if process.returncode:
                raise subprocess.CalledProcessError(process.returncode, command)
            wall, user, system, kilobytes = stats.read().split()[-4:]
    return {
        "wall": float(wall),
        "cpu": float(user) + float(system),
        "pg": sum(seen.values()),
        "mb": int(kilobytes) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="the reference tree")
    parser.add_argument("--new", type=Path, required=True, help="the tree under test")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--setup", action="append", default=[], help="SQL before each run")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    args = [a for a in options.command if a != "--"]
    url = os.environ["DATABASE_URL"]
    trees = {"old": options.old.resolve(), "new": options.new.resolve()}
    figures: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for round_ in range(options.rounds):
        order = ["old", "new"] if round_ % 2 == 0 else ["new", "old"]
        for name in order:
            figure = run(trees[name], args, options.setup, url)
            figures[name].append(figure)
            print(
                f"round {round_ + 1} {name}: {figure['wall']:.2f} s wall, "
                f"{figure['cpu']:.2f} s CPU, {figure['pg']:.2f} s PostgreSQL CPU, "
                f"{figure['mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    medians = {}
    for name, runs in figures.items():
        medians[name] = {k: statistics.median(r[k] for r in runs) for k in KEYS}
        spread = {k: (min(r[k] for r in runs), max(r[k] for r in runs)) for k in medians[name]}
        print(
            f"{name}: wall {medians[name]['wall']:.2f} s ({spread['wall'][0]:.2f}–"
            f"{spread['wall'][1]:.2f}), CPU {medians[name]['cpu']:.2f} s "
            f"({spread['cpu'][0]:.2f}–{spread['cpu'][1]:.2f}), PostgreSQL CPU "
            f"{medians[name]['pg']:.2f} s ({spread['pg'][0]:.2f}–{spread['pg'][1]:.2f}), peak {medians[name]['mb']:.0f} MB"
        )
    print("new/old: " + ", ".join(f"{k} {medians['new'][k] / medians['old'][k]:.2f}" for k in KEYS))


if __name__ == "__main__":
    main()
