"""The test folders have no ``__init__.py``, so pytest imports each test module by its
basename: two modules of one name in different folders make collection fail with "import file
mismatch" when both are collected. This guards against adding a second one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_every_test_module_has_its_own_basename():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    repeated = sorted(name for name, count in names.items() if count > 1)
    assert repeated == [], f"test modules sharing a basename: {repeated}"
