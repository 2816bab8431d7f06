"""Hypothesis settings for the test suite.

Two profiles, chosen by ``HYPOTHESIS_PROFILE`` or, when that is unset, by the ``CI``
environment variable that CI services set:

- ``dev`` (local runs): hypothesis' example database in ``.hypothesis/`` (ignored by git)
  replays a failure found earlier in this clone until it is fixed.
- ``ci``: no example database, so a run depends only on the code and the seed, never on
  examples stored by an earlier run; ``print_blob`` prints what ``@reproduce_failure``
  needs to replay a failure locally.

Both keep random generation (no ``derandomize``): every run explores new inputs, and a
failure names the ``--hypothesis-seed`` that reproduces it. Both switch the per-example
deadline off: timing depends on the machine's load, so a deadline would fail correct code
by chance (the slow property tests already set ``deadline=None`` themselves).
Strategies must be bounded to valid input; see tests/test_power.py for an example.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, database=None, print_blob=True)
_on_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _on_ci else "dev"))


# Tests that run the CLI or a fresh interpreter, run the same calls on the other engines
# (Polars, PyArrow, DuckDB), read whole data sets through DuckDB, or build report sections
# and runs (the report layer sits on every other layer), and the doctests of those layers:
# marked ``integration`` here (one list instead of a mark in each file), so ``make
# test-fast`` leaves them out; ``make test`` runs them.
INTEGRATION_FILES = (
    "tests/cli/",
    "tests/engines/",
    "tests/examples/test_real_examples.py",
    "tests/datasets/test_warehouse.py",
    "tests/reports/",
    "kpitools/engines/",
    "kpitools/reports/",
)


# Tests parametrized over ``alternative`` check one behaviour for each of the three
# alternatives. Their one-sided cases are marked ``exhaustive`` here, so ``make test-fast``
# runs every such test once, at its two-sided case, and ``make test`` runs all three.
FAST_ALTERNATIVE = "two-sided"


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    import pytest

    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if path.startswith(INTEGRATION_FILES):
            item.add_marker(pytest.mark.integration)
        callspec = getattr(item, "callspec", None)
        alternative = callspec.params.get("alternative") if callspec is not None else None
        if alternative is not None and alternative != FAST_ALTERNATIVE:
            item.add_marker(pytest.mark.exhaustive)


def pytest_ignore_collect(collection_path, config):  # type: ignore[no-untyped-def]
    """With ``-m "... not integration"`` (make test-fast) the integration files are not even
    imported: their imports (DuckDB, Polars, Spark, the notebook stack) are most of the
    collection time."""
    if "not integration" not in (config.getoption("markexpr") or ""):
        return None
    root = config.rootpath
    if not collection_path.is_relative_to(root):
        return None
    path = collection_path.relative_to(root).as_posix()
    if collection_path.is_dir():
        path += "/"
    return True if path.startswith(INTEGRATION_FILES) else None
