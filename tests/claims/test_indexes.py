"""The indexes the claim and contradiction tables keep: what their queries use, no more.

Every index is written on every insert (an import writes a million claims, a rescan tens of
thousands of records with their history rows), so one that no query reads is pure cost; and
one missing under a foreign key makes each delete of the referenced row scan the table.
"""

import pytest
from django.db import connection

from claims.models import Claim, Contradiction

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> list[list[str]]:
    """The columns of each index on ``table`` (primary key and unique constraints included;
    an index on expressions, such as the quotes' full-text one, names none), in order."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        c["columns"]
        for c in constraints.values()
        if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]
    ]


@pytest.mark.parametrize("model", [Claim, Contradiction], ids=lambda m: m.__name__)
def test_every_foreign_key_of_a_live_table_leads_an_index(model):
    """Look-ups by a reference, and the cascade when its row is deleted, use an index: the
    key's own, or one that starts with it (an index of its own beside that is pure cost)."""
    indexes = _indexes(model._meta.db_table)
    leading: dict[str, int] = {}
    for columns in indexes:
        leading[columns[0]] = leading.get(columns[0], 0) + 1
    keys = [f.column for f in model._meta.concrete_fields if f.is_relation and f.db_constraint]
    assert keys
    for column in keys:
        assert leading.get(column, 0) == 1, (column, indexes)


@pytest.mark.parametrize("model", [Claim, Contradiction], ids=lambda m: m.__name__)
def test_a_history_table_is_indexed_by_row_date_and_user_only(model):
    """History is read by the row it records (id) and by date, and joined to its user; the
    references it copies are never searched."""
    history = model.history.model
    columns = {column for index in _indexes(history._meta.db_table) for column in index}
    assert columns == {"history_id", "id", "history_date", "history_user_id"}
