"""The admin's lists at scale (qwenkb/adminlists.py): the search box finds exactly what Django's
own search finds, counts of related rows add no grouping, filters find their choices by EXISTS."""

import pytest
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Claim, Contradiction, Entity, Metric
from qwenkb import adminlists
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = (Claim, Contradiction, Entity, Source)
WORDS = (
    "trillion",
    "1.8 trillion",
    '"over 1"',
    "qwen",
    "Qwen Max",
    "Tongyi",
    "tech daily",
    "largest",
    "%",
    "_",
    "50%",
    "zzz",
    "Ana",
    "over trillion",
    "params",
    "'Tech Daily'",
    "  ",
    "x",
    "q",
)
FRAGMENTS = st.text(alphabet="qwenQWEN trilo1.8%_'\"TDaxy", min_size=1, max_size=12)


@pytest.fixture
def kb(db):
    """Claims whose words lie in their own text and in what they refer to: subjects (and an
    alias), metrics, sources, publishers; two of them contradict each other."""
    daily = factories.publisher(name="Tech Daily")
    qwen = factories.entity(name="Qwen Max", aliases=["Tongyi Qianwen"])
    other = factories.entity(name="Other Model")
    largest = factories.metric(slug="largest", name="Largest params")
    src = factories.source(title="Qwen news", author="Ana Li", pub=daily)
    plain = factories.source(title="A plain report")
    factories.claim(subject=qwen, metric_=largest, src=src, value="over 1 trillion")
    factories.claim(subject=qwen, metric_=largest, src=src, value="exceeding 1.8 trillion")
    factories.claim(subject=other, src=plain, value="7B", notes="checked: 50% under_score")
    assert Contradiction.objects.exists()


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _check(model, term: str, superuser) -> None:
    model_admin = admin.site._registry[model]
    request = _request(superuser)
    queryset = model_admin.get_queryset(request)
    found, duplicates = model_admin.get_search_results(request, queryset, term)
    expected, _ = admin.ModelAdmin.get_search_results(model_admin, request, queryset, term)
    if duplicates:  # Django's own search answered (more than MOST_WORDS words): the admin
        found = found.distinct()  # then asks for distinct rows, as here
    rows = list(found.values_list("pk", flat=True))
    assert len(rows) == len(set(rows)), (model.__name__, term)  # no row twice
    assert set(rows) == set(expected.values_list("pk", flat=True)), (model.__name__, term)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("term", WORDS)
def test_the_search_finds_what_djangos_finds(kb, admin_user, model, term):
    _check(model, term, admin_user)


@pytest.mark.parametrize("few", [0, 1, 2])
@pytest.mark.parametrize(
    "term",
    ["qwen trillion", "trillion qwen", "50% tech", "qwen zzz", "trillion 50%", "model 50%"],
)
def test_words_found_in_many_rows_and_in_few_combine_as_djangos(
    kb, admin_user, monkeypatch, few, term
):
    """With ``FEW_IDS`` this low, a word finds "many" rows: the other words narrow it, or,
    when every word finds many, each word's ids stay a subquery."""
    monkeypatch.setattr(adminlists, "FEW_IDS", few)
    for model in MODELS:
        _check(model, term, admin_user)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(term=FRAGMENTS)
def test_any_search_finds_what_djangos_finds(kb, admin_user, term):
    for model in MODELS:
        _check(model, term, admin_user)


def test_a_search_of_too_many_words_is_refused_with_a_message_and_runs_no_search(
    kb, admin_client, admin_user
):
    """Each distinct word costs a look-up or two, so a search of more than ``MOST_WORDS``
    is refused, saying so (Django's own search of 3,000 words failed on SQLite: a 503); a
    word said many times counts once, and 10,000 characters of one word are one word."""
    pieces = {"trillion"[i:j] for i in range(8) for j in range(i + 1, 9)}  # each in two claims
    words = " ".join(sorted(pieces)[: adminlists.MOST_WORDS + 1])
    repeated = " ".join(["trillion"] * 200)
    for term in (repeated, "x" * 10_000):
        for model in MODELS:
            _check(model, term, admin_user)
    many = " ".join(f"w{n}" for n in range(3000))
    for term, count in ((words, adminlists.MOST_WORDS + 1), (many, 3000)):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse("admin:claims_claim_changelist"), {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []
        shown = [str(m) for m in response.context["messages"]]
        assert shown == [adminlists.too_many_words(count)], shown
        assert f"at most {adminlists.MOST_WORDS} words" in shown[0] and str(count) in shown[0]
        assert not [q for q in queries if "LIKE" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:claims_claim_changelist"), {"q": repeated})
    assert len(response.context["cl"].result_list) == 2
    assert len([q for q in queries if "LIKE" in q["sql"]]) == 1  # one word's look-up


def test_a_prefixed_search_field_is_refused_by_name(admin_user):
    class Prefixed(adminlists.IndexedSearchMixin):
        search_fields = ["^name"]

    model_admin = Prefixed(Metric, admin.site)
    with pytest.raises(ImproperlyConfigured, match=r"Prefixed.search_fields.*\^name"):
        model_admin.get_search_results(_request(admin_user), Metric.objects.all(), "x")


@pytest.mark.needs("postgresql")
def test_a_word_in_few_claims_filters_the_list_by_their_ids(kb, admin_client):
    """The list's own statements (its page and its count) name the ids found as values; the
    look-up of the ids can use the claims' trigram indexes (at a million claims, Django's one
    OR over four joins read every claim: about 5 s)."""
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:claims_claim_changelist"), {"q": "trillion"})
    assert len(response.context["cl"].result_list) == 2
    counts = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "claims_claim" WHERE')
    ]
    assert counts and all("UNION" not in sql and "JOIN" not in sql for sql in counts), counts
    own = adminlists.ids_holding(Claim, ["value_text", "quote", "notes"], "trillion")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = own.explain()
    for index in ("claims_claim_quote_trgm", "claims_claim_value_text_trgm"):
        assert f"Bitmap Index Scan on {index}" in plan, plan


@pytest.mark.parametrize(
    ("model", "url"),
    [(Entity, "admin:claims_entity_changelist"), (Source, "admin:sources_source_changelist")],
    ids=["entities", "sources"],
)
def test_a_lists_claim_counts_add_no_grouping_to_its_other_statements(kb, admin_client, model, url):
    """Each row's number of claims is right, and the list's count and its filters' choices
    neither join the claims nor group by row (over a million claims each took 0.5–1 s)."""
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(url))
    shown = {row.pk: row.n_claims for row in response.context["cl"].result_list}
    field = "subject" if model is Entity else "source"
    assert shown == {
        row.pk: Claim.objects.filter(**{field: row}).count() for row in model.objects.all()
    }
    assert sum(shown.values()) == Claim.objects.count() == 3
    # Only the page's own statement reads claims (for its rows' counts).
    reading = [q["sql"] for q in queries if "claims_claim" in q["sql"]]
    page = f'SELECT "{model._meta.db_table}"."id"'
    assert len(reading) == 1 and reading[0].startswith(page), reading


def test_the_list_can_be_ordered_by_its_claim_counts(kb, admin_client):
    response = admin_client.get(reverse("admin:claims_entity_changelist"), {"o": "-6"})
    counts = [row.n_claims for row in response.context["cl"].result_list]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2


@pytest.mark.parametrize(
    ("model", "path"),
    [
        (Claim, "metric"),
        (Claim, "source__publisher"),
        (Contradiction, "metric"),
        (Source, "publisher"),
    ],
)
def test_a_related_filter_offers_what_djangos_offers_and_asks_by_exists(
    kb, admin_user, model, path
):
    factories.metric(slug="unused")  # referred to by no row: offered by neither
    factories.publisher(name="Quiet Press")
    model_admin = admin.site._registry[model]
    request = _request(admin_user)
    field = get_fields_from_path(model, path)[-1]
    ours = adminlists.RelatedWithRowsFilter(field, request, {}, model, model_admin, path)
    theirs = RelatedOnlyFieldListFilter(field, request, {}, model, model_admin, path)
    assert ours.lookup_choices == theirs.lookup_choices
    assert len(ours.lookup_choices) >= 1
    with CaptureQueriesContext(connection) as queries:
        adminlists.RelatedWithRowsFilter(field, request, {}, model, model_admin, path)
    assert len(queries) == 1 and "EXISTS" in queries[0]["sql"]
    assert "DISTINCT" not in queries[0]["sql"]
