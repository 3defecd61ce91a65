"""Shared test setup: hypothesis profiles (and CI's quick passes) and the anyio backend for async tests."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, derandomize=True, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
# CI=true (set by .ci/run, GitHub Actions and most CI services): a fixed seed, so CI never flakes; locally
# every run draws new examples (a case once found is added as an explicit @example).
settings.load_profile("ci" if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"} else "default")

#: INVOICEKIT_TEST_EXAMPLES=quick (set by .ci/run for its orjson and lowest-versions passes, which repeat the
#: first pass's property tests): every @given test draws a fifth of its examples (at least 10; explicit
#: @examples always run). The first pass, and any run without the variable, keeps full strength.
QUICK_EXAMPLES = os.environ.get("INVOICEKIT_TEST_EXAMPLES", "").strip().lower() == "quick"


def quick_examples(full: int) -> int:
    """How many examples a property test of *full* examples draws in a quick pass."""
    return min(full, max(10, full // 5))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a quick pass, scale each property test's max_examples down, unless it is marked all_examples (a
    property test only the orjson pass can run: it keeps full strength there)."""
    if not QUICK_EXAMPLES:
        return
    done: set[int] = set()
    for item in items:
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        current = getattr(test, "_hypothesis_internal_use_settings", None)  # what @given/@settings keep
        if current is None or id(test) in done or item.get_closest_marker("all_examples") is not None:
            continue
        done.add(id(test))  # a parametrized test is one function: scaled once
        test._hypothesis_internal_use_settings = settings(  # type: ignore[union-attr]
            current, max_examples=quick_examples(current.max_examples)
        )


def pytest_configure(config: pytest.Config) -> None:
    """anyio < 4.16 drops the socket of a connect cut as it succeeds: closed as 4.16 does, only those
    (tests/anyio_orphans.py says why, and what still fails a test). (Imported here: a test runs this file
    alone, where tests/ is not on the path.)"""
    import anyio_orphans

    anyio_orphans.install()


def pytest_terminal_summary(terminalreporter: "pytest.TerminalReporter") -> None:  # (pytest >= 8.1 names it)
    """Say where anyio < 4.16 dropped a connected stream (closed by anyio_orphans), if it did."""
    import anyio_orphans

    line = anyio_orphans.summary()
    if line is not None:
        terminalreporter.write_line(line)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (httpx's async client also runs on trio, not installed here)."""
    return "asyncio"


@pytest.fixture(params=["stdlib", "orjson"])
def json_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test on both JSON paths: the standard library, then orjson (the `fast` extra)."""
    from invoicekit import _json as ikjson

    module = None if request.param == "stdlib" else pytest.importorskip("orjson")
    saved, ikjson._orjson = ikjson._orjson, module
    try:
        yield request.param
    finally:
        ikjson._orjson = saved
