"""Layer 4, the KPIs: one module per KPI family and the KPI catalogue.

=====================  ==================================================================
`catalogue`            the KPI catalogue: `KpiDefinition` (metadata: unit, direction,
                       measure, difference unit, options), `register_kpi`, `catalogue()`
`common`               builders shared by the families: `compare_proportions`, grouped
                       Wilson (`proportion_columns`), grouped t intervals
`survey`               NPS, eNPS, CSAT, CES, SERVQUAL (one module each)
`operations`           proportion KPIs of tickets and calls (FCR, service level, ...),
                       backlog, agent utilisation and productivity
`durations`            FRT, AHT, ASA, resolution time, SLA attainment
`volume`               ticket volume, complaints per 1,000, Poisson rates
`customers`            retention, churn, NRR, CLV, growth, employee turnover
`shares`               the yes/no share (`yes_share`: SLA met, churned, satisfied, ...)
`aggregated`           KPIs from aggregated tables (counts per row, or published
                       percentages with their n): the engine of ``summarize(counts=...)``
`staffing`             Erlang C staffing
`targets`              KPI targets and bands
=====================  ==================================================================

Each family module holds its KPI functions, their vectorised per-group summary and their
registration; importing this package registers every KPI.

Adding a KPI
------------
One module edit plus one export line. In the family module (say ``operations.py``), write
the function with explicit keyword options, then register it at the bottom of the module::

    def transfer_rate(data, *, confidence_level=0.95, method="wilson", columns=None):
        ...  # returns a KpiEstimate in %

    register_kpi(KpiDefinition(
        name="transfer_rate", unit="%", higher_is_better=False,
        estimate=lambda data, value, *, confidence_level, **o:
            transfer_rate(data, confidence_level=confidence_level, **o),
        compare=_compare_transfer_rate,      # (a, b, value, *, confidence_level, **o)
        options=options_of(transfer_rate, "data"),
        compare_options=options_of(_compare_transfer_rate, "a", "b", "value"),
    ))

and export it in ``kpitools/__init__.py`` (``"transfer_rate": "kpitools.kpis.operations"``
in the lazy table and ``__all__``). `kpitools.summarize` and `kpitools.compare` then work
on it, with its unit and the unit of its comparisons ("%" → "percentage points") from the
units vocabulary of `kpitools.core.results`; any option outside ``options`` raises
TypeError. ``tests/kpis/test_api_contract.py`` registers such a toy KPI.
"""

from kpitools.kpis import (  # noqa: F401  (importing a family module registers its KPIs)
    aggregated,
    customers,
    durations,
    operations,
    shares,
    survey,
    volume,
)
