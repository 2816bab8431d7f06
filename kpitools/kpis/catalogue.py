"""The registry of KPIs that `kpitools.summarize` and `kpitools.compare` dispatch on.

A KPI module registers each KPI once with `register_kpi`::

    register_kpi(KpiDefinition(
        name="nps", unit="points", higher_is_better=True,
        estimate=_nps_estimate,    # (data, value, *, confidence_level, **options) -> KpiEstimate
        compare=_nps_compare,      # (a, b, value, *, confidence_level, **options) -> Comparison
        summarize=_nps_summarize,  # optional, vectorised: (data, value, keys, *, ...) -> frame
    ))

``data`` is a DataFrame (a group's rows), ``value`` the name of the column the KPI reads (or
None when the KPI reads several columns named in ``options``). ``summarize``, when given,
computes every group in one vectorised pass and returns a frame with the ``keys`` columns
followed by `kpitools.core.results.ESTIMATE_COLUMNS`; otherwise `kpitools.summarize` calls
``estimate`` once per group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpitools.core.results import Comparison, KpiEstimate

__all__ = ["KpiDefinition", "register_kpi", "get_kpi", "kpi_names"]

EstimateFn = Callable[..., KpiEstimate]
CompareFn = Callable[..., Comparison]
SummarizeFn = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class KpiDefinition:
    """How one KPI is estimated, summarised by group and compared between groups."""

    name: str
    unit: str
    higher_is_better: bool | None
    estimate: EstimateFn
    compare: CompareFn
    summarize: SummarizeFn | None = None
    description: str = ""
    default_value: str | None = None


_REGISTRY: dict[str, KpiDefinition] = {}


def register_kpi(definition: KpiDefinition) -> KpiDefinition:
    """Add a KPI to the registry (a second registration of the same name replaces the first)."""
    _REGISTRY[definition.name] = definition
    return definition


def get_kpi(name: Any) -> KpiDefinition:
    """Look up a KPI by its exact name; an unknown name raises ValueError listing the known ones."""
    if not isinstance(name, str) or name not in _REGISTRY:
        listed = ", ".join(repr(k) for k in sorted(_REGISTRY))
        raise ValueError(f"kpi={name!r} is not a known KPI; choose one of {listed}")
    return _REGISTRY[name]


def kpi_names() -> list[str]:
    """Names of every registered KPI, sorted."""
    return sorted(_REGISTRY)
