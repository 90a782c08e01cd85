"""Rewrite stored signatures in ``ClaimValue.signature``'s form, which adds the equivalent's
low and high figures and folds text as the rules do (NFKC). A record whose signature matches
its claims' values in the old form gets the new form, so a dismissal made before this
migration holds; one that no longer matched keeps its text, and a rescan reopens it as before.
Both forms are written out here, so this migration keeps its meaning if the signature changes.
"""

import unicodedata

from django.db import migrations

OLD_PARTS = (
    *("bound", "low", "high", "point", "currency", "eq_currency", "eq_point"),
    *("date_start", "date_end", "text_value", "entity_value_id", "bool_value"),
)
NEW_PARTS = (
    *("bound", "low", "high", "point", "currency", "eq_currency", "eq_low", "eq_high"),
    *("eq_point", "date_start", "date_end", "text_value", "entity_value_id", "bool_value"),
)
BATCH = 2000


def _joined(parts) -> str:
    return "|".join("" if part is None else str(part) for part in parts)


def old_signature(row: dict) -> str:
    text = " ".join(row["text_value"].casefold().split())
    return _joined(text if name == "text_value" else row[name] for name in OLD_PARTS)


def new_signature(row: dict) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", row["text_value"]).casefold())
    text = " ".join(folded.split())
    return _joined(text if name == "text_value" else row[name] for name in NEW_PARTS)


def rewrite(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Contradiction = apps.get_model("claims", "Contradiction")
    records = Contradiction.objects.exclude(signature="").order_by("pk")
    last = 0
    while batch := list(records.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        ids = {record.claim_a_id for record in batch} | {record.claim_b_id for record in batch}
        rows = {row["id"]: row for row in Claim.objects.filter(pk__in=ids).values("id", *NEW_PARTS)}
        changed = []
        for record in batch:
            a, b = rows[record.claim_a_id], rows[record.claim_b_id]
            if record.signature == f"{old_signature(a)}#{old_signature(b)}":
                record.signature = f"{new_signature(a)}#{new_signature(b)}"
                changed.append(record)
        Contradiction.objects.bulk_update(changed, ["signature"])


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_fewer_claim_indexes"),
    ]

    operations = [
        migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True),
    ]
