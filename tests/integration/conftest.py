"""Integration tests that need the catalogue and the sandbox use the API
tests' world."""

from tests.api.conftest import world  # noqa: F401  (a fixture)
