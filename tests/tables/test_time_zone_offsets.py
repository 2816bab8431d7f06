"""Short time-zone offsets ("+01", "+0100") next to naive times (issue 12/13 leftovers).

A column where some times carry an offset and others none cannot be put on one time line.
pandas refuses such a column with a raw ``ValueError: Mixed timezones detected``; kpitools
must instead raise its `DataValidationError` naming the column, the rows and the values (the
KPI functions) or list the column as an error of the data folder (the CSV reader).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import kpitools as kt
from kpitools import datasets
from kpitools.core.errors import DataValidationError
from kpitools.tables import events
from kpitools.tables.events import RowIssues, parse_timestamps, utc_offset_text


@pytest.mark.parametrize(("text", "offset"), [
    ("2024-03-01 10:00+01", "+01:00"),
    ("2024-03-01 10:00 +01", "+01:00"),
    ("2024-03-01T10:00:00.250-05", "-05:00"),
    ("2024-03-01 10:00+0100", "+01:00"),
    ("2024-03-01 10:00:00+01:00", "+01:00"),
    ("2024-03-01T10:00:00-0530", "-05:30"),
    ("2024-03-01 10:00Z", "Z"),
    ("  2024-03-01 10:00+02  ", "+02:00"),
    ("2024-03-01 10:00", None),
    ("2024-03-01", None),  # a date alone: "-01" is its day, not an offset
    ("01-03-24", None),
])
def test_offset_text(text, offset):
    assert utc_offset_text(text) == offset


def _mixed(short: str = "+01") -> pd.Series:
    return pd.Series(["2024-03-01 09:00", f"2024-03-01 10:00{short}", "2024-03-01 11:00",
                      "2024-03-01 12:00", None], index=[10, 11, 12, 13, 14], dtype=object)


@pytest.mark.parametrize("short", ["+01", "-05", " +01"])
@pytest.mark.parametrize("fast", [True, False])
def test_short_offset_among_naive_times_names_column_row_and_value(short, fast, monkeypatch):
    if not fast:  # the per-value path (no pyarrow, or values that are not all text)
        monkeypatch.setattr(events, "_text_flags", lambda v: None)
    values = _mixed(short)
    with pytest.raises(DataValidationError,
                       match=r"column 'created_at': 1 time-zone-aware timestamps mixed with "
                             r"the column's other time-zone convention \(time-zone mix\) "
                             + re.escape(f"(row 11: '2024-03-01 10:00{short}')")) as err:
        parse_timestamps(values, column="created_at", issues=RowIssues(values.index))
    assert (err.value.column, err.value.rows) == ("created_at", [11])


def test_excluded_short_offset_leaves_the_naive_times():
    values = _mixed()
    issues = RowIssues(values.index, invalid="exclude")
    got = parse_timestamps(values, column="created_at", issues=issues)
    assert issues.mask.tolist() == [False, True, False, False, False]
    assert got.tolist()[::2] == [pd.Timestamp("2024-03-01 09:00"),
                                 pd.Timestamp("2024-03-01 11:00"), pd.NaT]


def test_short_and_long_offsets_are_one_time_line():
    values = pd.Series(["2024-03-01 10:00+01", "2024-03-01 10:00+0100",
                        "2024-03-01T10:00:00+01:00", "2024-03-01 12:00+03"])
    got = parse_timestamps(values, column="t", issues=RowIssues(values.index))
    assert got.tolist() == [pd.Timestamp("2024-03-01 09:00", tz="UTC")] * 4


def test_a_mix_pandas_refuses_is_reported_even_when_the_suffix_test_misses_it(monkeypatch):
    # the last line of defence: pandas' "Mixed timezones" error becomes ours
    monkeypatch.setattr(events, "_text_flags", lambda v: None)
    monkeypatch.setattr(events, "_has_tz_text", lambda v: pd.Series(False, index=v.index)
                        .to_numpy(dtype=bool))
    values = _mixed()
    with pytest.raises(DataValidationError,
                       match=r"column 'created_at': 1 time-zone-aware timestamps mixed .*"
                             r"\(row 11: '2024-03-01 10:00\+01'\)"):
        parse_timestamps(values, column="created_at", issues=RowIssues(values.index))


def _tickets() -> pd.DataFrame:
    return pd.DataFrame({
        "ticket_id": ["T1", "T2", "T3", "T4", "T5"],
        "created_at": ["2024-03-01 10:00+01", "2024-03-01 11:00", "2024-03-01 11:30",
                       "2024-03-01 11:00", "2024-03-01 11:00"],
        "resolved_at": ["2024-03-01 12:00", "2024-03-01 13:00", "2024-03-02 13:00",
                        "2024-03-01 13:00", "2024-03-01 13:00"]})


@pytest.mark.parametrize("kpi", ["resolution_time", "backlog"])
def test_kpi_functions_raise_our_error_not_pandas(kpi):
    with pytest.raises(DataValidationError,
                       match=r"column 'created_at': 1 time-zone-aware .*\(row 0: "
                             r"'2024-03-01 10:00\+01'\)"):
        getattr(kt, kpi)(_tickets())


def test_csv_reader_lists_the_column_with_its_lines(tmp_path):
    _tickets().to_csv(tmp_path / "tickets.csv", index=False)
    report = datasets.validate_data(tmp_path)
    errors = report.errors
    assert errors["column"].tolist() == ["created_at"]
    assert errors["reason"].iloc[0].startswith("mixes time-zone offsets (or times with and "
                                               "without an offset)")
    assert (errors["rows"].iloc[0], errors["values"].iloc[0]) == (
        "lines 2, 3", "'2024-03-01 10:00+01', '2024-03-01 11:00'")
    with pytest.raises(DataValidationError, match=r"column 'created_at': mixes time-zone "
                                                  r"offsets .*lines 2, 3"):
        datasets.read_service_data(tmp_path)


def test_csv_reader_takes_short_and_long_forms_of_one_offset(tmp_path):
    tickets = _tickets()
    tickets["created_at"] = ["2024-03-01 10:00+01", "2024-03-01 11:00+0100",
                             "2024-03-01 11:30+01:00", "2024-03-01 11:00+01",
                             "2024-03-01 11:00+01"]
    tickets.to_csv(tmp_path / "tickets.csv", index=False)
    (tmp_path / "kpitools.toml").write_text('[tables.tickets]\ntimezone = "UTC"\n',
                                            encoding="utf-8")
    got = datasets.read_service_data(tmp_path).tickets["created_at"]
    assert got.tolist() == [pd.Timestamp(t) for t in (
        "2024-03-01 09:00", "2024-03-01 10:00", "2024-03-01 10:30", "2024-03-01 10:00",
        "2024-03-01 10:00")]
