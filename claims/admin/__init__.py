"""The curation admin: editors record and review claims, reviewers settle contradictions."""

from claims.admin.claims import ClaimAdmin
from claims.admin.contradictions import ContradictionAdmin
from claims.admin.entities import EntityAdmin, MetricAdmin
from claims.admin.proposals import ProposalAdmin
from claims.admin.sources import SourceWithClaimsAdmin
from claims.admin.tokens import OwnTokenAdmin

__all__ = [
    "ClaimAdmin",
    "ContradictionAdmin",
    "EntityAdmin",
    "MetricAdmin",
    "OwnTokenAdmin",
    "ProposalAdmin",
    "SourceWithClaimsAdmin",
]
