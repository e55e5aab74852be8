"""Fault tests: one module per fault (docs/FAULTS.md).

They run in ``make test`` like every other test; the slower ones carry the
``slow`` mark, so ``pytest -m "not slow"`` leaves them out while iterating.
"""

import pytest

from tests.api.conftest import login, world  # noqa: F401  (fixtures)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes seconds (a fault injected and recovered from)"
    )
