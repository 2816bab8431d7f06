"""The interval functions of kpitools 0.1 under their old module name (a re-export module).

``kpitools.intervals`` (``kt.intervals``) was public in 0.1; since 0.2.0 the functions live
in the engine module of their data type: `kpitools.stats.proportions`,
`kpitools.stats.nps` and `kpitools.stats.common`. Import them from ``kpitools.stats``.
"""

from __future__ import annotations

from kpitools.stats.common import z_critical
from kpitools.stats.nps import (
    NPS_ADJUSTMENT,
    NPS_METHODS,
    NpsMethod,
    nps_ci,
    nps_diff_ci,
    nps_standard_error,
    nps_variance,
)
from kpitools.stats.proportions import (
    DIFF_METHODS,
    PROPORTION_METHODS,
    DiffMethod,
    ProportionMethod,
    diff_proportions_ci,
    grouped_proportion_ci,
    proportion_ci,
)

__all__ = [
    "ProportionMethod",
    "DiffMethod",
    "NpsMethod",
    "PROPORTION_METHODS",
    "DIFF_METHODS",
    "NPS_METHODS",
    "NPS_ADJUSTMENT",
    "proportion_ci",
    "grouped_proportion_ci",
    "diff_proportions_ci",
    "nps_variance",
    "nps_standard_error",
    "nps_ci",
    "nps_diff_ci",
    "z_critical",
]
