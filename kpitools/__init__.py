"""kpitools: customer-service KPIs with confidence intervals, significance tests and reports.

>>> import kpitools as kt
>>> kt.nps([10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9])
<NPS 33.3 points, 95% CI [-15.5, 68.9] (adjusted_wald), n=12>
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
from kpitools.survey import (
    CES_VARIANTS,
    ces,
    compare_csat,
    compare_nps,
    cronbach_alpha,
    csat,
    enps,
    nps,
    nps_from_counts,
    nps_from_percentages,
    servqual,
)
from kpitools import _survey_kpis  # noqa: F401  (registers the survey KPIs)
from kpitools._registry import kpi_names
from kpitools.frames import compare, summarize
from kpitools.targets import Band, Target, interpret

__version__ = "0.1.0"

__all__ = [
    "nps",
    "enps",
    "nps_from_counts",
    "nps_from_percentages",
    "compare_nps",
    "csat",
    "compare_csat",
    "ces",
    "CES_VARIANTS",
    "servqual",
    "cronbach_alpha",
    "summarize",
    "compare",
    "kpi_names",
    "Band",
    "Target",
    "interpret",
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
