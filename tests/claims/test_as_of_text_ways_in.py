"""`as_of_text` through every way in: the API, the admin claim form and ``import_claims``.

All three read the phrase with ``claims.reading.read_as_of_text`` against the source's date;
a phrase that cannot be read, hostile input among it, is an error naming the field (a 400, a
form error, "line N: as_of_text: …" with nothing imported), never a 500 nor a cut-short
phrase; a phrase and an explicit as_of that disagree are an error, not a silent pick.
"""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Claim
from claims.reading import AS_OF_TEXT_MAX
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
TEXT = "Qwen crossed 1 billion downloads by end of January, and 700 million as of this month."
QUOTE = "crossed 1 billion downloads by end of January"

# Hostile phrases, and what the error says about each.
HOSTILE = [
    pytest.param("%", 'Cannot read "%" as a period', id="percent"),
    pytest.param("by end of\x00 January", "NUL", id="nul"),
    pytest.param(
        "x" * 10_000, f"at most {AS_OF_TEXT_MAX} characters; this one has 10,000", id="10k"
    ),
    pytest.param(
        "by end of January " * 600, f"at most {AS_OF_TEXT_MAX} characters", id="10k-readable"
    ),
    pytest.param("🚀", 'Cannot read "🚀" as a period', id="emoji"),
    pytest.param("by end of January 🚀🚀", "as a period", id="emoji-after"),
]


@pytest.fixture
def kb():
    return {
        "source": factories.source(text=TEXT, published=D(2026, 3, 28)),
        "subject": factories.entity(name="Qwen"),
        "metric": factories.metric(slug="downloads", unit="downloads", time_varying=True),
    }


# --- the API --------------------------------------------------------------------------------


@pytest.fixture
def api(editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


def api_body(kb, **extra) -> dict:
    return {
        "subject": "Qwen",
        "metric": "downloads",
        "source": kb["source"].pk,
        "value_text": "over 1 billion",
        "quote": QUOTE,
    } | extra


@pytest.mark.parametrize(("phrase", "says"), HOSTILE)
def test_api_refuses_a_hostile_as_of_text_with_a_400_naming_it(api, kb, phrase, says):
    response = api.post("/api/claims/", api_body(kb, as_of_text=phrase), format="json")
    assert response.status_code == 400, response.content[:300]
    errors = response.json()
    assert set(errors) == {"as_of_text"}
    message = " ".join(errors["as_of_text"])
    assert says in message or (says == "NUL" and "Null characters are not allowed" in message)
    assert len(message) < 400  # the phrase is not echoed ten thousand characters long
    assert not Claim.objects.exists()


def test_api_refuses_as_of_text_and_as_of_that_disagree_and_takes_them_when_they_agree(api, kb):
    both = api_body(kb, as_of_text="by end of January", as_of="January 2026")
    response = api.post("/api/claims/", both, format="json")
    assert response.status_code == 400
    message = " ".join(response.json()["as_of_text"])
    assert "reads as 2026-01-21 – 2026-01-31, but as_of gives Jan 2026" in message
    agreeing = both | {"as_of": "January 21-31, 2026"}
    response = api.post("/api/claims/", agreeing, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["as_of"]["start"] == "2026-01-21"


# --- the admin ------------------------------------------------------------------------------


def admin_form(kb, **extra) -> dict:
    return {
        "subject": kb["subject"].pk,
        "metric": kb["metric"].pk,
        "source": kb["source"].pk,
        "value_text": "over 1 billion",
        "quote": QUOTE,
        "status": "proposed",
        "rank": "normal",
        "as_of": "",
        "as_of_text": "",
        "notes": "",
        "reason": "",
    } | extra


def test_admin_reads_as_of_text_against_the_sources_date(editor_client, kb):
    response = editor_client.post(
        reverse("admin:claims_claim_add"), admin_form(kb, as_of_text="by end of January")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert (claim.as_of_start, claim.as_of_end) == (D(2026, 1, 21), D(2026, 1, 31))


@pytest.mark.parametrize(
    ("phrase", "says"),
    [*HOSTILE, pytest.param("sometime soon", 'Cannot read "sometime soon"', id="unreadable")],
)
def test_admin_shows_a_hostile_as_of_text_as_an_error_on_its_field(editor_client, kb, phrase, says):
    response = editor_client.post(
        reverse("admin:claims_claim_add"), admin_form(kb, as_of_text=phrase)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"as_of_text"}
    message = " ".join(errors["as_of_text"])
    assert says in message or (says == "NUL" and "Null characters are not allowed" in message)
    assert not Claim.objects.exists()


def test_admin_refuses_as_of_text_that_disagrees_with_as_of(editor_client, kb):
    form = admin_form(kb, as_of_text="by end of January", as_of="March 2026")
    response = editor_client.post(reverse("admin:claims_claim_add"), form)
    assert response.status_code == 200
    message = response.context["adminform"].form.errors["as_of_text"][0]
    assert "reads as 2026-01-21 – 2026-01-31, but as_of gives Mar 2026" in message
    assert not Claim.objects.exists()


def test_admin_change_with_as_of_text_replaces_the_period_once_as_of_is_cleared(editor_client, kb):
    form = admin_form(kb, as_of="March 2026")
    editor_client.post(reverse("admin:claims_claim_add"), form)
    claim = Claim.objects.get()
    change = reverse("admin:claims_claim_change", args=[claim.pk])
    # The stored period still shown in as_of, and a phrase that names other days: refused.
    response = editor_client.post(change, form | {"as_of_text": "by end of January"})
    assert response.status_code == 200
    assert "as_of gives Mar 2026" in response.context["adminform"].form.errors["as_of_text"][0]
    response = editor_client.post(change, form | {"as_of": "", "as_of_text": "by end of January"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.as_of_start, claim.as_of_end) == (D(2026, 1, 21), D(2026, 1, 31))


# --- import_claims --------------------------------------------------------------------------


def row(kb, **extra) -> dict:
    return {
        "subject": "Qwen",
        "metric": "downloads",
        "value": "over 1 billion",
        "source": kb["source"].key,
        "quote": QUOTE,
    } | extra


def import_rows(tmp_path, rows: list[dict], name: str = "claims.jsonl") -> str:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = io.StringIO()
    call_command("import_claims", str(path), "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_reads_as_of_text_as_the_services_do(tmp_path, kb):
    later = row(kb, value="700 million", quote="700 million as of this month")
    later["as_of_text"] = "as of this month"
    import_rows(tmp_path, [row(kb, as_of_text="by end of January"), later])
    periods = sorted(Claim.objects.values_list("as_of_start", "as_of_end", "as_of_precision"))
    assert periods == [
        (D(2026, 1, 21), D(2026, 1, 31), "range"),
        (D(2026, 3, 1), D(2026, 3, 28), "range"),
    ]


def test_import_csv_takes_an_as_of_text_column(tmp_path, kb):
    path = tmp_path / "claims.csv"
    path.write_text(
        "subject,metric,value,source,quote,as_of_text\n"
        f"Qwen,downloads,over 1 billion,{kb['source'].key},{QUOTE},by end of January\n"
    )
    call_command("import_claims", str(path), "--no-progress", stdout=io.StringIO())
    assert Claim.objects.get().as_of_start == D(2026, 1, 21)


@pytest.mark.parametrize(
    ("phrase", "says"),
    [*HOSTILE, pytest.param("sometime soon", 'Cannot read "sometime soon"', id="unreadable")],
)
def test_import_refuses_a_hostile_as_of_text_naming_line_and_field_and_keeps_nothing(
    tmp_path, kb, phrase, says
):
    good = row(kb, as_of_text="by end of January")
    other = row(kb, value="700 million", quote="700 million as of this month")
    with pytest.raises(CommandError) as info:
        import_rows(tmp_path, [good, other, row(kb, as_of_text=phrase)])
    message = str(info.value)
    assert "line 3: as_of_text: " in message and "Nothing was imported" in message
    assert says in message or (says == "NUL" and "as_of_text: contains a NUL" in message)
    assert len(message) < 600
    assert not Claim.objects.exists()


def test_import_refuses_as_of_text_and_as_of_that_disagree(tmp_path, kb):
    rows = [row(kb, as_of_text="by end of January", as_of="January 21-31, 2026")]
    rows.append(
        row(
            kb,
            value="700 million",
            quote="700 million as of this month",
            as_of_text="as of this month",
            as_of="January 2026",
        )
    )
    with pytest.raises(CommandError) as info:
        import_rows(tmp_path, rows)
    assert "line 2: as_of_text: “as of this month” reads as 2026-03-01 – 2026-03-28, but " in str(
        info.value
    )
    assert "as_of gives Jan 2026" in str(info.value)
    assert not Claim.objects.exists()
    import_rows(tmp_path, rows[:1])  # the first row's two periods agree: it is stored
    assert Claim.objects.get().as_of_end == D(2026, 1, 31)


def _posted(form) -> dict:
    """What a browser posts for ``form`` as the page rendered it (its bound or initial values)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = list(value) if isinstance(value, list | tuple) else value
    return data


def test_admin_source_page_reads_an_inline_claims_as_of_text(editor_client, admin_client, kb):
    claim = factories.claim(
        src=kb["source"], subject=kb["subject"], metric_=kb["metric"], value="over 1 billion",
        quote=QUOTE,
    ).claim  # fmt: skip
    url = reverse("admin:sources_source_change", args=[kb["source"].pk])
    page = editor_client.get(url)
    data = _posted(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _posted(formset.management_form)
        for form in formset.forms:
            data |= _posted(form)
    prefix = next(
        f.prefix for i in page.context["inline_admin_formsets"] for f in i.formset.forms
        if f.instance.pk == claim.pk
    )  # fmt: skip
    data |= {f"{prefix}-as_of": "", f"{prefix}-as_of_text": "by end of January"}
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert (claim.as_of_start, claim.as_of_end) == (D(2026, 1, 21), D(2026, 1, 31))

    data[f"{prefix}-as_of_text"] = "x" * 10_000
    refused = editor_client.post(url, data)
    assert refused.status_code == 200
    assert f"at most {AS_OF_TEXT_MAX} characters" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.as_of_end == D(2026, 1, 31)  # nothing changed

    # Editors are offered no removal; for an administrator, removing it on the source's page
    # rejects it (through the services), never deletes it.
    assert f'name="{prefix}-DELETE"' not in page.content.decode()
    data[f"{prefix}-as_of_text"] = ""
    data[f"{prefix}-DELETE"] = "on"
    assert admin_client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "rejected"
