"""The count-level statistics engine, one module per data type (no pandas needed).

======================  =================================================================
module                  what it holds
======================  =================================================================
`stats.common`          z and p-values, one-sided bounds, `SignificanceResult`
`stats.proportions`     `proportion_ci`, `diff_proportions_ci`, `two_proportion_test`
`stats.nps`             `nps_ci`, `nps_diff_ci`, `nps_test`, NPS variance
`stats.means`           `mean_ci`, `welch_test`, `paired_t_test`, `mann_whitney_test`
`stats.quantiles`       quantile intervals, bootstrap, Hodges–Lehmann (durations)
`stats.poisson`         `poisson_ci`, `rate_ratio_test`, `overdispersion_test`
`stats.multiplicity`    `adjust_pvalues`
`stats.power`           sample size, power, minimum detectable change
======================  =================================================================

The comparison contract: two samples are given baseline first, ``(a, b)``, and compared as
``b − a`` (``b / a`` for rate ratios, ``measure="ratio"``). Intervals are
`ConfidenceInterval` ``(low, high)`` named tuples; tests return a `SignificanceResult`
(``statistic``, ``pvalue``, ``confidence_interval(level)``, ``to_frame()``)::

    from kpitools import stats
    stats.proportion_ci(81, 263)                     # Wilson (0.2553, 0.3662)
    stats.diff_proportions_ci(48, 80, 56, 70)        # Newcombe hybrid score, p_b − p_a
    stats.adjust_pvalues([0.01, 0.04, 0.03])         # Holm
"""

from kpitools.core.results import ConfidenceInterval
from kpitools.stats.common import (
    SIGNIFICANCE_COLUMNS,
    SignificanceResult,
    pvalue_from_z,
    two_sided_level,
    z_critical,
)
from kpitools.stats.means import mann_whitney_test, mean_ci, paired_t_test, welch_test
from kpitools.stats.multiplicity import PVALUE_ADJUSTMENTS, adjust_pvalues
from kpitools.stats.nps import (
    NPS_METHODS,
    nps_ci,
    nps_diff_ci,
    nps_standard_error,
    nps_test,
    nps_variance,
)
from kpitools.stats.poisson import (
    POISSON_METHODS,
    OverdispersionResult,
    RateRatioResult,
    overdispersion_test,
    poisson_ci,
    rate_ratio_test,
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
from kpitools.stats.proportions import (
    DIFF_METHODS,
    PROPORTION_METHODS,
    PROPORTION_TESTS,
    diff_proportions_ci,
    grouped_proportion_ci,
    proportion_ci,
    two_proportion_test,
)

__all__ = [
    # results
    "ConfidenceInterval",
    "SIGNIFICANCE_COLUMNS",
    "SignificanceResult",
    "RateRatioResult",
    "OverdispersionResult",
    "SampleSize",
    # common
    "z_critical",
    "pvalue_from_z",
    "two_sided_level",
    # proportions
    "PROPORTION_METHODS",
    "DIFF_METHODS",
    "PROPORTION_TESTS",
    "proportion_ci",
    "grouped_proportion_ci",
    "diff_proportions_ci",
    "two_proportion_test",
    # nps
    "NPS_METHODS",
    "nps_ci",
    "nps_diff_ci",
    "nps_standard_error",
    "nps_variance",
    "nps_test",
    # means
    "mean_ci",
    "welch_test",
    "paired_t_test",
    "mann_whitney_test",
    # poisson
    "POISSON_METHODS",
    "poisson_ci",
    "rate_ratio_test",
    "overdispersion_test",
    # multiplicity
    "PVALUE_ADJUSTMENTS",
    "adjust_pvalues",
    # power
    "NPS_SHIFTS",
    "PROPORTION_POWER_METHODS",
    "nps_minimum_detectable_change",
    "nps_power",
    "nps_sample_size",
    "proportion_minimum_detectable_change",
    "proportion_power",
    "proportion_sample_size",
]
