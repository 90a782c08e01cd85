"""The API tests' knowledge base and token clients, for the project-level tests too."""

from tests.api.conftest import anon, editor_api, kb, reviewer_api  # noqa: F401 (fixtures)
from tests.claims.test_bulk import kb as bulk_kb  # noqa: F401 (the import tests' fixture)
