"""A Parquet folder or ``.duckdb`` file read again in one process (the next report of a
batch in one kernel) is not read again while its files are unchanged; a changed file is;
no caller can change what another reads; `kpitools.datasets.clear_memo` forgets it."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from kpitools import datasets
from kpitools.engines import warehouse
from kpitools.reports import sections as rp


@pytest.fixture
def folder(tmp_path: Path):
    sample = datasets.load_sample_data()
    sample.surveys.to_parquet(tmp_path / "surveys.parquet")
    sample.tickets.to_parquet(tmp_path / "tickets.parquet")
    datasets.clear_memo()
    yield tmp_path
    datasets.clear_memo()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The warehouses actually read (not taken from the memo)."""
    seen: list[Path] = []
    real = warehouse._read_warehouse

    def counted(where: Path, **kwargs: object):
        seen.append(where)
        return real(where, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(warehouse, "_read_warehouse", counted)
    return seen


def test_unchanged_folder_is_read_once_and_copies_are_independent(folder, reads):
    first = warehouse.read_warehouse(folder, counted=True)
    first.tables.surveys.loc[0, "nps"] = 99  # a caller changing its frame in place
    first.tables.tickets["team"] = "changed"
    second = warehouse.read_warehouse(folder, counted=True)
    assert len(reads) == 1
    fresh = warehouse._read_warehouse(folder, max_excluded_share=0.05, strict=False,
                                      tables=None, identifiers=True, counted=True)
    for name, frame in fresh.tables.tables().items():
        pd.testing.assert_frame_equal(second.tables.tables()[name], frame)
    pd.testing.assert_frame_equal(second.problems, fresh.problems)


def test_other_arguments_or_a_changed_file_are_read_again(folder, reads):
    warehouse.read_warehouse(folder)
    warehouse.read_warehouse(folder, counted=True)
    assert len(reads) == 2
    surveys = datasets.load_sample_data().surveys
    surveys.iloc[:100].to_parquet(folder / "surveys.parquet")  # the export was refreshed
    os.utime(folder / "surveys.parquet", ns=(1, 1))
    again = warehouse.read_warehouse(folder, counted=True)
    assert len(reads) == 3
    assert again.tables.surveys["answers"].sum() == 100


def test_clear_memo_forgets_the_warehouse(folder, reads):
    warehouse.read_warehouse(folder)
    datasets.clear_memo()
    warehouse.read_warehouse(folder)
    assert len(reads) == 2


def test_a_batch_of_reports_reads_the_warehouse_once(folder, reads):
    one = rp.setup_report(period="2026Q3", data_dir=folder, counted=True)
    two = rp.setup_report(period="2026Q3", data_dir=folder, counted=True)
    assert len(reads) == 1
    pd.testing.assert_frame_equal(one.data.surveys, two.data.surveys)
    a, b = one.provenance.data, two.provenance.data
    same = a["item"] != "run at"
    pd.testing.assert_frame_equal(a[same], b[same])  # the same data SHA-256 among them


def test_fingerprint_changes_with_the_files(folder):
    before = warehouse.warehouse_fingerprint(folder)
    assert warehouse.warehouse_fingerprint(folder) == before
    datasets.load_sample_data().surveys.iloc[:10].to_parquet(folder / "surveys.parquet")
    assert warehouse.warehouse_fingerprint(folder) != before
