"""The count-level statistics engine in one namespace (no pandas needed).

``kpitools.stats`` gathers the interval, test, multiplicity and power functions that the KPI
functions are built on, under the names of the public contract::

    from kpitools import stats
    stats.proportion_ci(81, 263)                     # Wilson (0.2553, 0.3662)
    stats.diff_proportions_ci(56, 70, 48, 80)        # Newcombe hybrid score, p1 − p2
    stats.adjust_pvalues([0.01, 0.04, 0.03])         # Holm
"""

from kpitools.stats.intervals import (
    DIFF_METHODS,
    NPS_METHODS,
    PROPORTION_METHODS,
    diff_proportions_ci,
    nps_ci,
    nps_diff_ci,
    nps_standard_error,
    nps_variance,
    proportion_ci,
    z_critical,
)
from kpitools.stats.power import (
    NPS_SHIFTS,
    PROPORTION_POWER_METHODS,
    SampleSize,
    nps_minimum_detectable_change,
    nps_power,
    nps_sample_size,
    proportion_minimum_detectable_change,
    proportion_power,
    proportion_sample_size,
)
from kpitools.stats.significance import (
    PROPORTION_TESTS,
    PVALUE_ADJUSTMENTS,
    SignificanceResult,
    adjust_pvalues,
    mann_whitney_test,
    mean_ci,
    nps_test,
    paired_t_test,
    pvalue_from_z,
    two_proportion_test,
    welch_test,
)

__all__ = [
    "DIFF_METHODS",
    "NPS_METHODS",
    "PROPORTION_METHODS",
    "diff_proportions_ci",
    "nps_ci",
    "nps_diff_ci",
    "nps_standard_error",
    "nps_variance",
    "proportion_ci",
    "z_critical",
    "PVALUE_ADJUSTMENTS",
    "PROPORTION_TESTS",
    "SignificanceResult",
    "adjust_pvalues",
    "mann_whitney_test",
    "mean_ci",
    "nps_test",
    "paired_t_test",
    "pvalue_from_z",
    "two_proportion_test",
    "welch_test",
    "NPS_SHIFTS",
    "PROPORTION_POWER_METHODS",
    "SampleSize",
    "nps_minimum_detectable_change",
    "nps_power",
    "nps_sample_size",
    "proportion_minimum_detectable_change",
    "proportion_power",
    "proportion_sample_size",
]
