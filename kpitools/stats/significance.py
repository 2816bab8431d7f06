"""The tests of kpitools 0.1 under their old module name (a re-export module).

Since 0.2.0 the tests live in the engine module of their data type:
`kpitools.stats.proportions`, `kpitools.stats.nps`, `kpitools.stats.means`,
`kpitools.stats.multiplicity` and `kpitools.stats.common`. Import them from
``kpitools.stats``.
"""

from __future__ import annotations

from kpitools.stats.common import SignificanceResult, pvalue_from_z
from kpitools.stats.means import mann_whitney_test, mean_ci, paired_t_test, welch_test
from kpitools.stats.multiplicity import PVALUE_ADJUSTMENTS, PValueAdjustment, adjust_pvalues
from kpitools.stats.nps import nps_test
from kpitools.stats.proportions import PROPORTION_TESTS, ProportionTest, two_proportion_test

__all__ = [
    "SignificanceResult",
    "PValueAdjustment",
    "ProportionTest",
    "PVALUE_ADJUSTMENTS",
    "PROPORTION_TESTS",
    "two_proportion_test",
    "nps_test",
    "mean_ci",
    "welch_test",
    "paired_t_test",
    "mann_whitney_test",
    "adjust_pvalues",
    "pvalue_from_z",
]
