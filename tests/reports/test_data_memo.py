"""Reading a data folder again in one process (the next report of a batch in one kernel):
`read_service_data` and `fingerprint` remember an unchanged folder; a changed file is read
again, and no caller can change what another reads."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpitools import datasets
from kpitools.core.errors import DataValidationError
from kpitools.datasets.validate import read_folder
from kpitools.reports import sections as rp


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(datasets.DATA_DIR, data,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__", "datasets.csv"))
    for name in ("competitor_published", "competitor_surveys"):  # plain text, to edit
        gz = data / f"{name}.csv.gz"
        (data / f"{name}.csv").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    datasets.clear_memo()
    yield data
    datasets.clear_memo()


def _tables_equal(a: datasets.ServiceData, b: datasets.ServiceData) -> None:
    for name in [*a.tables(), "quality", "targets", "calls_summary"]:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def _former_fingerprint(folder: Path) -> str:
    """The digest as `fingerprint` computed it before the memo: no kpitools.toml here, so
    each table's file name and bytes in table-name order."""
    digest = hashlib.sha256()
    for name in sorted(datasets.TABLE_COLUMNS):
        path = datasets.find_table(folder, name)
        if path is not None:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_second_read_equals_a_fresh_read_and_changes_do_not_leak(folder):
    first = datasets.read_service_data(folder)
    _tables_equal(first, read_folder(folder).tables)
    # a report that changes its frames in place (a column, a value, a dropped row)
    first.surveys["nps"] = 0
    first.tickets.iloc[:10, 0] = "changed"
    del first.agents["team"]
    first.calls.loc[first.calls.index[0], "talk_seconds"] = -1.0
    second = datasets.read_service_data(folder)
    _tables_equal(second, read_folder(folder).tables)
    second.customers["mrr"] = 0.0
    _tables_equal(datasets.read_service_data(folder), read_folder(folder).tables)


def test_a_changed_file_is_read_again(folder):
    before = datasets.read_service_data(folder)
    path = folder / "competitor_published.csv"
    frame = pd.read_csv(path)
    frame.loc[0, "n"] = int(frame.loc[0, "n"]) + 1
    frame.to_csv(path, index=False)
    after = datasets.read_service_data(folder)
    assert after.competitor_published["n"].iloc[0] == before.competitor_published["n"].iloc[0] + 1
    _tables_equal(after, read_folder(folder).tables)


def test_same_size_and_mtime_rewritten_in_place_is_read_again(folder):
    """A same-size rewrite that keeps the modification time still changes the change time."""
    datasets.read_service_data(folder)
    path = folder / "competitor_published.csv"
    text = path.read_text()
    st = path.stat()
    swapped = text.replace("Contoso", "Contosa", 1)
    assert len(swapped) == len(text) and swapped != text
    path.write_text(swapped)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = datasets.read_service_data(folder)
    assert "Contosa" in set(after.competitor_published["competitor"].astype(str))


def test_arguments_are_part_of_the_key(folder):
    path = folder / "competitor_surveys.csv"
    frame = pd.read_csv(path)
    frame.loc[0, "nps"] = 11  # one excluded row
    frame.to_csv(path, index=False)
    loose = datasets.read_service_data(folder)
    assert len(loose.quality) == 1
    with pytest.raises(DataValidationError, match="competitor_surveys"):
        datasets.read_service_data(folder, strict=True)
    assert len(datasets.read_service_data(folder).quality) == 1


def test_fingerprint_follows_the_files(folder):
    digest = datasets.fingerprint(folder)
    assert digest == _former_fingerprint(folder)
    assert datasets.fingerprint(folder) == digest
    path = folder / "competitor_surveys.csv"
    path.write_text(path.read_text() + "Contoso,2026Q3,9\n")
    changed = datasets.fingerprint(folder)
    assert changed != digest
    assert changed == _former_fingerprint(folder)


def test_load_data_without_identifiers_keeps_the_memo_whole(folder):
    bare = rp.load_data(folder, identifiers=False)
    assert "response_id" not in bare.surveys.columns
    full = rp.load_data(folder)
    assert "response_id" in full.surveys.columns
    _tables_equal(full, read_folder(folder).tables)
