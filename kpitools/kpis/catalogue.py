"""The KPI catalogue: every KPI's metadata in one place, and the registry that
`kpitools.summarize` and `kpitools.compare` dispatch on.

A KPI family module registers each of its KPIs once with `register_kpi`::

    register_kpi(KpiDefinition(
        name="nps", unit="points", higher_is_better=True,
        estimate=_nps_estimate,    # (data, value, *, confidence_level, **options) -> KpiEstimate
        compare=_nps_compare,      # (a, b, value, *, confidence_level, **options) -> Comparison
        summarize=_nps_summarize,  # optional, vectorised: (data, value, keys, *, ...) -> frame
        options=options_of(nps, "scores", "kpi"),           # what summarize(...) may pass
        compare_options=options_of(compare_nps, "a", "b", "kpi", "label_a", "label_b"),
    ))

The definition holds the metadata (``unit``, ``higher_is_better``, ``description``,
``measure`` and the derived ``difference_unit``), and the options the KPI takes:
`summarize` and `compare` refuse any other option with a TypeError naming the KPI and the
option (`KpiDefinition.check_options`). `catalogue` lists it all as a table.

``compare_groups``, when given, makes every comparison of `kpitools.compare` in one
vectorised pass (see `CompareGroupsFn`); otherwise `kpitools.compare` calls ``compare`` once
per pair of groups.

``data`` is a DataFrame (a group's rows), ``value`` the name of the column the KPI reads (or
None when the KPI reads several columns named in ``options``). ``summarize``, when given,
computes every group in one vectorised pass and returns a frame with the ``keys`` columns
followed by `kpitools.core.results.ESTIMATE_COLUMNS`; otherwise `kpitools.summarize` calls
``estimate`` once per group.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpitools.core.results import (
    Comparison,
    KpiEstimate,
    Measure,
    comparison_unit,
)

__all__ = ["KpiDefinition", "register_kpi", "get_kpi", "kpi_names", "catalogue",
           "options_of", "VARIANT_UNIT"]

#: The unit of a KPI whose unit depends on a variant option (CES): each result says its own.
VARIANT_UNIT = "variant"

#: Options `summarize` and `compare` always handle themselves (never passed on as such).
_HANDLED = frozenset({"confidence_level"})


def options_of(fn: Callable[..., Any], *skip: str) -> frozenset[str]:
    """The keyword options of ``fn`` (its explicit parameters minus ``skip`` and
    ``confidence_level``); a function with ``**kwargs`` is refused (its options are unknown).

    >>> def f(data, *, method="x", missing="exclude", confidence_level=0.95): ...
    >>> sorted(options_of(f, "data"))
    ['method', 'missing']
    """
    params = inspect.signature(fn).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        raise TypeError(f"{fn.__qualname__} takes **kwargs: list its options explicitly")
    return frozenset(p.name for p in params if p.name not in skip and p.name not in _HANDLED
                     and p.kind is not p.VAR_POSITIONAL)

EstimateFn = Callable[..., KpiEstimate]
CompareFn = Callable[..., Comparison]
SummarizeFn = Callable[..., pd.DataFrame]
#: ``compare_groups(data, value, cells, n_cells, index_a, index_b, *, confidence_level,
#: **options) -> dict | None``: ``cells`` is each row's cell (a ``by`` group × a level of the
#: compared column, ``0 … n_cells − 1``), and comparison ``i`` is cell ``index_b[i]`` against
#: the baseline cell ``index_a[i]``. Returns the `kpitools.core.results.COMPARISON_COLUMNS`
#: other than ``group_a``/``group_b`` (arrays, or scalars for a constant column), each
#: element equal to what ``compare`` gives for that pair; or None when these options are
#: not vectorised or a pair would raise (then ``compare`` runs pair by pair and raises the
#: same error as before).
CompareGroupsFn = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class KpiDefinition:
    """How one KPI is estimated, summarised by group and compared between groups.

    Attributes
    ----------
    name, unit, higher_is_better, description
        The KPI's metadata; ``unit`` is from `kpitools.core.results.ESTIMATE_UNITS` (or
        `VARIANT_UNIT` when an option chooses it).
    measure : {"difference", "ratio"}
        How its comparisons report ``b`` against the baseline ``a``.
    estimate, compare, summarize
        The registered functions (``summarize`` optional: vectorised per-group summary).
    options, compare_options
        The options ``summarize(..., kpi=name, **options)`` and ``compare`` may pass on
        (besides ``confidence_level``); any other raises TypeError.
    default_value
        The column read when ``value=`` is not given.
    aggregate : {"proportion", "nps", "rate"} or None
        How the KPI is computed from counts per row of an aggregated table
        (`kpitools.kpis.aggregated`): successes of trials, promoters/passives/detractors, or
        events in an exposure; None when it needs one row per item.
    aggregate_scale : float, default 1.0
        Multiplier of a rate from counts (1000 for complaints per 1,000).
    compare_groups : optional
        Vectorised comparisons from per-cell sufficient statistics (`CompareGroupsFn`);
        None: `kpitools.compare` loops over the pairs with ``compare``.
    """

    name: str
    unit: str
    higher_is_better: bool | None
    estimate: EstimateFn
    compare: CompareFn
    summarize: SummarizeFn | None = None
    description: str = ""
    default_value: str | None = None
    measure: Measure = "difference"
    options: frozenset[str] = frozenset()
    compare_options: frozenset[str] = frozenset()
    aggregate: str | None = None
    aggregate_scale: float = 1.0
    compare_groups: CompareGroupsFn | None = None

    def __post_init__(self) -> None:
        if self.aggregate not in (None, "proportion", "nps", "rate"):
            raise ValueError(f"aggregate={self.aggregate!r} is not valid; choose "
                             "'proportion', 'nps', 'rate' or None")
        if self.unit != VARIANT_UNIT:
            comparison_unit(self.unit, self.measure)  # raises for a unit outside the vocabulary
        object.__setattr__(self, "options", frozenset(self.options))
        object.__setattr__(self, "compare_options", frozenset(self.compare_options))

    @property
    def difference_unit(self) -> str:
        """Unit of this KPI's comparisons (`kpitools.core.results.comparison_unit`)."""
        if self.unit == VARIANT_UNIT:
            return "ratio" if self.measure == "ratio" else VARIANT_UNIT
        return comparison_unit(self.unit, self.measure)

    def check_options(self, given: Iterable[str], *, compare: bool = False) -> None:
        """TypeError naming the KPI and each given option it does not take."""
        allowed = self.compare_options if compare else self.options
        unknown = sorted(set(given) - allowed)
        if unknown:
            what = "compare" if compare else "summarize"
            names = ", ".join(f"{k}=" for k in unknown)
            listed = ", ".join(sorted(allowed)) or "none"
            raise TypeError(f"kpi={self.name!r} does not take the option(s) {names} in "
                            f"{what}; its options are: {listed}")


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


def catalogue() -> pd.DataFrame:
    """The KPI catalogue as a table: one row per registered KPI.

    Columns ``kpi, unit, difference_unit, measure, higher_is_better, description, options,
    compare_options, aggregated_input`` (``"proportion"``, ``"nps"``, ``"rate"`` or ``""``:
    the counts `kpitools.summarize` accepts instead of one row per item).

    >>> table = catalogue()
    >>> table.set_index("kpi").loc["csat", ["unit", "difference_unit", "measure"]].tolist()
    ['%', 'percentage points', 'difference']
    """
    rows = [{"kpi": d.name, "unit": d.unit, "difference_unit": d.difference_unit,
             "measure": d.measure, "higher_is_better": d.higher_is_better,
             "description": d.description, "options": ", ".join(sorted(d.options)),
             "compare_options": ", ".join(sorted(d.compare_options)),
             "aggregated_input": d.aggregate or ""}
            for d in (_REGISTRY[k] for k in sorted(_REGISTRY))]
    return pd.DataFrame(rows, columns=["kpi", "unit", "difference_unit", "measure",
                                       "higher_is_better", "description", "options",
                                       "compare_options", "aggregated_input"])
