"""`kpitools validate --data` reads a Parquet folder and a .duckdb file as it reads a CSV
folder: the same problem lines, the same exit codes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from kpitools.cli import EXIT_BAD_INPUT, cli
from kpitools.datasets import load_sample_data


@pytest.fixture(scope="module")
def surveys() -> pd.DataFrame:
    frame = load_sample_data().surveys.copy()
    frame["nps"] = frame["nps"].astype("float64")
    frame.loc[frame.index[3], "nps"] = 11  # outside 0–10: excluded and counted
    return frame


def _parquet(folder: Path, surveys: pd.DataFrame) -> Path:
    folder.mkdir()
    surveys.to_parquet(folder / "surveys.parquet")
    return folder


def _duckdb(path: Path, surveys: pd.DataFrame) -> Path:
    con = duckdb.connect(str(path))
    con.register("source_frame", surveys)
    con.execute('CREATE TABLE "surveys" AS SELECT * FROM source_frame')
    con.close()
    return path


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_a_store_lists_the_excluded_value_like_a_csv_folder(tmp_path, surveys, kind):
    store = (_parquet(tmp_path / "pq", surveys) if kind == "parquet"
             else _duckdb(tmp_path / "data.duckdb", surveys))
    csv = tmp_path / "csv"
    csv.mkdir()
    surveys.to_csv(csv / "surveys.csv", index=False)
    got = CliRunner().invoke(cli, ["validate", "--data", str(store)])
    want = CliRunner().invoke(cli, ["validate", "--data", str(csv)])
    assert got.exit_code == want.exit_code == 0, got.output
    assert "1 warnings" in got.output and "nps" in got.output and "11" in got.output
    strict = CliRunner().invoke(cli, ["validate", "--data", str(store), "--strict"])
    assert strict.exit_code == EXIT_BAD_INPUT
    assert "nps" in strict.output


def test_another_file_is_refused_in_one_line(tmp_path):
    other = tmp_path / "surveys.csv"
    other.write_text("a\n1\n")
    result = CliRunner().invoke(cli, ["validate", "--data", str(other)])
    assert result.exit_code != 0
    assert "must be a .duckdb database" in result.output
    assert "Traceback" not in result.output
