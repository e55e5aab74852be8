"""The console's tests use the API tests' world (catalogue + sandbox)."""

from tests.api.conftest import world  # noqa: F401  (a fixture)
