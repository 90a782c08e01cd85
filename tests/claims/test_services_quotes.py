"""Quote positions follow a source's new text (claims/services/quotes.py, by signal from
sources, which never imports claims)."""

import pytest

from sources.services import source_save
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "The largest model, boasting over 1 trillion parameters, went live on February 16."


def test_a_new_source_text_moves_its_claims_quote_offsets():
    src = factories.source(text=TEXT)
    claim = factories.claim(src=src, value="over 1 trillion", quote="over 1 trillion").claim
    new_text = "Preface. " + TEXT
    source_save(source=src, text=new_text, reason="a preface")
    claim.refresh_from_db()
    assert claim.quote_offset == new_text.index("over 1 trillion") == TEXT.index("over") + 9
