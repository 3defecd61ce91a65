"""Shared test setup: hypothesis profiles and the anyio backend for async tests."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, derandomize=True, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
# CI=true (set by .ci/run, GitHub Actions and most CI services): a fixed seed, so CI never flakes; locally
# every run draws new examples (a case once found is added as an explicit @example).
settings.load_profile("ci" if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"} else "default")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (httpx's async client also runs on trio, not installed here)."""
    return "asyncio"
