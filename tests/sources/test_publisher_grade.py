"""A publisher's new default grade reaches the sources that take it, from the admin too."""

import pytest

from sources import services
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_admin_passes_a_new_grade_to_sources_that_take_the_default(editor_client, editor):
    publisher = factories.publisher(name="KrASIA", reliability="C")
    default = factories.source(title="Took the default", pub=publisher)
    graded = factories.source(title="Graded apart", pub=publisher, reliability="A")
    assert default.reliability == "C"
    form = {
        "name": "KrASIA",
        "slug": publisher.slug,
        "url": "",
        "reliability": "D",
        "description": "",
    }
    done = editor_client.post(f"/admin/sources/publisher/{publisher.pk}/change/", form)
    assert done.status_code == 302
    assert dict(Source.objects.values_list("title", "reliability")) == {
        "Took the default": "D",
        "Graded apart": "A",
    }
    entry = Source.objects.get(pk=default.pk).history.first()
    assert entry.history_user == editor
    assert entry.history_change_reason == "KrASIA's default grade changed from C to D."
    assert graded.history.count() == 1


def test_a_source_with_a_reason_for_the_same_grade_keeps_it(db):
    publisher = factories.publisher(reliability="B")
    own = services.source_save(
        key="own",
        title="Own grade",
        publisher=publisher,
        reliability="B",
        reliability_reason="Primary document",
    )
    services.publisher_save(publisher=publisher, reliability="E")
    own.refresh_from_db()
    assert own.reliability == "B"


def test_an_unknown_field_or_a_nul_is_refused_naming_it(db):
    from django.core.exceptions import ValidationError

    publisher = factories.publisher()
    with pytest.raises(ValidationError) as unknown:
        services.publisher_save(publisher=publisher, grade="A")
    assert unknown.value.message_dict == {"grade": ["This field does not exist on a publisher."]}
    with pytest.raises(ValidationError) as nul:
        services.publisher_save(publisher=publisher, name="a\x00b")
    assert list(nul.value.message_dict) == ["name"]
