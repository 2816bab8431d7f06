"""The comparison contract, for every registered KPI, on the bundled sample data.

Every KPI of ``kpitools.kpis.catalogue.kpi_names()`` goes through `kpitools.summarize` and
`kpitools.compare`, two-sided and one-sided (``"greater"``, ``"less"``), and the results must:

* have the tidy columns (`ESTIMATE_COLUMNS`, `COMPARE_COLUMNS`) after the group columns;
* give an interval that contains the estimate; two-sided intervals are finite; a one-sided
  interval's open end is the end of the scale, which does not depend on the data (the same
  in every row), and its informative end is finite;
* let the interval and the p-value agree: a two-sided (1 − α) interval excludes the null
  (0 for differences, 1 for ratios) exactly when p < α, and a one-sided interval excludes
  the null exactly when its one-sided p < α.

Known exceptions, allowed only where the test and the interval are not dual by
construction, and only near the boundary (``α/2 < p < 2α``, see `_NEAR`):

=====================================  ==================================================
method / test                          why they can disagree
=====================================  ==================================================
newcombe / two_proportion_z            Newcombe's hybrid score interval [Newcombe98] is
                                       not the inversion of the pooled z test.
newcombe / fisher_exact                Fisher's conditional test [Fisher35] against the
                                       unconditional score interval.
hodges_lehmann_normal / mann_whitney   Both invert the Mann–Whitney statistic, but the
                                       interval uses integer ranks of the pairwise
                                       differences [HWC14 §4.3], scipy's p-value the
                                       asymptotic one with continuity correction. (The
                                       exact HL interval, n·m ≤ 2500 without ties, is not
                                       reached on the sample data and so not listed.)
bootstrap_percentile / mann_whitney    Percentile bootstrap of a difference of quantiles
                                       against a rank test (different hypotheses).
bootstrap_percentile / welch_t         Percentile bootstrap of the mean difference
                                       against Welch's t.
bootstrap / nps_z_bootstrap            Percentile interval against a z test with the
                                       bootstrap standard error.
exact_conditional / ..._rate_ratio     Two-sided only: R ``binom.test``'s p-value (sum of
                                       outcomes no likelier than the observed) against the
                                       central Clopper–Pearson interval (Fay 2010); the
                                       one-sided versions are dual.
bootstrap / bootstrap (nrr, clv)       Percentile interval against twice the smaller tail
                                       share: dual up to the quantile interpolation.
=====================================  ==================================================

Dual by construction, so no exception: the Wald-type NPS methods (same standard error in
interval and z test), the NPS score method (p-value found by inverting the MOVER interval;
a bisection tolerance only), Welch's t, Student's t, and the utilisation z test with its
normal interval. ``customer_growth`` has no interval or test by design (NaN), and is
checked for exactly that.

References: Newcombe RG (1998) Stat Med 17:873–890; Fisher RA (1935) J R Stat Soc 98:39–82;
Hollander, Wolfe & Chicken (2014) Nonparametric Statistical Methods §4.3; Fay MP (2010)
Two-sided exact tests and matching confidence intervals for discrete data. R Journal 2:53–58.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools.core.errors import SmallSampleWarning
from kpitools.core.results import (
    COMPARISON_UNITS,
    ESTIMATE_COLUMNS,
    ESTIMATE_UNITS,
    comparison_unit,
)
from kpitools.grouping.frames import COMPARE_COLUMNS
from kpitools.kpis.catalogue import VARIANT_UNIT, catalogue, get_kpi, kpi_names

ALPHA = 0.05
LEVEL = 1 - ALPHA
ALTERNATIVES = ("two-sided", "greater", "less")
#: Three teams, so that every comparison table has three rows (pairs).
TEAMS = ["Billing", "Onboarding", "Returns"]
#: "Near the boundary": where a non-dual pair of methods may disagree.
_NEAR = (ALPHA / 2, 2 * ALPHA)

#: (method, test) pairs that are not dual by construction; None = any alternative,
#: "two-sided" = only the two-sided version.
NOT_DUAL: dict[tuple[str, str], str | None] = {
    ("newcombe", "two_proportion_z"): None,
    ("newcombe", "fisher_exact"): None,
    ("hodges_lehmann_normal", "mann_whitney"): None,
    ("bootstrap_percentile", "mann_whitney"): None,
    ("bootstrap_percentile", "welch_t"): None,
    ("bootstrap", "nps_z_bootstrap"): None,
    ("exact_conditional", "exact_conditional_rate_ratio"): "two-sided",
    ("bootstrap", "bootstrap"): None,
}
#: KPIs without an interval or test, by design.
NO_INFERENCE = {"customer_growth"}


@dataclass(frozen=True)
class Case:
    kpi: str
    table: str
    value: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def id(self) -> str:
        return self.kpi + (f"[{self.label}]" if self.label else "")


_FAST = {"n_resamples": 999}
#: One case per registered KPI (the default method), then the other comparison methods.
CASES: list[Case] = [
    Case("nps", "surveys", "nps"),
    Case("enps", "surveys", "nps"),
    Case("csat", "surveys", "csat"),
    Case("csat_mean", "surveys", "csat"),
    Case("ces", "surveys", "ces", {"variant": "effort_1_7_net"}),
    Case("frt", "tickets"),
    Case("resolution_time", "tickets"),
    Case("aht", "calls"),
    Case("asa", "calls"),
    Case("frt_sla", "tickets", options={"target": 60}),
    Case("resolution_sla", "tickets", options={"target": 24, "target_unit": "hours"}),
    Case("fcr", "tickets"),
    Case("resolution_rate", "tickets"),
    Case("escalation_rate", "tickets"),
    Case("reopen_rate", "tickets"),
    # the sample tickets have no purchase flag: any yes/no column exercises the machinery
    Case("conversion_rate", "tickets", "escalated"),
    Case("yes_share", "tickets", "escalated"),
    Case("nia", "tickets"),
    Case("abandonment_rate", "calls"),
    Case("answer_rate", "calls"),
    Case("service_level", "calls"),
    Case("ticket_volume", "tickets"),
    Case("resolved_volume", "tickets"),
    Case("backlog", "tickets"),
    Case("utilisation", "calls", options={"availability": "agent_availability"}),
    Case("productivity", "tickets", options={"availability": "agent_availability"}),
    Case("crr", "customers", options={"period": "2026Q2"}),
    Case("churn_rate", "customers", options={"period": "2026Q2"}),
    Case("customer_growth", "customers", options={"period": "2026Q2"}),
    Case("nrr", "customers", options={"period": "2026Q2", **_FAST}),
    Case("clv", "customers", options={"period": "2026Q2", **_FAST}),
    Case("employee_turnover", "agents", options={"period": "2025"}),  # a leaver in each team
    Case("complaints_per_1000", "tickets", "escalated", {"customers": 2436}),
    # other comparison methods
    Case("nps", "surveys", "nps", {"method": "wald"}, "wald"),
    Case("nps", "surveys", "nps", {"method": "score"}, "score"),
    Case("nps", "surveys", "nps", {"method": "bootstrap"}, "bootstrap"),
    Case("csat", "surveys", "csat", {"test": "fisher"}, "fisher"),
    Case("ces", "surveys", "ces", {"variant": "ease_1_7_mean"}, "mean"),
    Case("ces", "surveys", "ces", {"variant": "ease_1_7_top_box"}, "top_box"),
    Case("frt", "tickets", options={"statistic": "mean", **_FAST}, label="mean"),
    Case("aht", "calls", options={"statistic": "mean", "method": "welch"}, label="welch"),
    Case("frt", "tickets", options={"method": "bootstrap", **_FAST}, label="median_bootstrap"),
    Case("resolution_time", "tickets", options={"statistic": "quantile", "q": 0.9, **_FAST},
         label="p90"),
    Case("asa", "calls", options={"statistic": "mean", **_FAST}, label="mean"),
    Case("ticket_volume", "tickets", options={"exposure": 30.0}, label="exposure"),
]


@pytest.fixture(scope="module")
def sample() -> kt.datasets.ServiceData:
    return kt.datasets.load_sample_data()


def _resolve(case: Case, sample: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    options = dict(case.options)
    if isinstance(options.get("availability"), str):
        options["availability"] = getattr(sample, options["availability"])
    data = getattr(sample, case.table)
    return data[data["team"].isin(TEAMS)], options


def _summary_options(case: Case, options: dict[str, Any]) -> dict[str, Any]:
    """Options of `summarize`: the comparison-only ones (a test, Welch) left out."""
    out = {k: v for k, v in options.items() if k != "test"}
    if out.get("method") == "welch":  # summarize's mean interval is the bootstrap
        out.pop("method")
    if case.kpi in ("frt", "resolution_time") and out.get("method") == "bootstrap" \
            and "statistic" not in out:
        out.pop("method")
    if case.kpi == "nps" and out.get("method") == "bootstrap":
        out.pop("n_resamples", None)
    return out


def _null(unit: str) -> float:
    return 1.0 if unit == "ratio" else 0.0


def _open_end_is_constant(table: pd.DataFrame, column: str) -> None:
    ends = table[column].to_numpy(dtype=float)
    assert np.all(ends == ends[0]), (
        f"one-sided {column} should be the end of the scale, the same in every row: {ends}")


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_summarize_contract(case: Case, alternative: str, sample: Any) -> None:
    data, options = _resolve(case, sample)
    options = _summary_options(case, options)
    if case.kpi == "clv" and alternative != "two-sided":
        # CLV has a two-sided delta-method interval only: a one-sided one is refused clearly
        with pytest.raises(TypeError, match=r"kpi='clv' .*alternative="):
            kt.summarize(data, kpi=case.kpi, value=case.value, by="team",
                         alternative=alternative, **options)
        return
    if case.kpi in NO_INFERENCE:
        # no interval, so no alternative: refused, never ignored (0.2.0; 0.1 ignored it)
        with pytest.raises(TypeError, match=rf"kpi='{case.kpi}' .*alternative="):
            kt.summarize(data, kpi=case.kpi, value=case.value, by="team",
                         alternative=alternative, **options)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        out = kt.summarize(data, kpi=case.kpi, value=case.value, by="team",
                           confidence_level=LEVEL, alternative=alternative, **options)
    assert list(out.columns) == ["team", *ESTIMATE_COLUMNS]
    assert out["team"].tolist() == TEAMS
    assert (out["n"] >= 0).all() and (out["n_excluded"] >= 0).all()
    est, low, high = (out[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high"))
    assert np.isfinite(est).all()
    if case.kpi in NO_INFERENCE:
        assert np.isnan(low).all() and np.isnan(high).all()
        return
    assert (low <= est).all() and (est <= high).all(), out[["estimate", "ci_low", "ci_high"]]
    if alternative == "two-sided":
        assert np.isfinite(low).all() and np.isfinite(high).all()
    elif alternative == "greater":
        assert np.isfinite(low).all()
        _open_end_is_constant(out, "ci_high")
    else:
        assert np.isfinite(high).all()
        _open_end_is_constant(out, "ci_low")


def _agree(row: pd.Series, alternative: str) -> bool:
    null = _null(row["unit"])
    low, high, p = float(row["ci_low"]), float(row["ci_high"]), float(row["pvalue"])
    excludes = {"two-sided": low > null or high < null, "greater": low > null,
                "less": high < null}[alternative]
    return excludes == (p < ALPHA)


def _allowed(row: pd.Series, alternative: str) -> bool:
    scope = NOT_DUAL.get((row["method"], row["test"]), "absent")
    if scope == "absent" or (scope is not None and scope != alternative):
        return False
    return _NEAR[0] < float(row["pvalue"]) < _NEAR[1]


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_compare_contract(case: Case, alternative: str, sample: Any) -> None:
    data, options = _resolve(case, sample)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        out = kt.compare(data, kpi=case.kpi, value=case.value, group="team", levels=TEAMS,
                         confidence_level=LEVEL, alternative=alternative, **options)
    assert list(out.columns) == list(COMPARE_COLUMNS)
    assert len(out) == 3
    assert (out["alternative"] == alternative).all()
    # one units vocabulary: the comparison's unit follows from the estimates' unit and the
    # measure (a difference of "%" is in "percentage points"; a ratio's unit is "ratio")
    definition = get_kpi(case.kpi)
    assert set(out["measure"]) == {definition.measure}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        one = kt.summarize(data, kpi=case.kpi, value=case.value,
                           **_summary_options(case, options))
    estimate_unit = one["unit"].iloc[0]
    assert estimate_unit in ESTIMATE_UNITS
    assert set(out["unit"]) == {comparison_unit(estimate_unit, definition.measure)}
    assert set(out["unit"]) <= COMPARISON_UNITS
    if definition.unit != VARIANT_UNIT:
        assert set(out["unit"]) == {definition.difference_unit}
    if case.kpi in NO_INFERENCE:
        assert out[["ci_low", "ci_high", "pvalue"]].isna().all().all()
        return
    p = out["pvalue"].to_numpy(dtype=float)
    assert ((0 <= p) & (p <= 1)).all()
    assert (out["pvalue_adjusted"].to_numpy(dtype=float) >= p - 1e-12).all()
    diff, low, high = (out[c].to_numpy(dtype=float) for c in ("difference", "ci_low", "ci_high"))
    assert (low <= diff).all() and (diff <= high).all(), out[["difference", "ci_low",
                                                              "ci_high"]]
    if alternative == "two-sided":
        assert np.isfinite(low).all() and np.isfinite(high).all()
    elif alternative == "greater":
        assert np.isfinite(low).all()
        _open_end_is_constant(out, "ci_high")
    else:
        assert np.isfinite(high).all()
        _open_end_is_constant(out, "ci_low")
    bad = [f"{r.group_a}→{r.group_b}: [{r.ci_low:.4g}, {r.ci_high:.4g}] p={r.pvalue:.4g} "
           f"({r.method}/{r.test})"
           for _, r in out.iterrows() if not _agree(r, alternative)
           and not _allowed(r, alternative)]
    assert not bad, f"{case.id} {alternative}: interval and p-value disagree: {bad}"


def test_catalogue_units_are_in_the_vocabulary() -> None:
    table = catalogue()
    assert list(table["kpi"]) == kpi_names()
    for row in table.itertuples():
        if row.unit == VARIANT_UNIT:
            continue
        assert row.unit in ESTIMATE_UNITS, row.kpi
        assert row.difference_unit == comparison_unit(row.unit, row.measure), row.kpi
        assert (row.measure == "ratio") == (row.difference_unit == "ratio"), row.kpi


def test_every_registered_kpi_has_a_contract_case() -> None:
    """A new KPI must be added to CASES (summarize and compare, all three alternatives)."""
    assert {c.kpi for c in CASES} == set(kpi_names())
    assert len(kpi_names()) == 33  # 32 + yes_share (issue 9)


def test_comparison_paths_reached(sample: Any) -> None:
    """Which (method, test) comparison paths the cases reach: at least one per KPI, and
    every (method, test) pair named in NOT_DUAL is actually exercised (no stale entries)."""
    paths: set[tuple[str, str, str]] = set()
    for case in CASES:
        data, options = _resolve(case, sample)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            out = kt.compare(data, kpi=case.kpi, value=case.value, group="team",
                             baseline=TEAMS[0], levels=TEAMS[:2], **options)
        paths |= {(case.kpi, m, t) for m, t in zip(out["method"], out["test"], strict=True)}
    assert {k for k, _, _ in paths} == set(kpi_names())
    pairs = {(m, t) for _, m, t in paths}
    assert set(NOT_DUAL) <= pairs, set(NOT_DUAL) - pairs
    assert len(paths) >= 40


def test_duality_helpers_catch_a_two_sided_interval_labelled_one_sided() -> None:
    """The contract flags the utilisation bug it was written for: a one-sided comparison
    that returned the two-sided interval (its ends then vary with the data)."""
    table = pd.DataFrame({"ci_high": [0.135, 0.21, 0.18]})
    with pytest.raises(AssertionError, match="end of the scale"):
        _open_end_is_constant(table, "ci_high")
    row = pd.Series({"ci_low": 0.026, "ci_high": 0.135, "pvalue": 0.06, "unit": "%",
                     "method": "bootstrap_agents_normal", "test": "z_bootstrap_se"})
    assert not _agree(row, "greater") and not _allowed(row, "greater")
    assert math.isclose(_null("ratio"), 1.0)
