"""Tests of kpitools.plots.kpis (Agg backend): what is drawn matches the data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kpitools.core.errors import DataValidationError  # noqa: E402
from kpitools.plots import kpis as plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plt.show() must never be called")

    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


@pytest.fixture
def estimates():
    return pd.DataFrame({"team": ["a", "b", "c"], "kpi": "nps", "unit": "points",
                         "estimate": [10.0, 30.0, 20.0], "ci_low": [0.0, 22.0, 5.0],
                         "ci_high": [18.0, 38.0, 31.0], "n": [100, 120, 80]})


def test_forest_draws_each_interval_on_the_given_axes(estimates):
    fig, ax = plt.subplots()
    out = plotting.plot_kpi_forest(estimates, label="team", reference=20.0, ax=ax)
    assert out is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a (n=100)", "c (n=80)", "b (n=120)"]  # sorted by estimate
    points = ax.lines[0].get_xdata()
    np.testing.assert_allclose(points, [10.0, 20.0, 30.0])
    segments = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[:, 0] for s in segments],
                               [[0.0, 18.0], [5.0, 31.0], [22.0, 38.0]])
    assert ax.get_xlabel() == "NPS (points)"


def test_forest_needs_its_columns(estimates):
    with pytest.raises(DataValidationError, match="column 'ci_low': plot_kpi_forest needs"):
        plotting.plot_kpi_forest(estimates.drop(columns=["ci_low"]), label="team")


def test_trend_has_one_band_per_group():
    df = pd.DataFrame({"quarter": ["2026Q1", "2026Q2"] * 2, "team": ["a", "a", "b", "b"],
                       "estimate": [1.0, 2.0, 3.0, 4.0], "ci_low": [0.0, 1.0, 2.0, 3.0],
                       "ci_high": [2.0, 3.0, 4.0, 5.0]})
    ax = plotting.plot_kpi_trend(df, x="quarter", hue="team")
    assert len(ax.collections) == 2
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026Q1", "2026Q2"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [3.0, 4.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_trend_draws_the_target_as_a_dashed_line_within_the_axes():
    df = pd.DataFrame({"quarter": ["2026Q1", "2026Q2"], "estimate": [1.0, 2.0],
                       "ci_low": [0.0, 1.0], "ci_high": [2.0, 3.0]})
    plain = plotting.plot_kpi_trend(df, x="quarter")
    assert len(plain.texts) == 0 and len(plain.lines) == 1
    ax = plotting.plot_kpi_trend(df, x="quarter", target=7.5)
    target_line = ax.lines[-1]
    np.testing.assert_allclose(target_line.get_ydata(), [7.5, 7.5])
    assert target_line.get_linestyle() == "--"
    assert [t.get_text() for t in ax.texts] == ["target 7.5"]
    low, high = ax.get_ylim()
    assert low <= 0.0 and high >= 7.5  # a target above every interval is still on the plot


@pytest.mark.parametrize("bad", ["high", float("nan"), float("inf")])
def test_trend_refuses_a_target_that_is_not_a_finite_number(bad):
    df = pd.DataFrame({"quarter": ["2026Q1"], "estimate": [1.0], "ci_low": [0.0],
                       "ci_high": [2.0]})
    with pytest.raises(ValueError, match="plot_kpi_trend: target must be"):
        plotting.plot_kpi_trend(df, target=bad)


def test_nps_distribution_bars_are_the_shares():
    df = pd.DataFrame({"g": ["x"] * 10 + ["y"] * 4,
                       "nps": [0, 3, 6, 7, 8, 9, 10, 10, 10, 9] + [10, 10, 8, np.nan]})
    ax = plotting.plot_nps_distribution(df, by="g")
    widths = np.array([p.get_width() for p in ax.patches]).reshape(3, 2)  # category × group
    # groups are sorted by NPS: x (NPS 20) then y (NPS 66.7)
    np.testing.assert_allclose(widths[:, 0], [30.0, 20.0, 50.0])
    np.testing.assert_allclose(widths[:, 1], [0.0, 100 / 3, 200 / 3])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x  (NPS +20)", "y  (NPS +67)"]


def test_p_chart_limits_follow_the_pooled_proportion():
    df = pd.DataFrame({"quarter": ["q1", "q2", "q3", "q4"], "estimate": [70.0, 72.0, 71.0, 40.0],
                       "n": [400, 300, 500, 200]})
    ax = plotting.plot_p_chart(df)
    successes = np.array([280, 216, 355, 80])
    pbar = successes.sum() / 1400
    assert ax.lines[1].get_ydata()[0] == pytest.approx(100 * pbar)
    ucl = 100 * (pbar + 3 * np.sqrt(pbar * (1 - pbar) / df["n"].to_numpy()))
    np.testing.assert_allclose(ax.lines[2].get_ydata(), ucl)
    out = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(out, [[3, 40.0]])  # the last quarter is out of control


def test_volume_heatmap_counts_every_contact():
    times = pd.to_datetime(["2026-07-06 09:10", "2026-07-06 09:50", "2026-07-07 14:00",
                            None, "2026-07-12 23:59"])
    ax = plotting.plot_volume_heatmap(pd.DataFrame({"created_at": times}))
    values = ax.collections[0].get_array().reshape(7, 24)
    assert values.sum() == 4
    assert values[0, 9] == 2  # Monday 09h
    assert values[1, 14] == 1  # Tuesday 14h
    assert values[6, 23] == 1  # Sunday 23h


def test_plots_reject_non_frames():
    with pytest.raises(TypeError, match="plot_p_chart needs a pandas DataFrame, got list"):
        plotting.plot_p_chart([1, 2, 3])


def test_importing_kpitools_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, kpitools, kpitools.plots.kpis; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
