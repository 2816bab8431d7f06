"""The calls_summary table: call totals per month, read through the mapping (issue 9)."""

import pandas as pd

from kpitools.datasets import read_service_data, validate_data
from kpitools.tables.schema import TABLE_NAMES

MAPPING = """version = 1
[tables.calls_summary]
file = "monthly.csv"
date_format = "%b %Y"
[tables.calls_summary.columns]
period_start = "Month"
offered = "Inbound"
answered = "Answered"
abandoned = "Abandoned"
answered_within_threshold = "In 30 s"
[tables.calls_summary.constants]
threshold_seconds = 30
"""


def _folder(tmp_path, rows):
    head = "Month,Inbound,Answered,Abandoned,In 30 s\n"
    (tmp_path / "monthly.csv").write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "kpitools.toml").write_text(MAPPING, encoding="utf-8")
    return tmp_path


def test_monthly_totals_are_read_with_their_counts(tmp_path):
    folder = _folder(tmp_path, ["Jan 2024,100,90,10,70", "Feb 2024,80,75,5,60"])
    report = validate_data(folder)
    assert report.errors.empty and report.warnings.empty, report.lines()
    got = report.tables.calls_summary
    assert got["period_start"].tolist() == [pd.Timestamp("2024-01-01"),
                                            pd.Timestamp("2024-02-01")]
    assert got["answered"].tolist() == [90, 75]
    assert got["threshold_seconds"].tolist() == [30, 30]
    assert "calls_summary" not in TABLE_NAMES  # not a row-level table of the sample data


def test_contradicting_counts_exclude_the_row_and_are_listed(tmp_path):
    rows = ["Jan 2024,100,90,10,70", "Feb 2024,80,95,5,60", "Mar 2024,80,70,-3,60",
            "Apr 2024,80,70,10,75"]
    rows += [f"{m} 2023,100,90,10,70" for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")]
    report = validate_data(_folder(tmp_path, rows), max_excluded_share=0.5)
    warnings = report.warnings.set_index("reason")
    over = warnings.loc["more answered than offered in the same row"]
    assert (over["column"], over["count"], over["values"]) == ("answered", 1, "95")
    assert over["rows"] == "line 3"  # the file's line: the header is line 1
    within = warnings.loc["more answered within threshold than answered in the same row"]
    assert (within["column"], within["count"]) == ("answered_within_threshold", 1)
    neg = warnings.loc["a negative count"]
    assert (neg["column"], neg["count"], neg["action"]) == ("abandoned", 1,
                                                            "value set to missing")
    got = report.tables.calls_summary
    assert len(got) == 16 - 2  # Feb and Apr 2024 excluded; March keeps its row
    march = got[got["period_start"] == pd.Timestamp("2024-03-01")].iloc[0]
    assert pd.isna(march["abandoned"]) and march["answered"] == 70


def test_a_folder_without_totals_has_an_empty_table_and_no_note():
    data = read_service_data()
    assert len(data.calls_summary) == 0
    assert list(data.calls_summary.columns)[:3] == ["period_start", "team", "offered"]
    assert not data.quality["table"].eq("calls_summary").any()
    assert "calls_summary" not in data.tables()
