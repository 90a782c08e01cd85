"""Researcher pages: public, read-only, server-rendered.

Views stay thin: reads come from ``claims.selectors``, filtering from the FilterSets the API
uses too (so a filter means the same on a page and in JSON), charts from ``claims.charts``.
Each page runs a fixed number of queries whatever the size of the knowledge base; a filter
value that cannot be used answers 400 with the FilterSet's own message.
"""

import functools
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from claims.charts import dispute_chart, fact_chart, metric_chart
from claims.choices import (
    ClaimRank,
    ClaimStatus,
    ContradictionKind,
    ContradictionReview,
    ContradictionStatus,
    EntityKind,
    ValueType,
)
from claims.display import value_display
from claims.disputes import disputed_facts, fact_keys, fact_records
from claims.facets import CLAIM_FACETS, CONTRADICTION_FACETS, ENTITY_FACETS
from claims.factcheck import as_script_text, claim_review
from claims.feeds import feed_links
from claims.filtersets import (
    ClaimFilterSet,
    ContradictionFilterSet,
    EntityFilterSet,
    MetricFilterSet,
    MetricValuesFilterSet,
)
from claims.models import Claim, Contradiction, Entity, Metric
from claims.search import LIMIT as SEARCH_LIMIT
from claims.search import search_everything
from claims.selectors import (
    LIVE,
    busiest_entity,
    claim_queryset,
    contradictions_for_claims,
    entity_facts,
    entity_resolve,
    live_claim_counts,
    metric_counts,
    metric_values,
    open_contradiction_exists,
    review_filter,
)
from qwenkb.facets import facet_counts
from qwenkb.filters import SearchField
from qwenkb.related import related_count
from sources.facets import PUBLISHER_FACETS, SOURCE_FACETS
from sources.filtersets import PublisherFilterSet, SourceFilterSet
from sources.models import Publisher, Source


def claim_url(claim: Claim) -> str:
    """Where a claim is shown in full: its row on its subject's page."""
    return reverse("web:entity", args=[claim.subject.slug]) + f"#claim-{claim.pk}"


def bad_values(request, errors: list[tuple[str, str, list[str]]]):
    """The 400 page, naming each parameter (name, label, messages) that could not be used."""
    return render(request, "400.html", {"errors": errors, "retry_url": request.path}, status=400)


def bad_filters(request, filterset):
    """The 400 page for a FilterSet's errors, each under its parameter's name and label."""
    errors = [
        (name, filterset.form.fields[name].label or name, messages)
        for name, messages in filterset.errors.items()
    ]
    return bad_values(request, errors)


class BadPage(Exception):
    """``?page=`` names no page of the listing; ``status`` is the answer's."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def page_of(request, items, per_page: int) -> Page:
    """The page of ``items`` that ``?page=`` asks for (the first without one). A value that
    is not a page is an error naming it, never the first or last page shown in its place."""
    paginator = Paginator(items, per_page)
    raw = request.GET.get("page", "1")
    not_a_page = BadPage(f"Must be a whole number of at least 1; got \u201c{raw}\u201d.", 400)
    try:
        return paginator.page(raw)
    except PageNotAnInteger:
        raise not_a_page from None
    except EmptyPage:
        if int(raw) < 1:
            raise not_a_page from None
        last = paginator.num_pages
        raise BadPage(f"There is no page {int(raw):,}: the last is {last:,}.", 404) from None


def paged(view):
    """``view`` (a listing that calls ``page_of``), answering a page it does not have with
    the 400 page naming ``page``: 404 past the last page, 400 for what is not a page number."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadPage as bad:
            errors = [("page", "Page", [str(bad)])]
            context = {
                "errors": errors,
                "retry_url": _first_page(request),
                "retry_label": "Go to the first page",
            }
            return render(request, "400.html", context, status=bad.status)

    return answer


def takes(*names: str, filterset=None):
    """A page answering the query parameters ``names`` and its FilterSet's (``filterset``), and
    no others. Another gets the 400 page naming it and what the page takes, as the API answers
    an unknown parameter: a misspelt filter (``?subjet=qwen``) would show the whole list as if
    filtered, and the page's links (sorting, facets, pages, its JSON twin) carry its query
    string on, each repeating whatever it holds. The 400 page links to the page without them."""
    known = frozenset(names) | frozenset(getattr(filterset, "base_filters", ()))
    listed = ", ".join(sorted(known)) or "none"

    def decorate(view):
        @functools.wraps(view)
        def answer(request, *args, **kwargs):
            unknown = sorted(request.GET.keys() - known)
            if not unknown:
                return view(request, *args, **kwargs)
            context = {
                "errors": [(name, "", ["Not a parameter of this page."]) for name in unknown],
                "note": f"This page takes: {listed}.",
                "retry_url": _without(request, unknown),
                "retry_label": "Show the page without them",
            }
            return render(request, "400.html", context, status=400)

        answer.takes = known  # what the pages' forms and links may send it (a test reads it)
        return answer

    return decorate


def _without(request, names) -> str:
    """This page's address without the query parameters ``names``."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _first_page(request) -> str:
    return _without(request, ["page"])


def page_facets(request, queryset, specs, names=None) -> list:
    """The listing's facets that have a value among its rows, with counts, each value linking
    to the listing filtered by it (none at all when nothing matched: no empty box)."""
    facets = facet_counts(queryset, specs, names or list(specs), selected=request.GET)
    facets = [facet for facet in facets if facet.values]
    for facet in facets:
        for value in facet.values:
            query = request.GET.copy()
            query.pop("page", None)
            if value.selected:
                query.pop(facet.param, None)
            else:
                query[facet.param] = value.value
            value.href = f"?{query.urlencode()}" if query else request.path
    return facets


def dispute_queryset():
    """Contradictions with both claims and everything their values display needs."""
    related = ["subject", "metric"]
    for side in ("claim_a", "claim_b"):
        related += [f"{side}__{rel}" for rel in ("subject", "metric", "entity_value")]
        related += [f"{side}__source__publisher", f"{side}__attributed_to"]
    return Contradiction.objects.select_related(*related)


# Public disputes: open, between accepted claims (a pending one is for editors).
CONFIRMED_OPEN = Q(status=ContradictionStatus.OPEN) & review_filter(ContradictionReview.CONFIRMED)


def _top_facts(records, n: int):
    """The ``n`` most severely disputed facts among ``records``."""
    return disputed_facts(records, keys=list(fact_keys(records)[:n]))


HEADLINE_FACTS = 6


def headline_facts(n: int = HEADLINE_FACTS) -> tuple[Entity | None, list, int]:
    """The entity with the most claims, its ``n`` best-sourced current values (chosen as on
    its own page, by ``entity_facts``), and how many facts it has in all: three queries."""
    entity = busiest_entity()
    if entity is None:
        return None, [], 0
    facts = entity_facts(entity)
    valued = [f for f in facts if f.current is not None and f.metric.single_valued]
    valued.sort(key=lambda f: (-f.source_count, f.metric.name))
    return entity, valued[:n], len(facts)


@takes()
def home(request):
    """Counts, the top entity's current values, the worst open disputes, the latest claims,
    and the entity kinds to browse."""
    kinds = dict(Entity.objects.values_list("kind").annotate(n=Count("pk")))
    top, headline, fact_count = headline_facts()
    context = {
        "counts": {
            "entities": Entity.objects.count(),
            "claims": Claim.objects.filter(LIVE).count(),
            "sources": Source.objects.count(),
            # A disputed fact is a row of the table below and of /disputes/, however many
            # pairs of claims it holds.
            "disputes": fact_keys(Contradiction.objects.filter(CONFIRMED_OPEN)).count(),
        },
        "facts": _top_facts(Contradiction.objects.filter(CONFIRMED_OPEN), 5),
        "top": top,
        "headline": headline,
        "fact_count": fact_count,
        # The last added: ids are drawn in the order claims are added, and their index
        # serves the page at any size (ordering by created_at sorted every live claim).
        "recent": claim_queryset().filter(LIVE).order_by("-pk")[:8],
        "kinds": [
            (kind, label, kinds[kind]) for kind, label in EntityKind.choices if kind in kinds
        ],
        "api_url": "/api/",
        "feeds": feed_links(),
    }
    return render(request, "web/home.html", context)


@takes("q")
def search(request):
    """Entities, aliases, metrics, publishers, sources and quotes, grouped, exact matches first."""
    try:
        q = SearchField(required=False).clean(request.GET.get("q", ""))
    except ValidationError as error:
        return bad_values(request, [("q", "Search", error.messages)])
    context = {
        "q": q,
        "groups": search_everything(q) if q else [],
        "limit": SEARCH_LIMIT,
        "crumbs": [("Search", None)],
        "api_url": f"/api/search/?{urlencode({'q': q})}" if q else "",
    }
    return render(request, "web/search.html", context)


@takes("page", filterset=EntityFilterSet)
@paged
def entity_list(request):
    """Every entity, filtered by kind, parent or name."""
    queryset = (
        Entity.objects.select_related("parent")
        .annotate(claim_count=related_count(Entity, "claims", LIVE))
        .order_by("name")
    )
    filterset = EntityFilterSet(request.GET, queryset=queryset)
    if not filterset.is_valid():
        return bad_filters(request, filterset)
    context = {
        "filterset": filterset,
        "kinds": EntityKind.choices,
        "page": page_of(request, filterset.qs, 100),
        "facets": page_facets(request, filterset.qs, ENTITY_FACETS),
        "crumbs": [("Entities", None)],
        "section": "entities",
        "api_url": "/api/entities/" + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "web/entity_list.html", context)


@dataclass
class ClaimItem:
    """A claim on an entity page, with its disputes and the claims its quote shares."""

    claim: Claim
    disputes: list[Contradiction] = field(default_factory=list)
    passage: list[tuple[Claim, list[Contradiction]]] = field(default_factory=list)


def _same_passage(a: Claim, b: Claim) -> bool:
    """Do two claims of one source rest on the same words (one quote within the other)?"""
    if a.quote_offset is not None and b.quote_offset is not None:
        a_end, b_end = a.quote_offset + len(a.quote), b.quote_offset + len(b.quote)
        return a.quote_offset < b_end and b.quote_offset < a_end
    return a.quote in b.quote or b.quote in a.quote


def _claim_items(entity: Entity, facts) -> dict[int, ClaimItem]:
    """Each claim of the entity with its disputes, and other facts resting on the same quote."""
    claims = [claim for fact in facts for claim in fact.claims]
    items = {claim.pk: ClaimItem(claim) for claim in claims}
    records = Contradiction.objects.filter(subject=entity).select_related("metric")
    for record in records.order_by("-severity"):
        for pk in (record.claim_a_id, record.claim_b_id):
            if pk in items:
                items[pk].disputes.append(record)
    source_ids = {claim.source_id for claim in claims}
    elsewhere = claim_queryset().filter(LIVE, source_id__in=source_ids).exclude(subject=entity)
    others = list(elsewhere)
    # Open disputes of those claims (other subjects' claims in the same sources): one query,
    # however many, by the claims' ids (by their sources, it read every claim at a million).
    open_elsewhere: dict[int, list] = {}
    for record in (
        contradictions_for_claims(elsewhere.values("pk"))
        .filter(status=ContradictionStatus.OPEN)
        .select_related("metric")
        .order_by("-severity", "pk")
    ):
        for pk in (record.claim_a_id, record.claim_b_id):
            open_elsewhere.setdefault(pk, []).append(record)
    for item in items.values():
        item.passage = [
            (other, open_elsewhere.get(other.pk, []))
            for other in others
            if other.source_id == item.claim.source_id and _same_passage(item.claim, other)
        ]
    return items


def _values_held(fact) -> list[str]:
    """For a metric with several true values at once (platforms, features): all accepted ones."""
    if fact.metric.single_valued:
        return []
    held = (
        value_display(claim)
        for claim in fact.claims
        if claim.status == ClaimStatus.ACCEPTED and claim.rank != ClaimRank.DEPRECATED
    )
    return list(dict.fromkeys(held))


@takes()
def entity_detail(request, slug):
    """An entity and its fact sheet; an alias or name in the URL redirects to the slug."""
    entity = (
        Entity.objects.select_related("parent")
        .prefetch_related("aliases", "children")
        .filter(slug=slug)
        .first()
    )
    if entity is None:
        found = entity_resolve(slug)
        if found is None:
            raise Http404(f"No entity is called “{slug}”.")
        return redirect("web:entity", slug=found.slug)
    facts = entity_facts(entity)
    items = _claim_items(entity, facts)
    rows = [
        {
            "fact": fact,
            "values": _values_held(fact),
            "claims": [items[claim.pk] for claim in fact.claims],
            "chart": fact_chart(fact, link=claim_url),
        }
        for fact in facts
    ]
    mentions = (
        claim_queryset()
        .filter(LIVE, entity_value=entity)
        .annotate(disputed=open_contradiction_exists())
        .order_by("subject__name", "pk")
    )
    context = {
        "entity": entity,
        "rows": rows,
        "mentions": list(mentions),
        "disputed_count": sum(1 for fact in facts if fact.disputed),
        "feeds": feed_links(entity=entity),
        "section": "entities",
        "api_url": f"/api/entities/{entity.slug}/facts/",
    }
    return render(request, "web/entity_detail.html", context)


@takes(filterset=MetricFilterSet)
def metric_list(request):
    """Every metric, with how many claims and entities it has."""
    filterset = MetricFilterSet(request.GET, queryset=Metric.objects.all())
    if not filterset.is_valid():
        return bad_filters(request, filterset)
    metrics = list(filterset.qs)
    counts = metric_counts(among=[metric.pk for metric in metrics])
    for metric in metrics:
        metric.claim_count, metric.entity_count = counts.get(metric.pk, (0, 0))
    context = {
        "metrics": metrics,
        "filterset": filterset,
        "value_types": ValueType.choices,
        "crumbs": [("Metrics", None)],
        "section": "metrics",
        "api_url": "/api/metrics/",
    }
    return render(request, "web/metric_list.html", context)


METRIC_PAGE_SIZE = 100  # entities on a page of a metric


@takes("page", filterset=MetricValuesFilterSet)
@paged
def metric_detail(request, slug):
    """One metric across entities, a page of 100 at a time: their current values in a
    sortable table and every claim of theirs charted."""
    metric = get_object_or_404(Metric, slug=slug)
    filterset = MetricValuesFilterSet(request.GET, queryset=Entity.objects.all())
    if not filterset.is_valid():
        return bad_filters(request, filterset)
    filtered = any(filterset.form.cleaned_data.get(name) for name in ("kind", "parent"))
    ordering = filterset.form.cleaned_data.get("ordering") or "name"
    subject_ids = filterset.qs.values("pk") if filtered else None
    values = metric_values(metric, subject_ids=subject_ids, ordering=ordering)
    page = page_of(request, values, METRIC_PAGE_SIZE)
    facts = page.object_list
    context = {
        "metric": metric,
        "page": page,
        "facts": facts,
        "filterset": filterset,
        "ordering": ordering,
        "kinds": EntityKind.choices,
        "chart": metric_chart(metric, facts, link=claim_url),
        "feeds": feed_links(metric=metric),
        "section": "metrics",
        "api_url": f"/api/metrics/{metric.slug}/values/"
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "web/metric_detail.html", context)


@takes("page", "group", filterset=ContradictionFilterSet)
@paged
def dispute_list(request):
    """Disputed facts (one row per subject+metric), open ones unless told otherwise.

    ``group=pair`` lists the pair records instead, one row per two claims.
    """
    data = request.GET.copy()
    data.setdefault("status", ContradictionStatus.OPEN)
    # A dispute that involves a proposed claim waits for an editor; the public sees it on ask.
    data.setdefault("review", ContradictionReview.CONFIRMED)
    by_pair = data.pop("group", [""])[-1] == "pair"
    filterset = ContradictionFilterSet(data, queryset=dispute_queryset())
    if not filterset.is_valid():
        return bad_filters(request, filterset)
    if by_pair:
        page = page_of(request, filterset.qs, 50)
    else:
        records = Contradiction.objects.filter(pk__in=filterset.qs.values("pk"))
        page = page_of(request, fact_keys(records), 50)
        page.facts = disputed_facts(records, keys=list(page.object_list))
    disputed = Contradiction.objects.values("metric_id")
    context = {
        "filterset": filterset,
        "data": data,
        "by_pair": by_pair,
        "page": page,
        "facets": page_facets(request, filterset.qs, CONTRADICTION_FACETS),
        "crumbs": [("Disputes", None)],
        "statuses": ContradictionStatus.choices,
        "kinds": ContradictionKind.choices,
        "metrics": Metric.objects.filter(pk__in=disputed).order_by("name"),
        "subjects": Entity.objects.filter(
            pk__in=Contradiction.objects.values("subject_id")
        ).order_by("name"),
        "section": "disputes",
        "api_url": f"/api/{'contradictions' if by_pair else 'disputes'}/?{data.urlencode()}",
        "feeds": feed_links(),
    }
    return render(request, "web/dispute_list.html", context)


@takes()
def dispute_fact(request, subject, metric):
    """One disputed fact: what each side says, and every pair of claims behind it."""
    entity = get_object_or_404(Entity, slug=subject)
    metric = get_object_or_404(Metric, slug=metric)
    records = dispute_queryset().filter(subject=entity, metric=metric)
    facts = disputed_facts(fact_records(entity, metric))
    if not facts:
        raise Http404(f"No dispute about {entity.name} · {metric.name}.")
    context = {
        "fact": facts[0],
        "pairs": list(records.order_by("-severity", "pk")),
        "crumbs": [
            ("Disputes", reverse("web:dispute-list")),
            (f"{entity.name} · {metric.name}", None),
        ],
        "section": "disputes",
        "feeds": feed_links(metric=metric) + feed_links(entity=entity),
        "api_url": f"/api/disputes/?subject={entity.slug}&metric={metric.slug}",
    }
    return render(request, "web/dispute_fact.html", context)


@takes()
def dispute_detail(request, pk):
    """Two claims side by side, both drawn on one line, and how the dispute was settled."""
    contradiction = get_object_or_404(
        dispute_queryset().select_related("preferred_claim", "resolved_by"), pk=pk
    )
    others = (
        Contradiction.objects.filter(
            subject_id=contradiction.subject_id, metric_id=contradiction.metric_id
        )
        .exclude(pk=pk)
        .select_related("claim_a__source__publisher", "claim_b__source__publisher")
    )
    review = claim_review(
        contradiction, url=request.build_absolute_uri(), site_url=request.build_absolute_uri("/")
    )
    context = {
        "contradiction": contradiction,
        "claim_review": mark_safe(as_script_text(review)) if review else "",  # escaped JSON
        "claims": contradiction.claims,
        "chart": dispute_chart(contradiction, link=claim_url),
        "others": list(others),
        "section": "disputes",
        "api_url": f"/api/contradictions/{contradiction.pk}/",
    }
    return render(request, "web/dispute_detail.html", context)


@takes()
def source_detail(request, pk):
    """A source: metadata, reliability, its claims in document order, its text highlighted."""
    source = get_object_or_404(Source.objects.select_related("publisher"), pk=pk)
    claims = list(
        claim_queryset()
        .filter(source=source)
        .order_by(F("quote_offset").asc(nulls_last=True), "pk")
    )
    open_records = (
        contradictions_for_claims([claim.pk for claim in claims])
        .filter(status=ContradictionStatus.OPEN)
        .order_by("-severity", "pk")
    )
    disputes: dict[int, list] = {}
    for record in open_records:
        for claim_id in (record.claim_a_id, record.claim_b_id):
            disputes.setdefault(claim_id, []).append(record)
    context = {
        "source": source,
        "claims": claims,
        "rows": [(claim, disputes.get(claim.pk, [])) for claim in claims],
        "api_url": f"/api/sources/{source.pk}/",
    }
    return render(request, "web/source_detail.html", context)


@takes()
def publisher_detail(request, slug):
    """A publisher: its grade, its sources, and the claims others attribute to it."""
    publisher = get_object_or_404(Publisher, slug=slug)
    sources = publisher.sources.annotate(
        claim_count=related_count(Source, "claims", LIVE)
    ).order_by(F("published").desc(nulls_last=True), "title")
    attributed = claim_queryset().filter(attributed_to=publisher).order_by("source__title", "pk")
    context = {
        "publisher": publisher,
        "crumbs": [("Publishers", reverse("web:publisher-list")), (publisher.name, None)],
        "sources": list(sources),
        "attributed": list(attributed),
        "api_url": f"/api/publishers/{publisher.slug}/",
    }
    return render(request, "web/publisher_detail.html", context)


@takes("page", filterset=SourceFilterSet)
@paged
def source_list(request):
    """Every source, sortable, filtered by publisher, grade or words of its title."""
    queryset = (
        Source.objects.select_related("publisher")
        .defer("text")
        .annotate(claim_count=related_count(Source, "claims", LIVE))
        .order_by(F("published").desc(nulls_last=True), "title")
    )
    filterset = SourceFilterSet(request.GET, queryset=queryset)
    if not filterset.is_valid():
        return bad_filters(request, filterset)
    context = {
        "filterset": filterset,
        "ordering": request.GET.get("ordering", ""),
        "page": page_of(request, filterset.qs, 100),
        "facets": page_facets(request, filterset.qs, SOURCE_FACETS),
        "crumbs": [("Sources", None)],
        "section": "sources",
        "api_url": "/api/sources/" + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "web/source_list.html", context)


@takes(filterset=PublisherFilterSet)
def publisher_list(request):
    """Every publisher with its default grade and how many sources and claims it has."""
    queryset = Publisher.objects.annotate(
        source_count=related_count(Publisher, "sources")
    ).order_by("name")
    filterset = PublisherFilterSet(request.GET, queryset=queryset)
    if not filterset.is_valid():
        return bad_filters(request, filterset)
    publishers = list(filterset.qs)
    counts = live_claim_counts("source__publisher", among=[p.pk for p in publishers])
    for publisher in publishers:
        publisher.claim_count = counts.get(publisher.pk, 0)
    context = {
        "filterset": filterset,
        "ordering": request.GET.get("ordering", ""),
        "publishers": publishers,
        "facets": page_facets(request, filterset.qs, PUBLISHER_FACETS),
        "crumbs": [("Publishers", None)],
        "section": "publishers",
        "api_url": "/api/publishers/" + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "web/publisher_list.html", context)


@takes("page", filterset=ClaimFilterSet)
@paged
def claim_list(request):
    """Every claim that is not rejected (unless ``status`` asks), filtered, with facets."""
    queryset = claim_queryset().annotate(disputed=open_contradiction_exists()).order_by("-pk")
    if "status" not in request.GET:
        queryset = queryset.filter(LIVE)
    filterset = ClaimFilterSet(request.GET, queryset=queryset)
    if not filterset.is_valid():
        return bad_filters(request, filterset)
    context = {
        "filterset": filterset,
        "page": page_of(request, filterset.qs, 50),
        "facets": page_facets(request, filterset.qs, CLAIM_FACETS),
        "crumbs": [("Claims", None)],
        "api_url": "/api/claims/" + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    return render(request, "web/claim_list.html", context)
