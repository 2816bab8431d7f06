"""With more teams than a page holds, the team figures draw the highest and lowest teams and
the reader's own team, and the caption says so (a 100-team forest plot was 43 inches tall and
ran off its PDF page)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from kpitools.reports.sections.teams import (  # noqa: E402
    MAX_FIGURE_ROWS,
    nps_distribution_figure,
    rows_that_fit,
    team_forest_figure,
)


def _surveys(n_teams: int) -> pd.DataFrame:
    # team i: i + 10 promoters among 120 answers, the rest detractors — NPS rises with i
    nps = np.concatenate([np.r_[np.full(i + 10, 10.0), np.zeros(110 - i)]
                          for i in range(n_teams)])
    team = np.repeat([f"Team {i:03d}" for i in range(n_teams)], 120)
    return pd.DataFrame({"team": team, "channel": "email", "quarter": "2026Q3",
                         "date": pd.Timestamp("2026-08-01"), "nps": nps})


def _tick_labels(figure) -> list[str]:
    return [t.get_text() for t in figure.figure.axes[0].get_yticklabels()]


def test_a_few_teams_are_all_drawn():
    fig = team_forest_figure(_surveys(6), period="2026Q3")
    assert len(_tick_labels(fig)) == 6 and "highest" not in fig.caption


def test_many_teams_draw_the_extremes_and_the_highlighted_team():
    data = _surveys(100)
    fig = team_forest_figure(data, period="2026Q3", highlight="Team 050")
    labels = [t.split(" (n=")[0] for t in _tick_labels(fig)]
    half = (MAX_FIGURE_ROWS - 1) // 2
    expected = {f"Team {i:03d}" for i in [*range(half), *range(100 - half, 100), 50]}
    assert set(labels) == expected
    assert f"the {half} highest and {half} lowest of 100 teams and Team 050" in fig.caption
    assert fig.figure.get_figheight() <= 8.5  # fits a page with its caption


def test_the_distribution_by_team_is_cut_the_same_way():
    fig = nps_distribution_figure(_surveys(100), period="2026Q3", by="team")
    half = (MAX_FIGURE_ROWS - 1) // 2
    assert f"the {half} highest and {half} lowest of 100 teams" in fig.caption
    labels = [t.get_text().split("(NPS")[0].strip() for t in fig.figure.axes[0].get_yticklabels()]
    assert set(labels) == {f"Team {i:03d}" for i in [*range(half), *range(100 - half, 100)]}
    assert fig.figure.get_figheight() <= 8.5


def test_rows_that_fit_keeps_order_and_leaves_out_missing_scores():
    table = pd.DataFrame({"team": list("abcdefg"),
                          "estimate": [5.0, np.nan, 4.0, 2.0, 6.0, 3.0, 1.0]})
    shown, words = rows_that_fit(table, score="estimate", label="team", limit=5)
    assert shown["team"].tolist() == ["a", "d", "e", "g"]  # highest a, e; lowest g, d
    assert words.startswith("; the 2 highest and 2 lowest of 7 teams")
    same, none = rows_that_fit(table, score="estimate", label="team", limit=7)
    assert same is table and none == ""
