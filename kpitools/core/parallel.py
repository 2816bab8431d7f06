"""Passes over the rows in threads: one consecutive part of the rows per core.

NumPy's loops (ufuncs, ``bincount``, fancy indexing, ``sort``) release the GIL, so a pass
over tens of millions of rows split into one part per core runs in parallel threads. The
parts are consecutive and their results come back in order, so what a caller joins from
them does not depend on the number of threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["cores", "by_parts"]

_Part = TypeVar("_Part")


def cores() -> int:
    """The cores this process may run on (at most 8).

    >>> 1 <= cores() <= 8
    True
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    return max(1, min(usable, 8))


def by_parts(size: int, run: Callable[[int, int], _Part], *, block: int,
             threaded_from: int) -> list[_Part]:
    """``run(start, stop)`` over consecutive parts of ``range(size)``, each a whole number
    of ``block`` rows (but the last), one per core in threads from ``threaded_from`` rows
    on (else one part), results in the parts' order.

    >>> by_parts(10, lambda a, b: (a, b), block=4, threaded_from=100)
    [(0, 10)]
    """
    workers = cores() if size >= threaded_from else 1
    if workers == 1:
        return [run(0, size)]
    step = -(-size // workers)
    step = -(-step // block) * block
    bounds = [(a, min(a + step, size)) for a in range(0, size, step)]
    with ThreadPoolExecutor(len(bounds), thread_name_prefix="kpitools-rows") as pool:
        return list(pool.map(lambda b: run(*b), bounds))
