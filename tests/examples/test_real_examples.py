"""The worked real examples of ``examples/`` (issue 9, deliverable 6).

Each folder holds a small extract of a public data set in the source's own format, its
SOURCE.md and a ``kpitools.toml`` edited from ``kpitools init`` output. The tests check what a
new analyst would see:

* ``validate_data`` finds no error and no warning, and reads the tables the mapping names
  (the values checked against the source file read independently with plain pandas);
* a user's likely mapping mistakes on the same real files are reported (day-first dates
  left to the default; a 0 = "not applicable" score left as a score);
* the quarterly report renders to HTML from each folder through the command line, in a fresh
  process (``@pytest.mark.notebook``); sections with data show numbers, absent ones say so in
  a line with no chart or table; and one number per example equals a plain-pandas computation
  of the same quantity (ServiceNow median time to resolve, PwC CSAT and abandonment,
  airline CSAT top-2-box share, HCAHPS top-box minus bottom-box, SF abandonment rate of a
  quarter from its monthly totals).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.datasets import read_service_data, validate_data

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Example folder → the quarter its report is run for, and the tables its mapping reads.
CASES = {
    "servicenow_incidents": ("2016Q2", ("tickets",)),
    "pwc_call_centre": ("2021Q1", ("calls", "surveys")),
    "airline_survey": ("2023Q2", ("surveys",)),
    "hcahps_states": ("2022Q3", ("competitor_published",)),
    "sf_hss_call_centre": ("2024Q1", ("calls_summary",)),
}
SECTIONS = ("Headline-KPIs", "Trends", "Teams", "Channels", "Operations", "Contact-volume",
            "Competitors", "Data-quality")
MAX_BYTES = 400_000
#: A figure in the HTML: an image, or an inline SVG.
FIGURE = re.compile(r"<img|<svg")

SN = EXAMPLES / "servicenow_incidents" / "incident.csv"
PWC = EXAMPLES / "pwc_call_centre" / "01_Call-Center-Dataset.xlsx"
AIR = EXAMPLES / "airline_survey" / "airline_passenger_satisfaction.csv"
HCAHPS = EXAMPLES / "hcahps_states" / "state_results_hsp_rating.csv"


def _servicenow_source() -> pd.DataFrame:
    raw = pd.read_csv(SN, dtype=str, keep_default_na=False)
    for col in ("opened_at", "resolved_at"):
        raw[col] = pd.to_datetime(raw[col].replace("?", None), format="%d/%m/%Y %H:%M")
    return raw


# -- the folders -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_folder_is_small_and_documented(name):
    folder = EXAMPLES / name
    source = (folder / "SOURCE.md").read_text(encoding="utf-8")
    assert "Licence" in source and "Source" in source
    mapping = (folder / "kpitools.toml").read_text(encoding="utf-8")
    assert "kpitools init" in mapping and "EDIT:" in mapping
    data = [p for p in folder.iterdir() if p.name not in ("SOURCE.md", "kpitools.toml")]
    assert data and all(p.stat().st_size <= MAX_BYTES for p in data), data


@pytest.mark.parametrize("name", sorted(n for n, (_, tables) in CASES.items() if tables))
def test_example_validates_without_errors_or_warnings(name):
    report = validate_data(EXAMPLES / name)
    assert report.errors.empty, report.lines()
    assert report.warnings.empty, report.lines()
    _, tables = CASES[name]
    for table in tables:
        assert len(getattr(report.tables, table)) > 0, table


def test_a_folder_whose_files_no_table_reads_is_an_error_naming_them(tmp_path):
    """The SF monthly totals without their mapping: no table reads them."""
    name = "Call_Center_Metrics_for_the_Health_Service_System.csv"
    shutil.copy(EXAMPLES / "sf_hss_call_centre" / name, tmp_path / name)
    report = validate_data(tmp_path)
    (error,) = report.errors.itertuples()
    assert "no table can be read from this folder" in error.reason
    name = "Call_Center_Metrics_for_the_Health_Service_System.csv"
    assert name in error.reason
    (warning,) = report.warnings.itertuples()
    assert warning.file.endswith(name) and "no table reads this file" in warning.reason


# -- the tables as read, against the source read with plain pandas ------------------------


def test_servicenow_tickets_read_day_first_dates_and_question_marks():
    raw = _servicenow_source()
    tickets = read_service_data(EXAMPLES / "servicenow_incidents").tickets
    assert len(tickets) == len(raw) == 1200
    assert (tickets["created_at"].to_numpy() == raw["opened_at"].to_numpy()).all()
    assert tickets["resolved_at"].isna().sum() == raw["resolved_at"].isna().sum() == 63
    assert tickets["sla_met"].sum() == (raw["made_sla"] == "true").sum()


def test_servicenow_question_mark_is_a_missing_team_and_agent():
    raw = pd.read_csv(SN, dtype=str, keep_default_na=False)
    tickets = read_service_data(EXAMPLES / "servicenow_incidents").tickets
    assert tickets["team"].isna().sum() == (raw["assignment_group"] == "?").sum() == 130
    assert tickets["agent"].isna().sum() == (raw["assigned_to"] == "?").sum()


def test_pwc_one_sheet_feeds_calls_and_surveys():
    raw = pd.read_excel(PWC)
    data = read_service_data(EXAMPLES / "pwc_call_centre")
    calls, surveys = data.calls, data.surveys
    assert len(calls) == len(raw) == 5000
    assert calls["answered"].sum() == (raw["Answered (Y/N)"] == "Y").sum() == 4054
    talk = pd.to_timedelta(raw["AvgTalkDuration"].astype(str).replace("NaT", None))
    assert np.allclose(calls["talk_seconds"].astype(float), talk.dt.total_seconds(),
                       equal_nan=True)
    counts = surveys["csat"].value_counts().sort_index()
    assert counts.to_dict() == raw["Satisfaction rating"].value_counts().sort_index().to_dict()
    assert counts.to_dict() == {1: 417, 2: 396, 3: 1218, 4: 1180, 5: 843}  # SOURCE.md
    assert set(surveys["quarter"].astype(str)) == {"2021Q1"}


def test_airline_zero_is_not_applicable_and_the_survey_has_one_quarter():
    raw = pd.read_csv(AIR)
    surveys = read_service_data(EXAMPLES / "airline_survey").surveys
    assert len(surveys) == len(raw) == 1500
    expected = raw["On-board Service"].where(raw["On-board Service"] != 0)
    assert np.allclose(surveys["csat"].astype(float), expected, equal_nan=True)
    assert set(surveys["quarter"].astype(str)) == {"2023Q2"}
    assert sorted(surveys["team"].unique()) == ["Business", "Economy", "Economy Plus"]


def test_hcahps_releases_become_the_quarter_their_survey_window_ended():
    raw = pd.read_csv(HCAHPS)
    pub = read_service_data(EXAMPLES / "hcahps_states").competitor_published
    assert len(pub) == len(raw) == 24
    years = raw["Release Period"].str[-4:].astype(int) - 1
    assert list(pub["quarter"].astype(str)) == [f"{y}Q3" for y in years]
    assert list(pub["promoters_pct"]) == list(raw["Top-box Percentage"])
    assert list(pub["detractors_pct"]) == list(raw["Bottom-box Percentage"])


# -- a user's likely mistakes on the same real files -------------------------------------


def _copy_with(name: str, tmp_path: Path, edit) -> Path:
    folder = tmp_path / name
    shutil.copytree(EXAMPLES / name, folder)
    toml = folder / "kpitools.toml"
    toml.write_text(edit(toml.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def test_servicenow_without_the_day_first_format_is_an_error_naming_the_column(tmp_path):
    folder = _copy_with("servicenow_incidents", tmp_path,
                        lambda t: re.sub(r"(?m)^(created_at|resolved_at) = \"%d/%m.*$", "", t))
    report = validate_data(folder)
    errors = report.errors
    assert set(errors["column"]) == {"created_at", "resolved_at"}, report.lines()
    line = " ".join(report.lines())
    assert "29/2/2016" in line


def test_airline_item_with_zeros_left_as_scores_is_a_warning_with_the_count(tmp_path):
    def edit(text: str) -> str:
        text = text.replace('na_values = ["0"]\n', "")
        return text.replace('csat = "On-board Service"', 'csat = "Online Boarding"')

    zeros = int((pd.read_csv(AIR)["Online Boarding"] == 0).sum())
    assert zeros == 23
    report = validate_data(_copy_with("airline_survey", tmp_path, edit))
    assert report.errors.empty, report.lines()
    warned = report.warnings[report.warnings["column"] == "csat"]
    assert len(warned) == 1 and int(warned["count"].iloc[0]) == zeros, report.lines()


# -- the quarterly report, rendered as a new analyst would --------------------------------


def _run_report(name: str, out: Path) -> subprocess.CompletedProcess[str]:
    period, _ = CASES[name]
    return subprocess.run(
        [sys.executable, "-m", "kpitools", "report", "quarterly", "--data",
         str(EXAMPLES / name), "--period", period, "--format", "html", "--out", str(out), "-q"],
        capture_output=True, text=True, cwd=out.parent, timeout=600, check=False)


def _sections(page: str) -> dict[str, str]:
    """Section id → that section's HTML (up to the next section heading)."""
    starts = [(m.group(1), m.start()) for m in re.finditer(r'<h2 id="([^"]+)"', page)]
    out = {}
    for (sid, start), (_, end) in zip(starts, [*starts[1:], ("", len(page))], strict=True):
        out[sid] = page[start:end]
    return out


def _text(fragment: str) -> str:
    fragment = re.sub(r"<style.*?</style>|<script.*?</script>", "", fragment, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _render(name: str, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp(name) / "reports"
    result = _run_report(name, out)
    assert result.returncode == 0, result.stderr
    period, _ = CASES[name]
    page = (out / period / "quarterly.html").read_text(encoding="utf-8")
    sections = _sections(page)
    assert set(SECTIONS) <= set(sections), sorted(sections)
    return sections


def _absent(section: str, *lines: str) -> None:
    """The section shows no figure and no table, and says each absence in its line."""
    assert not FIGURE.search(section) and "<table" not in section, _text(section)
    text = _text(section)
    for line in lines:
        assert text.count(line) == 1, text


def _number_after(label: str, text: str) -> float:
    match = re.search(re.escape(label) + r"\s+(?:[a-z%]+\s+)?(-?[\d,]+(?:\.\d+)?)", text)
    assert match, text
    return float(match.group(1).replace(",", ""))


@pytest.mark.notebook
def test_servicenow_quarterly_report(tmp_path_factory):
    s = _render("servicenow_incidents", tmp_path_factory)
    for sid in ("Headline-KPIs", "Trends", "Teams", "Channels"):
        _absent(s[sid], "No survey data in this folder.")
    _absent(s["Competitors"], "No competitor data in this folder.")
    ops = _text(s["Operations"])
    assert "No call data in this folder." in ops and "No first response times" in ops
    # Median time to resolve of the incidents opened in 2016Q2, in hours, by plain pandas.
    raw = _servicenow_source()
    q2 = raw[raw["opened_at"].dt.to_period("Q").astype(str) == "2016Q2"]
    hours = ((q2["resolved_at"] - q2["opened_at"]).dt.total_seconds() / 3600).dropna()
    assert _number_after("Resolution time, median", ops) == round(hours.median(), 1)
    assert f"{len(hours)}" in ops
    assert FIGURE.search(s["Contact-volume"])
    assert "No rows were excluded." in _text(s["Data-quality"])


@pytest.mark.notebook
def test_pwc_quarterly_report(tmp_path_factory):
    s = _render("pwc_call_centre", tmp_path_factory)
    raw = pd.read_excel(PWC)
    rating = raw["Satisfaction rating"].dropna()
    headline = _text(s["Headline-KPIs"])
    assert _number_after("CSAT (% satisfied)", headline) == round(100 * (rating >= 4).mean(), 1)
    assert "No NPS answers in this folder." in headline
    ops = _text(s["Operations"])
    abandoned = (raw["Answered (Y/N)"] == "N").mean()
    assert _number_after("Abandonment rate", ops) == round(100 * abandoned, 1)
    # AHT from talk time alone, and saying so; ASA from the waits of the answered calls
    answered = raw[raw["Answered (Y/N)"] == "Y"]
    talk = pd.to_timedelta(answered["AvgTalkDuration"].astype(str)).dt.total_seconds()
    assert _number_after("Average handle time, mean", ops) == round(talk.mean() / 60, 2)
    assert "AHT from talk time alone (talk_seconds)" in ops
    wait = answered["Speed of answer in seconds"]
    assert _number_after("Average speed of answer, mean", ops) == round(wait.mean(), 1)
    assert ops.count("No waiting times") == 0
    _absent(s["Competitors"], "No competitor data in this folder.")


@pytest.mark.notebook
def test_pwc_monthly_report_compares_february_with_january(tmp_path):
    out = tmp_path / "reports"
    result = subprocess.run(
        [sys.executable, "-m", "kpitools", "report", "quarterly", "--data",
         str(EXAMPLES / "pwc_call_centre"), "--period", "2021-02", "--format", "html",
         "--out", str(out), "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    s = _sections((out / "2021-02" / "quarterly.html").read_text(encoding="utf-8"))
    raw = pd.read_excel(PWC)
    month = pd.to_datetime(raw["Date"]).dt.strftime("%Y-%m")
    ops = _text(s["Operations"])
    assert "vs 2021-01" in ops and "No calls in 2021-01 to compare with." not in ops
    for label in ("2021-02", "2021-01"):
        share = (raw.loc[month == label, "Answered (Y/N)"] == "N").mean()
        assert f"{100 * share:.1f}" in ops, (label, share)
    feb = raw.loc[month == "2021-02", "Satisfaction rating"].dropna()
    assert _number_after("CSAT (% satisfied)", _text(s["Headline-KPIs"])) == round(
        100 * (feb >= 4).mean(), 1)


@pytest.mark.notebook
def test_airline_quarterly_report(tmp_path_factory):
    s = _render("airline_survey", tmp_path_factory)
    raw = pd.read_csv(AIR)
    item = raw["On-board Service"].replace(0, np.nan).dropna()
    headline = _text(s["Headline-KPIs"])
    # CSAT top-2-box share (4 or 5 on 1-5), by plain pandas.
    assert _number_after("CSAT (% satisfied)", headline) == round(100 * (item >= 4).mean(), 1)
    assert "No NPS answers in this folder." in headline
    teams = _text(s["Teams"])
    for cls, part in raw.groupby("Class"):
        share = 100 * (part["On-board Service"].replace(0, np.nan).dropna() >= 4).mean()
        assert f"{cls} {share:.1f}" in teams, (cls, share, teams)
    assert "ranked by CSAT" in teams  # not by NPS: the survey has none
    _absent(s["Channels"], "No channel in the survey data.")
    _absent(s["Operations"], "No ticket or call data in this folder.")
    _absent(s["Contact-volume"], "No ticket or call data in this folder.")
    _absent(s["Competitors"], "No competitor data in this folder.")


@pytest.mark.notebook
def test_hcahps_quarterly_report(tmp_path_factory):
    s = _render("hcahps_states", tmp_path_factory)
    for sid in ("Headline-KPIs", "Trends", "Teams", "Channels"):
        _absent(s[sid], "No survey data in this folder.")
    _absent(s["Operations"], "No ticket or call data in this folder.")
    comp = _text(s["Competitors"])
    raw = pd.read_csv(HCAHPS)
    latest = raw[raw["Release Period"] == "07_2023"]
    assert len(latest) == 6
    for row in latest.itertuples(index=False):
        nps = row[5] - row[3]  # Top-box minus Bottom-box Percentage: the state's NPS
        assert f"{row.State} published shares {nps:.1f} [" in comp, (row.State, comp)
    assert FIGURE.search(s["Competitors"])


SF = EXAMPLES / "sf_hss_call_centre" / "Call_Center_Metrics_for_the_Health_Service_System.csv"


def test_sf_monthly_totals_read_as_calls_summary():
    raw = pd.read_csv(SF)
    got = validate_data(EXAMPLES / "sf_hss_call_centre").tables.calls_summary
    assert len(got) == len(raw) == 160
    assert got["period_start"].dt.strftime("%b %Y").tolist() == raw["Month"].tolist()
    assert got["offered"].tolist() == raw["Inbound Calls"].tolist()
    assert got["abandoned"].isna().sum() == raw["Abandoned Calls"].isna().sum() == 5
    assert got["abandoned"].dropna().tolist() == raw["Abandoned Calls"].dropna().tolist()


def _sf_totals(months: list[str]) -> tuple[int, int]:
    raw = pd.read_csv(SF)
    part = raw[raw["Month"].isin(months)]
    assert len(part) == len(months)
    return int(part["Abandoned Calls"].sum()), int(part["Inbound Calls"].sum())


def test_sf_operations_of_a_month_and_no_weeks():
    """A month of monthly totals is that month's row; a week cannot be cut from it."""
    from statsmodels.stats.proportion import proportion_confint

    from kpitools.reports.sections import operations_table

    data = validate_data(EXAMPLES / "sf_hss_call_centre").tables
    none = pd.DataFrame()
    table = operations_table(none, none, period="2024-03", calls_summary=data.calls_summary)
    (row,) = table.data.itertuples()
    k, n = _sf_totals(["Mar 2024"])
    assert row.kpi == "abandonment_rate" and row.n == n
    assert row.estimate == pytest.approx(100 * k / n)
    lo, hi = proportion_confint(k, n, method="wilson")
    assert (row.ci_low, row.ci_high) == pytest.approx((100 * lo, 100 * hi))
    k0, n0 = _sf_totals(["Feb 2024"])
    assert row.estimate_base == pytest.approx(100 * k0 / n0)
    assert any("from monthly totals (1 month in 2024-03)" in note for note in table.notes)
    assert any("Mar 2024 61 s" in note and "no confidence interval" in note
               for note in table.notes)
    week = operations_table(none, none, period="2024-W10", calls_summary=data.calls_summary)
    assert "Monthly call totals cannot be split into ISO weeks" in week.text


def test_sf_executive_summary_reads_the_monthly_totals_as_the_table_under_it():
    """The first page summarises what the operations table shows: with monthly call totals
    only, the abandonment rate of the quarter and its change (it said there was nothing
    to summarise), the same numbers as the table."""
    from kpitools.reports.sections import executive_summary, operations_table, setup_report

    report = setup_report(period="2024Q1", data_dir=EXAMPLES / "sf_hss_call_centre",
                          parameters={"confidence_level": 0.95})
    summary = executive_summary(report.data, period="2024Q1", confidence_level=0.95)
    table = operations_table(report.data.tickets, report.data.calls, period="2024Q1",
                             confidence_level=0.95, calls_summary=report.data.calls_summary)
    row = table.data.set_index("kpi").loc["abandonment_rate"]
    k, n = _sf_totals(["Jan 2024", "Feb 2024", "Mar 2024"])
    assert row["estimate"] == pytest.approx(100 * k / n)
    tile = summary.data.set_index("kpi").loc["abandonment_rate"]
    assert tile["estimate"] == pytest.approx(row["estimate"])
    assert (tile["ci_low"], tile["ci_high"]) == pytest.approx((row["ci_low"], row["ci_high"]))
    assert any(f"Abandonment rate down {abs(row['difference_year_ago']):.1f} points since "
               "2023Q1" in s for s in summary.sentences), summary.sentences


@pytest.mark.notebook
def test_sf_monthly_calls_quarterly_report(tmp_path_factory):
    s = _render("sf_hss_call_centre", tmp_path_factory)
    ops = _text(s["Operations"])
    k, n = _sf_totals(["Jan 2024", "Feb 2024", "Mar 2024"])
    assert _number_after("Abandonment rate", ops) == round(100 * k / n, 1)
    k0, n0 = _sf_totals(["Oct 2023", "Nov 2023", "Dec 2023"])
    assert f"was {100 * k0 / n0:.1f}" in ops
    assert f"{n:,}" in ops and "from monthly totals (3 months in 2024Q1)" in ops
    assert "No call data" not in ops
