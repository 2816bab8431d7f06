"""Registration of the operations and customer KPIs for `kpitools.summarize` / `compare`.

Each registered KPI reads its columns through `kpitools.tables.columns` (pass ``columns={...}`` to
map yours) and takes its own options as keyword arguments, e.g.::

    kt.summarize(tickets, kpi="frt", by="channel")                  # median FRT per channel
    kt.summarize(tickets, kpi="frt", by="team", statistic="quantile", q=0.9)
    kt.compare(tickets, kpi="fcr", group="team")                     # Newcombe + z/Fisher
    kt.summarize(calls, kpi="service_level", by="team", threshold_seconds=20)
    kt.compare(customers, kpi="churn_rate", group="segment", period="2026Q2")

Comparisons use the test that fits the KPI's type: Hodges–Lehmann (or bootstrap) with
Mann–Whitney for durations, Newcombe with the two-proportion test for proportions, the exact
conditional rate-ratio test for counts, the bootstrap for NRR and CLV.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import ESTIMATE_COLUMNS, Comparison, KpiEstimate
from kpitools.core.validation import check_alternative
from kpitools.kpis.catalogue import KpiDefinition, register_kpi
from kpitools.kpis.customers import (
    churn_rate,
    clv,
    compare_customer_kpi,
    customer_growth,
    customer_retention,
    employee_turnover,
    nrr,
)
from kpitools.kpis.durations import (
    DURATION_KPIS,
    compare_durations,
    compare_sla,
    duration_kpi,
    sla_attainment,
    summarize_durations,
    summarize_sla,
)
from kpitools.kpis.operations import (
    PROPORTION_KPIS,
    agent_utilisation,
    backlog,
    compare_proportion_kpi,
    productivity,
    proportion_kpi,
    summarize_proportions,
)
from kpitools.kpis.volume import (
    _COUNT_KPIS,
    _rate_comparison,
    count_estimate,
    exposure_of,
    poisson_ci,
    ticket_counts,
)
from kpitools.tables.columns import resolve_columns
from kpitools.tables.keys import group_codes

__all__: list[str] = []

_FLAG_ROLES = {"escalation_rate": "escalated", "reopen_rate": "reopened",
               "conversion_rate": "converted"}


def _no_value(kpi: str, value: str | None) -> None:
    if value is not None:
        raise ValueError(f"kpi={kpi!r} reads its columns by role; map yours with "
                         f"columns={{...}} instead of value={value!r}")


def _durations(kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        return duration_kpi(data, kpi, value=value, confidence_level=confidence_level,
                            **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        return compare_durations(a, b, kpi, value=value, confidence_level=confidence_level,
                                 **options)

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, **options: Any) -> pd.DataFrame:
        return summarize_durations(data, keys, kpi, value=value,
                                   confidence_level=confidence_level, **options)

    spec = DURATION_KPIS[kpi]
    return KpiDefinition(name=kpi, unit=spec.unit, higher_is_better=False, estimate=estimate,
                         compare=compare, summarize=summarize, description=spec.description)


def _sla(name: str, kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        return sla_attainment(data, kpi, value=value, confidence_level=confidence_level,
                              **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        return compare_sla(a, b, kpi, value=value, confidence_level=confidence_level,
                           **options)

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, **options: Any) -> pd.DataFrame:
        return summarize_sla(data, keys, kpi, value=value, confidence_level=confidence_level,
                             **options)

    return KpiDefinition(name=name, unit="%", higher_is_better=True, estimate=estimate,
                         compare=compare, summarize=summarize,
                         description=f"share of {DURATION_KPIS[kpi].description} within "
                                     "target= (SLA attainment)")


def _proportion_options(kpi: str, value: str | None, options: dict[str, Any]) -> dict[str, Any]:
    if value is None:
        return options
    if kpi not in _FLAG_ROLES:
        _no_value(kpi, value)
    cols = dict(options.pop("columns", None) or {})
    cols[_FLAG_ROLES[kpi]] = value
    return {**options, "columns": cols}


def _proportions(kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        return proportion_kpi(data, kpi, confidence_level=confidence_level,
                              **_proportion_options(kpi, value, options))

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        return compare_proportion_kpi(a, b, kpi, confidence_level=confidence_level,
                                      **_proportion_options(kpi, value, options))

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, **options: Any) -> pd.DataFrame:
        return summarize_proportions(data, keys, kpi, confidence_level=confidence_level,
                                     **_proportion_options(kpi, value, options))

    spec = PROPORTION_KPIS[kpi]
    return KpiDefinition(name=kpi, unit="%", higher_is_better=spec.higher_is_better,
                         estimate=estimate, compare=compare, summarize=summarize,
                         description=spec.description)


def _count_parts(data: pd.DataFrame, kpi: str, options: dict[str, Any]):
    exposure = options.pop("exposure", 1.0)
    period_column = options.pop("period_column", None)
    counted, issues = ticket_counts(data, kpi, **options)
    return counted, issues, exposure, period_column


def _counts(kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 method: str = "exact", alternative: str = "two-sided",
                 **options: Any) -> KpiEstimate:
        _no_value(kpi, value)
        counted, issues, exposure, period_column = _count_parts(data, kpi, dict(options))
        e = exposure_of(data, exposure, period_column)
        unit = "count" if e == 1.0 and not isinstance(exposure, str) else "per day" \
            if isinstance(exposure, str) else "per unit of exposure"
        return count_estimate(int(counted.sum()), e, kpi=kpi, unit=unit,
                              confidence_level=confidence_level, method=method,  # type: ignore[arg-type]
                              alternative=alternative, n_excluded=issues.n_excluded,
                              excluded=issues.excluded())

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                label_a: str = "a", label_b: str = "b", **options: Any) -> Comparison:
        _no_value(kpi, value)
        ca, _, exposure, period_column = _count_parts(a, kpi, dict(options))
        cb, _, _, _ = _count_parts(b, kpi, dict(options))
        ea = exposure_of(a, exposure, period_column)
        eb = exposure_of(b, exposure, period_column)
        return _rate_comparison(kpi, int(ca.sum()), ea, int(cb.sum()), eb,
                                confidence_level=confidence_level, alternative=alternative,
                                label_a=label_a, label_b=label_b)

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, method: str = "exact",
                  alternative: str = "two-sided", **options: Any) -> pd.DataFrame:
        _no_value(kpi, value)
        counted, issues, exposure, period_column = _count_parts(data, kpi, dict(options))
        codes, groups = group_codes(data, keys)
        g = len(groups)
        k = np.bincount(codes[counted], minlength=g).astype(float)
        if isinstance(exposure, str):
            e = np.array([exposure_of(data[codes == i], exposure, period_column)
                          for i in range(g)])
            unit = "per day"
        else:
            e = np.full(g, exposure_of(data, exposure, None))
            unit = "count" if exposure == 1.0 else "per unit of exposure"
        low, high = poisson_ci(k, e, confidence_level=confidence_level,
                               method=method, alternative=alternative)  # type: ignore[arg-type]
        table = groups.reset_index(drop=True).copy()
        values = {"kpi": kpi, "estimate": k / e, "ci_low": low, "ci_high": high,
                  "confidence_level": confidence_level, "method": method, "unit": unit,
                  "n": k.astype(np.int64),
                  "n_excluded": np.bincount(codes[issues.mask], minlength=g).astype(np.int64)}
        for name in ESTIMATE_COLUMNS:
            table[name] = values[name]
        table.attrs["excluded"] = issues.excluded()
        return table

    what = "tickets received" if kpi == "ticket_volume" else "tickets resolved"
    return KpiDefinition(name=kpi, unit="count", higher_is_better=None, estimate=estimate,
                         compare=compare, summarize=summarize,
                         description=f"{what}; exact Poisson CI, rate ratio between groups "
                                     "(exposure=number or 'period_days' with "
                                     "period_column=)")


def _backlog_count(data: pd.DataFrame, options: dict[str, Any]) -> tuple[int, int, Any]:
    at = options.pop("at", None)
    cols = resolve_columns("tickets", options.get("columns"))
    if at is None:
        created = pd.to_datetime(data[cols["created_at"]], errors="coerce")
        at = created.max()
    table = backlog(data, at=[at], **options)
    return int(table["backlog"].sum()), int(table.attrs["n_excluded"]), at


def _backlog() -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 method: str = "exact", alternative: str = "two-sided",
                 **options: Any) -> KpiEstimate:
        _no_value("backlog", value)
        count, n_excl, at = _backlog_count(data, dict(options))
        return count_estimate(count, 1.0, kpi="backlog", confidence_level=confidence_level,
                              method=method, alternative=alternative,  # type: ignore[arg-type]
                              n_excluded=n_excl, details={"at": str(at)})

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                label_a: str = "a", label_b: str = "b", **options: Any) -> Comparison:
        _no_value("backlog", value)
        ka, _, _ = _backlog_count(a, dict(options))
        kb, _, _ = _backlog_count(b, dict(options))
        return _rate_comparison("backlog", ka, 1.0, kb, 1.0, confidence_level=confidence_level,
                                alternative=alternative, label_a=label_a, label_b=label_b)

    return KpiDefinition(name="backlog", unit="count", higher_is_better=False,
                         estimate=estimate, compare=compare,
                         description="tickets open at time at= (default: the last creation "
                                     "time); kpitools.backlog gives the series")


def _need(options: dict[str, Any], name: str, kpi: str) -> Any:
    if name not in options:
        raise TypeError(f"kpi={kpi!r} needs the option {name}=...")
    return options.pop(name)


def _agent_kpi(kpi: str) -> KpiDefinition:
    fn = agent_utilisation if kpi == "utilisation" else productivity

    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        _no_value(kpi, value)
        availability = _need(options, "availability", kpi)
        return fn(data, availability, confidence_level=confidence_level, **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                label_a: str = "a", label_b: str = "b", **options: Any) -> Comparison:
        _no_value(kpi, value)
        availability = _need(options, "availability", kpi)
        ra = fn(a, availability, confidence_level=confidence_level, **options)
        rb = fn(b, availability, confidence_level=confidence_level, **options)
        if kpi == "productivity":
            return _rate_comparison(kpi, ra.n, ra.details["available_hours"], rb.n,
                                    rb.details["available_hours"],
                                    confidence_level=confidence_level, alternative=alternative,
                                    label_a=label_a, label_b=label_b, unit="per agent-hour")
        check_alternative(alternative)
        # utilisation: normal approximation from the two (two-sided) bootstrap intervals'
        # widths, se = width / (2 z); the interval is the z test's dual, one-sided when the
        # test is: "greater" gives (diff − z₁·se, +inf), "less" (−inf, diff + z₁·se) with
        # z₁ the one-sided critical value (utilisation has no upper end of its scale).
        from kpitools.stats.intervals import z_critical
        from kpitools.stats.significance import pvalue_from_z
        z = z_critical(confidence_level)
        se_a = (ra.ci_high - ra.ci_low) / (2 * z)
        se_b = (rb.ci_high - rb.ci_low) / (2 * z)
        se = float(np.hypot(se_a, se_b))
        diff = rb.estimate - ra.estimate
        stat = diff / se if se > 0 else np.nan
        z_one = z_critical(2.0 * confidence_level - 1.0)
        ci_low, ci_high = {"two-sided": (diff - z * se, diff + z * se),
                           "greater": (diff - z_one * se, np.inf),
                           "less": (-np.inf, diff + z_one * se)}[alternative]
        return Comparison(kpi=kpi, estimate_a=ra.estimate, estimate_b=rb.estimate,
                          difference=diff, ci_low=ci_low, ci_high=ci_high,
                          statistic=stat, pvalue=pvalue_from_z(stat, alternative),
                          method="bootstrap_agents_normal", test="z_bootstrap_se",
                          confidence_level=confidence_level, unit="percentage points",
                          n_a=ra.n, n_b=rb.n, alternative=alternative, label_a=label_a,
                          label_b=label_b)

    unit = "%" if kpi == "utilisation" else "per agent-hour"
    return KpiDefinition(name=kpi, unit=unit, higher_is_better=None if kpi == "utilisation"
                         else True, estimate=estimate, compare=compare,
                         description=f"{kpi}: needs availability= (agent_id, period, "
                                     "available_hours)")


_CUSTOMER_FUNCTIONS: dict[str, Any] = {"crr": customer_retention, "churn_rate": churn_rate,
                       "customer_growth": customer_growth, "nrr": nrr, "clv": clv,
                       "employee_turnover": employee_turnover}
_CUSTOMER_UNITS = {"crr": "%", "churn_rate": "%", "customer_growth": "%", "nrr": "%",
                   "clv": "money", "employee_turnover": "%"}
_CUSTOMER_BETTER = {"crr": True, "churn_rate": False, "customer_growth": True, "nrr": True,
                    "clv": True, "employee_turnover": False}


#: Customer KPIs whose estimate has a two-sided interval only (CLV: delta method or
#: bootstrap); a one-sided request is refused in one clear line, not a raw TypeError.
_TWO_SIDED_ONLY = frozenset({"clv"})


def _customer_kpi(kpi: str) -> KpiDefinition:
    fn = _CUSTOMER_FUNCTIONS[kpi]

    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        _no_value(kpi, value)
        period = _need(options, "period", kpi)
        if kpi in _TWO_SIDED_ONLY and "alternative" in options:
            if options.pop("alternative") != "two-sided":
                raise TypeError(f"kpi={kpi!r} has a two-sided interval only; alternative= "
                                "does not apply (compare= has one-sided tests)")
        return fn(data, period, confidence_level=confidence_level, **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        _no_value(kpi, value)
        period = _need(options, "period", kpi)
        return compare_customer_kpi(a, b, kpi, period, confidence_level=confidence_level,
                                    **options)

    return KpiDefinition(name=kpi, unit=_CUSTOMER_UNITS[kpi],
                         higher_is_better=_CUSTOMER_BETTER[kpi], estimate=estimate,
                         compare=compare, description=f"{kpi}: needs period= ('2026Q3')")


def _complaints() -> KpiDefinition:
    """Complaints per 1,000 customers: ``value`` is a yes/no complaint column."""
    from kpitools.tables.events import RowIssues, clean_flag

    def parts(data: pd.DataFrame, value: str | None, options: dict[str, Any]):
        if value is None:
            raise ValueError("kpi='complaints_per_1000' needs value= naming a yes/no "
                             "complaint column")
        customers = _need(options, "customers", "complaints_per_1000")
        issues = RowIssues(data.index, invalid=options.pop("invalid", "raise"),
                           missing=options.pop("missing", "exclude"))
        flag = clean_flag(data[value], column=value, issues=issues)
        if isinstance(customers, str):
            base = data[customers].dropna().unique()
            if len(base) != 1:
                raise DataValidationError("the customer base must be one number per group",
                                          column=customers, rows=[], values=list(base[:5]))
            customers = float(base[0])
        return int(np.nansum(flag)), float(customers), issues

    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 method: str = "exact", alternative: str = "two-sided",
                 **options: Any) -> KpiEstimate:
        k, base, issues = parts(data, value, dict(options))
        return count_estimate(k, base, kpi="complaints_per_1000", scale=1000.0,
                              unit="per 1,000", confidence_level=confidence_level,
                              method=method, alternative=alternative,  # type: ignore[arg-type]
                              n_excluded=issues.n_excluded, excluded=issues.excluded())

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                label_a: str = "a", label_b: str = "b", **options: Any) -> Comparison:
        ka, ea, _ = parts(a, value, dict(options))
        kb, eb, _ = parts(b, value, dict(options))
        return _rate_comparison("complaints_per_1000", ka, ea, kb, eb,
                                confidence_level=confidence_level, alternative=alternative,
                                label_a=label_a, label_b=label_b, scale=1000.0)

    return KpiDefinition(name="complaints_per_1000", unit="per 1,000", higher_is_better=False,
                         estimate=estimate, compare=compare,
                         description="complaints per 1,000 customers: value= a yes/no "
                                     "complaint column, customers= a number or a column")


for _kpi in DURATION_KPIS:
    register_kpi(_durations(_kpi))
register_kpi(_sla("frt_sla", "frt"))
register_kpi(_sla("resolution_sla", "resolution_time"))
for _kpi in PROPORTION_KPIS:
    register_kpi(_proportions(_kpi))
for _kpi in _COUNT_KPIS:
    register_kpi(_counts(_kpi))
register_kpi(_backlog())
register_kpi(_agent_kpi("utilisation"))
register_kpi(_agent_kpi("productivity"))
for _kpi in _CUSTOMER_FUNCTIONS:
    register_kpi(_customer_kpi(_kpi))
register_kpi(_complaints())
