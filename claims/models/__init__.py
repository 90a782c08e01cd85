"""Models of the claims domain, one module per concept."""

from claims.models.candidates import EntityCandidate
from claims.models.checks import (
    CheckedGroup,
    LastRescan,
    RulesInputGroup,
    RulesInputRow,
    RulesInputWrite,
)
from claims.models.claims import Claim, Proposal
from claims.models.contradictions import Contradiction
from claims.models.entities import Entity, EntityAlias
from claims.models.metrics import ExchangeRate, Metric

__all__ = [
    "CheckedGroup",
    "Claim",
    "Contradiction",
    "Entity",
    "EntityAlias",
    "EntityCandidate",
    "ExchangeRate",
    "LastRescan",
    "Metric",
    "Proposal",
    "RulesInputGroup",
    "RulesInputRow",
    "RulesInputWrite",
]
