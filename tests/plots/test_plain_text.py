"""Issue 8: user text reaches every plot literally (no mathtext, no hidden legend entries).

A competitor called ``$\\invalidcommand$`` stopped the quarterly report (matplotlib parsed
``$…$`` as math and failed when drawing), and ``$x$`` was typeset as an italic x. Each plot
is drawn with such names, saved (PNG, SVG and PDF must not raise), and the SVG, written with
``svg.fonttype = "none"`` so that text stays text, must contain each name as given.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import cbook  # noqa: E402

from kpitools.plots import kpis as plotting  # noqa: E402
from kpitools.plots.kpis import plain_text  # noqa: E402
from kpitools.research import plots as research_plots  # noqa: E402

NAMES = ["$\\invalidcommand$", "$x$", "a\\$b$", "100$ & 5%"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def svg_of(ax) -> str:
    """The figure as SVG text, saved also as PNG and PDF (none may raise)."""
    fig = ax.figure
    for fmt in ("png", "pdf"):
        fig.savefig(io.BytesIO(), format=fmt)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    return buffer.getvalue()


def xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def assert_literal(ax, names, texts) -> None:
    """Every name is drawn as given, and no Text object holding it is read as math."""
    svg = svg_of(ax)
    for name in names:
        assert xml(name) in svg, name
    for text in texts:
        assert not cbook.is_math_text(text.get_text()), text.get_text()


def estimates(names) -> pd.DataFrame:
    k = len(names)
    return pd.DataFrame({"competitor": names, "kpi": "nps", "unit": "points",
                         "estimate": np.linspace(10, 40, k), "ci_low": np.linspace(0, 30, k),
                         "ci_high": np.linspace(20, 50, k), "n": np.arange(100, 100 + k)})


@pytest.mark.parametrize("name", NAMES)
def test_plain_text_is_drawn_exactly_as_given(name):
    _, ax = plt.subplots()
    ax.set_title(plain_text(name))
    assert_literal(ax, [name], [ax.title])


def test_control_characters_are_replaced_and_tabs_become_spaces():
    assert plain_text("a\x00b\x1bc\td\ne") == "a\ufffdb\ufffdc d\ne"
    _, ax = plt.subplots()
    ax.set_title(plain_text("team\x00one"))  # no "Glyph 0 missing" warning (an error here)
    assert "team\ufffdone" in svg_of(ax)


def test_forest_tick_labels_and_axis_label():
    frame = estimates(NAMES).assign(kpi="$k$", unit="$u$")
    ax = plotting.plot_kpi_forest(frame, label="competitor", sort=False)
    labels = ax.get_yticklabels()
    assert [t.get_text() for t in labels] == [plain_text(f"{nm} (n={n})") for nm, n
                                              in zip(NAMES, frame["n"], strict=True)]
    assert_literal(ax, [*NAMES, "$K$ ($u$)"], [*labels, ax.xaxis.label])


def test_trend_periods_legend_and_axis_label():
    periods = ["$2026$Q1", "$x$"]
    frame = pd.DataFrame({"per$iod$": periods * 4, "team": np.repeat(NAMES, 2),
                          "estimate": np.arange(8.0), "ci_low": np.arange(8.0) - 1,
                          "ci_high": np.arange(8.0) + 1})
    ax = plotting.plot_kpi_trend(frame, x="per$iod$", hue="team")
    legend = ax.get_legend().get_texts()
    assert sorted(t.get_text() for t in legend) == sorted(plain_text(n) for n in NAMES)
    assert_literal(ax, [*NAMES, *periods, "per$iod$"],
                   [*legend, *ax.get_xticklabels(), ax.xaxis.label])


def test_trend_legend_keeps_underscore_and_missing_groups():
    # matplotlib hides legend entries whose label starts with "_"; groupby drops NaN keys
    frame = pd.DataFrame({"quarter": ["2026Q1", "2026Q2"] * 3,
                          "team": ["_north", "_north", "south", "south", None, None],
                          "estimate": np.arange(6.0), "ci_low": np.arange(6.0) - 1,
                          "ci_high": np.arange(6.0) + 1})
    ax = plotting.plot_kpi_trend(frame, x="quarter", hue="team")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["_north", "south", "nan"]
    assert len(ax.collections) == 3


def test_nps_distribution_group_labels():
    rng = np.random.default_rng(1)
    answers = pd.DataFrame({"nps": rng.integers(0, 11, 400),
                            "competitor": np.repeat(NAMES, 100)})
    ax = plotting.plot_nps_distribution(answers, by="competitor")
    labels = ax.get_yticklabels()
    assert all(any(t.get_text().startswith(plain_text(nm) + "  (NPS") for t in labels)
               for nm in NAMES)
    assert_literal(ax, NAMES, labels)


def test_p_chart_period_labels_and_axis_label():
    frame = pd.DataFrame({"$q$": NAMES, "estimate": [80.0, 82.0, 60.0, 70.0],
                          "n": [200, 200, 200, 200]})
    ax = plotting.plot_p_chart(frame, x="$q$")
    assert_literal(ax, [*NAMES, "$q$"], [*ax.get_xticklabels(), ax.xaxis.label])


def test_dose_response_axis_label():
    table = pd.DataFrame({"score": [1, 2, 3], "estimate": [30.0, 20.0, 10.0],
                          "ci_low": [20.0, 12.0, 5.0], "ci_high": [40.0, 28.0, 15.0],
                          "n": [50, 60, 70]})
    ax = research_plots.plot_dose_response(table, xlabel="$\\invalidcommand$ score")
    assert_literal(ax, ["$\\invalidcommand$ score"], [ax.xaxis.label])


def test_survival_curves_legend_and_axis_label():
    curves = pd.DataFrame({"group": np.repeat(["_first", *NAMES], 3),
                           "time": np.tile([0.0, 1.0, 2.0], 5),
                           "estimate": np.tile([100.0, 90.0, 80.0], 5),
                           "ci_low": np.tile([100.0, 85.0, 72.0], 5),
                           "ci_high": np.tile([100.0, 95.0, 88.0], 5)})
    ax = research_plots.plot_survival_curves(curves, xlabel="$t$ (days)")
    legend = ax.get_legend().get_texts()
    assert [t.get_text() for t in legend] == [plain_text(g) for g in ["_first", *NAMES]]
    assert_literal(ax, ["_first", *NAMES, "$t$ (days)"], [*legend, ax.xaxis.label])


def test_ratio_forest_terms_and_title():
    table = pd.DataFrame({"term": NAMES, "estimate": [1.2, 0.8, 1.5, 1.1],
                          "ci_low": [1.0, 0.6, 1.1, 0.9], "ci_high": [1.4, 1.0, 2.0, 1.3],
                          "measure": "odds_ratio"})
    ax = research_plots.plot_ratio_forest(table, title="$\\beta$ model")
    labels = ax.get_yticklabels()
    assert [t.get_text() for t in labels] == [plain_text(t) for t in NAMES]
    assert_literal(ax, [*NAMES, "$\\beta$ model"], [*labels, ax.title])
