"""Plots for retention research; each takes a tidy result frame and an optional Axes.

==========================  ================================================================
`plot_dose_response`        churn rate per satisfaction score with CI bars
`plot_survival_curves`      Kaplan–Meier retention curves per group with CI bands
`plot_ratio_forest`         odds or hazard ratios with CIs on a log axis (a forest plot)
==========================  ================================================================

None calls ``plt.show()``; matplotlib is imported only when a plot is drawn. Group names,
terms, axis labels and titles are drawn literally (`kpitools.plots.base.plain_text`: a ``$``
never starts mathtext).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from kpitools.research.join import sample_retention_data
>>> from kpitools.research.dose_response import churn_by_score
>>> ax = plot_dose_response(churn_by_score(sample_retention_data().data, "nps", "churned"))
>>> ax.get_ylabel()
'Churn rate (%)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpitools.plots.base import PALETTE, get_axes, plain_text, require_frame

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_dose_response", "plot_survival_curves", "plot_ratio_forest"]


def plot_dose_response(table: pd.DataFrame, *, ax: Any = None, xlabel: str = "Satisfaction score",
                       show_counts: bool = True) -> Axes:
    """Churn rate (%) per score with its confidence interval, from `churn_by_score`.

    Parameters
    ----------
    table : DataFrame
        Output of `kpitools.research.dose_response.churn_by_score` (``score, estimate, ci_low,
        ci_high, n``).
    ax : matplotlib Axes, optional
    xlabel : str, default "Satisfaction score"
    show_counts : bool, default True
        Write n under each point.

    Returns
    -------
    matplotlib Axes
    """
    df = require_frame(table, ["score", "estimate", "ci_low", "ci_high", "n"], "plot_dose_response")
    ax = get_axes(ax, (7.0, 4.0))
    x = df["score"].to_numpy(dtype=float)
    y = df["estimate"].to_numpy(dtype=float)
    err = np.vstack([y - df["ci_low"].to_numpy(dtype=float),
                     df["ci_high"].to_numpy(dtype=float) - y])
    err = np.clip(err, 0.0, None)  # a bound equal to the estimate may differ by rounding
    ax.errorbar(x, y, yerr=err, fmt="o-", color=PALETTE[0], ecolor=PALETTE[0], capsize=3,
                lw=1.5)
    if show_counts:
        for xi, n in zip(x, df["n"], strict=True):
            ax.annotate(f"n={int(n)}", (xi, 0), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, color="#555555")
    level = df["confidence_level"].iloc[0] if "confidence_level" in df and len(df) else 0.95
    ax.set_xticks(x)
    ax.set_xlabel(plain_text(xlabel))
    ax.set_ylabel("Churn rate (%)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Churn rate by satisfaction score ({level:.0%} CI)")
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_survival_curves(curves: pd.DataFrame, *, ax: Any = None, xlabel: str = "Time",
                         ci: bool = True) -> Axes:
    """Kaplan–Meier retention curves per group as step functions with CI bands.

    Parameters
    ----------
    curves : DataFrame
        Output of `kpitools.research.survival.kaplan_meier` (``group, time, estimate, ci_low,
        ci_high``).
    ax : matplotlib Axes, optional
    xlabel : str, default "Time"
        Label of the time axis (give the unit, e.g. "Days since the window start").
    ci : bool, default True
        Shade the pointwise confidence band.

    Returns
    -------
    matplotlib Axes
    """
    df = require_frame(curves, ["group", "time", "estimate", "ci_low", "ci_high"],
                  "plot_survival_curves")
    ax = get_axes(ax, (7.0, 4.5))
    groups = (list(df["group"].cat.categories) if isinstance(df["group"].dtype,
                                                               pd.CategoricalDtype)
              else list(pd.unique(df["group"])))
    handles, names = [], []
    for i, group in enumerate(groups):
        part = df[df["group"] == group].sort_values("time")
        if part.empty:
            continue
        colour = PALETTE[i % len(PALETTE)]
        names.append(plain_text(group))
        (line,) = ax.step(part["time"], part["estimate"], where="post", color=colour, lw=1.8,
                          label=names[-1])
        handles.append(line)
        if ci:
            ax.fill_between(part["time"], part["ci_low"], part["ci_high"], step="post",
                            color=colour, alpha=0.15, lw=0)
    ax.set_xlabel(plain_text(xlabel))
    ax.set_ylabel("Still a customer (%)")
    ax.set_ylim(top=102)
    ax.set_title("Retention (Kaplan–Meier)")
    ax.grid(alpha=0.3)
    if len(groups) > 1:
        # explicit labels: a group named "_x" is not hidden from the legend
        ax.legend(handles, names, frameon=False)
    return ax


def plot_ratio_forest(table: pd.DataFrame, *, ax: Any = None, title: str | None = None) -> Axes:
    """Odds or hazard ratios with CIs on a log axis, one row per term (a forest plot).

    Parameters
    ----------
    table : DataFrame
        A coefficient table (``RegressionResult.table``: ``term, estimate, ci_low, ci_high``,
        optionally ``measure``).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    df = require_frame(table, ["term", "estimate", "ci_low", "ci_high"], "plot_ratio_forest")
    ax = get_axes(ax, (7.0, 0.6 + 0.45 * max(len(df), 1)))
    y = np.arange(len(df))[::-1]
    est = df["estimate"].to_numpy(dtype=float)
    err = np.clip(np.vstack([est - df["ci_low"].to_numpy(dtype=float),
                             df["ci_high"].to_numpy(dtype=float) - est]), 0.0, None)
    ax.errorbar(est, y, xerr=err, fmt="s", color=PALETTE[0], capsize=3)
    ax.axvline(1.0, color="#888888", lw=1, ls="--")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda v, _pos: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
    ax.set_yticks(y)
    ax.set_yticklabels([plain_text(t) for t in df["term"].astype(str)])
    measure = str(df["measure"].iloc[0]) if "measure" in df and len(df) else "ratio"
    label = {"odds_ratio": "Odds ratio", "hazard_ratio": "Hazard ratio"}.get(measure, "Ratio")
    level = df["confidence_level"].iloc[0] if "confidence_level" in df and len(df) else 0.95
    ax.set_xlabel(f"{label} ({level:.0%} CI, log scale)")
    ax.set_title(plain_text(title) if title else f"{label}s")
    ax.grid(axis="x", alpha=0.3, which="both")
    return ax
