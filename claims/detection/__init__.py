"""Keeping contradiction records equal to what the rules say, group by group.

The rules themselves are pure (``claims.conflicts``); this module feeds them the claims of
subject+metric groups and reconciles their findings with the stored records. The same
reconciliation serves a write (one group, inside the writer's transaction) and the full
rescan (batches of groups, a fixed number of queries per batch).

Curation is remembered: a dismissed pair stays dismissed while both claims' values are as
they were when it was dismissed; a resolved pair stays resolved while the claim it set
aside is still deprecated.
"""

from claims.detection.groups import (
    InGroups,
    disputable_groups,
    group_detect,
    groups_detect,
    rescan,
)
from claims.detection.reconcile import Summary, reconcile
from claims.detection.rows import claim_facts, claim_label, exchange_rates, metric_rules

__all__ = [
    "InGroups",
    "Summary",
    "claim_facts",
    "claim_label",
    "disputable_groups",
    "exchange_rates",
    "group_detect",
    "groups_detect",
    "metric_rules",
    "reconcile",
    "rescan",
]
