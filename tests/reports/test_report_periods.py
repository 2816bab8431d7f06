"""Reports for a month or an ISO week as well as a quarter (issue 9, deliverable 5).

Every section labels the data by the kind of the period reported, compares it with the
previous period of that kind and with the same period one year earlier, and draws its trends
over the last eight periods of that kind. The numbers are checked against plain pandas
filtering of the same rows by calendar month or ISO week.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from kpitools.core.errors import DataValidationError
from kpitools.reports import sections as rp
from kpitools.reports.runner import path_component, run_report


@pytest.fixture(scope="module")
def data():
    return rp.load_data("")


def _nps(scores: pd.Series) -> float:
    """NPS by hand: % of 9–10 minus % of 0–6 among the answers."""
    s = scores.dropna().astype(float)
    return 100 * ((s >= 9).mean() - (s <= 6).mean())


def _in_month(frame: pd.DataFrame, column: str, month: str) -> pd.DataFrame:
    when = pd.to_datetime(frame[column])
    return frame[when.dt.strftime("%Y-%m") == month]


def _in_week(frame: pd.DataFrame, column: str, week: str) -> pd.DataFrame:
    iso = pd.to_datetime(frame[column]).dt.isocalendar()
    label = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    return frame[label == week]


# -- the period helpers ------------------------------------------------------------------

def test_previous_and_year_ago_of_each_kind():
    assert [rp.previous_period(p) for p in ("2026Q1", "2026-01", "2026-W01")] == [
        "2025Q4", "2025-12", "2025-W52"]
    assert [rp.year_ago(p) for p in ("2026Q1", "2026-03", "2026-W14")] == [
        "2025Q1", "2025-03", "2025-W14"]
    # a year of 53 ISO weeks: 2026-W53 a year before is 2025-W52 (2025 has 52), not 2025-W53
    assert rp.year_ago("2026-W53") == "2025-W52"
    assert rp.previous_quarter("2026Q3", 4) == "2025Q3"  # the old name keeps its meaning


def test_with_periods_labels_surveys_by_date_and_contacts_by_their_timestamp():
    surveys = pd.DataFrame({"quarter": ["2026Q1"] * 3,
                            "date": pd.to_datetime(["2026-01-31", "2026-02-01", None])})
    assert rp.with_periods(surveys, "2026-02")["period"].tolist()[:2] == ["2026-01", "2026-02"]
    assert pd.isna(rp.with_periods(surveys, "2026-02")["period"].iloc[2])
    assert rp.with_periods(surveys, "2026Q1")["period"].tolist() == ["2026Q1"] * 3
    calls = pd.DataFrame({"offered_at": pd.to_datetime(["2025-12-29 08:00", "2026-01-04 23:59"])})
    assert rp.with_periods(calls, "2026-W01", "offered_at")["period"].tolist() == [
        "2026-W01", "2026-W01"]


def test_resolve_period_takes_months_and_weeks_and_refuses_years_and_dates(data):
    assert rp.resolve_period("2026-03", data) == "2026-03"
    assert rp.resolve_period("2026-w14", data) == "2026-W14"
    assert rp.resolve_period("last-complete", data, today="2026-09-15") == "2026Q2"
    assert rp.resolve_period("last-complete", data, today="2026-09-15", kind="month") == (
        "2026-08")
    assert rp.resolve_period("last-complete", data, today="2026-09-15", kind="week") == (
        "2026-W37")
    with pytest.raises(DataValidationError, match="'2026' is a year"):
        rp.resolve_period("2026", data)
    with pytest.raises(DataValidationError, match="'2026-03-01' is a date"):
        rp.resolve_period("2026-03-01", data)
    with pytest.raises(DataValidationError, match="period '2019-03' has no data; months"):
        rp.resolve_period("2019-03", data)


def test_months_come_from_dated_tables_only():
    surveys = pd.DataFrame({"quarter": ["2026Q1", "2026Q2"]})  # quarter labels, no dates
    assert rp.data_periods(surveys, "quarter") == ["2026Q1", "2026Q2"]
    assert rp.data_periods(surveys, "month") == []
    with pytest.raises(DataValidationError, match="the data have no months"):
        rp.resolve_period("2026-03", surveys)


def test_a_week_in_a_file_name_is_kept_as_it_is():
    assert path_component("2026-W14") == "2026-W14"
    assert path_component("2026-03") == "2026-03"
    # never the same file as the lower-case spelling on a case-insensitive file system
    assert path_component("2026-w14") != "2026-w14"


# -- the sections against plain pandas ----------------------------------------------------

def test_headline_of_a_month_against_plain_pandas(data):
    s = data.surveys
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = rp.headline_table(s, period="2026-08")
    row = table.data.set_index("kpi").loc["nps"]
    aug, jul = _in_month(s, "date", "2026-08"), _in_month(s, "date", "2026-07")
    last_year = _in_month(s, "date", "2025-08")
    assert row["estimate"] == pytest.approx(_nps(aug["nps"]), abs=1e-9)
    assert row["n"] == aug["nps"].notna().sum()
    assert row["estimate_previous"] == pytest.approx(_nps(jul["nps"]), abs=1e-9)
    assert row["estimate_year_ago"] == pytest.approx(_nps(last_year["nps"]), abs=1e-9)
    assert row["difference_previous"] == pytest.approx(_nps(aug["nps"]) - _nps(jul["nps"]),
                                                       abs=1e-9)
    assert {"vs 2026-07", "vs 2025-08"} <= set(table.display.columns)
    assert "2026-08 minus the earlier month" in " ".join(table.notes)


def test_team_league_and_channels_of_a_week_against_plain_pandas(data):
    s = data.surveys
    week = _in_week(s, "date", "2026-W33")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        league = rp.team_league_table(s, period="2026-W33").data.set_index("team")
        channels = rp.channel_table(s, period="2026-W33").data.set_index("channel")
    for team, part in week.groupby("team"):
        assert league.loc[team, "nps"] == pytest.approx(_nps(part["nps"]), abs=1e-9)
    for channel, part in week.groupby("channel"):
        assert channels.loc[channel, "nps_n"] == part["nps"].notna().sum()
    previous = _in_week(s, "date", "2026-W32")
    team = league.index[0]
    expected = _nps(week.loc[week["team"] == team, "nps"]) - _nps(
        previous.loc[previous["team"] == team, "nps"])
    assert league.loc[team, "difference"] == pytest.approx(expected, abs=1e-9)


def test_operations_of_a_month_against_plain_pandas(data):
    t = data.tickets
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ops = rp.operations_table(t, data.calls, period="2026-08")
    fcr = ops.data.set_index("kpi").loc["fcr"]
    aug = _in_month(t, "created_at", "2026-08")["first_contact_resolved"].dropna()
    jul = _in_month(t, "created_at", "2026-07")["first_contact_resolved"].dropna()
    assert fcr["estimate"] == pytest.approx(100 * aug.astype(bool).mean(), abs=1e-9)
    assert fcr["n"] == len(aug)
    assert fcr["estimate_base"] == pytest.approx(100 * jul.astype(bool).mean(), abs=1e-9)
    assert {"vs 2026-07", "vs 2025-08"} <= set(ops.display.columns)


def test_trends_of_a_month_use_the_last_eight_months(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = rp.kpi_trend_figure(data.surveys, period="2026-08")
    assert fig.caption.startswith("Monthly trends")
    ticks = [t.get_text() for t in fig.figure.axes[0].get_xticklabels()]
    assert ticks and set(ticks) <= {f"2026-0{m}" for m in range(1, 9)} | {"2025-12"}, ticks


def test_volume_of_a_week_counts_the_tickets_of_that_week(data):
    fig = rp.volume_heatmap_figure(data.tickets, calls=data.calls, period="2026-W33")
    n = len(_in_week(data.tickets, "created_at", "2026-W33"))
    assert f"2026-W33 (n = {n:,})" in fig.caption


def test_competitors_are_quarterly_and_say_so_for_a_month(data):
    out = rp.competitor_table(data.surveys, data.competitor_surveys, data.competitor_published,
                              period="2026-08")
    assert isinstance(out, rp.ReportNote)
    assert out.absent == ["Competitor data are by quarter: no comparison for the month 2026-08."]


def test_surveys_with_quarter_labels_only_say_they_have_no_month(data):
    surveys = data.surveys.drop(columns=["date"])
    out = rp.headline_table(surveys, period="2026-08")
    assert isinstance(out, rp.ReportNote)
    assert out.absent == ["No survey dates in this folder (quarter labels only): no figures "
                          "for the month 2026-08."]


def test_the_cover_gives_the_dates_of_a_month_and_of_a_week(data):
    cover = rp.ReportCover(title="T", period="2026-02")
    assert "2026-02 (1 February – 28 February 2026)" in cover.lines()
    cover = rp.ReportCover(title="T", period="2026-W01")
    assert "2026-W01 (29 December – 4 January 2026)" in cover.lines()


# -- the report, rendered -----------------------------------------------------------------

@pytest.mark.notebook
def test_monthly_report_on_the_sample_data_compares_with_the_previous_month(tmp_path):
    result = run_report("quarterly_report", {"period": "2026-08"}, tmp_path, formats="html")
    assert result.html == tmp_path / "2026-08" / "quarterly.html"
    page = result.html.read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Headline KPIs, 2026-08" in text
    assert "vs 2026-07" in text and "vs 2025-08" in text
    assert "Monthly trends" in text
    assert "Competitor data are by quarter: no comparison for the month 2026-08." in text
    aug = _in_month(rp.load_data("").surveys, "date", "2026-08")
    assert f"{np.round(_nps(aug['nps']), 1):.1f}" in text
