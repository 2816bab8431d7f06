"""Layer 4, the KPIs: one module per KPI family and the KPI catalogue.

=====================  ==================================================================
`catalogue`            the KPI catalogue (`KpiDefinition`, `register_kpi`, `get_kpi`)
`survey`               NPS, CSAT, CES, eNPS, SERVQUAL, Cronbach's alpha
`survey_groups`        vectorised per-group summaries of the survey KPIs, their registration
`operations`           proportion KPIs of tickets and calls (FCR, service level, ...)
`operations_groups`    per-group summaries and registration of the operations KPIs
`durations`            FRT, AHT, ASA, resolution time, SLA attainment
`volume`               ticket volume, event counts, Poisson rates
`customers`            retention, churn, NRR, CLV, growth, employee turnover
`staffing`             Erlang C staffing
`targets`              KPI targets and bands
=====================  ==================================================================

Importing this package registers every KPI in the catalogue.
"""

from kpitools.kpis import (  # noqa: F401  (importing a family module registers its KPIs)
    customers,
    durations,
    operations,
    survey,
    volume,
)
