"""Reports from a Parquet folder or a .duckdb file: the same numbers as from the CSV folder."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from kpitools.datasets import load_sample_data
from kpitools.engines.warehouse import warehouse_fingerprint
from kpitools.reports import sections as rp


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-warehouse")
    tables = load_sample_data().tables()
    (root / "parquet").mkdir()
    con = duckdb.connect(str(root / "data.duckdb"))
    for name, frame in tables.items():
        frame.to_parquet(root / "parquet" / f"{name}.parquet")
        con.register("source_frame", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM source_frame')
        con.unregister("source_frame")
    con.close()
    return {"parquet": root / "parquet", "duckdb": root / "data.duckdb"}


def _numbers(report):
    data, period = report.data, report.period
    parts = {
        "headline": rp.headline_table(data.surveys, period=period),
        "league": rp.team_league_table(data.surveys, period=period),
        "standout": rp.standout_table(data.surveys, period=period, by="team"),
        "channels": rp.channel_table(data.surveys, period=period),
        "operations": rp.operations_table(data.tickets, data.calls, period=period),
        "competitors": rp.competitor_table(data.surveys, data.competitor_surveys,
                                           data.competitor_published, period=period),
    }
    return {k: v.data for k, v in parts.items()}


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_report_numbers_equal_the_csv_route(stores, kind):
    csv = rp.setup_report(period="last-complete", today="2026-11-29")
    other = rp.setup_report(period="last-complete", today="2026-11-29", data_dir=stores[kind])
    assert other.period == csv.period
    want, got = _numbers(csv), _numbers(other)
    for name, frame in want.items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    summary = rp.executive_summary(other.data, period=other.period)
    assert repr(summary) == repr(rp.executive_summary(csv.data, period=csv.period))


@pytest.mark.parametrize("kind", ["parquet", "duckdb"])
def test_provenance_hashes_the_store(stores, kind):
    report = rp.setup_report(period="2026Q3", data_dir=stores[kind])
    items = dict(zip(report.provenance.data["item"], report.provenance.data["value"],
                     strict=True))
    assert items["data SHA-256"] == warehouse_fingerprint(stores[kind])
    assert items["data"] == str(stores[kind])
