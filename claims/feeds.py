"""Atom feeds of disputes (Django's syndication framework): new ones, and settled ones.

Each comes whole (``/feeds/disputes/new/``), per metric (``…/new/metric/<slug>/``) and per
entity (``…/new/entity/<slug>/``). A new dispute is an entry when its record is created; a
settled one (resolved or dismissed) when it is settled, with the note. Pages link the feeds
that fit them with ``<link rel="alternate" type="application/atom+xml">``.
"""

from django.contrib.syndication.views import Feed
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims.choices import ContradictionStatus
from claims.models import Contradiction, Entity, Metric

ITEMS = 50
WHICH = {"new": "New disputes", "settled": "Settled disputes"}
SCOPES = {"metric": Metric, "entity": Entity}


def feed_links(*, metric: Metric | None = None, entity: Entity | None = None) -> list[dict]:
    """The feeds a page offers: both kinds, for its metric or entity, else for everything."""
    links = []
    for which, title in WHICH.items():
        if metric is not None:
            args, scope = [which, "metric", metric.slug], f" about {metric.name}"
        elif entity is not None:
            args, scope = [which, "entity", entity.slug], f" about {entity.name}"
        else:
            args, scope = [which], ""
        name = "web:feed-scoped" if len(args) == 3 else "web:feed"
        links.append({"href": reverse(name, args=args), "title": f"{title}{scope}"})
    return links


class DisputeFeed(Feed):
    """New or settled disputes, of everything or of one metric or entity."""

    feed_type = Atom1Feed

    def get_object(self, request, which, scope=None, slug=None):
        if which not in WHICH:
            raise Http404(f"No feed “{which}”; there are: {', '.join(WHICH)}.")
        target = None
        if scope is not None:
            if scope not in SCOPES:
                raise Http404(f"No feed per “{scope}”; there are: {', '.join(SCOPES)}.")
            target = get_object_or_404(SCOPES[scope], slug=slug)
        return {"which": which, "scope": scope, "target": target}

    def title(self, obj):
        about = f" about {obj['target'].name}" if obj["target"] is not None else ""
        return f"QwenKB: {WHICH[obj['which']].lower()}{about}"

    def link(self, obj):
        query = ""
        if obj["scope"] == "metric":
            query = f"&metric={obj['target'].slug}"
        elif obj["scope"] == "entity":
            query = f"&subject={obj['target'].slug}"
        status = "open" if obj["which"] == "new" else ""
        return reverse("web:dispute-list") + f"?status={status}{query}"

    def subtitle(self, obj):
        if obj["which"] == "new":
            return "Pairs of claims found to disagree, newest first."
        return "Disputes an editor resolved or dismissed, latest first, with the note."

    def items(self, obj):
        records = Contradiction.objects.select_related(
            "subject", "metric", "preferred_claim", "claim_a", "claim_b"
        )
        if obj["scope"] == "metric":
            records = records.filter(metric=obj["target"])
        elif obj["scope"] == "entity":
            records = records.filter(subject=obj["target"])
        if obj["which"] == "new":
            return records.order_by("-created_at", "-pk")[:ITEMS]
        settled = (ContradictionStatus.RESOLVED, ContradictionStatus.DISMISSED)
        return records.filter(status__in=settled).order_by(
            F("resolved_at").desc(nulls_last=True), "-pk"
        )[:ITEMS]

    def item_title(self, item):
        values = " vs ".join(f"“{claim.value_text}”" for claim in item.claims)
        state = "" if item.status == ContradictionStatus.OPEN else f" ({item.get_status_display()})"
        return f"{item.subject.name} · {item.metric.name}: {values}{state}"

    def item_description(self, item):
        text = item.explanation
        if item.status != ContradictionStatus.OPEN and item.resolution_note:
            text += f" Settled: {item.resolution_note}"
        return text

    def item_link(self, item):
        return reverse("web:dispute", args=[item.pk])

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.resolved_at or item.updated_at
