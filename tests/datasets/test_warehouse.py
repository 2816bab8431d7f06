"""A Parquet folder or a .duckdb file read as a data set (kpitools.engines.warehouse): the
same tables as the CSV reader, the same exclusions, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from warehouse_stores import duckdb_file, parquet_folder

from kpitools.core.errors import DataValidationError
from kpitools.datasets import load_sample_data, read_service_data, validate_data
from kpitools.datasets.quality import NO_FILE_REASON
from kpitools.engines.warehouse import is_warehouse, read_warehouse, warehouse_fingerprint
from kpitools.reports.sections import load_data
from kpitools.reports.sections.quality import data_quality_table


@pytest.fixture(scope="module")
def sample():
    return load_sample_data()


@pytest.fixture(scope="module")
def stores(tmp_path_factory, sample):
    root = tmp_path_factory.mktemp("warehouse")
    return {"parquet": parquet_folder(root / "parquet", sample.tables()),
            "duckdb": duckdb_file(root / "data.duckdb", sample.tables())}


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_same_tables_as_the_csv_reader(stores, sample, kind):
    report = read_warehouse(stores[kind])
    assert report.ok and not len(report.warnings)
    for name, frame in sample.tables().items():
        pd.testing.assert_frame_equal(report.tables[name], frame, obj=name)


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_load_data_dispatches(stores, sample, kind):
    data = load_data(stores[kind])
    pd.testing.assert_frame_equal(data.surveys, sample.surveys)


def test_partitioned_table_is_one_table(tmp_path, sample):
    surveys = sample.surveys
    for quarter, part in surveys.groupby("quarter"):
        (tmp_path / "surveys").mkdir(exist_ok=True)
        part.to_parquet(tmp_path / "surveys" / f"{quarter}.parquet")
    data = read_warehouse(tmp_path).tables
    got = data.surveys.sort_values("response_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, surveys.sort_values("response_id").reset_index(drop=True))


def test_is_warehouse(tmp_path, stores):
    assert is_warehouse(stores["parquet"]) and is_warehouse(stores["duckdb"])
    assert not is_warehouse("")
    csv = tmp_path / "csv"
    csv.mkdir()
    pd.DataFrame({"nps": [9]}).to_csv(csv / "surveys.csv", index=False)
    pd.DataFrame({"x": [1]}).to_parquet(csv / "extra.parquet")
    assert not is_warehouse(csv)  # a table's CSV: the CSV reader's folder
    (tmp_path / "notes.txt").write_text("x")
    assert not is_warehouse(tmp_path / "notes.txt")


def _bad_surveys(sample: pd.DataFrame) -> pd.DataFrame:
    bad = sample.head(400).copy()
    bad["nps"] = bad["nps"].astype("float64")
    bad.loc[3, "nps"] = 11.0  # outside the scale: value set to missing (optional column)
    bad.loc[5, "nps"] = 7.5  # not a whole number
    bad["quarter"] = bad["quarter"].astype(object)
    bad.loc[7, "quarter"] = "Q3 2026"  # not a quarter: row excluded (required without date)
    bad.loc[9, "quarter"] = "2025-Q1"  # another accepted form
    return bad.drop(columns=["date"])


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_exclusions_match_the_csv_reader(tmp_path, sample, kind):
    bad = _bad_surveys(sample.surveys)
    csv = tmp_path / "csv"
    csv.mkdir()
    bad.to_csv(csv / "surveys.csv", index=False)
    want = read_service_data(csv, max_excluded_share=0.5)
    store = (parquet_folder(tmp_path / "pq", {"surveys": bad}) if kind == "parquet"
             else duckdb_file(tmp_path / "d.duckdb", {"surveys": bad}))
    report = read_warehouse(store, max_excluded_share=0.5)
    pd.testing.assert_frame_equal(report.tables.surveys, want.surveys)
    def found(quality):  # the reasons of the CSV reader add a kpitools.toml hint
        rows = quality[quality["severity"] == "warning"]
        return sorted(zip(rows["column"], rows["count"], rows["action"], strict=True))

    assert found(report.problems) == found(want.quality)
    assert len(found(report.problems)) == 3  # outside the scale, a fraction, not a quarter


def test_missing_required_column_names_table_and_columns(tmp_path, sample):
    tickets = sample.tickets.drop(columns=["created_at"])
    folder = parquet_folder(tmp_path, {"tickets": tickets})
    with pytest.raises(DataValidationError,
                       match=r"table 'tickets' lacks the required column 'created_at' .*its "
                             r"columns are 'ticket_id', 'customer_id'"):
        load_data(folder)


def test_too_many_excluded_rows_is_an_error(tmp_path, sample):
    surveys = sample.surveys.head(100).copy()
    surveys["csat"] = np.where(np.arange(100) < 20, 9, surveys["csat"].astype("float64"))
    folder = parquet_folder(tmp_path, {"surveys": surveys})
    with pytest.raises(DataValidationError, match=r"outside the scale 1–5 .*more than the 5 %"):
        load_data(folder)
    assert len(load_data(folder, max_excluded_share=0.5).surveys) == 100


def test_strict_refuses_any_excluded_value(tmp_path, sample):
    surveys = sample.surveys.head(100).copy()
    surveys["ces"] = surveys["ces"].astype("float64")
    surveys.loc[0, "ces"] = 0.0
    folder = parquet_folder(tmp_path, {"surveys": surveys})
    data = load_data(folder)
    assert pd.isna(data.surveys.loc[0, "ces"])
    assert (data.quality["severity"] == "warning").sum() == 1
    with pytest.raises(DataValidationError, match="outside the scale 1–7"):
        load_data(folder, strict=True)


def test_text_columns_are_parsed(tmp_path, sample):
    calls = sample.calls.head(50)
    (tmp_path / "csv").mkdir()
    calls.to_csv(tmp_path / "csv" / "calls.csv", index=False)
    want = read_service_data(tmp_path / "csv").calls
    text = calls.astype(str).replace({"NaT": "", "<NA>": ""})
    folder = parquet_folder(tmp_path / "pq", {"calls": text})
    pd.testing.assert_frame_equal(read_warehouse(folder).tables.calls, want)


def test_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder or .duckdb file"):
        read_warehouse(tmp_path / "absent")
    (tmp_path / "other").mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "other" / "misc.parquet")
    report = read_warehouse(tmp_path / "other")
    assert "no kpitools table is called 'misc'" in report.warnings["reason"].iloc[0]


def test_fingerprint_follows_the_bytes(tmp_path, sample):
    folder = parquet_folder(tmp_path / "a", {"surveys": sample.surveys})
    first = warehouse_fingerprint(folder)
    assert first == warehouse_fingerprint(folder)
    sample.surveys.head(10).to_parquet(folder / "surveys.parquet")
    assert warehouse_fingerprint(folder) != first


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_missing_tables_are_one_line_as_for_a_csv_folder(tmp_path, sample, kind):
    # a tickets-only export (as examples/servicenow_incidents): the other tables are absent
    tickets = sample.tickets.head(200)
    (tmp_path / "csv").mkdir()
    tickets.to_csv(tmp_path / "csv" / "tickets.csv", index=False)
    csv = validate_data(tmp_path / "csv")
    store = (parquet_folder(tmp_path / "pq", {"tickets": tickets}) if kind == "parquet"
             else duckdb_file(tmp_path / "d.duckdb", {"tickets": tickets}))
    report = read_warehouse(store)
    absent = [name for name in sample.tables() if name not in ("tickets", "calls_summary")]
    for got in (csv, report):
        assert list(got.notes["table"]) == absent
        assert got.notes["reason"].str.startswith(NO_FILE_REASON + " (looked for ").all()
    # the report's data-quality appendix: one summary line, not one note per table
    want = data_quality_table(load_data(tmp_path / "csv"))
    got = data_quality_table(load_data(store))
    assert str(got) == str(want)
    assert "Tables not in the data (their sections say so): " + ", ".join(
        absent) + "." in str(got)
    assert "Note:" not in str(got)


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_text_times_mixing_offsets_are_an_error_as_for_a_csv_file(tmp_path, sample, kind):
    # DuckDB's cast to TIMESTAMP drops an offset: without the check, "10:00+01" and "10:00"
    # would silently land on one time line
    tickets = sample.tickets.head(20).copy()
    text = tickets["created_at"].dt.strftime("%Y-%m-%d %H:%M").astype(object)
    text.iloc[3] += "+01"
    text.iloc[7] += "+0530"
    tickets["created_at"] = text
    store = (parquet_folder(tmp_path / "pq", {"tickets": tickets}) if kind == "parquet"
             else duckdb_file(tmp_path / "d.duckdb", {"tickets": tickets}))
    errors = read_warehouse(store).errors
    assert errors["column"].tolist() == ["created_at"]
    assert errors["reason"].iloc[0].startswith("mixes time-zone offsets (or times with and "
                                               "without an offset)")
    assert errors["rows"].iloc[0] == "data rows 1, 4, 8"
    assert errors["values"].iloc[0] == ", ".join(repr(text.iloc[i]) for i in (0, 3, 7))
    with pytest.raises(DataValidationError, match="column 'created_at'.*mixes time-zone"):
        load_data(store)
    # one offset written three ways is one time line
    tickets["created_at"] = [f"{t[:16]}{('+01', '+0100', '+01:00')[i % 3]}"
                             for i, t in enumerate(text)]
    store = parquet_folder(tmp_path / "same", {"tickets": tickets})
    assert read_warehouse(store).ok
