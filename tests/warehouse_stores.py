"""Tables written as a Parquet folder or a ``.duckdb`` file, for the tests that read them
(importable from any test module: pytest puts this folder on ``sys.path`` for its
``conftest.py``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def parquet_folder(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """``folder`` with one ``NAME.parquet`` per table."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet")
    return folder


def duckdb_file(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """A DuckDB database at ``path`` with one table per frame."""
    import duckdb

    con = duckdb.connect(str(path))
    for name, frame in tables.items():
        con.register("source_frame", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM source_frame')
        con.unregister("source_frame")
    con.close()
    return path
