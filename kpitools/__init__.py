"""kpitools: customer-service KPIs with confidence intervals, significance tests and reports.

>>> import kpitools as kt
>>> kt.nps([10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9])
<NPS 33.3 points, 95% CI [-15.5, 68.9] (adjusted_wald), n=12>
"""

from kpitools import (
    _ops_kpis,  # noqa: F401  (registers the operations and customer KPIs)
    _survey_kpis,  # noqa: F401  (registers the survey KPIs)
    datasets,
    intervals,
    stats,
)
from kpitools._registry import kpi_names
from kpitools.business_hours import BusinessHours, business_seconds
from kpitools.correlation import CorrelationResult, correlation, correlation_table
from kpitools.counts import (
    compare_volume,
    complaints_per_1000,
    event_counts,
    overdispersion_test,
    poisson_ci,
    rate_ratio_test,
    ticket_volume,
    volume_by_weekday_hour,
)
from kpitools.customers import (
    churn_rate,
    clv,
    crr_from_counts,
    customer_growth,
    customer_retention,
    employee_turnover,
    nrr,
)
from kpitools.dose_response import churn_by_score, cochran_armitage_test
from kpitools.durations import (
    aht,
    asa,
    compare_durations,
    duration_kpi,
    frt,
    resolution_time,
    sla_attainment,
)
from kpitools.errors import (
    DataValidationError,
    ExcludedRowsWarning,
    KpiToolsError,
    KpiToolsWarning,
    ReportExecutionError,
    ReportParameterError,
    SmallSampleWarning,
)
from kpitools.frames import compare, summarize
from kpitools.operations import (
    abandonment_rate,
    agent_utilisation,
    answer_rate,
    backlog,
    conversion_rate,
    escalation_rate,
    fcr,
    nia,
    productivity,
    reopen_rate,
    resolution_rate,
    service_level,
)
from kpitools.periods import Period, parse_period, period_labels
from kpitools.power import (
    SampleSize,
    nps_minimum_detectable_change,
    nps_power,
    nps_sample_size,
    proportion_minimum_detectable_change,
    proportion_power,
    proportion_sample_size,
)
from kpitools.regression import (
    ModelFitWarning,
    RegressionResult,
    SeparationError,
    logistic_regression,
)
from kpitools.research_data import RetentionData, join_satisfaction, load_retention_data
from kpitools.results import Comparison, ConfidenceInterval, KpiEstimate
from kpitools.staffing import agents_needed, erlang_c, staffing_plan
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
from kpitools.survival import (
    cox_regression,
    kaplan_meier,
    logrank_test,
    proportional_hazards_test,
)
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
    "datasets",
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
    # operations and customer KPIs
    "BusinessHours",
    "business_seconds",
    "complaints_per_1000",
    "compare_volume",
    "event_counts",
    "overdispersion_test",
    "poisson_ci",
    "rate_ratio_test",
    "ticket_volume",
    "volume_by_weekday_hour",
    "churn_rate",
    "clv",
    "crr_from_counts",
    "customer_growth",
    "customer_retention",
    "employee_turnover",
    "nrr",
    "aht",
    "asa",
    "compare_durations",
    "duration_kpi",
    "frt",
    "resolution_time",
    "sla_attainment",
    "abandonment_rate",
    "agent_utilisation",
    "answer_rate",
    "backlog",
    "conversion_rate",
    "escalation_rate",
    "fcr",
    "nia",
    "productivity",
    "reopen_rate",
    "resolution_rate",
    "service_level",
    "Period",
    "parse_period",
    "period_labels",
    "agents_needed",
    "erlang_c",
    "staffing_plan",
    "CorrelationResult",
    "correlation",
    "correlation_table",
    "churn_by_score",
    "cochran_armitage_test",
    "ModelFitWarning",
    "RegressionResult",
    "SeparationError",
    "logistic_regression",
    "RetentionData",
    "join_satisfaction",
    "load_retention_data",
    "cox_regression",
    "kaplan_meier",
    "logrank_test",
    "proportional_hazards_test",
]
