"""Build a synthetic knowledge base of any size, the same one for the same seed.

Entities of every kind (models under families under organisations, products, people,
hardware, platforms, benchmarks), metrics of every value type, publishers and sources
across the reliability grades, and subject+metric groups of 1 to 30 claims with a long
tail (weights k^-1.5: most groups hold one or two claims, a few hold thirty). About 5% of
groups disagree (a figure that cannot hold, a "more than" that undercuts the others, another
date, another licence…); time-varying metrics form series of periods whose figures grow.
Agreeing sources write one figure in several ways ("27B", "27 billion", "27 billion
parameters"), as sources do, and round as sources do, so figures repeat.

Everything comes from one ``random.Random(seed)`` drawn in a fixed order, so a seed fixes
the data. Claims are written as import rows and stored by ``claims.bulk``, the importer's
path, or with ``--out`` written to a JSON Lines file for ``import_claims``.
"""

import datetime
import json
import random
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from simple_history.utils import bulk_create_with_history
from tqdm import tqdm

from claims import bulk
from claims.models import Entity, EntityAlias, Metric
from sources.models import Publisher, Source

PREFIX = "syn"
DISAGREEING = 0.05  # share of all groups whose claims conflict
LOOSE = 0.05  # share of groups whose claims differ in wording yet agree
SIZES = range(1, 31)
SIZE_WEIGHTS = [k**-1.5 for k in SIZES]
KINDS = [  # kind, share of entities, name stem
    ("organisation", 0.10, "Synth Labs"),
    ("model_family", 0.05, "Synth Family"),
    ("model", 0.45, "Synth Model"),
    ("product", 0.15, "Synth App"),
    ("person", 0.10, "Synth Person"),
    ("hardware", 0.05, "Synth Chip"),
    ("platform", 0.05, "Synth Cloud"),
    ("benchmark", 0.05, "Synth Bench"),
]
MODELS, ORGS = ("model", "model_family"), ("organisation",)
# slug, name, value type, dimension, unit, tolerance, single-valued, time-varying, kinds, scale
# fmt: off
METRICS = [
    ("total-parameters", "Total parameters", "quantity", "number", "parameters", 0.05, 1, 0, MODELS, (9, 12)),
    ("active-parameters", "Active parameters", "quantity", "number", "parameters", 0.05, 1, 0, MODELS, (8, 11)),
    ("context-window", "Context window", "quantity", "number", "tokens", 0.0, 1, 0, MODELS, (4, 6)),
    ("training-tokens", "Training tokens", "quantity", "number", "tokens", 0.1, 1, 0, MODELS, (11, 13)),
    ("downloads", "Downloads", "quantity", "number", "downloads", 0.05, 1, 1, MODELS, (4, 8)),
    ("monthly-active-users", "Monthly active users", "quantity", "number", "users", 0.05, 1, 1, ("product", "platform"), (5, 8)),
    ("employees", "Employees", "quantity", "number", "employees", 0.1, 1, 1, ORGS, (2, 5)),
    ("accelerators", "Accelerators", "quantity", "number", "accelerators", 0.05, 1, 0, ("hardware", "platform"), (3, 5)),
    ("benchmark-score", "Benchmark score", "quantity", "percent", "", 0.02, 1, 0, ("model", "benchmark"), None),
    ("market-share", "Market share", "quantity", "percent", "", 0.05, 1, 1, ("product", "platform"), None),
    ("speedup", "Speed-up over predecessor", "quantity", "multiplier", "", 0.1, 1, 0, ("model", "hardware"), None),
    ("input-price", "Price per million input tokens", "quantity", "money", "", 0.05, 1, 1, ("model", "product"), (-1, 1)),
    ("funding", "Funding raised", "quantity", "money", "", 0.1, 1, 0, ORGS, (7, 10)),
    ("revenue", "Annual revenue", "quantity", "money", "", 0.1, 1, 1, ("organisation", "product"), (7, 11)),
    ("release-date", "Release date", "date", "", "", 0.05, 1, 0, (*MODELS, "product", "hardware"), None),
    ("founded", "Founded", "date", "", "", 0.05, 1, 0, ("organisation", "platform", "benchmark"), None),
    ("license", "License", "text", "", "", 0.05, 1, 0, MODELS, None),
    ("headquarters", "Headquarters", "text", "", "", 0.05, 1, 0, ORGS, None),
    ("architecture", "Architecture", "text", "", "", 0.05, 1, 0, MODELS, None),
    ("role", "Role", "text", "", "", 0.05, 0, 0, ("person",), None),
    ("developer", "Developer", "entity", "", "", 0.05, 1, 0, (*MODELS, "product", "hardware", "platform", "benchmark"), None),
    ("employer", "Employer", "entity", "", "", 0.05, 1, 1, ("person",), None),
    ("open-weights", "Open weights", "boolean", "", "", 0.05, 1, 0, MODELS, None),
    ("multimodal", "Multimodal", "boolean", "", "", 0.05, 1, 0, ("model", "product"), None),
]
# fmt: on
TEXTS = {
    "license": ["Apache 2.0", "MIT", "Qwen License", "Tongyi Qianwen License", "proprietary"],
    "headquarters": ["Hangzhou", "Beijing", "Shanghai", "Shenzhen", "Singapore", "San Francisco"],
    "architecture": ["dense transformer", "mixture of experts", "hybrid attention", "state space"],
    "role": ["chief scientist", "research lead", "product manager", "engineer", "founder"],
}
SCALES = [(12, "trillion", "T"), (9, "billion", "B"), (6, "million", "M"), (3, "thousand", "K")]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
STATUSES, STATUS_WEIGHTS = ["accepted", "proposed", "rejected"], [70, 25, 5]
GRADES, GRADE_WEIGHTS = list("ABCDEF"), [10, 25, 30, 15, 10, 10]
EPOCH = datetime.date(2023, 1, 1)


def _figure(value: float) -> str:
    """A figure as sources print it: at most one decimal, no trailing zero."""
    text = f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    return text[:-2] if text.endswith(".0") else text


def _round(rng: random.Random, low_exp: int, high_exp: int) -> float:
    """A round figure between 10^low and 10^high: two significant digits, as sources write."""
    exponent = rng.randint(low_exp, high_exp - 1)
    return round(rng.uniform(1, 9.9), 1) * 10.0**exponent


class Plan:
    """The synthetic knowledge base for (claims, entities, seed), as rows to store."""

    def __init__(self, *, claims: int, entities: int | None = None, seed: int = 1):
        self.claims, self.seed = claims, seed
        self.entities = max(12, entities if entities is not None else claims // 25)
        self.rng = random.Random(seed)
        self.publisher_count = min(500, max(8, claims // 5000))
        self.source_count = max(40, claims // 20)
        self.metrics = {row[0]: row for row in METRICS}

    def publishers(self) -> list[dict]:
        rng = self.rng
        return [
            {
                "slug": f"{PREFIX}-publisher-{n:04d}",
                "name": f"Synth Publisher {n:04d}",
                "reliability": rng.choices(GRADES, GRADE_WEIGHTS)[0],
            }
            for n in range(self.publisher_count)
        ]

    def sources(self, publishers: list[dict]) -> list[dict]:
        rng, rows = self.rng, []
        for n in range(self.source_count):
            publisher = publishers[rng.randrange(len(publishers))]
            day = EPOCH + datetime.timedelta(days=rng.randrange(1250))
            precision = rng.choices(["day", "month", "year"], [80, 15, 5])[0]
            if precision != "day":
                day = day.replace(day=1, month=1 if precision == "year" else day.month)
            grade = publisher["reliability"]
            if rng.random() < 0.15:
                grade = rng.choice(GRADES)
            rows.append(
                {
                    "key": f"{PREFIX}-source-{n:07d}",
                    "title": f"Synthetic report {n:07d}",
                    "publisher": publisher["slug"],
                    "published": day,
                    "published_precision": precision,
                    "reliability": grade,
                }
            )
        return rows

    def entity_rows(self) -> list[dict]:
        """Entities in creation order (parents first), each with its kind's number."""
        counts = [
            max(2 if kind == "organisation" else 1, round(self.entities * share))
            for kind, share, _ in KINDS
        ]
        rows: list[dict] = []
        by_kind: dict[str, list[dict]] = {}
        for (kind, _, stem), count in zip(KINDS, counts, strict=True):
            parents = by_kind.get("model_family" if kind == "model" else "organisation", [])
            for n in range(count):
                parent = None
                if kind in ("model_family", "model", "product") and parents:
                    parent = parents[self.rng.randrange(len(parents))]["slug"]
                row = {
                    "slug": f"{PREFIX}-{kind.replace('_', '-')}-{n:06d}",
                    "name": f"{stem} {n:06d}",
                    "kind": kind,
                    "parent": parent,
                    "alias": f"{stem.split()[1][:3]}{kind[:2]}{n:06d}"
                    if self.rng.random() < 0.1
                    else None,
                }
                by_kind.setdefault(kind, []).append(row)
                rows.append(row)
        self.by_kind = by_kind
        return rows

    def rows(self, entities: list[dict], publishers: list[dict]):
        """The claims as import rows, group after group."""
        rng = self.rng
        multi = 1 - SIZE_WEIGHTS[0] / sum(SIZE_WEIGHTS)
        pending: dict[str, list | None] = {
            row["slug"]: None for row in entities
        }  # each entity's metrics, in order
        order = list(entities)
        rng.shuffle(order)
        made, turn = 0, 0
        while made < self.claims and order:
            entity = order[turn % len(order)]
            metrics = pending[entity["slug"]]
            if metrics is None:
                fits = [m for m in METRICS if entity["kind"] in m[8]]
                rest = [m for m in METRICS if entity["kind"] not in m[8] and m[2] != "entity"]
                rng.shuffle(fits)
                rng.shuffle(rest)
                metrics = pending[entity["slug"]] = fits + rest
            if not metrics:
                order.remove(entity)
                continue
            turn += 1
            metric = metrics.pop(0)
            size = min(rng.choices(SIZES, SIZE_WEIGHTS)[0], self.claims - made)
            mood = "agree"
            if size > 1 and metric[6]:
                draw = rng.random() * multi
                mood = (
                    "disagree"
                    if draw < DISAGREEING
                    else "loose"
                    if draw < DISAGREEING + LOOSE
                    else "agree"
                )
            yield from self._group(entity, metric, size, mood, publishers)
            made += size

    def _group(self, entity, metric, size, mood, publishers):
        rng = self.rng
        slug, name, value_type, dimension, unit, _, _, time_varying, _, scale = metric
        truth = self._truth(value_type, dimension, slug, scale)
        periods = (
            sorted(rng.sample(range(36), min(size, rng.randint(2, 6)))) if time_varying else [None]
        )
        sources = rng.sample(range(self.source_count), size)
        # A dissenting figure for a series is given for the first claim's period, so the two meet.
        dissent = rng.randrange(1, size) if mood == "disagree" else -1
        for i, source in enumerate(sources):
            period = periods[0 if i == dissent else i % len(periods)]
            value = (
                truth if period is None else self._grown(truth, dimension, periods.index(period))
            )
            if i == dissent:
                value = self._dissent(value, value_type, dimension, slug)
            loose = mood == "loose" and i % 2 == 1
            text = self._write(value, value_type, dimension, unit, rng, loose)
            as_of = None
            if period is not None:
                month = EPOCH.month - 1 + period
                as_of = f"{MONTHS[month % 12]} {EPOCH.year + month // 12}"
            row = {
                "subject": entity["slug"] if rng.random() < 0.8 else entity["name"],
                "metric": f"{PREFIX}-{slug}",
                "value": text,
                "source": f"{PREFIX}-source-{source:07d}",
                "quote": f"{name} of {entity['name']}: {text}"
                + (f" (as of {as_of})" if as_of else ""),
                "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
            }
            if as_of:
                row["as_of"] = as_of
            if rng.random() < 0.1:
                row["attributed_to"] = publishers[rng.randrange(len(publishers))]["slug"]
            yield row

    def _truth(self, value_type, dimension, slug, scale):
        rng = self.rng
        if value_type == "quantity":
            if dimension == "percent":
                return round(rng.uniform(5, 95), 1)
            if dimension == "multiplier":
                return round(rng.uniform(1.2, 9), 1)
            return _round(rng, *scale)
        if value_type == "date":
            return EPOCH + datetime.timedelta(days=rng.randrange(1200))
        if value_type == "text":
            return rng.choice(TEXTS[slug])
        if value_type == "entity":
            organisations = self.by_kind["organisation"]
            return organisations[rng.randrange(len(organisations))]["name"]
        return rng.random() < 0.6

    def _grown(self, truth, dimension, step: int):
        if not isinstance(truth, float) or dimension in ("percent", "multiplier"):
            return truth
        return float(f"{truth * 1.3**step:.2g}")

    def _dissent(self, value, value_type, dimension, slug):
        rng = self.rng
        if value_type == "quantity":
            if dimension in ("percent", "multiplier"):
                return ("over", value * 0.5) if rng.random() < 0.3 else round(value * 0.6, 1)
            factor = float(f"{rng.uniform(1.6, 4):.2g}")
            return (
                ("over", float(f"{value / factor:.2g}"))
                if rng.random() < 0.4
                else float(f"{value * factor:.2g}")
            )
        if value_type == "date":
            return value + datetime.timedelta(days=rng.choice([-1, 1]) * rng.randint(60, 400))
        if value_type == "text":
            return rng.choice([t for t in TEXTS[slug] if t != value])
        if value_type == "entity":
            others = [o["name"] for o in self.by_kind["organisation"] if o["name"] != value]
            return others[rng.randrange(len(others))]
        return not value

    @staticmethod
    def _write(value, value_type, dimension, unit, rng, loose: bool) -> str:
        """The value in one of the ways sources write it."""
        qualifier = ""
        if isinstance(value, tuple):
            qualifier, value = "over ", value[1]
        elif loose:
            qualifier = "about " if rng.random() < 0.5 else "at least "
        if value_type == "quantity":
            return qualifier + _write_quantity(value, dimension, unit, rng)
        if value_type == "date":
            if loose:
                return f"{MONTHS[value.month - 1]} {value.year}"
            if rng.random() < 0.5:
                return value.isoformat()
            return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"
        if value_type == "boolean":
            return rng.choice(["yes", "true"]) if value else rng.choice(["no", "false"])
        return value


def _write_quantity(value, dimension: str, unit: str, rng) -> str:
    """A figure in one of the ways sources write it: "1.8T", "$2 billion", "40%"."""
    if dimension == "percent":
        return f"{_figure(value)}%"
    if dimension == "multiplier":
        return f"{_figure(value)}{rng.choice(['×', ' times'])}"
    currency = ""
    if dimension == "money":
        currency = rng.choice(["$", "USD "])
    for exponent, word, letter in SCALES:
        if value >= 10**exponent:
            figure = _figure(value / 10**exponent)
            style = rng.randrange(3)
            if style == 0:
                return f"{currency}{figure}{letter}"
            tail = f" {unit}" if style == 2 and unit else ""
            return f"{currency}{figure} {word}{tail}"
    return f"{currency}{_figure(value)}"


def _catalogue(plan: Plan, reason: str) -> tuple[list[dict], list[dict]]:
    """Store publishers, sources, entities and metrics; returns the entity and publisher rows."""
    publishers = plan.publishers()
    stored = bulk_create_with_history(
        [Publisher(**row) for row in publishers], Publisher, default_change_reason=reason
    )
    publisher_ids = {p.slug: p.pk for p in stored}
    sources = [
        Source(**(row | {"publisher_id": publisher_ids[row.pop("publisher")]}))
        for row in plan.sources(publishers)
    ]
    bulk_create_with_history(sources, Source, batch_size=2000, default_change_reason=reason)
    entities = plan.entity_rows()
    ids: dict[str, int] = {}
    for kind, _, _ in KINDS:
        rows = [row for row in entities if row["kind"] == kind]
        objects = [
            Entity(slug=r["slug"], name=r["name"], kind=kind, parent_id=ids.get(r["parent"]))
            for r in rows
        ]
        for entity in bulk_create_with_history(
            objects, Entity, batch_size=2000, default_change_reason=reason
        ):
            ids[entity.slug] = entity.pk
    aliases = [
        EntityAlias(entity_id=ids[r["slug"]], name=r["alias"]) for r in entities if r["alias"]
    ]
    bulk_create_with_history(aliases, EntityAlias, batch_size=2000, default_change_reason=reason)
    metrics = [
        Metric(
            slug=f"{PREFIX}-{slug}",
            name=name,
            value_type=value_type,
            dimension=dimension,
            unit=unit,
            tolerance=tolerance,
            single_valued=bool(single),
            time_varying=bool(varying),
        )
        for slug, name, value_type, dimension, unit, tolerance, single, varying, _, _ in METRICS
    ]
    bulk_create_with_history(metrics, Metric, default_change_reason=reason)
    return entities, publishers


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic knowledge base: --claims N [--entities M] [--seed S]. "
        "With --out FILE the claims go to a JSON Lines file for import_claims instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True)
        parser.add_argument("--entities", type=int, help="Default: one per 25 claims.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, help="Write the claims here (JSON Lines).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, claims, entities, seed, out, no_progress, **options):
        if claims < 0 or (entities is not None and entities < 1):
            raise CommandError("--claims must be at least 0 and --entities at least 1.")
        if Publisher.objects.filter(slug__startswith=f"{PREFIX}-").exists():
            raise CommandError("This database already holds a synthetic knowledge base.")
        plan = Plan(claims=claims, entities=entities, seed=seed)
        reason = f"generate_synthetic --claims {claims} --seed {seed}"
        bar = tqdm(
            total=claims,
            unit=" claims",
            desc="generate",
            disable=no_progress or None,
            file=self.stderr._out,
        )
        with transaction.atomic(), bar:
            entity_rows, publishers = _catalogue(plan, reason)
            rows = plan.rows(entity_rows, publishers)
            if out is not None:
                with out.open("w", encoding="utf-8") as handle:
                    for row in rows:
                        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                        bar.update()
                self.stdout.write(f"Catalogue stored; {claims:,} claims written to {out}.")
                return
            numbered = enumerate(rows, start=1)
            report = bulk.claims_import(numbered, reason=reason, progress=bar.update)
        self.stdout.write(
            f"{report.created:,} claims created; {plan.entities:,} entities, "
            f"{plan.source_count:,} sources; {report.conflicts.created:,} contradictions."
        )
