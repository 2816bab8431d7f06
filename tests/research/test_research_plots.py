"""Tests of kpitools.research.plots: each draws what the tidy frame says on the given Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kpitools.core.errors import DataValidationError  # noqa: E402
from kpitools.research.dose_response import churn_by_score  # noqa: E402
from kpitools.research.plots import (  # noqa: E402
    plot_dose_response,
    plot_ratio_forest,
    plot_survival_curves,
)
from kpitools.research.regression import logistic_regression  # noqa: E402
from kpitools.research.survival import kaplan_meier  # noqa: E402


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    def fail(*_a, **_k):
        raise AssertionError("plt.show() called")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(9)
    n = 300
    score = rng.integers(1, 6, n)
    churn = (rng.random(n) < 0.5 - 0.08 * score).astype(int)
    return pd.DataFrame({"score": score, "churn": churn, "months": rng.integers(1, 30, n),
                         "group": np.where(score >= 4, "high", "low"),
                         "tenure": rng.uniform(0, 50, n)})


def test_dose_response_points_are_the_estimates(data):
    table = churn_by_score(data, "score", "churn")
    _, ax = plt.subplots()
    out = plot_dose_response(table, ax=ax)
    assert out is ax
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), table["score"])
    np.testing.assert_allclose(line.get_ydata(), table["estimate"])
    assert ax.get_ylabel() == "Churn rate (%)"
    assert "95% CI" in ax.get_title()


def test_survival_curves_one_step_line_per_group(data):
    curves = kaplan_meier(data, "months", "churn", group="group")
    ax = plot_survival_curves(curves, xlabel="Months")
    assert [ln.get_label() for ln in ax.lines] == ["high", "low"]
    assert ax.get_xlabel() == "Months"
    assert ax.get_legend() is not None


def test_ratio_forest_log_axis(data):
    fit = logistic_regression(data, "churn", "score", covariates="tenure")
    ax = plot_ratio_forest(fit.table)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["score", "tenure"]
    assert ax.get_xlabel().startswith("Odds ratio (95% CI")


def test_plots_need_their_columns():
    with pytest.raises(DataValidationError, match=r"column 'score': plot_dose_response needs "
                                                  r"the columns score"):
        plot_dose_response(pd.DataFrame({"estimate": [1.0]}))
    with pytest.raises(TypeError, match="needs a pandas DataFrame"):
        plot_ratio_forest([1, 2])  # type: ignore[arg-type]
