"""Survey KPIs: NPS, eNPS, CSAT, CES and SERVQUAL, each with its interval.

One module per KPI, each holding its functions, its vectorised per-group summary and its
registration in the KPI catalogue:

==============  ===================================================================
`nps`           NPS and eNPS: %promoters (9–10) − %detractors (0–6), in points
`csat`          CSAT: % positive answers (top-2 box) or the mean score; scale helpers
`ces`           Customer Effort Score in one of three explicitly chosen variants
`servqual`      SERVQUAL gaps (perception − expectation) and Cronbach's alpha
==============  ===================================================================
"""

from kpitools.kpis.survey.ces import CES_VARIANTS, ces
from kpitools.kpis.survey.csat import CSAT_LABELS, compare_csat, csat
from kpitools.kpis.survey.nps import (
    compare_nps,
    enps,
    nps,
    nps_categories,
    nps_from_counts,
    nps_from_percentages,
)
from kpitools.kpis.survey.servqual import (
    SERVQUAL_DIMENSIONS,
    ReliabilityEstimate,
    cronbach_alpha,
    feldt_interval,
    servqual,
)

__all__ = [
    "nps",
    "enps",
    "nps_from_counts",
    "nps_from_percentages",
    "nps_categories",
    "compare_nps",
    "csat",
    "compare_csat",
    "ces",
    "CES_VARIANTS",
    "servqual",
    "cronbach_alpha",
    "feldt_interval",
    "ReliabilityEstimate",
    "SERVQUAL_DIMENSIONS",
    "CSAT_LABELS",
]
