"""The API contract of the KPI layer and the grouping layer.

- explicit signatures: no public function of `kpitools.kpis` or `kpitools.grouping` takes
  ``**kwargs`` (`summarize`/`compare` excepted: their ``**options`` are checked against the
  KPI's own explicit options, below);
- an option a KPI does not take raises TypeError naming the KPI and the option, for every
  registered KPI, in `summarize` and in `compare`;
- adding a KPI is one registration in one module: a toy KPI registered here goes through
  `summarize` and `compare`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
import kpitools.grouping
import kpitools.kpis
from kpitools.core.results import Comparison, KpiEstimate
from kpitools.kpis import catalogue as cat
from kpitools.kpis.catalogue import KpiDefinition, get_kpi, kpi_names, options_of, register_kpi
from kpitools.kpis.common import compare_proportions, proportion_columns

#: `summarize` and `compare` pass KPI options on by name; they are validated per KPI.
CHECKED_KWARGS = {"kpitools.grouping.frames.summarize", "kpitools.grouping.frames.compare"}


def _public_functions():
    for pkg in (kpitools.kpis, kpitools.grouping):
        names = [pkg.__name__] + [m.name for m in pkgutil.walk_packages(pkg.__path__,
                                                                       pkg.__name__ + ".")]
        for name in names:
            module = importlib.import_module(name)
            for attr, obj in vars(module).items():
                if attr.startswith("_"):
                    continue
                if inspect.isfunction(obj) and obj.__module__ == name:
                    yield f"{name}.{attr}", obj
                elif inspect.isclass(obj) and obj.__module__ == name:
                    for meth, fn in vars(obj).items():
                        if inspect.isfunction(fn) and not meth.startswith("_"):
                            yield f"{name}.{attr}.{meth}", fn


def test_no_public_function_takes_kwargs():
    found = dict(_public_functions())
    assert len(found) > 60 and "kpitools.kpis.operations.fcr" in found
    with_kwargs = sorted(
        name for name, fn in found.items()
        if any(p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()))
    assert with_kwargs == sorted(CHECKED_KWARGS)


@pytest.mark.parametrize("name", ["frt", "resolution_time", "aht", "asa", "fcr", "nia",
                                  "service_level", "enps", "complaints_per_1000",
                                  "staffing_plan", "customer_growth"])
def test_help_shows_the_options(name):
    params = inspect.signature(getattr(kt, name)).parameters
    assert "confidence_level" in params or name == "staffing_plan"
    assert all(p.kind is not p.VAR_KEYWORD for p in params.values())


def _frame() -> pd.DataFrame:
    """Columns every KPI's summarize needs before it checks its options."""
    return pd.DataFrame({"nps": [9, 10], "enps": [9, 10], "csat": [4, 5], "ces": [3, 4],
                         "quarter": ["2026Q1", "2026Q2"]})


@pytest.mark.parametrize("kpi", kpi_names())
def test_an_option_the_kpi_does_not_take_raises(kpi):
    with pytest.raises(TypeError, match=rf"kpi='{kpi}' does not take the option\(s\) "
                                        r"bogus_option="):
        kt.summarize(_frame(), kpi=kpi, bogus_option=1)
    with pytest.raises(TypeError, match=rf"kpi='{kpi}' does not take the option\(s\) "
                                        r"bogus_option="):
        kt.compare(_frame(), kpi=kpi, group="quarter", bogus_option=1)


def test_inapplicable_options_raise():
    customers = kt.datasets.load_customers()
    with pytest.raises(TypeError, match="unexpected keyword argument 'method'"):
        kt.customer_growth(customers, "2025Q3", method="wilson")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"kpi='customer_growth' .*alternative="):
        kt.summarize(customers, kpi="customer_growth", period="2025Q3", alternative="less")
    tickets = kt.datasets.load_tickets()
    with pytest.raises(TypeError, match="unexpected keyword argument 'days'"):
        kt.fcr(tickets, days=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"kpi='fcr' does not take the option\(s\) days="):
        kt.kpis.operations.proportion_kpi(tickets, "fcr", days=3)
    with pytest.raises(TypeError, match=r"kpi='fcr' .*threshold_seconds="):
        kt.summarize(tickets, kpi="fcr", threshold_seconds=20)
    with pytest.raises(TypeError, match=r"kpi='csat' .*variant="):
        kt.summarize(_frame(), kpi="csat", variant="effort_1_5_mean")


def test_csat_mean_refuses_a_method_other_than_t():
    df = pd.DataFrame({"csat": [4, 5, 3, 4, 2, 5] * 5, "quarter": ["a", "b"] * 15})
    with pytest.raises(ValueError, match="method='bogus'"):
        kt.summarize(df, kpi="csat_mean", method="bogus")
    with pytest.raises(ValueError, match="method='bogus'"):
        kt.compare(df, kpi="csat_mean", group="quarter", method="bogus")


def test_adding_a_kpi_is_one_registration(monkeypatch):
    """A toy KPI (share of answers equal to 1) registered in one place: summarize and
    compare dispatch on it, its options are checked, and catalogue() lists it."""
    monkeypatch.setattr(cat, "_REGISTRY", dict(cat._REGISTRY))

    def share_of_ones(values, *, confidence_level: float = 0.95,
                      method: str = "wilson") -> KpiEstimate:
        x = np.asarray(values)
        est, low, high = proportion_columns(np.array([(x == 1).sum()]), np.array([x.size]),
                                            confidence_level=confidence_level, method=method)
        return KpiEstimate(kpi="ones", estimate=float(est[0]), ci_low=float(low[0]),
                           ci_high=float(high[0]), n=int(x.size), n_excluded=0,
                           method=method, confidence_level=confidence_level, unit="%")

    def compare_ones(a, b, *, confidence_level: float = 0.95) -> Comparison:
        a, b = np.asarray(a), np.asarray(b)
        return compare_proportions(int((a == 1).sum()), a.size, int((b == 1).sum()), b.size,
                                   kpi="ones", confidence_level=confidence_level)

    register_kpi(KpiDefinition(
        name="ones", unit="%", higher_is_better=True,
        estimate=lambda data, value, *, confidence_level, **o: share_of_ones(
            data[value], confidence_level=confidence_level, **o),
        compare=lambda a, b, value, *, confidence_level, **o: compare_ones(
            a[value], b[value], confidence_level=confidence_level, **o),
        options=options_of(share_of_ones, "values"),
        compare_options=options_of(compare_ones, "a", "b"),
    ))
    df = pd.DataFrame({"x": [1, 0, 1, 1, 0, 1, 0, 0, 1, 1] * 4,
                       "g": ["a"] * 20 + ["b"] * 20})
    out = kt.summarize(df, kpi="ones", value="x", by="g")
    assert out["estimate"].tolist() == [60.0, 60.0]
    c = kt.compare(df, kpi="ones", value="x", group="g")
    assert c["difference"].iloc[0] == 0.0 and c["unit"].iloc[0] == "percentage points"
    assert get_kpi("ones").difference_unit == "percentage points"
    assert "ones" in set(cat.catalogue()["kpi"])
    with pytest.raises(TypeError, match=r"kpi='ones' does not take the option\(s\) method="):
        kt.compare(df, kpi="ones", value="x", group="g", method="wilson")


def test_options_of_refuses_kwargs():
    def loose(data, **kwargs): ...
    with pytest.raises(TypeError, match="takes \\*\\*kwargs"):
        options_of(loose, "data")


def test_result_types_have_to_frame_and_ci():
    r = kt.kpis.customers.clv_from_values(np.full(200, 100.0), np.arange(200) < 20)
    assert r.ci == (r.ci_low, r.ci_high) and len(r.to_frame()) == 1
    plan = kt.agents_needed(100, 180)
    assert plan.to_frame()["agents"].iloc[0] == plan.agents
    counts = kt.kpis.customers.customer_counts(kt.datasets.load_customers(), "2025Q3")
    row = counts.to_frame().iloc[0]
    assert row["retained"] == counts.start - counts.lost
