"""Reports render from whatever exists (issue 9, deliverables 3 and 4).

Each data shape is cut from the bundled sample data: tickets only, calls only, CSAT-only
surveys, NPS only, no CES, one quarter only, competitors only, answers without a team. Most
checks run on the section functions (cheap); three shapes are rendered through the whole
quarterly notebook to HTML (``@pytest.mark.notebook``).

What is checked for every shape: no exception; every absent part says so in one line; no
figure (``<img>``) for a section without data; no target status for an absent KPI.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kpitools.core.errors import DataValidationError
from kpitools.datasets import load_sample_data
from kpitools.reports import sections as rp

PERIOD = "2026Q3"
TODAY = "2026-11-29"
TARGETS = {"nps": 30.0, "csat": 75.0, "ces": 5.0}
NO_SURVEYS = "No survey data in this folder."
NO_TICKETS = "No ticket data in this folder."
NO_CALLS = "No call data in this folder."
NO_COMPETITORS = "No competitor data in this folder."
#: Tables cleared in a shape are cut to their header: what `read_service_data` returns for a
#: table without a file.
SURVEY_TABLES = ("surveys",)
COMPETITOR_TABLES = ("competitor_surveys", "competitor_published")


@pytest.fixture(scope="module")
def sample() -> Any:
    return load_sample_data()


def _without(data: Any, *tables: str) -> Any:
    return dataclasses.replace(data, **{t: getattr(data, t).iloc[:0] for t in tables})


def _in_quarter(frame: pd.DataFrame, column: str, quarter: str) -> pd.DataFrame:
    if column == "quarter":
        return frame[frame["quarter"].astype(str) == quarter]
    return frame[pd.to_datetime(frame[column]).dt.to_period("Q").astype(str) == quarter]


def make_shape(sample: Any, name: str) -> Any:
    """One partial data set cut from the sample data."""
    s = sample.surveys
    if name == "tickets_only":
        return _without(sample, "surveys", "calls", *COMPETITOR_TABLES)
    if name == "calls_only":
        return _without(sample, "surveys", "tickets", *COMPETITOR_TABLES)
    if name == "csat_only":  # the column itself is absent, as in the PwC or airline surveys
        return dataclasses.replace(sample, surveys=s.drop(columns=["nps", "ces"]))
    if name == "nps_only":
        return dataclasses.replace(sample, surveys=s.assign(csat=np.nan, ces=np.nan))
    if name == "no_ces":
        return dataclasses.replace(sample, surveys=s.assign(ces=np.nan))
    if name == "one_quarter":
        return dataclasses.replace(
            sample, surveys=_in_quarter(s, "quarter", PERIOD),
            tickets=_in_quarter(sample.tickets, "created_at", PERIOD),
            calls=_in_quarter(sample.calls, "offered_at", PERIOD),
            competitor_surveys=_in_quarter(sample.competitor_surveys, "quarter", PERIOD),
            competitor_published=_in_quarter(sample.competitor_published, "quarter", PERIOD))
    if name == "competitors_only":
        return _without(sample, "surveys", "tickets", "calls")
    if name == "missing_labels":
        every = np.arange(len(s))
        return dataclasses.replace(sample, surveys=s.assign(
            team=s["team"].where(every % 5 != 0), channel=s["channel"].where(every % 7 != 0)))
    raise AssertionError(name)


def quarterly_sections(data: Any, period: str) -> dict[str, Any]:
    """What the quarterly notebook shows, section by section (the same calls)."""
    return {
        "headline": rp.headline_table(data.surveys, period=period, targets=TARGETS),
        "trends": rp.kpi_trend_figure(data.surveys, period=period),
        "control": rp.csat_control_chart(data.surveys, period=period),
        "league": rp.team_league_table(data.surveys, period=period),
        "forest": rp.team_forest_figure(data.surveys, period=period),
        "nps_distribution": rp.nps_distribution_figure(data.surveys, period=period),
        "channels": rp.channel_table(data.surveys, period=period),
        "operations": rp.operations_table(data.tickets, data.calls, period=period),
        "channel_operations": rp.channel_operations_table(data.tickets, period=period),
        "volume": rp.volume_heatmap_figure(data.tickets, calls=data.calls, period=period),
        "competitors": rp.competitor_table(data.surveys, data.competitor_surveys,
                                           data.competitor_published, period=period),
        "competitor_figure": rp.competitor_figure(data.surveys, data.competitor_surveys,
                                                  data.competitor_published, period=period),
        "competitor_trend": rp.competitor_trend_table(data.surveys, data.competitor_surveys,
                                                      data.competitor_published, period=period),
        "quality": rp.data_quality_table(data),
    }


def _lines(section: Any) -> list[str]:
    """The one-line messages of a section as shown in the page (HTML, unescaped)."""
    import html

    return [html.unescape(m) for m in re.findall(r'<p class="kt-nodata">(.*?)</p>',
                                                 section._repr_html_())]


#: Per shape: sections that must be one line (no table, no figure) with that line, and lines
#: that must be shown somewhere in the report.
EXPECTED: dict[str, dict[str, Any]] = {
    "tickets_only": {
        "notes": {"headline": NO_SURVEYS, "trends": NO_SURVEYS, "control": NO_SURVEYS,
                  "league": NO_SURVEYS, "forest": NO_SURVEYS, "nps_distribution": NO_SURVEYS,
                  "channels": NO_SURVEYS, "competitors": NO_COMPETITORS,
                  "competitor_figure": NO_COMPETITORS, "competitor_trend": NO_COMPETITORS},
        "lines": {NO_CALLS},
        "figures": {"volume"},
    },
    "calls_only": {
        "notes": {"headline": NO_SURVEYS, "league": NO_SURVEYS, "forest": NO_SURVEYS,
                  "channel_operations": NO_TICKETS, "competitors": NO_COMPETITORS},
        "lines": {NO_TICKETS},
        "figures": {"volume"},
    },
    "csat_only": {
        "notes": {"nps_distribution": "No NPS answers in this folder."},
        "lines": {"No NPS answers in this folder.", "No CES answers in this folder.",
                  f"No NPS answers of ours in {PERIOD} to compare with."},
        "figures": {"trends", "control", "forest", "volume", "competitor_figure"},
        "kpis": ["csat"],
    },
    "nps_only": {
        "notes": {"control": "No CSAT answers in this folder."},
        "lines": {"No CSAT answers in this folder.", "No CES answers in this folder."},
        "figures": {"trends", "forest", "nps_distribution", "volume", "competitor_figure"},
        "kpis": ["nps"],
    },
    "no_ces": {
        "notes": {},
        "lines": {"No CES answers in this folder."},
        "figures": {"trends", "control", "forest", "nps_distribution", "volume",
                    "competitor_figure"},
        "kpis": ["nps", "csat"],
    },
    "one_quarter": {
        "notes": {"trends": f"No survey answers before {PERIOD}: no trend to draw.",
                  "control": f"No CSAT answers before {PERIOD}: no control chart to draw."},
        "lines": {"No survey answers in 2026Q2 to compare with.",
                  "No survey answers in 2025Q3 to compare with.",
                  "No tickets in 2026Q2 to compare with.",
                  "No calls in 2026Q2 to compare with."},
        "figures": {"forest", "nps_distribution", "volume", "competitor_figure"},
        "kpis": ["nps", "csat", "ces"],
    },
    "competitors_only": {
        "notes": {"headline": NO_SURVEYS, "operations": "No ticket or call data in this folder.",
                  "volume": "No ticket or call data in this folder."},
        "lines": {f"No NPS answers of ours in {PERIOD} to compare with."},
        "figures": {"competitor_figure"},
    },
    "missing_labels": {
        "notes": {},
        "lines": set(),
        "figures": {"trends", "control", "forest", "nps_distribution", "volume",
                    "competitor_figure"},
        "kpis": ["nps", "csat", "ces"],
    },
}


@pytest.fixture(scope="module")
def rendered(sample: Any) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Every section of every shape, computed once."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample warnings of the cut data
        for name in EXPECTED:
            data = make_shape(sample, name)
            out[name] = (data, quarterly_sections(data, rp.resolve_period(
                "last-complete", data, today=TODAY)))
    return out


@pytest.mark.parametrize("shape", list(EXPECTED))
def test_every_section_renders_and_says_what_is_absent(shape, rendered):
    _, sections = rendered[shape]
    expected = EXPECTED[shape]
    for name, line in expected["notes"].items():
        section = sections[name]
        assert isinstance(section, rp.ReportNote), (name, section)
        assert line in section.absent, (name, section.absent)
    shown = {line for s in sections.values() for line in _lines(s)}
    assert expected["lines"] <= shown, expected["lines"] - shown
    for name, section in sections.items():
        page = section._repr_html_()
        assert page.count("<img") == (1 if name in expected["figures"] else 0), name
        for line in _lines(section):  # each message is one line of plain text
            assert "\n" not in line and line.endswith("."), (name, line)


@pytest.mark.parametrize("shape", [s for s in EXPECTED if "kpis" in EXPECTED[s]])
def test_headline_claims_targets_only_for_kpis_with_answers(shape, rendered):
    _, sections = rendered[shape]
    head = sections["headline"]
    assert head.data["kpi"].tolist() == EXPECTED[shape]["kpis"]
    words = {"above target", "on target", "below target"}
    assert set(head.data["status"]) <= words | {f"{w} (not significant)" for w in words}
    text = head._repr_html_()
    body = text.split("<tbody>")[1].split("</tbody>")[0]
    for spec in rp.SURVEY_KPIS:
        if spec["kpi"] not in EXPECTED[shape]["kpis"]:
            assert spec["name"] not in text.split("<p class=\"kt-nodata\">")[0]
            assert spec["label"] not in body  # no row, so no "missed target" for it
            assert f"No {spec['name']} answers in this folder." in text


def test_no_ces_headline_says_so_instead_of_missed_target(rendered):
    # before: CES without answers read "missed, target 5.00" from an interval of NaN
    head = rendered["no_ces"][1]["headline"]
    assert "CES" not in " ".join(head.data["label"])
    assert head.absent == ["No CES answers in this folder."]


def test_one_quarter_makes_no_comparison(rendered):
    sections = rendered["one_quarter"][1]
    head = sections["headline"].data
    assert set(head["verdict_previous"]) == {"no comparison"}
    assert head[["difference_previous", "pvalue_year_ago"]].isna().all().all()
    assert sections["operations"].data["pvalue"].isna().all()
    assert sections["league"].data["pvalue"].isna().all()


def test_competitors_without_our_answers_are_listed_without_a_comparison(rendered):
    table = rendered["competitors_only"][1]["competitors"].data
    assert "Us" not in table["competitor"].tolist() and len(table) >= 2
    assert table["difference"].isna().all() and set(table["verdict"]) == {""}


def test_competitors_only_table_has_no_comparison_columns_nor_a_family_of_none(rendered):
    # before: columns "Us − them", "p (Holm)", "Verdict" of dashes only, and the note
    # "family: the 0 competitors"
    table = rendered["competitors_only"][1]["competitors"]
    assert list(table.display.columns) == ["Company", "Source", "NPS [95% CI]", "n"]
    page = table._repr_html_()
    assert "0 competitors" not in page and "Holm" not in page


def test_the_league_table_says_which_kpi_ranks_the_teams(rendered):
    # before: nothing said that teams without NPS answers were ranked by CSAT
    assert rendered["missing_labels"][1]["league"].caption.endswith(", ranked by NPS")
    no_nps = rp.team_league_table(
        rendered["missing_labels"][0].surveys.drop(columns=["nps"]), period=PERIOD)
    assert no_nps.caption.endswith(", ranked by CSAT")
    assert list(no_nps.data["csat"]) == sorted(no_nps.data["csat"], reverse=True)


def test_no_ticket_or_call_data_is_one_line_in_operations_and_volume(rendered):
    # before: the volume figure said "No ticket data ..." and "No call data ..." in two lines
    sections = rendered["competitors_only"][1]
    for name in ("operations", "volume"):
        assert sections[name].absent == ["No ticket or call data in this folder."], name


def test_answers_without_a_team_form_their_own_group(rendered, sample):
    data, sections = rendered["missing_labels"]
    league = sections["league"].data
    cur = data.surveys[data.surveys["quarter"] == PERIOD]
    assert "(no team)" in league["team"].tolist()
    # every answer of the quarter is in one row: none dropped for its missing team
    assert league["n"].sum() == cur["nps"].notna().sum()
    channels = sections["channels"].data
    assert "(no channel)" in channels["channel"].tolist()


def test_team_without_answers_says_so(sample):
    out = rp.headline_table(sample.surveys, period=PERIOD, team="Nobody")
    assert isinstance(out, rp.ReportNote)
    assert out.text == "No survey answers from team Nobody in this folder."


# ---------------------------------------------------------------------- the period


@pytest.mark.parametrize("shape, tables", [
    ("tickets_only", "tickets.created_at"),
    ("calls_only", "calls.offered_at"),
    ("competitors_only", "competitor quarters"),
])
def test_period_is_resolved_from_whatever_table_has_dates(shape, tables, sample):
    data = make_shape(sample, shape)
    assert rp.resolve_period("last-complete", data, today=TODAY) == PERIOD, tables
    assert rp.resolve_period("2026-Q2", data) == "2026Q2"


def test_period_without_any_dated_table_is_one_line(sample):
    data = _without(sample, "surveys", "tickets", "calls", *COMPETITOR_TABLES)
    with pytest.raises(DataValidationError, match=r"^column 'quarter': no rows with a date in "
                                                  r"any table \(surveys.quarter, tickets"):
        rp.resolve_period("last-complete", data)


def test_quarter_labels_that_are_not_quarters_are_one_line():
    surveys = pd.DataFrame({"quarter": ["2021Q1", "Q1 2021", "Q1 2021", "2021Q2"]})
    with pytest.raises(DataValidationError, match=r"2 quarter labels are not quarters such as "
                                                  r"2026Q3 \(rows 1, 2: 'Q1 2021'\)"):
        rp.resolve_period("last-complete", surveys)


# ---------------------------------------------------------------------- data quality


def _quality(*rows: dict[str, Any]) -> pd.DataFrame:
    """A data-quality table in the reader's schema (kpitools.datasets.quality)."""
    base = {"severity": "warning", "action": "row excluded", "file": "tickets.csv"}
    return pd.DataFrame([{**base, **r} for r in rows])


BAD_DATES = {"table": "tickets", "column": "created_at", "reason": "not a date", "count": 2,
             "n_rows": 202, "share": 2 / 202, "rows": "lines 17, 52",
             "values": "'yesterday', '31/02/2020'"}
BAD_PRIORITY = {"table": "tickets", "column": "priority", "reason": "unknown label", "count": 1,
                "n_rows": 202, "share": 1 / 202, "rows": "line 90", "values": "'P9'",
                "action": "value set to missing"}


def _data_with(quality: pd.DataFrame, tickets: int = 200) -> Any:
    return SimpleNamespace(quality=quality, tickets=pd.DataFrame({"x": range(tickets)}))


def test_data_quality_appendix_lists_every_problem():
    table = rp.data_quality_table(_data_with(_quality(BAD_DATES, BAD_PRIORITY)))
    assert isinstance(table, rp.ReportTable)
    assert table.data[["table", "column", "reason", "count"]].values.tolist() == [
        ["tickets", "created_at", "not a date", 2], ["tickets", "priority", "unknown label", 1]]
    page = table._repr_html_()
    assert "lines 17, 52: <code>&#x27;yesterday&#x27;, &#x27;31/02/2020&#x27;</code>" in page
    assert "tickets: 2 of 202 rows excluded (0.99%)." in page  # 2 / 202 by hand


def test_data_quality_appendix_when_clean(sample):
    out = rp.data_quality_table(sample)
    assert isinstance(out, rp.ReportNote) and out.absent == ["No rows were excluded."]
    note = _quality({"table": "calls", "column": "hold_seconds", "severity": "note",
                     "reason": "optional column absent from the source", "count": 0,
                     "action": ""})
    out = rp.data_quality_table(_data_with(note))
    assert out.absent == ["No rows were excluded.",
                          "Note: calls.hold_seconds: optional column absent from the source."]


def test_strict_makes_any_excluded_row_an_error_listing_all():
    data = _data_with(_quality(BAD_DATES, BAD_PRIORITY))
    rp.check_data_quality(data)  # 2 of 202 rows: under 5 %
    with pytest.raises(DataValidationError) as err:
        rp.check_data_quality(data, strict=True)
    text = str(err.value)
    assert "\n" not in text
    assert ("2 data problems (3 rows): tickets.created_at: 2 not a date (lines 17, 52); "
            "tickets.priority: 1 unknown label (line 90)") in text


@pytest.mark.parametrize("excluded, stops", [(10, False), (11, True)])
def test_above_the_share_of_a_table_the_report_stops(excluded, stops):
    # 10 of 200 rows is 5.0 % (allowed), 11 of 200 is 5.5 %
    data = _data_with(_quality({**BAD_DATES, "count": excluded, "n_rows": 200}))
    if not stops:
        rp.check_data_quality(data, max_excluded_share=0.05)
        return
    with pytest.raises(DataValidationError, match=r"too many rows excluded, above 5.0% of a "
                                                  r"table \(tickets: 11 of 200 rows \(5.5%\)\)"):
        rp.check_data_quality(data, max_excluded_share=0.05)


def test_the_share_counts_only_excluded_rows():
    # a value set to missing keeps its row
    data = _data_with(_quality({**BAD_PRIORITY, "count": 50, "n_rows": 200}))
    rp.check_data_quality(data, max_excluded_share=0.05)
    assert rp.excluded_shares(data).empty


def test_a_share_outside_0_1_is_refused():
    with pytest.raises(ValueError, match=r"max_excluded_share=5 is not a share between 0 and 1"):
        rp.check_data_quality(_data_with(_quality()), max_excluded_share=5)


# ---------------------------------------------------------------------- whole reports


def _write_folder(data: Any, folder: Any, tables: tuple[str, ...]) -> None:
    """Write only ``tables`` as CSV (the others have no file, as in a real export)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in tables:
        getattr(data, name).to_csv(folder / f"{name}.csv", index=False)


FOLDERS = {
    # shape, tables written, lines the page must show, figures (<img>) in the page
    "tickets_only": ("tickets_only", ("tickets",),
                     [NO_SURVEYS, NO_CALLS, NO_COMPETITORS, "No rows were excluded."], 1),
    "csat_only": ("csat_only", ("surveys", "tickets", "calls", *COMPETITOR_TABLES),
                  ["No NPS answers in this folder.", "No CES answers in this folder."], 5),
    "competitors_only": ("competitors_only", COMPETITOR_TABLES,
                         [NO_SURVEYS, "No ticket or call data in this folder."], 1),
}


@pytest.mark.notebook
@pytest.mark.parametrize("folder", list(FOLDERS))
def test_quarterly_report_renders_from_a_partial_folder(folder, sample, tmp_path):
    from kpitools.reports.runner import run_report

    shape, tables, lines, figures = FOLDERS[folder]
    data = make_shape(sample, shape)
    if shape == "csat_only":  # a file with the columns but no NPS or CES answers
        data = dataclasses.replace(data, surveys=data.surveys.assign(nps=None, ces=None))
    _write_folder(data, tmp_path / "data", tables)
    result = run_report("quarterly_report", {"period": PERIOD, "data_dir": str(tmp_path / "data"),
                                             "today": TODAY}, tmp_path / "out", formats="html")
    import html

    page = html.unescape(result.html.read_text(encoding="utf-8"))
    for line in lines:
        assert line in page, line
    if shape == "competitors_only":  # said once, not again table by table
        assert NO_TICKETS not in page and NO_CALLS not in page
    assert page.count("<img") == figures
    assert "missed" not in page or shape == "csat_only"  # CSAT 70.8 % vs target 75
    if shape == "csat_only":
        head = page.split("Headline KPIs, 2026Q3")[1].split("</table>")[0]
        assert "CSAT" in head and "NPS" not in head and "CES" not in head
    assert "Data quality" in page


# ---------------------------------------------------------------------- a real export


INCIDENTS = Path(__file__).resolve().parents[1] / "data" / "incidents_extract.csv"
#: The ServiceNow mapping of the worked example (what `kpitools init` guesses, checked).
INCIDENTS_TOML = """\
version = 1

[tables.tickets]
file = "incidents.csv"
missing = ["customer_id", "agent", "channel", "contacts", "first_contact_resolved",
           "escalated", "reopened", "satisfaction", "converted"]

[tables.tickets.columns]
ticket_id = "number"
team = "assignment_group"
priority = "priority"
created_at = "opened_at"
first_response_at = "first_active_at"
resolved_at = "resolved_at"
sla_met = "made_sla"
"""
#: File lines (header = line 1) whose opening time is planted as not a date.
PLANTED = {11: "yesterday", 51: "2016-13-45 10:00"}


@pytest.fixture(scope="module")
def incidents(tmp_path_factory) -> Path:
    """The ServiceNow extract (200 real incidents) with two planted bad rows and its mapping."""
    folder = tmp_path_factory.mktemp("servicenow")
    lines = INCIDENTS.read_text(encoding="utf-8").splitlines()
    for line, value in PLANTED.items():
        cells = lines[line - 1].split(",")
        cells[1] = value  # opened_at
        lines[line - 1] = ",".join(cells)
    (folder / "incidents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "kpitools.toml").write_text(INCIDENTS_TOML, encoding="utf-8")
    return folder


def test_two_bad_rows_are_excluded_counted_and_listed(incidents):
    data = rp.load_data(incidents)
    assert len(data.tickets) == 200 - 2
    table = rp.data_quality_table(data)
    row = table.data.iloc[0]
    assert (row["table"], row["column"], row["count"]) == ("tickets", "created_at", 2)
    page = table._repr_html_()
    for line, value in PLANTED.items():
        assert str(line) in row["rows"] and repr(value) in row["values"]
    assert "tickets: 2 of 200 rows excluded (1.00%)." in page


def test_strict_refuses_the_two_bad_rows(incidents):
    with pytest.raises(DataValidationError, match=r"created_at.*'yesterday', "
                                                  r"'2016-13-45 10:00'"):
        rp.load_data(incidents, strict=True)
    with pytest.raises(DataValidationError, match="created_at"):
        rp.setup_report(data_dir=incidents, period="2016Q1", strict=True)


def test_invalid_durations_are_left_out_of_their_kpi_not_the_report(incidents):
    # before: "column 'first_response_at': 2 first_response_at before created_at" stopped
    # the operations section, and with it the report
    data = rp.load_data(incidents)
    raw = pd.read_csv(INCIDENTS)
    opened, first = pd.to_datetime(raw["opened_at"]), pd.to_datetime(raw["first_active_at"])
    negative = int(((first < opened) & (opened.dt.to_period("Q") == "2016Q1")).sum())
    assert negative == 2  # INC0000131 and INC0000135, by hand
    table = rp.operations_table(data.tickets, data.calls, period="2016Q1")
    assert (f"First response time, median: {negative} tickets left out ({negative} "
            "first_response_at before created_at (negative duration)).") in table.notes
    assert "No call data in this folder." in table.absent
    assert "No first-contact resolution flags in this folder." in table.absent
    assert rp.channel_operations_table(data.tickets, period="2016Q1").absent == [
        "No ticket channels in this folder."]
    assert rp.resolve_period("last-complete", data, today="2026-01-01") == "2016Q2"


@pytest.mark.notebook
def test_quarterly_report_of_the_servicenow_export_with_two_bad_rows(incidents, tmp_path):
    import html

    from kpitools.reports.runner import run_report

    result = run_report("quarterly_report", {"period": "2016Q2", "data_dir": str(incidents)},
                        tmp_path, formats="html")
    page = html.unescape(result.html.read_text(encoding="utf-8"))
    assert "Operations, 2016Q2" in page and "Resolution time, median" in page
    assert "'yesterday', '2016-13-45 10:00'" in page  # the appendix lists them
    assert page.count("<img") == 1  # the ticket heat map; nothing drawn for absent data
    assert page.count(NO_SURVEYS) == 4  # once in each survey section: headline, trends,
    # teams, channels
    assert "missed" not in page and "unclear" not in page


def test_a_section_says_each_absent_line_once():
    both = rp.section(rp.ReportNote(NO_SURVEYS), rp.ReportNote(f"{NO_SURVEYS}\n{NO_CALLS}"),
                      rp.ReportNote(NO_CALLS))
    assert _lines(both) == [NO_SURVEYS, NO_CALLS]
