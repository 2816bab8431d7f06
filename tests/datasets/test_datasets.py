"""Tests of kpitools.datasets: the bundled files, the registry, the readers."""

import pandas as pd
import pytest

from kpitools import datasets
from kpitools.core.errors import DataValidationError
from kpitools.datasets.simulate import SIMULATED_COLUMNS, TABLE_COLUMNS, simulate_service_data
from kpitools.tables.schema import TABLE_NAMES


@pytest.fixture(scope="module")
def small_data():
    """One small simulated data set for the module (the tests only read it)."""
    return simulate_service_data(seed=4, scale=0.05)


def test_bundled_folder_is_small():
    total = sum(p.stat().st_size for p in datasets.DATA_DIR.iterdir() if p.is_file())
    assert total < 1_000_000


def test_registry_lists_every_table_with_its_row_count():
    reg = datasets.list_datasets()
    assert reg["name"].tolist() == list(TABLE_NAMES)
    for row in reg.itertuples(index=False):
        frame = datasets.load_dataset(row.name)
        assert len(frame) == row.rows
        assert row.columns.split() == list(SIMULATED_COLUMNS[row.name])
        assert (datasets.DATA_DIR / row.file).is_file()


@pytest.mark.parametrize("loader, name", [
    (datasets.load_surveys, "surveys"), (datasets.load_tickets, "tickets"),
    (datasets.load_calls, "calls"), (datasets.load_customers, "customers"),
    (datasets.load_agents, "agents"), (datasets.load_agent_availability, "agent_availability"),
    (datasets.load_competitor_surveys, "competitor_surveys"),
    (datasets.load_competitor_published, "competitor_published"),
])
def test_loaders_return_the_canonical_columns(loader, name):
    frame = loader()
    assert tuple(frame.columns) == SIMULATED_COLUMNS[name]
    assert set(frame.columns) <= set(TABLE_COLUMNS[name])


def test_dates_are_parsed():
    t = datasets.load_tickets()
    for col in ("created_at", "first_response_at", "resolved_at"):
        assert pd.api.types.is_datetime64_any_dtype(t[col])
    assert t["resolved_at"].isna().any()  # open tickets at the end of the data


def test_round_trip_through_plain_csv(tmp_path, small_data):
    data = small_data
    data.write(tmp_path, compression=False)
    back = datasets.read_service_data(tmp_path)
    for name in TABLE_COLUMNS:
        assert len(back[name]) == len(data[name])
    assert back.surveys["nps"].tolist() == data.surveys["nps"].tolist()
    assert back.surveys["team"].tolist() == data.surveys["team"].tolist()


def test_missing_table_gives_an_empty_frame(tmp_path, small_data):
    small_data.surveys.to_csv(tmp_path / "surveys.csv",
                                                             index=False)
    back = datasets.read_service_data(tmp_path)
    assert len(back.surveys) > 0
    assert len(back.calls) == 0
    assert tuple(back.calls.columns) == TABLE_COLUMNS["calls"]


def test_missing_column_is_named(tmp_path, small_data):
    frame = small_data.surveys.drop(columns=["date", "quarter"])
    frame.to_csv(tmp_path / "surveys.csv", index=False)
    with pytest.raises(DataValidationError,
                       match="column 'date': table 'surveys' needs at least one of the columns "
                             "date, quarter"):
        datasets.load_dataset("surveys", directory=tmp_path)


def test_a_missing_optional_column_is_left_out_and_quarter_comes_from_date(tmp_path, small_data):
    """0.1 refused any absent column; optional ones are now left out of the table."""
    frame = small_data.surveys.drop(columns=["quarter", "ces"])
    frame.to_csv(tmp_path / "surveys.csv", index=False)
    back = datasets.load_dataset("surveys", directory=tmp_path)
    assert "ces" not in back.columns
    expected = pd.PeriodIndex(pd.to_datetime(frame["date"]), freq="Q").astype(str)
    assert back["quarter"].tolist() == list(expected)


def test_unknown_table_name():
    with pytest.raises(ValueError, match="name='survey' is not a known table; choose one of"):
        datasets.load_dataset("survey")


def test_missing_folder():
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.read_service_data("/nonexistent/folder")


def test_fingerprint_changes_with_the_data(tmp_path, small_data):
    data = small_data
    data.write(tmp_path)
    first = datasets.fingerprint(tmp_path)
    assert first == datasets.fingerprint(tmp_path)
    assert len(first) == 64
    data.write(tmp_path)  # byte-for-byte reproducible (no gzip time stamp)
    assert datasets.fingerprint(tmp_path) == first
    (tmp_path / "extra.txt").write_text("not a table")
    assert datasets.fingerprint(tmp_path) == first
    data.surveys.head(5).to_csv(tmp_path / "surveys.csv.gz", index=False)
    assert datasets.fingerprint(tmp_path) != first


def test_regenerate_writes_registry(tmp_path):
    datasets.regenerate(tmp_path, scale=0.05)
    reg = pd.read_csv(tmp_path / "datasets.csv")
    assert set(reg["name"]) == set(TABLE_NAMES)
