"""kpitools: customer-service KPIs with confidence intervals, significance tests and reports.

>>> import kpitools as kt
>>> kt.nps([10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9])
<NPS 25.0 points, 95% CI [-20.3, 63.4] (adjusted_wald), n=12>
"""

from kpitools import intervals, stats
from kpitools.errors import (
    DataValidationError,
    ExcludedRowsWarning,
    KpiToolsError,
    KpiToolsWarning,
    ReportExecutionError,
    ReportParameterError,
    SmallSampleWarning,
)
from kpitools.power import (
    SampleSize,
    nps_minimum_detectable_change,
    nps_power,
    nps_sample_size,
    proportion_minimum_detectable_change,
    proportion_power,
    proportion_sample_size,
)
from kpitools.results import Comparison, ConfidenceInterval, KpiEstimate

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "intervals",
    "stats",
    "Comparison",
    "ConfidenceInterval",
    "KpiEstimate",
    "DataValidationError",
    "ExcludedRowsWarning",
    "KpiToolsError",
    "KpiToolsWarning",
    "ReportExecutionError",
    "ReportParameterError",
    "SmallSampleWarning",
    "SampleSize",
    "nps_minimum_detectable_change",
    "nps_power",
    "nps_sample_size",
    "proportion_minimum_detectable_change",
    "proportion_power",
    "proportion_sample_size",
]
