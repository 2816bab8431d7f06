"""Plots of KPI results, each a function that takes a tidy frame and an optional Axes.

Every function draws on ``ax`` (a new figure when None) and returns the Axes; none calls
``plt.show()``. matplotlib and seaborn are imported only when a plot is drawn, so that
``import kpitools`` stays fast.

=========================  =====================================================
`plot_kpi_forest`          estimate and CI per group (a forest plot)
`plot_kpi_trend`           estimate per period with a CI band, one line per group
`plot_nps_distribution`    detractors / passives / promoters stacked per group
`plot_p_chart`             control chart (p-chart) of a proportion KPI over time
`plot_volume_heatmap`      contact volume by weekday × hour of day
=========================  =====================================================

Every user string that reaches matplotlib (group names in tick labels and legends, column
names in axis labels, titles) passes through `plain_text`, so that it is drawn exactly as
given: a competitor called ``$x$`` is not typeset as math, and one called
``$\\invalidcommand$`` does not stop the figure.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import kpitools as kt
>>> from kpitools.datasets import load_surveys
>>> table = kt.summarize(load_surveys(), kpi="nps", value="nps", by="team")
>>> ax = plot_kpi_forest(table, label="team")
>>> ax.get_xlabel()
'NPS (points)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpitools.plots.base import PALETTE, plain_text
from kpitools.plots.base import get_axes as _axes
from kpitools.plots.base import require_frame as _require

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "plain_text",
    "PALETTE",
    "NPS_COLORS",
    "plot_kpi_forest",
    "plot_kpi_trend",
    "plot_nps_distribution",
    "plot_p_chart",
    "plot_volume_heatmap",
]

#: Colours of detractors, passives and promoters.
NPS_COLORS: dict[str, str] = {"detractors": "#D55E00", "passives": "#BBBBBB",
                              "promoters": "#009E73"}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _kpi_label(df: pd.DataFrame) -> str:
    kpi = str(df["kpi"].iloc[0]).upper() if "kpi" in df.columns and len(df) else "Estimate"
    unit = str(df["unit"].iloc[0]) if "unit" in df.columns and len(df) else ""
    return plain_text(f"{kpi} ({unit})" if unit and unit != "count" else kpi)


def plot_kpi_forest(
    df: pd.DataFrame,
    *,
    label: str | Sequence[str],
    reference: float | None = None,
    sort: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: one row per group with its estimate and confidence interval.

    Parameters
    ----------
    df : DataFrame
        Tidy estimates (the output of `kpitools.summarize`): ``label`` columns, ``estimate``,
        ``ci_low``, ``ci_high`` and optionally ``kpi``, ``unit``, ``n``.
    label : str or list of str
        Column(s) that name a row (joined with " / ").
    reference : float, optional
        Draws a vertical reference line (a target, or the overall value).
    sort : bool, default True
        Sort rows by estimate (highest at the top).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    labels = [label] if isinstance(label, str) else list(label)
    _require(df, [*labels, "estimate", "ci_low", "ci_high"], "plot_kpi_forest")
    data = df.dropna(subset=["estimate"])
    if sort:
        data = data.sort_values("estimate", kind="stable")
    names = data[labels].astype(str).agg(" / ".join, axis=1).tolist()
    if "n" in data.columns:
        names = [f"{nm} (n={int(n):,})" for nm, n in zip(names, data["n"], strict=True)]
    names = [plain_text(nm) for nm in names]
    ax = _axes(ax, (7.0, 0.45 * len(data) + 1.2))
    y = np.arange(len(data))
    est = data["estimate"].to_numpy(float)
    err = np.vstack([est - data["ci_low"].to_numpy(float), data["ci_high"].to_numpy(float) - est])
    ax.errorbar(est, y, xerr=err, fmt="o", color=PALETTE[0], ecolor=PALETTE[0], capsize=3,
                markersize=6, linewidth=1.5)
    if reference is not None:
        ax.axvline(reference, color="#555555", linestyle="--", linewidth=1)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(data) - 0.3)
    ax.set_xlabel(_kpi_label(df))
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_kpi_trend(
    df: pd.DataFrame,
    *,
    x: str = "quarter",
    hue: str | None = None,
    target: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Estimate per period with its confidence band; one line per ``hue`` group.

    Parameters
    ----------
    df : DataFrame
        Tidy estimates with the ``x`` column (and ``hue``), ``estimate``, ``ci_low``,
        ``ci_high`` (the output of `kpitools.summarize` with ``by=[hue, x]``).
    x : str, default "quarter"
        The period column, drawn in sorted order.
    hue : str, optional
        A group column; one line and band per group.
    target : float, optional
        Draws the target as a dashed horizontal line labelled "target <value>" at the right
        end (the y-axis is widened to show it when it lies outside the data).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        ``target`` is not a finite number.

    Examples
    --------
    >>> import kpitools as kt
    >>> from kpitools.datasets import load_surveys
    >>> trend = kt.summarize(load_surveys(), kpi="nps", value="nps", by="quarter")
    >>> ax = plot_kpi_trend(trend, x="quarter", target=30)
    >>> len(ax.get_xticks())
    8
    >>> [t.get_text() for t in ax.texts]
    ['target 30']
    """
    cols = [x, "estimate", "ci_low", "ci_high"] + ([hue] if hue else [])
    _require(df, cols, "plot_kpi_trend")
    if target is not None:
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise ValueError(f"plot_kpi_trend: target must be a number, got {target!r}") from None
        if not np.isfinite(target):
            raise ValueError(f"plot_kpi_trend: target must be finite, got {target!r}")
    periods = sorted(df[x].dropna().astype(str).unique())
    pos = {p: i for i, p in enumerate(periods)}
    ax = _axes(ax, (7.0, 3.2))
    groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True, dropna=False))
    handles, names = [], []
    for k, (name, part) in enumerate(groups):
        part = part.assign(_x=part[x].astype(str).map(pos)).sort_values("_x")
        color = PALETTE[k % len(PALETTE)]
        ax.fill_between(part["_x"], part["ci_low"].astype(float), part["ci_high"].astype(float),
                        color=color, alpha=0.18, linewidth=0)
        names.append(plain_text(name))
        (line,) = ax.plot(part["_x"], part["estimate"].astype(float), marker="o", color=color,
                          label=None if hue is None else names[-1], linewidth=1.8,
                          markersize=4)
        handles.append(line)
    ax.set_xticks(range(len(periods)), [plain_text(p) for p in periods])
    if target is not None:
        ax.axhline(target, color="#444444", linestyle=(0, (4, 3)), linewidth=1.0, zorder=1)
        ax.annotate(f"target {target:g}", xy=(1.0, target), xycoords=("axes fraction", "data"),
                    xytext=(-2, 2), textcoords="offset points", ha="right", va="bottom",
                    fontsize=7.5, color="#444444")
    ax.set_xlabel(plain_text(x.replace("_", " ")))
    ax.set_ylabel(_kpi_label(df))
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if hue is not None:
        # handles and labels given explicitly: a group named "_x" is not hidden, as
        # matplotlib hides artists whose label starts with an underscore
        ax.legend(handles, names, frameon=False, fontsize=8, loc="center left",
                  bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_nps_distribution(
    df: pd.DataFrame,
    *,
    score: str = "nps",
    by: str,
    ax: Axes | None = None,
    weight: str | None = None,
) -> Axes:
    """Horizontal stacked bars of detractors (0–6), passives (7–8) and promoters (9–10).

    Parameters
    ----------
    df : DataFrame
        Raw answers, one row per response, with the ``score`` (0–10) and ``by`` columns.
        Missing scores are left out of the shares.
    score : str, default "nps"
    by : str
        Group column; one bar per group, labelled with its NPS.
    ax : matplotlib Axes, optional
    weight : str, optional
        A column of how many answers each row stands for (a table of counted answers);
        the shares are then of the summed counts.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from kpitools.datasets import load_surveys
    >>> ax = plot_nps_distribution(load_surveys(), by="channel")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Detractors (0–6)', 'Passives (7–8)', 'Promoters (9–10)']
    """
    _require(df, [score, by, *([weight] if weight is not None else [])],
             "plot_nps_distribution")
    s = pd.to_numeric(df[score], errors="coerce")
    cat = pd.cut(s, [-0.5, 6.5, 8.5, 10.5], labels=["detractors", "passives", "promoters"])
    if weight is None:
        counts = pd.crosstab(df[by].astype(str), cat)
    else:
        counts = pd.crosstab(df[by].astype(str), cat, values=df[weight],
                             aggfunc="sum").fillna(0)
    shares = (counts.div(counts.sum(axis=1), axis=0) * 100).reindex(
        columns=["detractors", "passives", "promoters"], fill_value=0.0)
    shares["nps"] = shares["promoters"] - shares["detractors"]
    shares = shares.sort_values("nps")
    ax = _axes(ax, (7.0, 0.45 * len(shares) + 1.3))
    left = np.zeros(len(shares))
    labels = {"detractors": "Detractors (0–6)", "passives": "Passives (7–8)",
              "promoters": "Promoters (9–10)"}
    y = np.arange(len(shares))
    for cat_name in ("detractors", "passives", "promoters"):
        width = shares[cat_name].to_numpy(float)
        ax.barh(y, width, left=left, color=NPS_COLORS[cat_name], label=labels[cat_name],
                height=0.7)
        for yi, (lft, w) in enumerate(zip(left, width, strict=True)):
            if w >= 7:
                ax.text(lft + w / 2, yi, f"{w:.0f}%", ha="center", va="center", fontsize=8,
                        color="white" if cat_name != "passives" else "black")
        left += width
    ax.set_yticks(y, [plain_text(f"{nm}  (NPS {v:+.0f})") for nm, v in
                      zip(shares.index, shares["nps"], strict=True)])
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of answers (%)")
    ax.legend(frameon=False, fontsize=8, ncol=3, loc="lower center",
              bbox_to_anchor=(0.5, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_p_chart(
    df: pd.DataFrame,
    *,
    x: str = "quarter",
    ax: Axes | None = None,
) -> Axes:
    """Control chart (p-chart) of a proportion KPI over time.

    Parameters
    ----------
    df : DataFrame
        One row per period: the ``x`` column, ``estimate`` (the proportion in %) and ``n``
        (the output of `kpitools.summarize` for a proportion KPI with ``by=x``).
    x : str, default "quarter"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Points outside the limits are drawn in red.

    Notes
    -----
    The centre line is the pooled proportion ``p̄ = Σ x_i / Σ n_i`` and the control limits of
    period ``i`` are ``p̄ ± 3 √(p̄(1 − p̄)/n_i)``, clipped to [0, 100] % (Shewhart's p-chart;
    Montgomery 2019, §7.2).

    References
    ----------
    .. [1] D. C. Montgomery, *Introduction to Statistical Quality Control*, 8th ed.,
       Wiley, 2019, chapter 7.

    Examples
    --------
    >>> frame = pd.DataFrame({"quarter": ["2026Q1", "2026Q2", "2026Q3"],
    ...                       "estimate": [80.0, 82.0, 60.0], "n": [200, 200, 200]})
    >>> ax = plot_p_chart(frame)
    >>> round(ax.lines[1].get_ydata()[0], 2)  # centre line, %
    np.float64(74.0)
    """
    _require(df, [x, "estimate", "n"], "plot_p_chart")
    data = df.dropna(subset=["estimate"]).sort_values(x)
    n = data["n"].to_numpy(float)
    p = data["estimate"].to_numpy(float) / 100.0
    pbar = float((p * n).sum() / n.sum())
    sigma = np.sqrt(pbar * (1 - pbar) / n)
    ucl = np.clip(pbar + 3 * sigma, 0, 1) * 100
    lcl = np.clip(pbar - 3 * sigma, 0, 1) * 100
    xs = np.arange(len(data))
    ax = _axes(ax, (7.0, 3.0))
    ax.plot(xs, p * 100, marker="o", color=PALETTE[0], linewidth=1.5, label="observed")
    ax.plot(xs, np.full(len(xs), pbar * 100), color="#333333", linewidth=1, label="centre")
    ax.step(xs, ucl, where="mid", color=PALETTE[5], linestyle="--", linewidth=1,
            label="3σ limits")
    ax.step(xs, lcl, where="mid", color=PALETTE[5], linestyle="--", linewidth=1)
    out = (p * 100 > ucl) | (p * 100 < lcl)
    if out.any():
        ax.scatter(xs[out], p[out] * 100, color="red", zorder=3, s=50, label="out of control")
    ax.set_xticks(xs, [plain_text(v) for v in data[x].astype(str)])
    ax.set_ylabel(_kpi_label(data) if "kpi" in data.columns else "proportion (%)")
    ax.set_xlabel(plain_text(x.replace("_", " ")))
    ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_volume_heatmap(
    df: pd.DataFrame,
    *,
    timestamp: str = "created_at",
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of contact volume by weekday (rows) and hour of day (columns).

    Parameters
    ----------
    df : DataFrame
        One row per contact with a ``timestamp`` column (datetime or ISO text). Rows with no
        timestamp are left out.
    timestamp : str, default "created_at"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from kpitools.datasets import load_tickets
    >>> ax = plot_volume_heatmap(load_tickets())
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['Mon', 'Tue']
    """
    import seaborn as sns

    _require(df, [timestamp], "plot_volume_heatmap")
    t = pd.to_datetime(df[timestamp], errors="coerce").dropna()
    table = pd.crosstab(t.dt.day_of_week, t.dt.hour).reindex(index=range(7), columns=range(24),
                                                             fill_value=0)
    table.index = list(_WEEKDAYS)
    ax = _axes(ax, (7.5, 2.8))
    sns.heatmap(table, ax=ax, cmap="Blues", cbar_kws={"label": "contacts", "pad": 0.02},
                linewidths=0.3, linecolor="white")
    ax.set_xlabel("hour of day")
    ax.set_ylabel("")
    ax.tick_params(axis="y", rotation=0)
    ax.tick_params(axis="x", rotation=0, labelsize=7)
    return ax
