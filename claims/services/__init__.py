"""Writes of the claims domain: every path (admin, API, fixtures, commands) comes through here.

Each service takes keyword-only arguments, validates everything before it writes, raises
``django.core.exceptions.ValidationError`` keyed by the field at fault, runs in one
transaction, records who did it (and why) in the history, and re-checks the touched
subject+metric groups for contradictions before it returns.
"""

from claims.services.claims import (
    CLAIM_INPUT_FIELDS,
    ClaimWrite,
    claim_accept,
    claim_create,
    claim_inputs,
    claim_prefer,
    claim_prepare,
    claim_reject,
    claim_update,
)
from claims.services.contradictions import contradiction_dismiss, contradiction_resolve
from claims.services.entities import (
    entity_aliases_update,
    entity_create,
    entity_merge,
    entity_names_check,
    entity_update,
)
from claims.services.metrics import BOUND_RATIO_MAX, CUE_MAX_LENGTH, METRIC_FIELDS, metric_save
from claims.services.proposals import (
    ProposalRun,
    candidate_dismiss,
    candidate_resolve,
    extraction_catalogue,
    source_propose,
    source_propose_check,
)
from claims.services.quotes import claim_quotes_locate
from claims.services.rates import (
    RATE_FIELDS,
    RateWrite,
    exchange_rate_delete,
    exchange_rate_save,
)
from claims.services.tokens import token_replace, token_revoke

__all__ = [
    "BOUND_RATIO_MAX",
    "CLAIM_INPUT_FIELDS",
    "CUE_MAX_LENGTH",
    "METRIC_FIELDS",
    "RATE_FIELDS",
    "ClaimWrite",
    "ProposalRun",
    "RateWrite",
    "candidate_dismiss",
    "candidate_resolve",
    "claim_accept",
    "claim_create",
    "claim_inputs",
    "claim_prefer",
    "claim_prepare",
    "claim_quotes_locate",
    "claim_reject",
    "claim_update",
    "contradiction_dismiss",
    "contradiction_resolve",
    "entity_aliases_update",
    "entity_create",
    "entity_merge",
    "entity_names_check",
    "entity_update",
    "exchange_rate_delete",
    "exchange_rate_save",
    "extraction_catalogue",
    "metric_save",
    "source_propose",
    "source_propose_check",
    "token_replace",
    "token_revoke",
]
