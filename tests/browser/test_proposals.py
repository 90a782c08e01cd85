"""An editor's path through the Proposals queue, in a real browser."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from claims import services
from claims.models import Claim, Contradiction, Entity, EntityCandidate
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = (
    "Qwen3.5-Max Preview has exceeding 1.8 trillion parameters. "
    "Qwen3.5-Max Preview has a parameter count of 1.2 trillion. "
    "Qwen3.5-Max Preview has 9 trillion parameters. "
    "Qwen3-Max has 2 trillion parameters."
)


@pytest.fixture
def queue():
    """Three proposals from one text; the first disagrees with an accepted claim."""
    qwen = factories.entity(name="Qwen", kind="model_family")
    model = factories.entity(name="Qwen3.5-Max Preview", parent=qwen)
    metric = factories.metric(slug="total-parameters")
    services.metric_save(metric=metric, cues=["parameters", "parameter count"])
    publisher = factories.publisher(name="VentureBeat")
    factories.claim(
        subject=model, metric_=metric, value="over 1 trillion", quote="over 1 trillion parameters"
    )
    source = factories.source(title="News", text=TEXT, pub=publisher)
    run = services.source_propose(source=source)
    # A superuser: the groups made by a migration are gone after another browser test's flush.
    User.objects.create_superuser("rita", "rita@example.invalid", "queue-pass-1")
    return [write.claim for write in run.proposed]


def test_accept_correct_and_reject_in_the_queue(live_server, page, queue):
    first, second, third = queue
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill("queue-pass-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#review-queue")).to_contain_text("3 waiting for review")
    expect(page.locator("#review-queue")).to_contain_text("1 to create or map")
    page.get_by_role("link", name="Proposals", exact=True).first.click()

    card = page.locator(f"#proposal-{first.pk}")
    expect(card.locator("mark")).to_have_text("exceeding 1.8 trillion")
    expect(card.locator(".conflicts")).to_contain_text("Would open a discrepancy")
    card.get_by_role("button", name="Accept").click()
    earlier = Claim.objects.get(value_text="over 1 trillion")  # the accepted claim it disputes
    opened = Contradiction.objects.get(status="open", claim_a=earlier, claim_b=first)
    message = page.locator(".messagelist")
    expect(message).to_contain_text(f"Claim {first.pk} accepted; it is now in contradiction")
    # The conflict it opened, one click away; then back to the queue.
    message.get_by_role("link", name=f"contradiction {opened.pk} (discrepancy)").click()
    expect(page.locator("#content")).to_contain_text("exceeding 1.8 trillion")
    page.go_back()

    card = page.locator(f"#proposal-{second.pk}")
    value = card.get_by_label("Value as written")
    value.fill("1.2 trillion")
    card.get_by_label("As of").fill("March 2026")
    card.get_by_role("button", name="Save correction").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Claim {second.pk} corrected")

    # Keyboard only: focus the third proposal's Reject button and press Enter.
    card = page.locator(f"#proposal-{third.pk}")
    card.get_by_role("button", name="Reject").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text(f"Claim {third.pk} rejected.")

    assert Claim.objects.get(pk=first.pk).status == "accepted"
    corrected = Claim.objects.get(pk=second.pk)
    assert (corrected.value_text, corrected.status, str(corrected.as_of_start)) == (
        "1.2 trillion",
        "proposed",
        "2026-03-01",
    )
    assert Claim.objects.get(pk=third.pk).status == "rejected"
    expect(page.locator(".proposal:not(.candidate)")).to_have_count(1)

    # The name the catalogue did not know becomes an entity in one step, and its figure a
    # proposal.
    (candidate,) = EntityCandidate.objects.all()
    card = page.locator(f"#candidate-{candidate.pk}")
    expect(card).to_contain_text("Qwen3-Max has 2 trillion parameters.")
    card.get_by_label("Kind").select_option("model")
    card.get_by_role("button", name="Create entity").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "“Qwen3-Max” is now Qwen3-Max; 1 more claim(s) proposed."
    )
    expect(page.locator(".candidate")).to_have_count(0)
    created = Entity.objects.get(name="Qwen3-Max")
    expect(page.locator(".proposal:not(.candidate)")).to_have_count(2)
    assert Claim.objects.get(subject=created, status="proposed").value_text == (
        "2 trillion parameters"
    )
